"""A terminal chat over the REST channel, for trying the bot straight after ``./heard up``."""
from __future__ import annotations

import uuid

import httpx

from stack.settings import StackSettings


def _print_replies(replies: list[dict]) -> None:
    for reply in replies:
        who = "Heard"
        metadata = reply.get("metadata") or {}
        if metadata.get("from_human"):
            who = f"{metadata.get('agent_name', 'Agent')} (a person)"
        if reply.get("text"):
            print(f"{who}: {reply['text']}")
        for button in reply.get("buttons") or []:
            print(f"    [{button.get('title')}]  type: {button.get('payload')}")
        if reply.get("image"):
            print(f"    (image: {reply['image']})")


def chat(settings: StackSettings, first_name: str | None = None) -> int:
    url = f"{settings.url('RASA_URL')}/webhooks/rest/webhook"
    sender = f"terminal-{uuid.uuid4().hex[:8]}"
    metadata = {"first_name": first_name} if first_name else {}
    print(f"Chatting as {sender}. Type your message; Ctrl-D or /quit to leave.")
    with httpx.Client(timeout=60.0) as client:
        while True:
            try:
                text = input("You: ").strip()
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            if text in ("/quit", "/exit"):
                return 0
            if not text:
                continue
            try:
                response = client.post(url, json={"sender": sender, "message": text, "metadata": metadata})
                response.raise_for_status()
            except httpx.HTTPError as error:
                print(f"(could not reach the bot at {url}: {error}; is ./heard up running?)")
                continue
            _print_replies(response.json())
