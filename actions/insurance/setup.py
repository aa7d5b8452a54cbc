"""Migrate the insurance database to the newest schema and add the demo data (idempotent).

    python -m actions.insurance.setup            # uses INSURANCE_DATABASE_URL
    python -m actions.insurance.setup --url sqlite:///var/other.db
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config
from sqlalchemy.orm import sessionmaker

from actions import config
from actions.insurance.db import make_engine
from actions.insurance.seed import seed_demo_data

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    alembic_cfg = Config()
    alembic_cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # '%' is ConfigParser interpolation syntax; URLs with encoded passwords contain it.
    alembic_cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return alembic_cfg


def upgrade(url: Optional[str] = None) -> None:
    command.upgrade(alembic_config(url or config.INSURANCE_DATABASE_URL), "head")


def setup(url: Optional[str] = None) -> int:
    """Migrate and seed; returns the number of demo rows added (0 when already seeded)."""
    url = url or config.INSURANCE_DATABASE_URL
    upgrade(url)
    engine = make_engine(url)
    try:
        with sessionmaker(engine).begin() as session:
            return seed_demo_data(session)
    finally:
        engine.dispose()


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: INSURANCE_DATABASE_URL)")
    args = parser.parse_args(argv)
    added = setup(args.url)
    print(f"insurance database ready ({added} demo rows added)")


if __name__ == "__main__":
    main()
