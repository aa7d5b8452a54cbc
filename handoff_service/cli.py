"""Command line: ``python -m handoff_service.cli create-agent|export-openapi|migrate``."""
from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from handoff_service.config import SETTINGS, replace_settings

OPENAPI_PATH = Path(__file__).resolve().parent / "openapi.json"


def generated_openapi_text() -> str:
    
    from handoff_service.app import build_runtime, create_app

    # The spec does not depend on the database; an in-memory one avoids touching var/.
    settings = replace_settings(SETTINGS, database_url="sqlite://")
    spec = create_app(settings, runtime=build_runtime(settings)).openapi()
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _create_agent(args: argparse.Namespace) -> int:
    from handoff_service.db import make_engine, make_session_factory
    from handoff_service.migrate import upgrade_database
    from handoff_service.services.agents import create_agent
    from handoff_service.models import AgentRole
    from handoff_service.services.errors import Conflict

    password = args.password or getpass.getpass("Password: ")
    if len(password) < 8:
        print("Password must have at least 8 characters", file=sys.stderr)
        return 2
    url = args.database_url or SETTINGS.database_url
    upgrade_database(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            skills = [s.strip() for s in (args.skills or "").split(",") if s.strip()]
            try:
                agent = create_agent(session=session, name=args.name, email=args.email, password=password, skills=skills,
                                     role=AgentRole(args.role), team=args.team)
            except Conflict as exc:
                print(exc.message, file=sys.stderr)
                return 1
            session.commit()
            print(f"Created agent {agent.id}: {agent.name} <{agent.email}> ({agent.role.value}, team {agent.team})")
    finally:
        engine.dispose()
    return 0


def _export_openapi(args: argparse.Namespace) -> int:
    text = generated_openapi_text()
    if args.check:
        if not OPENAPI_PATH.exists() or OPENAPI_PATH.read_text(encoding="utf-8") != text:
            print(f"{OPENAPI_PATH} is out of date; run: .venv/bin/python -m handoff_service.cli export-openapi")
            return 1
        print("openapi.json is up to date")
        return 0
    OPENAPI_PATH.write_text(text, encoding="utf-8")
    print(f"Wrote {OPENAPI_PATH}")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from handoff_service.migrate import upgrade_database

    upgrade_database(args.database_url or SETTINGS.database_url)
    print("Database is at the latest revision")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handoff_service.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-agent", help="Create an agent who can log in to the console")
    create.add_argument("--name", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--password", help="Prompted for when omitted")
    create.add_argument("--skills", help="Comma-separated, e.g. home,motor")
    create.add_argument("--role", choices=["agent", "team_lead"], default="agent",
                        help="team_lead also sees the dashboard (/dashboard)")
    create.add_argument("--team", default="default", help="Saved replies are shared within a team")
    create.add_argument("--database-url", help="Defaults to DATABASE_URL")
    create.set_defaults(handler=_create_agent)
    export = commands.add_parser("export-openapi", help="Write handoff_service/openapi.json")
    export.add_argument("--check", action="store_true", help="Fail if the committed file differs")
    export.set_defaults(handler=_export_openapi)
    migrate = commands.add_parser("migrate", help="alembic upgrade head")
    migrate.add_argument("--database-url")
    migrate.set_defaults(handler=_migrate)
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
