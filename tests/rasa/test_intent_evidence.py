"""The evidence guard for sensitive intents (rasa_addons/evidence.py), checked against the real NLU data."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from rasa_addons.evidence import EVIDENCE, backed_intent

ROOT = Path(__file__).resolve().parents[2]
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)|\[([^\]]+)\]\{[^}]+\}")


def nlu_examples() -> dict[str, list[str]]:
    examples: dict[str, list[str]] = {}
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in block:
                lines = [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
                examples.setdefault(block["intent"], []).extend(
                    _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), line) for line in lines)
    return examples


def ranked(*pairs: tuple[str, float]) -> list[dict]:
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


@pytest.mark.parametrize("intent", sorted(EVIDENCE))
def test_every_training_example_of_a_sensitive_intent_has_its_words(intent):
    examples = nlu_examples()[intent]
    assert len(examples) >= 20
    unbacked = [text for text in examples if not EVIDENCE[intent].search(text)]
    assert unbacked == []


def test_an_unbacked_middling_guess_gives_way_to_the_next_intent():
    ranking = ranked(("report_fraud", 0.549), ("make_complaint", 0.314), ("stop", 0.104))
    intent, kept, set_aside = backed_intent(ranking[0], ranking, "This is the fourth time I've called about this",
                                            min_confidence=0.8)
    assert intent == {"name": "make_complaint", "confidence": 0.314}
    assert [entry["name"] for entry in kept] == ["make_complaint", "stop"]
    assert set_aside == ["report_fraud"]


@pytest.mark.parametrize("text, confidence", [
    ("someone phoned pretending to be you", 0.4),   # backed by its words at any confidence
    ("the man from the garage keeps ringing me", 0.85),  # confident enough on its own
])
def test_a_backed_or_confident_guess_stands(text, confidence):
    ranking = ranked(("report_fraud", confidence), ("make_complaint", 0.1))
    intent, kept, set_aside = backed_intent(ranking[0], ranking, text, min_confidence=0.8)
    assert intent["name"] == "report_fraud" and kept == ranking and set_aside == []


@pytest.mark.parametrize("confidence", [0.79, 0.8, 0.99])
def test_bereavement_needs_its_words_at_any_confidence(confidence):
    ranking = ranked(("disclose_bereavement", confidence), ("ask_question", 0.01))
    text = "I'm writing on behalf of my elderly father, he's confused and thinks his policy was cancelled"
    intent, _, set_aside = backed_intent(ranking[0], ranking, text, min_confidence=0.8)
    assert intent["name"] == "ask_question" and set_aside == ["disclose_bereavement"]
    # Fraud at the same confidences keeps the ordinary rule: confident enough on its own from 0.8.
    fraud = ranked(("report_fraud", confidence), ("ask_question", 0.01))
    assert backed_intent(fraud[0], fraud, text, min_confidence=0.8)[0]["name"] == (
        "report_fraud" if confidence >= 0.8 else "ask_question")


@pytest.mark.parametrize("confidence", [0.79, 0.8, 0.99])
def test_an_injury_needs_its_words_at_any_confidence(confidence):
    ranking = ranked(("disclose_serious_injury", confidence), ("ask_question", 0.01))
    intent, _, set_aside = backed_intent(ranking[0], ranking, "I'm scared to drive since the accident",
                                         min_confidence=0.8)
    assert intent["name"] == "ask_question" and set_aside == ["disclose_serious_injury"]
    told = "my son is in a bad way after the crash, the paramedics took him"
    assert backed_intent(ranking[0], ranking, told, min_confidence=0.8)[0]["name"] == "disclose_serious_injury"


@pytest.mark.parametrize("text", ["we lost mum in May and the car's still in her name",
                                  "Dad went into hospital in March and never came home",
                                  "I'm dealing with probate on my uncle's house",
                                  "we scattered her ashes last week, what happens to her travel cover",
                                  "grandma went peacefully in her sleep", "Dad's at peace now",
                                  "mum lost her fight last month and her car is still insured"])
def test_bereavement_said_without_the_usual_words_is_still_backed(text):
    ranking = ranked(("disclose_bereavement", 0.99), ("ask_question", 0.01))
    assert backed_intent(ranking[0], ranking, text, min_confidence=0.8)[0]["name"] == "disclose_bereavement"


def test_two_unbacked_sensitive_guesses_in_a_row_are_both_set_aside():
    ranking = ranked(("disclose_hardship", 0.5), ("report_fraud", 0.3), ("make_complaint", 0.2))
    intent, _, set_aside = backed_intent(ranking[0], ranking, "this is ridiculous", min_confidence=0.8)
    assert intent["name"] == "make_complaint" and set_aside == ["disclose_hardship", "report_fraud"]


def test_nothing_left_in_the_ranking_means_no_intent():
    ranking = ranked(("disclose_bereavement", 0.6))
    intent, kept, _ = backed_intent(ranking[0], ranking, "hello there", min_confidence=0.8)
    assert intent == {"name": None, "confidence": 0.0} and kept == []


def test_other_intents_and_missing_data_pass_through():
    ranking = ranked(("greet", 0.3))
    assert backed_intent(ranking[0], ranking, "hi", min_confidence=0.8) == (ranking[0], ranking, [])
    assert backed_intent(None, [], "", min_confidence=0.8) == (None, [], [])


@pytest.mark.parametrize("text, kept", [
    ("Hi, I need to report an accident. Nobody was hurt.", False),
    ("I was rear-ended at the lights this morning, nobody hurt", False),
    ("bumped a bollard, no injuries, just the bumper", False),
    ("we're all okay, the car's a mess though", False),
    ("I wasn't hurt, thankfully", False),
    # Injury words outside the denial keep the intent.
    ("nobody was hurt but my wife has whiplash", True),
    ("I wasn't hurt but the other driver went to hospital", True),
    ("My son was badly hurt in the crash", True),
])
def test_a_denied_injury_is_not_an_injury_at_any_confidence(text, kept):
    ranking = ranked(("disclose_serious_injury", 0.99), ("file_claim", 0.01))
    intent, _, set_aside = backed_intent(ranking[0], ranking, text, min_confidence=0.8)
    assert intent == ({"name": "disclose_serious_injury", "confidence": 0.99} if kept
                      else {"name": "file_claim", "confidence": 0.99})  # an accident to report, as sure as before
    assert set_aside == ([] if kept else ["disclose_serious_injury"])


@pytest.mark.parametrize("intent", ["disclose_serious_injury", "disclose_bereavement"])
def test_no_training_example_of_a_sensitive_intent_is_read_as_denied(intent):
    from rasa_addons.evidence import DENIALS
    denial = DENIALS[intent]
    denied = [text for text in nlu_examples()[intent]
              if denial.search(text) and not EVIDENCE[intent].search(denial.sub(" ", text))]
    assert denied == []


@pytest.mark.parametrize("text, kept", [
    ("I'm on the motorway hard shoulder, car's dead, what now?", False),
    ("the battery died and the car won't start", False),
    ("my phone is completely dead so I'm on my wife's", False),
    ("my dad is dead and the car is in his name", True),  # a person, whatever else is said
    ("the car's dead and so is my husband, he died on Friday", True),
])
def test_a_dead_machine_is_not_a_bereavement(text, kept):
    ranking = ranked(("disclose_bereavement", 0.9), ("ask_coverage", 0.05))
    intent, _, set_aside = backed_intent(ranking[0], ranking, text, min_confidence=0.8)
    assert (intent["name"] == "disclose_bereavement") is kept
    if not kept:
        assert intent == {"name": "ask_coverage", "confidence": 0.05} and set_aside == ["disclose_bereavement"]


@pytest.mark.parametrize("text", ["How do I add someone?", "can I pay someone else's premium",
                                  "I want to name somebody on my policy"])
@pytest.mark.parametrize("confidence, kept", [(0.79, False), (0.8, True), (0.81, True)])
def test_a_request_for_a_person_needs_a_person_to_talk_to_below_the_bar(text, confidence, kept):
    # "someone" alone is whom the customer adds, pays or names; below 0.8 that is no request for a person.
    ranking = ranked(("request_human", confidence), ("handoff_accept", 0.09), ("out_of_scope", 0.04))
    intent, _, set_aside = backed_intent(ranking[0], ranking, text, min_confidence=0.8)
    assert (intent["name"] == "request_human") is kept
    assert set_aside == ([] if kept else ["request_human"])


@pytest.mark.parametrize("text", ["can someone call me back", "is there anyone I can speak to",
                                  "I'd rather deal with a real person", "get me somebody who can sort this",
                                  "put me through to the claims team"])
def test_a_request_for_a_person_in_new_words_stands_below_the_bar(text):
    ranking = ranked(("request_human", 0.5), ("handoff_accept", 0.2))
    intent, _, set_aside = backed_intent(ranking[0], ranking, text, min_confidence=0.8)
    assert intent["name"] == "request_human" and set_aside == []


# Session 8 (nlu5): people name the company ("monzo froze my account") or say it in the plural ("trains in this
# country…") where the team wrote "my bank"; below the bar those names now back another company's problem.
@pytest.mark.parametrize("text", ["monzo froze my account for a week", "trains in this country are a joke",
                                  "easyjet moved our departure by nine hours", "hmrc sent me another letter",
                                  "the airlines all charge for bags now"])
@pytest.mark.parametrize("confidence", [0.5, 0.79])
def test_a_company_named_backs_another_companys_problem_below_the_bar(text, confidence):
    ranking = ranked(("other_company", confidence), ("make_complaint", 0.1))
    intent, _, set_aside = backed_intent(ranking[0], ranking, text, min_confidence=0.8)
    assert intent["name"] == "other_company" and set_aside == []


@pytest.mark.parametrize("confidence, kept", [(0.79, False), (0.8, True), (0.81, True)])
def test_no_company_named_is_no_other_company_below_the_bar(confidence, kept):
    # "They" could be us: without a company's name or service only a sure guess stands.
    ranking = ranked(("other_company", confidence), ("make_complaint", 0.1))
    intent, _, set_aside = backed_intent(ranking[0], ranking, "they still haven't sorted it out", min_confidence=0.8)
    assert (intent["name"] == "other_company") is kept
    assert set_aside == ([] if kept else ["other_company"])
