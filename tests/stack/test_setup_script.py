"""The setup script finds its interpreters itself and says clearly what is missing."""
from __future__ import annotations

import subprocess

from tests.conftest import ROOT


def _bash(script: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", f'ROOT="{ROOT}"; source scripts/setup.sh; {script}'],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_finds_a_python_310_without_a_shim_on_path():
    # Only the system directories on PATH: pyenv's python3.10 shim does not resolve there.
    result = _bash("find_python 3.10", {"PATH": "/root/.pyenv/bin:/usr/bin:/bin", "HOME": "/root"})
    assert result.returncode == 0, result.stderr
    version = subprocess.run([result.stdout.strip(), "--version"], capture_output=True, text=True)
    assert version.stdout.startswith("Python 3.10"), version.stdout


def test_missing_python_stops_with_a_message_naming_what_to_install(tmp_path):
    # An empty PATH and no pyenv: nothing can be found, and the message says what to do.
    script = f'ensure_venv "{tmp_path}/venv" 3.10 -r requirements/rasa.txt'
    result = _bash(script, {"PATH": "/bin", "HOME": str(tmp_path)})
    assert result.returncode != 0
    assert "Python 3.10 is needed" in result.stderr
    assert "pyenv install 3.10" in result.stderr
    assert not (tmp_path / "venv").exists()


def test_wrong_interpreter_override_is_not_trusted(tmp_path):
    result = _bash("find_python 3.10", {"PATH": "/bin", "HOME": str(tmp_path),
                                         "HEARD_PYTHON310": "/usr/bin/python3"})
    # /usr/bin/python3 is not 3.10 on this image, so it must not be returned.
    assert result.stdout.strip() != "/usr/bin/python3"
