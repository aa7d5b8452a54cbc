"""Run Alembic migrations programmatically (the service does this at start)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from handoff_service.db import normalise_url

PACKAGE_DIR = Path(__file__).resolve().parent


def alembic_config(url: str) -> Config:
    cfg = Config(str(PACKAGE_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(PACKAGE_DIR / "migrations"))
    # ConfigParser interpolation would choke on '%' in passwords.
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade_database(url: str) -> None:
    command.upgrade(alembic_config(url), "head")
