"""Many customers at once over the REST channel: Heard against a bare Rasa 3.6 bot, alternating in one run.

    nice -n 10 .venv/bin/python bench/load.py [--customers 50] [--turns 1000] [--rounds 2] [--targets bare,heard]

(a) ``bare``: a Rasa 3.6 bot this script builds from Heard's NLU data (same Rasa, the classical pipeline
without the MiniLM features, one canned response per intent, no custom actions, SQLite tracker, one process);
(b) ``heard``: the embedded stack (``./heard up``) on private ports; (c) ``production``: the production
profile (``./heard up --production``) behind nginx, when PostgreSQL, Redis and nginx are installed.

Every target runs in each round with the same customers' scripts, so a noisy neighbour on the machine
hits all of them alike. Reported per target: p50/p95 per turn, turns/s, errors, the p50 of one customer
alone (the targets alternating message by message), and where one turn's time goes (NLU parse, the
emotion score inside it, dialogue and actions).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stack.processes import RASA_VENV, Stack  # noqa: E402
from stack.settings import StackSettings  # noqa: E402
from tests.conftest import free_port  # noqa: E402

# Routine turns that a customer sends without asking for a person (a handoff pauses the conversation).
SCRIPT = ["hi", "what does my home insurance cover?", "what documents do you need for a travel claim?",
          "when is my renewal due?", "how do I pay my premium?", "what are your opening hours?",
          "thanks", "are you a bot?", "is flood damage covered?", "what is covered if I travel abroad?"]

BARE_PIPELINE = [
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer", "case_sensitive": False},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer", "ngram_range": [1, 2]},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5},
    {"name": "LogisticRegressionClassifier", "max_iter": 300, "random_state": 42},
    {"name": "EntitySynonymMapper"},
    {"name": "FallbackClassifier", "threshold": 0.25, "ambiguity_threshold": 0.05},
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# --- (a) the bare bot -------------------------------------------------------------------------------

def _intents() -> list[str]:
    names: list[str] = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in (yaml.safe_load(path.read_text()) or {}).get("nlu") or []:
            if "intent" in block and block["intent"] not in names:
                names.append(block["intent"])
    return names


def build_bare_bot(cache: Path) -> Path:
    """Trains (once per NLU data version) a bot that answers every intent with a canned line."""
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted((ROOT / "data" / "nlu").rglob("*.yml"))))
    project = cache / f"bare-bot-{digest.hexdigest()[:12]}"
    model = project / "models" / "bare.tar.gz"
    if model.exists():
        return project
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(ROOT / "data" / "nlu", project / "data" / "nlu")
    intents = _intents()
    (project / "config.yml").write_text(yaml.safe_dump({
        "recipe": "default.v1", "language": "en", "assistant_id": "bare-bench", "pipeline": BARE_PIPELINE,
        "policies": [{"name": "RulePolicy"}, {"name": "MemoizationPolicy", "max_history": 4}]}))
    (project / "domain.yml").write_text(yaml.safe_dump({
        "version": "3.1", "intents": intents,
        "responses": {f"utter_{i}": [{"text": f"Thanks, I understood: {i.replace('_', ' ')}."}] for i in intents},
        "session_config": {"session_expiration_time": 60, "carry_over_slots_to_new_session": True}}))
    (project / "data" / "rules.yml").write_text(yaml.safe_dump({"version": "3.1", "rules": [
        {"rule": f"answer {i}", "steps": [{"intent": i}, {"action": f"utter_{i}"}]} for i in intents]}))
    (project / "endpoints.yml").write_text("tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: tracker.db\n")
    (project / "credentials.yml").write_text("rest:\n")
    subprocess.run([str(RASA_VENV / "bin" / "rasa"), "train", "--fixed-model-name", "bare", "--out", "models"],
                   cwd=project, check=True, capture_output=True, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    return project


@contextlib.contextmanager
def bare_bot(cache: Path):
    project = build_bare_bot(cache)
    with tempfile.TemporaryDirectory() as work:
        port = free_port()
        (Path(work) / "endpoints.yml").write_text(
            f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {Path(work) / 'tracker.db'}\n")
        log = open(Path(work) / "rasa.log", "wb")
        process = subprocess.Popen(
            [str(RASA_VENV / "bin" / "rasa"), "run", "--model", str(project / "models" / "bare.tar.gz"),
             "--endpoints", str(Path(work) / "endpoints.yml"), "--credentials", str(project / "credentials.yml"),
             "--enable-api", "--interface", "127.0.0.1", "--port", str(port)],
            cwd=work, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
        try:
            base = f"http://127.0.0.1:{port}"
            _wait(f"{base}/status", lambda r: bool(r.json().get("model_id")), process)
            yield Target("bare", base, parse_url=f"{base}/model/parse", processes={"rasa": process.pid})
        finally:
            os.killpg(process.pid, 15)
            process.wait(30)
            log.close()


# --- (b) Heard's embedded stack -----------------------------------------------------------------------

@contextlib.contextmanager
def heard_stack():
    with tempfile.TemporaryDirectory() as var_dir:
        settings = StackSettings.load(
            HEARD_VAR_DIR=var_dir, RASA_PORT=str(free_port()), ACTION_SERVER_PORT=str(free_port()),
            HANDOFF_PORT=str(free_port()), RASA_TOKEN=secrets.token_urlsafe(16),
            HANDOFF_SERVICE_TOKEN=secrets.token_urlsafe(16), HANDOFF_SECRET_KEY=secrets.token_urlsafe(16),
            RASA_ENDPOINTS="endpoints.yml",
            # The emotion model's ONNX export that ./heard setup made (a scratch var dir has none, and the
            # scorer would fall back to torch, which is not what the product runs).
            EMOTION_ONNX_DIR=str(ROOT / "var" / "emotion"))
        subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "actions.insurance.setup"], cwd=ROOT,
                       env={**os.environ, **settings.env, "PYTHONPATH": str(ROOT)}, check=True, capture_output=True)
        with Stack(settings, log=lambda line: None) as stack:
            env = stack.settings.env
            yield Target("heard", env["RASA_URL"], parse_url=f"{env['RASA_URL']}/model/parse?token={env['RASA_TOKEN']}",
                         score_url=f"{env['ACTION_SERVER_URL']}/score",
                         processes={s.name: s.process.pid for s in stack.services})


@contextlib.contextmanager
def production_profile():
    """Databases heard_bench_<random>_*, dropped afterwards; Redis databases 7 and 8."""
    import psycopg

    from stack.production import DATABASES, ProductionStack
    from stack.production_settings import ProductionSettings

    with tempfile.TemporaryDirectory() as var_dir:
        settings = ProductionSettings.load(
            _env_file=None, RASA_TOKEN=secrets.token_urlsafe(32), HANDOFF_SERVICE_TOKEN=secrets.token_urlsafe(32),
            HANDOFF_SECRET_KEY=secrets.token_urlsafe(32), POSTGRES_PASSWORD=secrets.token_urlsafe(16),
            POSTGRES_USER="heard_bench", POSTGRES_DB_PREFIX=f"heard_bench_{uuid.uuid4().hex[:8]}",
            HEARD_PUBLIC_HOST="127.0.0.1", HEARD_PUBLIC_PORT=free_port(), HEARD_INTERNAL_PORT=free_port(),
            HEARD_REPLICA_PORT_BASE=23000, HEARD_VAR_DIR=Path(var_dir), REDIS_LOCK_DB=7, REDIS_BUS_DB=8,
            # In production the REST channel is off without its token (stack/channels.py).
            REST_CHANNEL_TOKEN=secrets.token_urlsafe(32))
        try:
            with ProductionStack(settings, log=lambda line: None) as stack:
                yield Target("production", stack.public_url, parse_url=None, stack=stack,
                             processes={s.name: s.process.pid for s in stack.services},
                             headers={"Authorization": f"Bearer {settings.REST_CHANNEL_TOKEN}"})
        finally:
            with psycopg.connect(settings.POSTGRES_ADMIN_URL, autocommit=True) as admin:
                for name in DATABASES:
                    admin.execute(f'DROP DATABASE IF EXISTS "{settings.database(name)}" WITH (FORCE)')


def _wait(url: str, ready, process: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError, ValueError):
            if ready(httpx.get(url, timeout=2)):
                return
        time.sleep(0.5)
    raise TimeoutError(url)


# --- the customers ------------------------------------------------------------------------------------

@dataclass
class Target:
    name: str
    base_url: str
    parse_url: str | None = None
    score_url: str | None = None
    processes: dict[str, int] = field(default_factory=dict)
    stack: object = None  # the production profile, for bench/faults.py
    headers: dict[str, str] = field(default_factory=dict)  # what a REST client must send (production: its token)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) each process has used so far, from /proc."""
        ticks = os.sysconf("SC_CLK_TCK")
        used = {}
        for name, pid in self.processes.items():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                used[name] = (int(fields[11]) + int(fields[12])) / ticks
        return used

    def peak_rss_mb(self) -> dict[str, float]:
        peaks = {}
        for name, pid in self.processes.items():
            with contextlib.suppress(OSError):
                status = Path(f"/proc/{pid}/status").read_text()
                peaks[name] = int(status.split("VmHWM:")[1].split()[0]) / 1024
        return peaks


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    def add(self, other: "Result") -> None:
        self.latencies_ms += other.latencies_ms
        self.errors += other.errors
        self.seconds += other.seconds
        for name, seconds in other.cpu_seconds.items():
            self.cpu_seconds[name] = self.cpu_seconds.get(name, 0.0) + seconds


