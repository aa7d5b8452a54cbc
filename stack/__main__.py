"""``python -m stack up`` runs the product until Ctrl-C; ``python -m stack chat`` talks to it."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time

from stack.processes import Stack
from stack.settings import StackSettings
from stack.supervision import Supervisor


def _banner(settings: StackSettings) -> str:
    env = settings.env
    rasa = env["RASA_URL"]
    return f"""
  Heard is running.

  Talk to the bot now, in another terminal:   ./heard chat
  REST channel:        POST {rasa}/webhooks/rest/webhook   {{"sender": "you", "message": "hi"}}
  Website chat:        {env['HANDOFF_URL']}/chat/   (socket.io, with click-to-video)
  socket.io channel:   {rasa}/socket.io   (events user_uttered / bot_uttered)
  Rasa HTTP API:       {rasa}  (token required: RASA_TOKEN in .env)
  Handoff service:     {env['HANDOFF_URL']}   agent console: {env['HANDOFF_URL']}/console
  Logs:                {settings.var_dir / 'log'}
  Health:              {{health}}   (./heard status; a process that dies is restarted)

  Press Ctrl-C to stop everything.
"""


def _production_banner(stack) -> str:
    public = stack.production.public_url
    return f"""
  Heard is running (production profile: {stack.production.HEARD_REPLICAS} replicas each, PostgreSQL, Redis, nginx).

  Public entry (nginx): {public}
  REST channel:        POST {public}/webhooks/rest/webhook
  Website chat:        {public}/chat/      agent console: {public}/console
  Logs:                {stack.log_dir}
  Health:              {{health}}   (./heard status; a process that dies is restarted)

  Press Ctrl-C to stop everything.
"""


def up(production: bool = False) -> int:
    log = lambda line: print(f"[heard] {line}", flush=True)  # noqa: E731
    if production:
        from stack.production import ProductionStack
        from stack.production_settings import ProductionSettings

        stack = ProductionStack(ProductionSettings.load(), log=log)
        settings, banner = stack.settings, _production_banner(stack)
    else:
        settings = StackSettings.load()
        stack, banner = Stack(settings, log=log), _banner(settings)

    def stop_on_signal(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Explicit handlers: a shell that starts us in the background leaves SIGINT ignored.
    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGINT, stop_on_signal)
    health = None
    try:
        stack.start()
        supervisor = Supervisor(stack, log=stack.log, status_file=settings.status_file)
        health_port = settings.env.get("HEARD_SUPERVISOR_PORT") or os.environ.get("HEARD_SUPERVISOR_PORT") or "5099"
        health = supervisor.serve_health("127.0.0.1", int(health_port))
        health_url = f"http://127.0.0.1:{health.server_address[1]}/health"
        print(banner.replace("{health}", health_url), flush=True)
        while True:
            supervisor.tick()
            time.sleep(1)
    except KeyboardInterrupt:
        print("\n[heard] stopping…", flush=True)
        return 0
    except (RuntimeError, TimeoutError, OSError) as error:
        print(f"[heard] {error}", flush=True)
        return 1
    finally:
        if health is not None:
            health.shutdown()
            health.server_close()
        settings.status_file.unlink(missing_ok=True)
        if stack.stop():
            print("[heard] stopped; ports are free.", flush=True)


def status() -> int:
    """What the running stack's supervisor last saw; exit code 0 only when every service runs."""
    import json

    settings = StackSettings.load()
    if not settings.status_file.exists():
        print("Heard is not running (no status file at %s)" % settings.status_file)
        return 3
    snapshot = json.loads(settings.status_file.read_text())
    print(f"Heard: {snapshot['status']}")
    for name, state in snapshot["services"].items():
        detail = f"restarts in the last 10 min: {state['restarts_in_window']}"
        if state["last_exit_code"] is not None:
            detail += f", last exit code {state['last_exit_code']}"
        print(f"  {name:12s} {state['status']:10s} {detail}")
    return 0 if snapshot["status"] == "ok" else 1


def main() -> int:
    parser = argparse.ArgumentParser(prog="heard")
    sub = parser.add_subparsers(dest="command", required=True)
    up_parser = sub.add_parser("up", help="run the action server, the handoff service and Rasa")
    up_parser.add_argument("--production", action="store_true",
                           help="two replicas each behind nginx, on PostgreSQL and Redis (docs/deployment.md)")
    sub.add_parser("status", help="say whether every service runs, and what was restarted")
    chat = sub.add_parser("chat", help="chat with the running bot in this terminal")
    chat.add_argument("--name", help="your first name, as a website would pass it")
    args = parser.parse_args()
    if args.command == "up":
        return up(production=args.production)
    if args.command == "status":
        return status()
    from stack.chat import chat as run_chat

    return run_chat(StackSettings.load(), first_name=args.name)


if __name__ == "__main__":
    sys.exit(main())
