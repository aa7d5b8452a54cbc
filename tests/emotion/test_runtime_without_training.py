"""The action server scores without the training tools: nothing under actions/ imports ``training``."""
from __future__ import annotations

import json
import re
import subprocess
import sys

from tests.conftest import ROOT

BLOCK_TRAINING = """
import importlib.abc, json, sys

class NoTraining(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "training" or name.startswith("training."):
            raise ImportError("training/ is not part of the runtime")
        return None

sys.meta_path.insert(0, NoTraining())
import actions.server  # noqa: F401  (the action server's module graph)
from actions.emotion import get_scorer
print(json.dumps(get_scorer().score("I reported the leak THREE WEEKS ago and nobody has called!!")))
"""


def test_the_scorer_loads_and_scores_with_training_unimportable():
    done = subprocess.run([sys.executable, "-c", BLOCK_TRAINING], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    score = json.loads(done.stdout.strip().splitlines()[-1])
    assert score["intensity"] > 0.5 and {"valence", "arousal", "emotions"} <= set(score)


def test_no_runtime_module_imports_the_training_package():
    pattern = re.compile(r"^\s*(?:from|import)\s+training\b", re.MULTILINE)
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "actions").rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []
