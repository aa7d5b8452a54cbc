"""Where the public data sets are: ``../shared/data`` beside the repository (or beside its worktree folder)."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    """``HEARD_SHARED_DATA`` if set, else the first ``shared/data`` found above the repository."""
    if os.environ.get("HEARD_SHARED_DATA"):
        return Path(os.environ["HEARD_SHARED_DATA"])
    for parent in ROOT.parents:
        candidate = parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "data"
