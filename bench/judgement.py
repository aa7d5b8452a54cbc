"""The judgement benchmark (issue #16): does the bot do the right thing with a real customer's first message?

Sends every message of `bench/data/judgement_set.jsonl` as the first message of a fresh conversation over the
REST channel, reads the tracker and classifies what the bot did (names in `bench/judgement_behaviours.yml`).
Without `--url` it starts its own stack on private ports with a temporary var dir, always "in hours", as
the end-to-end tests do; with `--url` it talks to a running Rasa (its token from `--token` or RASA_TOKEN).

    .venv/bin/python bench/judgement.py                       # whole set, own stack
    .venv/bin/python bench/judgement.py --split tune --kind sarcastic
    .venv/bin/python bench/judgement.py --url http://127.0.0.1:5005 --token "$RASA_TOKEN"
    .venv/bin/python bench/judgement.py --replay var/judgement-turns.jsonl   # re-judge saved turns, no bot

Prints the shares (tune and frozen apart) and writes the failures — message, expected, observed, what ran,
the bot's replies — to `--failures` (default var/judgement-failures.json) with the summary beside them. The
frozen part's failures are counted but not written unless `--show-frozen`: it is never tuned on.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import ExitStack
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import judgement_report as report  # noqa: E402
from bench.judgement_classify import BEHAVIOURS_FILE, Behaviours, Turn, judge, observe  # noqa: E402
from bench.judgement_set import SET_FILE, Item, load  # noqa: E402

IN_HOURS = "mon-sun 00:00-23:59"
SCORER_TIMEOUT_SECONDS = 30


class Bot:
    """One Rasa reached over REST; every message goes into a conversation of its own."""

    def __init__(self, url: str, token: str, timeout: float) -> None:
        self.url, self.token, self.timeout = url.rstrip("/"), token, timeout

    def first_message(self, text: str) -> list[dict]:
        """The conversation's events after `text` was sent as its first message."""
        sender = f"rest:judgement-{uuid.uuid4().hex[:12]}"  # the conversation id (REST ids are namespaced)
        with httpx.Client(base_url=self.url, timeout=self.timeout) as client:
            client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text}).raise_for_status()
            tracker = client.get(f"/conversations/{sender}/tracker", params={"token": self.token})
            tracker.raise_for_status()
            return tracker.json()["events"]


def run_one(bot: Bot, item: Item, behaviours: Behaviours) -> report.Result:
    try:
        events = bot.first_message(item.text)
    except (httpx.HTTPError, ValueError, KeyError) as error:
        return report.Result(item, observed=f"error: {type(error).__name__}: {str(error)[:120]}", right=False)
    return judged(item, events, behaviours)


def judged(item: Item, events: list[dict], behaviours: Behaviours) -> report.Result:
    turn_events = events[max((i for i, e in enumerate(events) if e.get("event") == "user"), default=0):]
    observation = observe(Turn.from_events(turn_events), behaviours)
    verdict = judge(item.expected, observation, behaviours)
    return report.Result(item, observed=observation.label, right=verdict.right, violations=verdict.violations,
                         names=observation.turn.names, replies=observation.turn.replies,
                         scored=observation.turn.scored, events=tuple(turn_events))


def replay(path: Path, items: list[Item], behaviours: Behaviours) -> tuple[list[report.Result], list[Item]]:
    """Judge the turns a former run saved, with the current mapping: renamed actions need no new run."""
    saved = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        saved[row["id"]] = row
    results, missing = [], []
    for item in items:
        row = saved.get(item.id)
        if row is None or row["text"] != item.text:
            missing.append(item)
        else:
            results.append(judged(item, row["events"], behaviours))
    return results, missing


def run_all(bot: Bot, items: list[Item], behaviours: Behaviours, concurrency: int, budget_seconds: float,
            progress=lambda done, total: None) -> tuple[list[report.Result], list[Item]]:
    """At most `concurrency` conversations at once; nothing new starts once the time budget is spent.
    Returns the results and the items that were not run."""
    deadline = time.monotonic() + budget_seconds
    results: list[report.Result] = []
    pending_items = list(items)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        running = set()
        while pending_items or running:
            while pending_items and len(running) < concurrency and time.monotonic() < deadline:
                running.add(pool.submit(run_one, bot, pending_items.pop(0), behaviours))
            if not running:
                break
            done, running = wait(running, return_when=FIRST_COMPLETED)
            results.extend(future.result() for future in done)
            progress(len(results), len(items))
    return results, pending_items


def own_stack(stack: ExitStack, log) -> tuple[str, str]:
    """Start the product on private ports with a throw-away var dir; returns (Rasa URL, token)."""
    from stack.processes import APP_VENV, Stack, rasa_model_path
    from stack.settings import StackSettings
    from tests.conftest import free_port

    if not rasa_model_path().exists():
        raise SystemExit("no trained model: run ./heard train first")
    var_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="judgement-"))
    settings = StackSettings.load(
        HEARD_VAR_DIR=var_dir, RASA_PORT=str(free_port()), ACTION_SERVER_PORT=str(free_port()),
        HANDOFF_PORT=str(free_port()), RASA_TOKEN=secrets.token_urlsafe(16),
        HANDOFF_SERVICE_TOKEN=secrets.token_urlsafe(16), HANDOFF_SECRET_KEY=secrets.token_urlsafe(16),
        RASA_ENDPOINTS="endpoints.yml", HANDOFF_BUSINESS_HOURS=IN_HOURS,
        # Judgement, not speed: on a busy machine a 2 s scoring timeout sends whole runs of messages down the
        # "scorer unavailable" path. The report counts any message that still went unscored.
        EMOTION_SCORER_TIMEOUT_SECONDS=str(SCORER_TIMEOUT_SECONDS), EMOTION_SCORER_RETRY_AFTER_SECONDS="1")
    subprocess.run([str(APP_VENV / "bin" / "python"), "-m", "actions.insurance.setup"], cwd=ROOT,
                   env={**os.environ, **settings.env, "PYTHONPATH": str(ROOT)}, check=True, capture_output=True,
                   timeout=120)
    stack.enter_context(Stack(settings, log=log))
    return settings.env["RASA_URL"], settings.env["RASA_TOKEN"]


