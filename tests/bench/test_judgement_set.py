"""The judgement set is well formed, split by its fixed rule, and covers what issue #16 asks for."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from bench.judgement_classify import Behaviours
from bench.judgement_set import CLASSES, FROZEN_PERCENT, KINDS, SET_FILE, bucket, load, split_for

ITEMS = load()
BY_TEXT = {item.text: item for item in ITEMS}


def test_the_set_is_big_enough_and_every_class_has_a_fair_share():
    assert len(ITEMS) >= 440
    per_class = Counter(item.preferred for item in ITEMS)
    assert set(per_class) == set(CLASSES)
    assert min(per_class.values()) >= 15, per_class


def test_ids_and_texts_are_unique():
    assert len({item.id for item in ITEMS}) == len(ITEMS)
    assert len({item.text.strip().lower() for item in ITEMS}) == len(ITEMS)


def test_labels_are_known_and_not_repeated():
    for item in ITEMS:
        assert item.expected and set(item.expected) <= set(CLASSES), item
        assert len(set(item.expected)) == len(item.expected), item
        assert item.kind in KINDS, item
        assert item.text.strip(), item


def test_every_class_the_set_uses_is_one_the_runner_can_observe():
    assert set(CLASSES) == set(Behaviours.load().priority)


def test_at_least_a_third_is_hard_and_every_hard_case_says_why():
    hard = [item for item in ITEMS if item.hard]
    assert len(hard) * 3 >= len(ITEMS)
    assert all(len(item.why) >= 10 for item in hard), [item.id for item in hard if len(item.why) < 10]


def test_every_kind_is_present_with_several_messages():
    kinds = Counter(item.kind for item in ITEMS)
    assert set(kinds) == set(KINDS)
    assert min(kinds.values()) >= 5, kinds


def test_the_split_is_the_hash_rule_and_about_thirty_percent_frozen():
    assert all(item.split == split_for(item.text) for item in ITEMS)
    frozen = sum(item.split == "frozen" for item in ITEMS)
    assert 0.25 <= frozen / len(ITEMS) <= 0.35
    # Every class is scored on both parts.
    assert {item.preferred for item in ITEMS if item.split == "frozen"} == set(CLASSES)


def _text_in_bucket(wanted: int) -> str:
    return next(f"probe {n}" for n in range(10_000) if bucket(f"probe {n}") == wanted)


@pytest.mark.parametrize("wanted, split", [(0, "frozen"), (FROZEN_PERCENT - 1, "frozen"), (FROZEN_PERCENT, "tune"),
                                           (FROZEN_PERCENT + 1, "tune"), (99, "tune")])
def test_the_frozen_share_is_buckets_below_thirty(wanted, split):
    assert FROZEN_PERCENT == 30
    assert split_for(_text_in_bucket(wanted)) == split


def test_the_split_ignores_case_and_surrounding_space():
    assert bucket("  My Claim ") == bucket("my claim")


@pytest.mark.parametrize("text, expected, never", [
    ("The Parcelfast app says my delivery is coming Friday but it never does, useless", "other_company", "start_claim"),
    ("I'd sooner lose the car than the house.", "clarify", "start_claim"),
    ("I watched a video on YouTube saying insurers never pay for water damage, is that right?", "kb_answer",
     "offer_person"),
    ("Is it worth claiming for a small scratch?", "kb_answer", "start_claim"),
    ("I'm moving to another insurer next month, what do I need to do?", "kb_answer", "start_claim"),
    ("Why would I need legal expenses cover?", "kb_answer", "out_of_scope"),
    ("this looks staged lol", "small_talk", "safety_first"),
    ("gutted my team lost :(", "small_talk", "safety_first"),
    ("I just feel numb lately", "check_in", "offer_person"),
    ("Absolutely unacceptable.", "offer_person", "small_talk"),
    ("My card was declined at the shop", "other_company", "offer_person"),
    ("I sent all my documents for my claim ten days ago and heard nothing", "check_claim", "start_claim"),
    ("Can my partner drive my car on my policy?", "kb_answer", "out_of_scope"),
    ("Is my bike covered when I'm on holiday?", "kb_answer", "out_of_scope"),
    ("Do I need to tell you about a speeding fine?", "kb_answer", "out_of_scope"),
])
def test_the_failure_kinds_of_the_issue_are_in_the_set(text, expected, never):
    item = BY_TEXT[text]
    assert item.preferred == expected
    assert never not in item.expected


def test_risk_is_never_expected_for_humour_quotes_or_figures_of_speech():
    for item in ITEMS:
        if item.kind in ("humour", "quoting"):
            assert "safety_first" not in item.expected, item


def test_the_file_is_one_json_object_a_line_with_the_documented_fields():
    for line in SET_FILE.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        assert set(row) == {"id", "text", "expected", "kind", "hard", "why", "split"}
        assert isinstance(row["expected"], list) and isinstance(row["hard"], bool)


def test_a_broken_line_is_reported_with_its_number(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text('{"id": "J1", "text": "hi", "expected": ["small_talk"], "kind": "plain", "split": "tune"}\n'
                    '{"id": "J2", "text": "bye"}\n')
    with pytest.raises(ValueError, match="line 2"):
        load(path)
