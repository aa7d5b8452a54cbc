"""data/nlu/public_out_of_scope.yml is what training/public_out_of_scope.py makes from CLINC150 train, and
nothing in it could be a customer's insurance request."""
from __future__ import annotations

import json

import yaml

from training import public_out_of_scope as tool


def _examples() -> list[str]:
    data = yaml.safe_load(tool.OUTPUT.read_text(encoding="utf-8"))
    [block] = data["nlu"]
    assert block["intent"] == "out_of_scope"
    return [line[2:] for line in block["examples"].splitlines() if line.startswith("- ")]


def test_the_committed_file_is_the_tool_output():
    assert _examples() == tool.chosen()


def test_no_example_touches_insurance_money_or_an_excluded_intent():
    examples = _examples()
    assert not [text for text in examples if tool.INSURANCE_WORDS.search(text)]
    train = {row["text"]: row["intent"] for row in tool.rows()}
    intents = {train[text] for text in examples}
    assert not intents & tool.SKIPPED_INTENTS
    domains = json.loads((tool.CLINC / "domains.json").read_text(encoding="utf-8"))
    skipped = {intent for domain in tool.SKIPPED_DOMAINS for intent in domains[domain]}
    assert not intents & skipped
    assert sum(train[text] == "oos" for text in examples) == tool.OOS_TAKEN


def test_only_the_train_split_is_used():
    val = {json.loads(line)["text"] for line in (tool.CLINC / "val.jsonl").read_text(encoding="utf-8").splitlines()
           if line}
    assert not set(_examples()) & val
