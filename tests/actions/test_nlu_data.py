"""The NLU data and the Python catalogue agree, and references in the examples have the right format."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml

from actions.insurance.formats import CLAIM_REFERENCE_PATTERN, POLICY_NUMBER_PATTERN
from actions.insurance.incidents import all_phrases
from rasa_addons.commitment import GUARD_INTENTS
from rasa_addons.understanding import CLARIFY_TOPIC

DATA = Path(__file__).resolve().parents[2] / "data" / "nlu"


def _items():
    for path in sorted(DATA.rglob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            yield item


def _examples(item):
    return [line[2:].strip() for line in item["examples"].splitlines() if line.strip().startswith("- ")]


def test_incident_lookup_and_synonyms_match_the_catalogue():
    lookup, synonyms = set(), {}
    for item in _items():
        if item.get("lookup") == "incident_type":
            lookup = set(_examples(item))
        elif "synonym" in item:
            synonyms.update({word: item["synonym"] for word in _examples(item)})
    phrases = all_phrases()
    assert lookup == set(phrases)
    for phrase, canonical in phrases.items():
        assert synonyms.get(phrase, phrase) == canonical, phrase


def test_annotated_references_have_the_documented_formats():
    annotated = re.compile(r"\[([^\]]+)\]\((policy_number|claim_reference)\)")
    found = Counter()
    for item in _items():
        for example in _examples(item) if "intent" in item else []:
            for value, entity in annotated.findall(example):
                pattern = POLICY_NUMBER_PATTERN if entity == "policy_number" else CLAIM_REFERENCE_PATTERN
                assert pattern.match(value.upper()), value
                found[entity] += 1
    assert found["policy_number"] >= 10 and found["claim_reference"] >= 5


def test_every_intent_in_the_domain_has_enough_examples(domain):
    counts = Counter()
    for item in _items():
        if "intent" in item:
            counts[item["intent"]] += len(_examples(item))
    for intent in domain["intents"]:
        if intent.startswith("EXTERNAL_") or intent in GUARD_INTENTS or intent == CLARIFY_TOPIC:
            # Sent by the handoff service, or set only by the commitment guard's or the understanding check's
            # reading: never trained.
            assert counts[intent] == 0, intent
        else:
            assert counts[intent] >= 30, (intent, counts[intent])
