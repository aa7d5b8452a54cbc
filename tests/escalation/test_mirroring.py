"""Mirroring in the bot's own words (issue #16): no reply before an offer of a person contains a run of six
or more of the customer's words; the concern is named from what was understood."""
from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings, strategies as st

from actions.escalation import Decision, Turn, decide_message
from actions.handoff.wording import acknowledgement, concern

_WORDS = re.compile(r"[a-z0-9']+")
RUN = 6


def longest_shared_run(reply: str, message: str) -> int:
    said, answer = _WORDS.findall(message.lower()), " " + " ".join(_WORDS.findall(reply.lower())) + " "
    longest = 0
    for start in range(len(said)):
        for end in range(start + longest + 1, len(said) + 1):
            if " " + " ".join(said[start:end]) + " " not in answer:
                break
            longest = end - start
    return longest


def test_the_run_counter_counts_whole_words():
    assert longest_shared_run("so my car was stolen last night oh", "my car was stolen last night") == 6
    assert longest_shared_run("a car was stolen", "my car was stolen last night") == 3
    assert longest_shared_run("", "anything") == 0


MESSAGES = [
    "my car was stolen last night and I'm really stressed",
    "I reported the water damage THREE WEEKS ago and nobody has called me. This is ridiculous.",
    "This is the fourth time I've called about the burst pipe and still nothing has happened",
    "you declined my claim for the flood and I want to dispute it with the ombudsman",
    "our whole house burnt down and we have nowhere to live, please help us",
    "I have been waiting two weeks for a reply to my email about the storm damage to my roof",
    "I'm so angry, I can't believe how badly this has been handled by everyone",
    "I want to speak to a real person right now please, not a bot",
]
DECISIONS = [
    Decision("high_intensity", "", "high", False, signals={"cues": ['waiting time: "three weeks"']}),
    Decision("high_intensity", "", "high", False, signals={"cues": ['theft: "was stolen"']}),
    Decision("high_intensity", "", "high", False, signals={"cues": ["model: anger 0.9"]}),
    Decision("complex_case", "", "normal", False, category="repeated_contact"),
    Decision("complex_case", "", "normal", False, category="declined_or_disputed_claim"),
    Decision("complex_case", "", "normal", False, category="large_loss"),
    Decision("explicit_request", "", "normal", True),
    Decision("loop", "", "normal", True),
]


@pytest.mark.parametrize("message", MESSAGES)
def test_no_acknowledgement_repeats_six_of_the_customers_words(message):
    for made in DECISIONS:
        made = Decision(made.trigger, message, made.priority, made.immediate, made.category, made.signals)
        for seed in range(12):
            reply = acknowledgement(made, "Sam", random.Random(seed), said=message)
            assert longest_shared_run(reply, message) < RUN, reply


def test_the_real_decision_for_each_message_is_acknowledged_without_quoting():
    for message in MESSAGES:
        made = decide_message(Turn(message, "make_complaint", {"intensity": 0.95, "cues": []}))
        assert made is not None
        reply = acknowledgement(made, None, random.Random(3), said=message)
        assert longest_shared_run(reply, message) < RUN and "\u201c" not in reply, reply


_PIECES = st.sampled_from([
    "my car was stolen", "the pipe burst", "nobody has called me", "three weeks ago", "I reported the leak",
    "this is the fourth time I've called", "you declined my claim", "and I'm really stressed", "please help",
    "it's ridiculous", "my bike was nicked from the shed", "I've waited 2 months for a reply", "last night",
    "<b>urgent</b>", "😡😡", "the whole roof came off in the storm", "I can't cope with this", "again",
])


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=8), st.sampled_from(DECISIONS), st.integers(0, 50))
def test_no_reply_quotes_a_long_run_of_any_message(pieces, made, seed):
    message = " ".join(pieces)
    made = Decision(made.trigger, message, made.priority, made.immediate, made.category, made.signals)
    reply = acknowledgement(made, None, random.Random(seed), said=message)
    assert longest_shared_run(reply, message) < RUN, reply
    assert "{" not in reply and "}" not in reply


@pytest.mark.parametrize("said, category, expected", [
    ("I reported the water damage three weeks ago and nobody has called me", "", 
     "three weeks without a call back about the water damage"),
    ("I emailed you 2 months ago about my lost suitcase", "", "2 months without a reply about your lost luggage"),
    ("they nicked my van from the drive", "", "your van being taken"),
    ("you rejected my claim", "declined_or_disputed_claim", "your claim being turned down"),
    ("it's a total loss", "large_loss", "a loss on this scale"),
    ("everything is awful", "", None),
    ("", "", None),
    ("x" * 100_000, "", None),
])
def test_the_concern_is_named_from_what_was_understood(said, category, expected):
    assert concern(said, category) == expected