def select(items: list[Item], args: argparse.Namespace) -> list[Item]:
    chosen = [item for item in items
              if (args.split == "all" or item.split == args.split)
              and (not args.kind or item.kind in args.kind)
              and (not args.expected or item.preferred in args.expected)]
    return chosen[:args.limit] if args.limit else chosen


def collect(args: argparse.Namespace, items: list[Item], behaviours: Behaviours):
    """The judged results and the items left out, from saved turns, a running Rasa or a private stack."""
    if args.replay:
        return replay(args.replay, items, behaviours)
    with ExitStack() as stack:
        if args.url:
            if not args.token:
                raise SystemExit("--url needs --token (or RASA_TOKEN): the tracker is read through Rasa's HTTP API")
            url, token = args.url, args.token
            print(f"note: {url} must run with HANDOFF_BUSINESS_HOURS={IN_HOURS!r} for figures comparable to a "
                  "private stack's; every message becomes a conversation (and any ticket the bot opens) in its "
                  "databases", file=sys.stderr)
        else:
            # A run started in the background ignores Ctrl-C; `kill` must still stop the stack it started.
            signal.signal(signal.SIGTERM, _stop_on_term)
            url, token = own_stack(stack, log=lambda line: print(line, file=sys.stderr))
        return run_all(Bot(url, token, args.timeout), items, behaviours, args.concurrency, args.budget,
                       progress=_progress)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running Rasa (default: start a private stack)")
    parser.add_argument("--token", default=os.environ.get("RASA_TOKEN"), help="Rasa's API token (with --url)")
    parser.add_argument("--set", type=Path, default=SET_FILE)
    parser.add_argument("--behaviours", type=Path, default=BEHAVIOURS_FILE)
    parser.add_argument("--split", choices=("all", "tune", "frozen"), default="all")
    parser.add_argument("--kind", action="append", help="only this kind (repeatable)")
    parser.add_argument("--expected", action="append", help="only this preferred class (repeatable)")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=3)
    parser.add_argument("--budget", type=float, default=2400.0, help="seconds for sending messages, then stop")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per HTTP request")
    parser.add_argument("--failures", type=Path, default=ROOT / "var" / "judgement-failures.json")
    parser.add_argument("--turns", type=Path, default=ROOT / "var" / "judgement-turns.jsonl",
                        help="where each message's turn (tracker events) is saved for --replay")
    parser.add_argument("--replay", type=Path, help="judge the turns saved by an earlier run instead of a bot")
    parser.add_argument("--show-frozen", action="store_true",
                        help="also write the frozen part's failures (for the lead's review only, never for tuning)")
    args = parser.parse_args(argv)

    behaviours = Behaviours.load(args.behaviours)
    items = select(load(args.set), args)
    started = time.monotonic()
    results, not_run = collect(args, items, behaviours)
    elapsed = time.monotonic() - started
    unscored = sum(r.scored is False for r in results)
    if unscored:
        print(f"WARNING: {unscored} messages went unscored (the emotion scorer did not answer in time); their "
              "turns took the outage paths. Rerun on a quieter machine or with less --concurrency.", file=sys.stderr)
    order = {item.id: n for n, item in enumerate(items)}
    results.sort(key=lambda r: order[r.item.id])
    summary = report.summary(results)
    print(f"\n{len(results)} messages in {elapsed:.0f} s"
          + (f" (replayed from {args.replay})" if args.replay else f", concurrency {args.concurrency}")
          + (f"; {len(not_run)} NOT RUN" if not_run else ""))
    print(report.render(summary))
    write_outputs(args, results, not_run, summary)
    print(f"\nfailures: {args.failures}")
    return 0


def write_outputs(args: argparse.Namespace, results: list[report.Result], not_run: list[Item], summary: dict) -> None:
    if not args.replay:
        args.turns.parent.mkdir(parents=True, exist_ok=True)
        args.turns.write_text("".join(json.dumps({"id": r.item.id, "text": r.item.text, "events": list(r.events)},
                                                 ensure_ascii=False) + "\n" for r in results if r.events),
                              encoding="utf-8")
    args.failures.parent.mkdir(parents=True, exist_ok=True)
    args.failures.write_text(json.dumps({"summary": summary, "not_run": [item.id for item in not_run],
                                         "failures": report.failures(results, include_frozen=args.show_frozen)},
                                        indent=1, ensure_ascii=False), encoding="utf-8")


def _stop_on_term(signum: int, frame) -> None:
    raise SystemExit(128 + signum)


def _progress(done: int, total: int) -> None:
    if done % 25 == 0 or done == total:
        print(f"  {done}/{total}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
