"""training/public_out_of_scope.py picks off-topic requests from CLINC150 train, and the committed NLU file holds
nothing a customer of an insurer might mean. The selection is tested on a small CLINC-shaped folder, so the test
needs no public data; the committed file is checked on its own."""
from __future__ import annotations

import json

import yaml

from training import public_out_of_scope as tool


def _examples() -> list[str]:
    data = yaml.safe_load(tool.OUTPUT.read_text(encoding="utf-8"))
    [block] = data["nlu"]
    assert block["intent"] == "out_of_scope"
    return [line[2:] for line in block["examples"].splitlines() if line.startswith("- ")]


def test_the_committed_file_holds_nothing_insurance_like_and_says_where_it_came_from():
    examples = _examples()
    assert len(examples) == len(set(examples)) == 115
    assert not [text for text in examples if tool.INSURANCE_WORDS.search(text)]
    assert "CC BY 3.0" in tool.OUTPUT.read_text(encoding="utf-8")


def _clinc(tmp_path, train: list[tuple[str, str]], domains: dict[str, list[str]]):
    (tmp_path / "domains.json").write_text(json.dumps(domains), encoding="utf-8")
    (tmp_path / "train.jsonl").write_text("".join(json.dumps({"text": t, "intent": i}) + "\n" for t, i in train),
                                          encoding="utf-8")
    return tmp_path


def test_the_selection_keeps_off_topic_intents_and_leaves_out_ours(tmp_path):
    clinc = _clinc(tmp_path, [
        ("set a timer for ten minutes", "timer"), ("start a timer", "timer"),
        ("what's the weather in paris", "weather"),
        ("how do i change my insurance", "insurance_change"),          # an excluded intent
        ("freeze my account", "freeze_account"),                       # an excluded domain (banking)
        ("tell me a joke", "tell_joke"),                               # an excluded domain (small talk)
        ("what's the best recipe for a claim pie", "recipe"),          # an insurance word, whatever the intent
        ("how do i get my pool cleaned", "oos"), ("where do bees go in winter", "oos"),
        ("what is the tallest tree", "oos"),
    ], {"utility": ["timer", "weather"], "work": ["insurance_change"], "banking": ["freeze_account"],
        "small_talk": ["tell_joke"], "kitchen_and_dining": ["recipe"]})
    picked = tool.chosen(clinc, oos_taken=2)
    assert len(picked) == 4  # one timer, the weather, two of the three out-of-scope queries
    assert "what's the weather in paris" in picked
    assert len({"set a timer for ten minutes", "start a timer"} & set(picked)) == 1
    assert not {"how do i change my insurance", "freeze my account", "tell me a joke",
                "what's the best recipe for a claim pie"} & set(picked)
    assert picked == tool.chosen(clinc, oos_taken=2)  # a fixed seed: the same file every time
