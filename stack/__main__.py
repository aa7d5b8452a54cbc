"""``python -m stack up`` runs the product until Ctrl-C; ``python -m stack chat`` talks to it."""
from __future__ import annotations

import argparse
import signal
import sys
import time

from stack.processes import Stack, tail
from stack.settings import StackSettings


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

  Press Ctrl-C to stop everything.
"""


def up() -> int:
    settings = StackSettings.load()
    stack = Stack(settings, log=lambda line: print(f"[heard] {line}", flush=True))

    def stop_on_signal(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Explicit handlers: a shell that starts us in the background leaves SIGINT ignored.
    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGINT, stop_on_signal)
    try:
        stack.start()
        print(_banner(settings), flush=True)
        while True:
            exited = stack.first_exited()
            if exited:
                print(f"[heard] {exited.name} stopped unexpectedly; last log lines:", flush=True)
                print(tail(stack.log_dir / f"{exited.name}.log"), flush=True)
                return 1
            time.sleep(1)
    except KeyboardInterrupt:
        print("\n[heard] stopping…", flush=True)
        return 0
    except (RuntimeError, TimeoutError) as error:
        print(f"[heard] {error}", flush=True)
        return 1
    finally:
        if stack.stop():
            print("[heard] stopped; ports are free.", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(prog="heard")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="run the action server, the handoff service and Rasa")
    chat = sub.add_parser("chat", help="chat with the running bot in this terminal")
    chat.add_argument("--name", help="your first name, as a website would pass it")
    args = parser.parse_args()
    if args.command == "up":
        return up()
    from stack.chat import chat as run_chat

    return run_chat(StackSettings.load(), first_name=args.name)


if __name__ == "__main__":
    sys.exit(main())
