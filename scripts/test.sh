#!/usr/bin/env bash
# Every test: Python 3.11 tests (actions, scorer, handoff service, end-to-end through the real
# processes, browser) and the Rasa checks (data validation + test stories), all under pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PYTHONPATH="$ROOT"
exec "$ROOT/.venv/bin/python" -m pytest "$@"
