"""Command line: ``python -m handoff_service.cli COMMAND``.

Agents: create-agent, set-password, disable-agent, enable-agent, unlock-agent, enable-totp, disable-totp.
Data care: retention (apply HANDOFF_RETENTION_*_DAYS now), erase-customer. Other: export-openapi, migrate.
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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

    from handoff_service.services.agents import MIN_PASSWORD_CHARS

    password = args.password or getpass.getpass("Password: ")
    if len(password) < MIN_PASSWORD_CHARS:
        print(f"Password must have at least {MIN_PASSWORD_CHARS} characters", file=sys.stderr)
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


@contextmanager
def _session(args: argparse.Namespace) -> Iterator[Any]:
    from handoff_service.db import make_engine, make_session_factory
    from handoff_service.migrate import upgrade_database

    url = args.database_url or SETTINGS.database_url
    upgrade_database(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _agent_command(change: Callable[[Any, Any, argparse.Namespace], str]) -> Callable[[argparse.Namespace], int]:
    """A command on one agent named by --email: ``change(session, agent, args)`` returns what to print."""

    def run(args: argparse.Namespace) -> int:
        from handoff_service.services.agents import find_agent_by_email
        from handoff_service.services.errors import ServiceError

        with _session(args) as session:
            agent = find_agent_by_email(session=session, email=args.email)
            if agent is None:
                print(f"No agent with e-mail {args.email!r}", file=sys.stderr)
                return 1
            try:
                message = change(session, agent, args)
            except ServiceError as exc:
                print(exc.message, file=sys.stderr)
                return 2
            session.commit()
            print(message)
        return 0

    return run


def _set_password(session: Any, agent: Any, args: argparse.Namespace) -> str:
    from handoff_service.services.agents import change_password

    change_password(session=session, agent=agent, new_password=args.password or getpass.getpass("New password: "))
    return f"Password of agent {agent.id} changed; their earlier sign-ins are signed out"


def _disable(session: Any, agent: Any, _args: argparse.Namespace) -> str:
    from handoff_service.services.agents import set_disabled

    set_disabled(session=session, agent=agent, disabled=True)
    return f"Agent {agent.id} disabled: cannot sign in, every token of theirs has stopped working"


def _enable(session: Any, agent: Any, _args: argparse.Namespace) -> str:
    from handoff_service.services import login_throttle
    from handoff_service.services.agents import set_disabled

    set_disabled(session=session, agent=agent, disabled=False)
    login_throttle.unlock(session=session, email=agent.email)
    return f"Agent {agent.id} enabled"


def _unlock(session: Any, agent: Any, _args: argparse.Namespace) -> str:
    from handoff_service.services import login_throttle

    login_throttle.unlock(session=session, email=agent.email)
    return f"Sign-in lockout of agent {agent.id} lifted"


def _enable_totp(session: Any, agent: Any, _args: argparse.Namespace) -> str:
    from handoff_service import totp
    from handoff_service.services.agents import enable_totp

    secret = enable_totp(session=session, agent=agent)
    return (f"Second factor on for agent {agent.id}. Add this to their authenticator app (shown once):\n"
            f"  secret: {secret}\n  {totp.provisioning_uri(secret, agent.email)}")


def _disable_totp(session: Any, agent: Any, _args: argparse.Namespace) -> str:
    from handoff_service.services.agents import disable_totp

    disable_totp(session=session, agent=agent)
    return f"Second factor off for agent {agent.id}"


def _retention(args: argparse.Namespace) -> int:
    from handoff_service.retention import retention_configured, run_retention

    if not retention_configured(SETTINGS):
        print("No HANDOFF_RETENTION_*_DAYS is set: everything is kept")
        return 0
    with _session(args) as session:
        counts = run_retention(session=session, settings=SETTINGS)
    print(json.dumps(counts, sort_keys=True))
    return 0


def _erase_customer(args: argparse.Namespace) -> int:
    from handoff_service.erasure import ErasureRequest, erase_customer
    from handoff_service.services.errors import ServiceError

    request = ErasureRequest(requested_by=args.requested_by, sender_ids=tuple(args.sender_id or ()),
                             policy_number=args.policy_number, reference=args.reference)
    with _session(args) as session:
        try:
            record = erase_customer(session=session, settings=SETTINGS, request=request)
        except ServiceError as exc:
            print(exc.message, file=sys.stderr)
            return 2
    print(json.dumps({"erasure_record": record.id, **record.counts}, sort_keys=True))
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
    for name, change, help_text in (
        ("set-password", _set_password, "Set an agent's password (their tokens stop working)"),
        ("disable-agent", _disable, "Disable an agent: no sign-in, every token fails at once"),
        ("enable-agent", _enable, "Enable a disabled agent again"),
        ("unlock-agent", _unlock, "Lift a sign-in lockout of an agent's account"),
        ("enable-totp", _enable_totp, "Turn on the second factor (prints the authenticator secret once)"),
        ("disable-totp", _disable_totp, "Turn off the second factor"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--email", required=True)
        if name == "set-password":
            command.add_argument("--password", help="Prompted for when omitted")
        command.add_argument("--database-url", help="Defaults to DATABASE_URL")
        command.set_defaults(handler=_agent_command(change))
    retention = commands.add_parser("retention", help="Apply HANDOFF_RETENTION_*_DAYS now (also run daily)")
    retention.add_argument("--database-url", help="Defaults to DATABASE_URL")
    retention.set_defaults(handler=_retention)
    erase = commands.add_parser("erase-customer", help="Erase one customer's conversations everywhere Heard keeps them")
    erase.add_argument("--sender-id", action="append", help="A conversation (sender) id; repeat for several")
    erase.add_argument("--policy-number", help="Also every conversation that mentions this policy number")
    erase.add_argument("--requested-by", required=True, help="Who asks (the operator or DPO), kept in the record")
    erase.add_argument("--reference", help="The request's own reference, e.g. DSAR-2026-0042 (no personal data)")
    erase.add_argument("--database-url", help="Defaults to DATABASE_URL")
    erase.set_defaults(handler=_erase_customer)
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
