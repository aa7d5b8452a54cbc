"""The credentials file Rasa is started with: credentials.yml minus messaging platforms whose
secrets are not set. Rasa would otherwise refuse to start (unset ${VARS}) or try to reach a
platform with an empty token."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from stack.settings import ROOT

VARIABLE = re.compile(r"\$\{(\w+)\}")
# The callback channel, like a platform, is on when its variable (CALLBACK_URL) is set.
ALWAYS_ON = {"socketio"}


def rest_channel_on(env: dict[str, str]) -> bool:
    """REST lets a caller name the conversation: on for development; in production only with REST_CHANNEL_TOKEN
    set (clients must then present it: rasa_addons/channels.py) or when HEARD_REST_CHANNEL=true asks for it
    (that channel still refuses every request without the token). HEARD_REST_CHANNEL=false turns it off anywhere."""
    asked = env.get("HEARD_REST_CHANNEL", "").strip().lower()
    if asked:
        return asked in ("1", "true", "yes", "on")
    if env.get("HEARD_PROFILE", "").strip().lower() == "production":
        return bool(env.get("REST_CHANNEL_TOKEN", "").strip())
    return True


def active_credentials(env: dict[str, str], source: Path = ROOT / "credentials.yml") -> dict:
    channels = yaml.safe_load(source.read_text()) or {}
    active = {}
    for name, settings in channels.items():
        needed = VARIABLE.findall(yaml.safe_dump(settings or {}))
        if name in ALWAYS_ON or (name == "rest" and rest_channel_on(env)) \
                or (needed and all(env.get(var) for var in needed)):
            active[name] = settings
    return active


def write_active_credentials(env: dict[str, str], target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    # Placeholders stay as ${VAR}: Rasa expands them itself from the environment it is given.
    text = yaml.safe_dump(active_credentials(env), sort_keys=False)
    target.write_text(re.sub(r"'(\$\{\w+\})'", r"\1", text))
    return target


if __name__ == "__main__":  # the Rasa image: python -m stack.channels /tmp/credentials.yml
    import os
    import sys

    write_active_credentials(dict(os.environ), Path(sys.argv[1]))
