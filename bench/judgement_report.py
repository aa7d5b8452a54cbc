"""Shares handled right — overall, per expected class, per kind, hard against plain — and the two
zero-tolerance counts, for the tune and the frozen part of the judgement set separately."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from bench.judgement_classify import FLOW_WITHOUT_EVIDENCE, SAFETY_WITHOUT_RISK
from bench.judgement_set import Item

TARGET_SHARE = 0.95


@dataclass(frozen=True)
class Result:
    item: Item
    observed: str                    # the observation's label ("kb_answer", "none: fallback", "error: …")
    right: bool
    violations: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    replies: tuple[str, ...] = ()
    scored: bool | None = None      # False: the emotion score did not reach Rasa (a load or outage artefact)
    events: tuple[dict, ...] = ()   # the turn as the tracker has it, from the customer's message on


@dataclass
class Tally:
    total: int = 0
    right: int = 0
    observed: Counter = field(default_factory=Counter)

    def add(self, result: Result) -> None:
        self.total += 1
        self.right += result.right
        self.observed[result.observed] += 1

    @property
    def share(self) -> float:
        return self.right / self.total if self.total else 0.0


def tally_by(results: Iterable[Result], key) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}
    for result in results:
        tallies.setdefault(key(result), Tally()).add(result)
    return dict(sorted(tallies.items()))


def summary(results: Sequence[Result]) -> dict:
    """Everything the report prints, as data (also written next to the failures as JSON)."""
    def part(selected: Sequence[Result]) -> dict:
        overall = tally_by(selected, lambda r: "all").get("all", Tally())
        violations = Counter(v for r in selected for v in r.violations)
        return {
            "messages": overall.total, "right": overall.right, "share": round(overall.share, 4),
            "target_met": overall.share >= TARGET_SHARE and not violations,
            FLOW_WITHOUT_EVIDENCE: violations[FLOW_WITHOUT_EVIDENCE],
            SAFETY_WITHOUT_RISK: violations[SAFETY_WITHOUT_RISK],
            "unscored": sum(r.scored is False for r in selected),
            "per_class": _shares(tally_by(selected, lambda r: r.item.preferred), observed=True),
            "per_kind": _shares(tally_by(selected, lambda r: r.item.kind)),
            "hard_vs_plain": _shares(tally_by(selected, lambda r: "hard" if r.item.hard else "plain")),
        }
    return {"all": part(results), **{split: part([r for r in results if r.item.split == split])
                                     for split in ("tune", "frozen")}}


def _shares(tallies: dict[str, Tally], observed: bool = False) -> dict:
    rows = {}
    for name, tally in tallies.items():
        row = {"messages": tally.total, "right": tally.right, "share": round(tally.share, 4)}
        if observed:
            row["observed"] = dict(tally.observed.most_common())
        rows[name] = row
    return rows


def render(report: dict) -> str:
    """Markdown tables for the terminal and docs/benchmarks.md."""
    lines = ["| part | messages | right | share | flows without evidence | safety without risk | unscored |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for split, part in report.items():
        lines.append(f"| {split} | {part['messages']} | {part['right']} | {part['share']:.1%} | "
                     f"{part[FLOW_WITHOUT_EVIDENCE]} | {part[SAFETY_WITHOUT_RISK]} | {part['unscored']} |")
    classes = sorted(report["all"]["per_class"])
    lines += ["", "| expected class | tune | frozen | all | what the bot did (all) |", "| --- | --- | --- | --- | --- |"]
    for name in classes:
        cells = [_cell(report[split]["per_class"].get(name)) for split in ("tune", "frozen", "all")]
        observed = ", ".join(f"{label} {count}" for label, count in report["all"]["per_class"][name]["observed"].items())
        lines.append(f"| {name} | {' | '.join(cells)} | {observed} |")
    lines += ["", "| kind | tune | frozen | all |", "| --- | --- | --- | --- |"]
    for name in sorted(report["all"]["per_kind"]):
        cells = [_cell(report[split]["per_kind"].get(name)) for split in ("tune", "frozen", "all")]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    for name in ("hard", "plain"):
        cells = [_cell(report[split]["hard_vs_plain"].get(name)) for split in ("tune", "frozen", "all")]
        lines.append(f"| *{name} cases* | {' | '.join(cells)} |")
    return "\n".join(lines)


def _cell(row: dict | None) -> str:
    return f"{row['right']}/{row['messages']} ({row['share']:.0%})" if row else "–"


def failures(results: Sequence[Result], include_frozen: bool = False) -> list[dict]:
    """What went wrong, for the developers. Frozen messages are left out unless asked for: whoever reads a
    failure tunes on it, and the frozen part must stay unseen to measure anything."""
    return [{"id": r.item.id, "split": r.item.split, "kind": r.item.kind, "message": r.item.text,
             "expected": list(r.item.expected), "observed": r.observed, "violations": list(r.violations),
             "ran": list(r.names), "replies": list(r.replies), "why": r.item.why, "scored": r.scored}
            for r in results if not r.right and (include_frozen or r.item.split != "frozen")]