async def load(target: Target, customers: int, turns: int) -> Result:
    result = Result()
    per_customer = [turns // customers + (1 if i < turns % customers else 0) for i in range(customers)]
    url = f"{target.base_url}/webhooks/rest/webhook"
    limits = httpx.Limits(max_connections=customers, max_keepalive_connections=customers)

    async def customer(client: httpx.AsyncClient, count: int) -> None:
        sender = f"load-{uuid.uuid4().hex[:10]}"
        for turn in range(count):
            started = time.perf_counter()
            try:
                response = await client.post(url, json={"sender": sender, "message": SCRIPT[turn % len(SCRIPT)]},
                                             headers=target.headers)
                response.raise_for_status()
                if not response.json():
                    raise ValueError("no reply")
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
            except (httpx.HTTPError, ValueError):
                result.errors += 1

    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(customer(client, count) for count in per_customer))
        result.seconds = time.perf_counter() - started
    return result


def one_customer(targets: list[Target], turns: int = 40) -> dict[str, dict[str, float]]:
    """p50 of a lone customer's turn on each target, and of its parts (the NLU parse and the emotion score).

    The targets take turns message by message, so a burst of load from other jobs on the machine falls on
    all of them alike (measured one target after the other, the ratios moved by up to 30 %)."""
    parts = {t.name: {"turn": [], "nlu_parse": [], "emotion_score": []} for t in targets}
    senders = {t.name: f"solo-{uuid.uuid4().hex[:10]}" for t in targets}
    with httpx.Client(timeout=60) as client:
        for turn in range(turns + 5):
            text = SCRIPT[turn % len(SCRIPT)]
            for target in targets:
                timed = [("turn", lambda: client.post(f"{target.base_url}/webhooks/rest/webhook",
                                                      json={"sender": senders[target.name], "message": text},
                                                      headers=target.headers))]
                if target.parse_url:
                    timed.append(("nlu_parse", lambda: client.post(target.parse_url, json={"text": text})))
                if target.score_url:
                    timed.append(("emotion_score", lambda: client.post(target.score_url, json={"texts": [text]})))
                for part, call in timed:
                    started = time.perf_counter()
                    call().raise_for_status()
                    if turn >= 5:  # warm-up turns are not counted
                        parts[target.name][part].append((time.perf_counter() - started) * 1000)
    return {name: {part: statistics.median(values) for part, values in measured.items() if values}
            for name, measured in parts.items()}


