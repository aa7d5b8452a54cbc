"""What the bot says when it hands over: the acknowledgement matches why it hands over."""
from __future__ import annotations

import random

from actions.escalation import Decision
from actions.handoff.wording import acknowledgement


def decision(trigger: str, category: str = "", words: str = "I've called four times") -> Decision:
    return Decision(trigger, words, "high", immediate=False, category=category)


def test_repeated_contact_is_acknowledged_as_having_had_to_chase():
    texts = {acknowledgement(decision("complex_case", "repeated_contact"), "Priya", random.Random(seed))
             for seed in range(20)}
    assert len(texts) == 2
    assert all("Priya" in text for text in texts)
    assert any("chase us" in text for text in texts)
    assert all("I've called four times" in text for text in texts)


def test_other_complex_cases_keep_the_complex_case_wording():
    text = acknowledgement(decision("complex_case", "declined_or_disputed_claim", "you declined my claim"), None,
                           random.Random(1))
    assert "deserves a person who can look at every detail" in text


def test_a_language_code_in_the_category_does_not_pick_a_wording():
    text = acknowledgement(decision("unsupported_language", "fr", "bonjour"), None, random.Random(1))
    assert "only chat in English" in text
