"""Rasa's CPU per turn, two checkouts side by side: both embedded stacks up at once, rounds alternating.

    nice -n 5 .venv/bin/python bench/load_ab.py --rounds 12 before=/work/wt/base after=/work/wt/mine
    nice -n 5 .venv/bin/python bench/load_ab.py --profile 40 --out /tmp/rasa.raw mine=/work/wt/mine

Each checkout (with its own .venv, .venv-rasa, models/heard.tar.gz and var/ as ./heard setup leaves them) starts
its embedded stack (bench/load.py's ``heard_stack``) in a process of its own, takes a 100-turn warm-up, then
serves 500-turn rounds of 50 customers when told; the rounds alternate between the checkouts, the first in turn
swapping each round. Reported per round and as medians: Rasa's CPU ms per turn (from /proc, as bench/load.py
reads it), the action server's, and turns/s. Why CPU per turn and alternation: on a shared machine a neighbour's
burst slows both checkouts' rounds alike and CPU time far less than latency; p95 is not comparable this way
(docs/benchmarks.md, "Many customers at once"). The action server does the same work in both checkouts when only
Rasa's code differs, so Rasa ÷ actions per round is a second reading that divides out the machine's slowdown.

``--profile SECONDS``: one checkout under the same rounds while py-spy (``pip install py-spy`` in .venv) records
the Rasa process (``--gil --nonblocking``, 200 Hz) to ``--out`` in py-spy's raw (collapsed) format.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time


def worker(root: str) -> None:
    sys.path.insert(0, root)
    os.chdir(root)
    from bench import load

    with load.heard_stack() as target:
        asyncio.run(load.load(target, 50, 100))
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            if line.strip() != "round":
                break
            before = target.cpu_seconds()
            result = asyncio.run(load.load(target, 50, 500))
            after = target.cpu_seconds()
            turns = len(result.latencies_ms)
            print(json.dumps({"turns": turns, "errors": result.errors, "turns_per_s": turns / result.seconds,
                              **{name: (after[name] - before[name]) * 1000 / turns for name in after}}), flush=True)


def profile(root: str, seconds: int, out: str) -> None:
    sys.path.insert(0, root)
    os.chdir(root)
    from bench import load

    with load.heard_stack() as target:
        asyncio.run(load.load(target, 50, 100))
        spy = subprocess.Popen([f"{root}/.venv/bin/py-spy", "record", "--gil", "--nonblocking", "-r", "200",
                                "-d", str(seconds), "-f", "raw", "-o", out, "-p", str(target.processes["rasa"])],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        before, turns = target.cpu_seconds(), 0
        while spy.poll() is None:
            turns += len(asyncio.run(load.load(target, 50, 500)).latencies_ms)
        after = target.cpu_seconds()
        print({name: round((after[name] - before[name]) * 1000 / turns, 2) for name in after}, "CPU ms per turn,",
              turns, "turns")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="+", help="name=path of a checkout")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile", type=int, default=0, help="seconds of py-spy on the first checkout's Rasa")
    parser.add_argument("--out", default="rasa-profile.raw")
    args = parser.parse_args()
    roots = dict(checkout.split("=", 1) for checkout in args.checkouts)
    if args.worker:
        return worker(next(iter(roots.values())))
    if args.profile:
        return profile(next(iter(roots.values())), args.profile, args.out)
    workers = {name: subprocess.Popen([f"{root}/.venv/bin/python", __file__, "--worker", f"{name}={root}"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                      text=True) for name, root in roots.items()}
    rounds: dict[str, list[dict]] = {name: [] for name in workers}
    try:
        for name, process in workers.items():
            json.loads(process.stdout.readline())  # its stack is up and warmed
        for number in range(args.rounds):
            order = list(workers) if number % 2 == 0 else list(reversed(workers))
            for name in order:
                workers[name].stdin.write("round\n")
                workers[name].stdin.flush()
                measured = json.loads(workers[name].stdout.readline())
                rounds[name].append(measured)
                print(time.strftime("%H:%M:%S"), number + 1, name,
                      {key: round(value, 2) for key, value in measured.items()}, flush=True)
    finally:
        for process in workers.values():
            process.stdin.close()
            process.wait(120)
    for name, measured in rounds.items():
        column = {key: [m[key] for m in measured] for key in ("rasa", "actions", "turns_per_s")}
        column["rasa ÷ actions"] = [m["rasa"] / m["actions"] for m in measured]
        print(name, "; ".join(f"{key} {[round(v, 2) for v in values]} median {statistics.median(values):.2f}"
                              for key, values in column.items()),
              "; errors", sum(m["errors"] for m in measured))


if __name__ == "__main__":
    main()
