"""Score transcripts at scale: one message per input line, one JSON object per output line.

    .venv/bin/python -m actions.emotion.cli [FILE|-] [-o OUT] [--batch-size N]

Each output line is ``{"line": N, ...score fields...}`` in input order (line numbers start at 1). A line
that is not valid UTF-8 is reported on stderr and written as ``{"line": N, "error": ...}``; every other
line is still scored. Progress goes to stderr on large inputs. Needs no server.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import BinaryIO, Iterator, TextIO

CHUNK_LINES = 2048
PROGRESS_MIN_LINES = 500


def line_record(line_number: int, score: dict | None = None, error: str | None = None,
                text: str | None = None) -> dict:
    """The one place an output line is built.

    With the text, the line also carries the single-message escalation decision at the configured
    thresholds (``escalate``, ``trigger``, ``priority``), so thresholds can be checked on real
    transcripts. Conversation-level triggers (rising or sustained distress, loops, explicit requests
    recognised by the bot's NLU) need the whole conversation and are not part of it.
    """
    record: dict = {"line": line_number}
    if error is not None:
        record["error"] = error
    if score is not None:
        record.update(score)
        if text is not None:
            from actions.escalation import Turn, decide_message
            from actions.escalation.settings import THRESHOLDS

            decision = decide_message(Turn(text=text, score=score), THRESHOLDS)
            record["escalate"] = decision is not None
            record["trigger"] = decision.trigger if decision else None
            record["priority"] = decision.priority if decision else None
    return record


def decode_lines(stream: BinaryIO) -> Iterator[tuple[int, str | None, str | None]]:
    """Yields (line number, text, error): text is None when the line is not valid UTF-8."""
    for number, raw in enumerate(stream, 1):
        raw = raw.rstrip(b"\n").rstrip(b"\r")
        try:
            yield number, raw.decode("utf-8"), None
        except UnicodeDecodeError as exc:
            yield number, None, f"invalid UTF-8 at byte {exc.start} of the line: {raw[exc.start:exc.start + 4]!r}"


def run(source: BinaryIO, out: TextIO, batch_size: int = 64, progress: bool | None = None,
        total_lines: int | None = None) -> tuple[int, int]:
    """Scores every line of ``source`` into ``out``; returns (lines scored, lines with errors)."""
    from actions.emotion import get_scorer

    scorer = get_scorer()
    show = progress if progress is not None else (total_lines is None or total_lines >= PROGRESS_MIN_LINES)
    bar = None
    if show:
        from tqdm import tqdm

        # delay: small inputs finish before any bar is drawn.
        bar = tqdm(total=total_lines, unit="line", file=sys.stderr, desc="scoring", delay=1.0, mininterval=0.5)
    scored = errors = 0
    chunk: list[tuple[int, str | None, str | None]] = []

    def flush() -> None:
        nonlocal scored, errors
        texts = [text for _, text, _ in chunk if text is not None]
        results = iter(scorer.score_many(texts, batch_size=batch_size))
        for number, text, error in chunk:
            if text is None:
                errors += 1
                print(f"line {number}: {error}", file=sys.stderr)
                record = line_record(number, error=error)
            else:
                scored += 1
                record = line_record(number, next(results), text=text)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        if bar is not None:
            bar.update(len(chunk))
        chunk.clear()

    for item in decode_lines(source):
        chunk.append(item)
        if len(chunk) >= CHUNK_LINES:
            flush()
    if chunk:
        flush()
    if bar is not None:
        bar.close()
    out.flush()
    return scored, errors


def _count_lines(path: str) -> int:
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.emotion.cli",
                                     description="Score one message per line; write JSON lines.")
    parser.add_argument("input", nargs="?", default="-", help="input file, or - for stdin (default)")
    parser.add_argument("-o", "--output", default="-", help="output file, or - for stdout (default)")
    parser.add_argument("--batch-size", type=int, default=64, help="messages per model call (default 64)")
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None,
                          help="always show progress on stderr")
    progress.add_argument("--no-progress", dest="progress", action="store_false",
                          help="never show progress")
    args = parser.parse_args(argv)
    if args.batch_size < 1:
        parser.error("--batch-size must be at least 1")
    try:
        source = sys.stdin.buffer if args.input == "-" else open(args.input, "rb")
        total = None if args.input == "-" else _count_lines(args.input)
        out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        scored, errors = run(source, out, batch_size=args.batch_size, progress=args.progress, total_lines=total)
    finally:
        if source is not sys.stdin.buffer:
            source.close()
        if out is not sys.stdout:
            out.close()
    print(f"scored {scored} line(s); {errors} line(s) with errors", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
