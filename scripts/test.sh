#!/usr/bin/env bash
# Every test: Python 3.11 tests (actions, scorer, handoff service, end-to-end through the real
# processes, browser) and the Rasa checks (data validation + test stories), all under pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PYTHONPATH="$ROOT"
# Two workers for two cores: tests wait on Rasa and the services as much as they compute (tests/conftest.py
# groups them). HEARD_TEST_WORKERS=0 runs everything in this one process.
exec "$ROOT/.venv/bin/python" -m pytest -n "${HEARD_TEST_WORKERS:-2}" --dist loadgroup "$@"
