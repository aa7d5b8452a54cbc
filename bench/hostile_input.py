"""Time the action server's text readers on adversarial messages, as a ratio to a per-character pass.

    .venv/bin/python bench/hostile_input.py      # one line per reader: worst ratio and milliseconds, and on what

Each reader is timed (fastest of three) on messages of four times the message limit built from known
traps (long runs of spaces, commas, digits…), against a plain per-character pass over the same text in
the same run; tests/actions/test_text_reader_bounds.py asserts the same ratio stays under its budget.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions.complaints import waited_for  # noqa: E402
from actions.emotion.cues import find_cues  # noqa: E402
from actions.emotion.risk import read_risk  # noqa: E402
from actions.escalation.decision import charged_words  # noqa: E402
from actions.handoff.survey import parse_score  # noqa: E402
from actions.identity.readers import read_date_of_birth, read_postcode  # noqa: E402
from actions.insurance.dates import date_in_message, read_incident_date  # noqa: E402
from actions.insurance.formats import clean_first_name, read_claim_reference, read_policy_number  # noqa: E402
from actions.insurance.incidents import find_incident_type  # noqa: E402
from rasa_addons.sealed_messages import MESSAGE_CHAR_LIMIT  # noqa: E402

READERS = {
    "name": clean_first_name, "policy number": read_policy_number, "claim reference": read_claim_reference,
    "incident date": read_incident_date, "date in passing": date_in_message, "incident": find_incident_type,
    "time waited": waited_for, "survey score": parse_score, "risk words": read_risk, "emotion cues": find_cues,
    "charged clauses": lambda text: charged_words(text, None),
    "date of birth": read_date_of_birth, "postcode": read_postcode,
}
# Four times the longest message Rasa passes on (rasa_addons/sealed_messages.py): readers must not rely
# on the cut, and a quadratic cost shows far more clearly than at the limit itself.
LENGTH = 4 * MESSAGE_CHAR_LIMIT


def per_character_pass(text: str) -> int:
    return sum(1 for char in text if char.isalnum())


def fastest_of_three(function, text: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        function(text)
        best = min(best, time.perf_counter() - started)
    return best


def ratio(reader, text: str) -> float:
    """The reader's time over the per-character pass's, on the same text."""
    baseline = max(fastest_of_three(per_character_pass, text), 1e-6)
    return fastest_of_three(reader, text) / baseline


def repeated(unit: str, prefix: str = "") -> str:
    return (prefix + unit * (LENGTH // max(len(unit), 1) + 1))[:LENGTH]


KNOWN_TRAPS = {
    "letters then spaces (policy numbers)": repeated(" ", "abc"),
    "a word then spaces (clauses)": repeated(" ", "a"),
    "CLM then spaces (claim references)": repeated(" ", "CLM"),
    "CLM then tabs and a dash": repeated("\t", "clm -"),
    "commas and spaces (courtesies)": repeated(", "),
    "thanks thanks (courtesies)": repeated(" thanks"),
    "digits and spaces (dates, scores)": repeated("1 "),
    "days ago": repeated("12 days "),
    "exclamations": repeated("!"),
    "markup": repeated("<b><i>"),
    "emoji": repeated("😢"),
}


def main() -> None:
    print(f"{len(KNOWN_TRAPS)} traps of {LENGTH} characters; ratio = reader time / per-character pass")
    for name, reader in READERS.items():
        worst = max(KNOWN_TRAPS, key=lambda trap: ratio(reader, KNOWN_TRAPS[trap]))
        milliseconds = fastest_of_three(reader, KNOWN_TRAPS[worst]) * 1000
        print(f"{name:16} worst {ratio(reader, KNOWN_TRAPS[worst]):6.0f}x  {milliseconds:7.2f} ms  on {worst}")


if __name__ == "__main__":
    main()
