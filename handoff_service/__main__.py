"""``python -m handoff_service``: migrate, seed the demo agent (embedded default), serve on HANDOFF_HOST:HANDOFF_PORT."""
from __future__ import annotations

import logging

import uvicorn

from handoff_service.app import create_app
from handoff_service.bootstrap import prepare_database
from handoff_service.config import SETTINGS
from rasa_addons import redaction


def main() -> None:
    # Every record is redacted as it is made: the access log's URLs lose ?token=…, and personal data
    # (emails, phones, policy/claim/card numbers) in any line is replaced (rasa_addons/redaction.py).
    redaction.install()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    prepare_database(SETTINGS)
    uvicorn.run(create_app(SETTINGS), host=SETTINGS.host, port=SETTINGS.port, log_level="info")


if __name__ == "__main__":
    main()