TARGETS = {"bare": None, "heard": heard_stack, "production": production_profile}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--turns", type=int, default=1000, help="turns per target over all rounds")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--targets", default="bare,heard")
    args = parser.parse_args()
    names = [n.strip() for n in args.targets.split(",") if n.strip()]
    cache = ROOT / "var" / "bench"
    cache.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as running:
        targets = []
        for name in names:
            starting = time.perf_counter()
            target = running.enter_context(bare_bot(cache) if name == "bare" else TARGETS[name]())
            print(f"{name}: ready after {time.perf_counter() - starting:.0f} s", flush=True)
            targets.append(target)
        results = {t.name: Result() for t in targets}
        for target in targets:  # warm-up: the first turns load caches and the models' lazy parts
            asyncio.run(load(target, args.customers, args.customers))
        for round_number in range(args.rounds):
            for target in targets:
                cpu_before = target.cpu_seconds()
                round_result = asyncio.run(load(target, args.customers, args.turns // args.rounds))
                round_result.cpu_seconds = {name: used - cpu_before.get(name, 0.0)
                                            for name, used in target.cpu_seconds().items()}
                results[target.name].add(round_result)
                print(f"round {round_number + 1} {target.name}: {len(round_result.latencies_ms)} turns in "
                      f"{round_result.seconds:.1f} s", flush=True)
        solo = one_customer(targets)
        memory = {t.name: t.peak_rss_mb() for t in targets}
    print(f"\n{args.customers} concurrent customers, {args.turns} turns per target in {args.rounds} alternating rounds")
    for name, result in results.items():
        lat = result.latencies_ms
        parts = ", ".join(f"{part} {ms:.0f} ms" for part, ms in solo[name].items())
        print(f"{name:11s} p50={statistics.median(lat):.0f} ms p95={percentile(lat, 0.95):.0f} ms "
              f"turns/s={len(lat) / result.seconds:.1f} errors={result.errors} | one customer p50: {parts}")
    print("\nCPU per turn (ms, user+system, by process) and peak RSS (MB):")
    for name, result in results.items():
        turns = max(1, len(result.latencies_ms))
        cpu = ", ".join(f"{proc} {seconds * 1000 / turns:.1f}" for proc, seconds in sorted(result.cpu_seconds.items()))
        total = sum(result.cpu_seconds.values()) * 1000 / turns
        rss = ", ".join(f"{proc} {mb:.0f}" for proc, mb in sorted(memory[name].items()))
        print(f"{name:11s} cpu/turn total {total:.1f} ms ({cpu}) | peak RSS: {rss} = {sum(memory[name].values()):.0f} MB")
    if "bare" in results:
        bare = results["bare"]
        for name, result in results.items():
            if name == "bare":
                continue
            print(f"{name} vs bare: p95 x{percentile(result.latencies_ms, 0.95) / percentile(bare.latencies_ms, 0.95):.2f}, "
                  f"throughput x{(len(result.latencies_ms) / result.seconds) / (len(bare.latencies_ms) / bare.seconds):.2f}, "
                  f"one-customer p50 x{solo[name]['turn'] / solo['bare']['turn']:.2f}")


if __name__ == "__main__":
    main()
