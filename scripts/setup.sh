# Sourced by ./heard. Every step checks whether it is already done and skips if so.
RASA_VENV="$ROOT/.venv-rasa"
APP_VENV="$ROOT/.venv"
APP_PY="$APP_VENV/bin/python"
RASA_BIN="$RASA_VENV/bin/rasa"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[setup] %s\033[0m\n' "$*" >&2; exit 1; }

# find_python 3.10 → prints the path of a working interpreter of that minor version, or nothing.
find_python() {
  local want="$1" candidate version prefix
  local candidates=()
  local override="HEARD_PYTHON${want//./}"
  [ -n "${!override:-}" ] && candidates+=("${!override}")
  candidates+=("python$want")
  if command -v pyenv >/dev/null 2>&1; then
    for version in $(pyenv versions --bare 2>/dev/null | grep -E "^${want//./\\.}\.[0-9]+$" | sort -t. -k3 -n -r); do
      prefix="$(pyenv prefix "$version" 2>/dev/null)" && candidates+=("$prefix/bin/python$want")
    done
  fi
  candidates+=("/usr/bin/python$want" "/usr/local/bin/python$want")
  if command -v uv >/dev/null 2>&1; then candidates+=("$(uv python find "$want" 2>/dev/null || true)"); fi
  for candidate in "${candidates[@]}"; do
    [ -n "$candidate" ] || continue
    if "$candidate" -c "import sys, venv; sys.exit(0 if sys.version_info[:2] == tuple(map(int, '$want'.split('.'))) else 1)" >/dev/null 2>&1; then
      command -v "$candidate" 2>/dev/null || echo "$candidate"
      return 0
    fi
  done
  return 1
}

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

# ensure_venv DIR PYTHON_VERSION REQUIREMENT_ARGS... : (re)install only when requirements changed.
ensure_venv() {
  local dir="$1" want="$2"; shift 2
  local files=() arg python stamp
  for arg in "$@"; do [ -f "$arg" ] && files+=("$arg"); done
  stamp="$(stamp_of "${files[@]}")-$want"
  if [ -x "$dir/bin/python" ] && ! "$dir/bin/python" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$want'.split('.'))))" 2>/dev/null; then
    say "$(basename "$dir") was built with another Python; rebuilding it"
    rm -rf "$dir"
  fi
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.heard-stamp" 2>/dev/null)" = "$stamp" ]; then
    say "$(basename "$dir"): up to date"
    return 0
  fi
  python="$(find_python "$want")" || die "Python $want is needed for $(basename "$dir") but none was found.
  Install it, e.g.:  pyenv install $want   (or: apt-get install python$want python$want-venv)
  or point HEARD_PYTHON${want//./} at an interpreter."
  if [ ! -x "$dir/bin/python" ]; then
    say "creating $(basename "$dir") with $python"
    "$python" -m venv "$dir"
  fi
  local log="$ROOT/var/log/pip-$(basename "$dir").log"
  mkdir -p "$ROOT/var/log"
  say "installing into $(basename "$dir") (first time: a few minutes; log: var/log/$(basename "$log"))…"
  if ! { "$dir/bin/python" -m pip install --quiet --upgrade pip wheel "setuptools<70" \
         && "$dir/bin/python" -m pip install --progress-bar off "$@"; } >"$log" 2>&1; then
    grep -vE "^WARNING: Location" "$log" | tail -30
    die "pip install failed for $(basename "$dir") (full log: $log)"
  fi
  echo "$stamp" > "$dir/.heard-stamp"
}

heard_setup_venvs() {
  ensure_venv "$RASA_VENV" 3.10 -r requirements/rasa.txt -c requirements/rasa-constraints.txt
  ensure_venv "$APP_VENV" 3.11 -r requirements/app.txt -r requirements/dev.txt
}

# .env with fresh secrets, so the Rasa HTTP API never runs open.
heard_setup_env() {
  if [ -f "$ROOT/.env" ]; then say ".env: present"; return 0; fi
  say "writing .env from .env.example with fresh secrets"
  "$APP_PY" - <<'PY'
import re, secrets
from pathlib import Path
text = Path(".env.example").read_text()
for key in ("RASA_TOKEN", "HANDOFF_SERVICE_TOKEN", "HANDOFF_SECRET_KEY", "POSTGRES_PASSWORD"):
    text = re.sub(rf"^{key}=.*$", f"{key}={secrets.token_urlsafe(32)}", text, flags=re.M)
Path(".env").write_text(text)
PY
}

# The encoder's meta.json names the export's sha256: another export means other intent features.
model_fingerprint() {
  { find config.yml domain.yml data rasa_addons knowledge actions/knowledge -type f \( -name '*.yml' -o -name '*.yaml' -o -name '*.py' -o -name '*.txt' \) \
      -not -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum
    grep -h '"onnx_sha256"' "${NLU_ENCODER_DIR:-$ROOT/var/nlu-encoder}/meta.json"
  } | sha256sum | cut -c1-16
}

heard_train() {
  local fingerprint encoder
  encoder="$(PYTHONPATH="$ROOT" "$APP_PY" -m actions.nlu_encoder 2>&1)" \
    || { echo "$encoder" | tail -20; die "exporting the sentence encoder for Rasa's intent features failed"; }
  say "sentence encoder for intent features: ${encoder##*$'\n'}"
  fingerprint="$(model_fingerprint)"
  if [ -f models/heard.tar.gz ] && [ "$(cat models/.fingerprint 2>/dev/null)" = "$fingerprint" ]; then
    say "Rasa model: up to date (config, domain and data unchanged)"
    return 0
  fi
  say "training the Rasa model (config, domain or data changed)…"
  PYTHONPATH="$ROOT" "$RASA_BIN" train --fixed-model-name heard --out models --force >"$ROOT/var/log/train.log" 2>&1 \
    || { tail -40 "$ROOT/var/log/train.log"; die "rasa train failed (full log: var/log/train.log)"; }
  echo "$fingerprint" > models/.fingerprint
  say "Rasa model trained"
}

heard_setup_data() {
  say "preparing databases and the emotion model"
  PYTHONPATH="$ROOT" "$APP_PY" -m actions.insurance.setup
  if "$APP_PY" -c "import actions.emotion.prepare" >/dev/null 2>&1; then
    PYTHONPATH="$ROOT" "$APP_PY" -m actions.emotion.prepare
  fi
}

heard_setup() {
  mkdir -p "$ROOT/var/log" "$ROOT/models"
  heard_setup_venvs
  heard_setup_env
  heard_setup_data
  heard_train
  say "setup complete"
}

# install_debian_package PACKAGE BINARY WHY → 0 when BINARY is there (installed now if we can: root + apt).
install_debian_package() {
  local package="$1" binary="$2" why="$3"
  if command -v "$binary" >/dev/null 2>&1 || [ -x "/usr/sbin/$binary" ] || [ -x "/usr/bin/$binary" ]; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing $package for $why (apt)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null) && return 0
  fi
  return 1
}

# Browser tests drive Debian's chromium; Playwright cannot download its own browser here. The production
# profile's end-to-end tests need nginx.
heard_setup_test_tools() {
  install_debian_package nginx nginx "the production-profile tests" \
    || say "could not install nginx: the production-profile tests will fail (apt-get install nginx)"
  install_debian_package chromium chromium "the browser tests" \
    || say "could not install chromium: browser tests will say they skipped (apt-get install chromium)"
  # axe-core (npm, pinned in tests/tools/package-lock.json): the accessibility checks of the browser tests.
  if [ ! -f "$ROOT/tests/tools/node_modules/axe-core/axe.min.js" ]; then
    if command -v npm >/dev/null 2>&1; then
      say "installing axe-core for the accessibility tests (npm ci)"
      npm ci --prefix "$ROOT/tests/tools" --no-audit --no-fund >/dev/null \
        || say "could not install axe-core: accessibility tests will say they skipped (npm ci --prefix tests/tools)"
    else
      say "npm not found: accessibility tests will say they skipped (apt-get install npm)"
    fi
  fi
}

# The production profile (./heard up --production) needs nginx (Debian package), and reaches the
# machine's PostgreSQL and Redis; it creates its role and databases itself (stack/production.py).
heard_setup_production() {
  install_debian_package nginx nginx "the production profile" \
    || die "nginx is needed for the production profile: apt-get install nginx"
  command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h "${POSTGRES_HOST:-127.0.0.1}" -p "${POSTGRES_PORT:-5432}" \
    && die "PostgreSQL is not answering at ${POSTGRES_HOST:-127.0.0.1}:${POSTGRES_PORT:-5432}"
  command -v redis-cli >/dev/null 2>&1 && ! redis-cli -h "${REDIS_HOST:-127.0.0.1}" -p "${REDIS_PORT:-6379}" ping >/dev/null 2>&1 \
    && die "Redis is not answering at ${REDIS_HOST:-127.0.0.1}:${REDIS_PORT:-6379}"
  if [ -f "$ROOT/.env" ] && ! grep -q '^POSTGRES_PASSWORD=.' "$ROOT/.env"; then
    say "adding a fresh POSTGRES_PASSWORD to .env"
    printf '\nPOSTGRES_PASSWORD=%s\n' "$("$APP_PY" -c 'import secrets; print(secrets.token_urlsafe(24))')" >> "$ROOT/.env"
  fi
  say "production profile: nginx, PostgreSQL and Redis found"
}
