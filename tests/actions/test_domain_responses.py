"""Every response in domain.yml is reachable: used by a rule or story, asked by the claim form, or
dispatched by an action module. (`rasa data validate` only sees the first kind and warns about the
rest.) Every response an action names exists."""
from __future__ import annotations

import re
from pathlib import Path

from actions.insurance.models import Product

ROOT = Path(__file__).resolve().parents[2]
ACTION_MODULES = ["session.py", "claims.py", "complaints.py", "forms.py", "policies.py", "questions.py",
                  "handoff/actions.py", "handoff/survey.py", "identity/actions.py", "identity/gate.py", "care/injury.py"]
# Rasa's escalation policy (not an action) predicts this one when the action server is down.
POLICY_RESPONSES = {"utter_handoff_unavailable", "utter_check_in"}


def _used_in_training_data() -> set[str]:
    used = set()
    for path in (ROOT / "data").rglob("*.yml"):
        used |= set(re.findall(r"- action: (utter_\w+)", path.read_text(encoding="utf-8")))
    return used


def _named_by_actions() -> set[str]:
    named = set()
    for module in ACTION_MODULES:
        source = (ROOT / "actions" / module).read_text(encoding="utf-8")
        named |= set(re.findall(r"\"(utter_\w+)\"", source))
        for prefix in re.findall(r"f\"(utter_\w+_)\{product\.value\}\"", source):
            named |= {prefix + product.value for product in Product}
        if "response=problem" in source:
            named |= set(re.findall(r"problem = \"(utter_\w+)\"", source))
    return named


def test_every_response_is_reachable(domain):
    # Rasa asks with utter_ask_<form>_<slot> when the form has its own question, else utter_ask_<slot>.
    form_asks = {ask for name, form in domain["forms"].items() for slot in form["required_slots"]
                 for ask in (f"utter_ask_{slot}", f"utter_ask_{name}_{slot}")}
    reachable = _used_in_training_data() | _named_by_actions() | form_asks | POLICY_RESPONSES
    assert set(domain["responses"]) - reachable == set()


def test_every_response_an_action_names_exists(domain):
    assert _named_by_actions() - set(domain["responses"]) == set()


def test_important_responses_validate_an_upset_or_distressed_customer(domain):
    for name in ["utter_claim_acknowledge", "utter_claim_acknowledge_incident", "utter_claim_submitted",
                 "utter_claim_status", "utter_complaint_acknowledge", "utter_complaint_acknowledge_wait",
                 "utter_complaint_acknowledge_incident", "utter_fallback_rephrase", "utter_ask_policy_number"]:
        tones = {condition["value"] for variant in domain["responses"][name] for condition in variant.get("condition", [])
                 if condition["name"] == "emotion_tone"}
        plain = [variant for variant in domain["responses"][name] if "condition" not in variant]
        assert tones == {"at_risk", "distressed", "upset"}, name
        assert len(plain) >= 2, name
        # A customer at risk who hears any reply after the safety lines hears the distressed wording.
        texts = {c["value"]: v["text"] for v in domain["responses"][name] for c in v.get("condition", [])}
        assert texts["at_risk"] == texts["distressed"], name


def test_replies_about_loss_or_delay_are_never_cheerful(domain):
    cheerful = re.compile(r"great!|awesome|brilliant!|yay|fantastic|[\U0001F300-\U0001FAFF]", re.IGNORECASE)
    for name, variants in domain["responses"].items():
        for variant in variants:
            assert not cheerful.search(variant["text"]), (name, variant["text"])


def test_the_emotion_tone_slot_matches_the_contract(domain):
    assert domain["slots"]["emotion_tone"] == {
        "type": "categorical",
        "values": ["mild", "upset", "distressed", "at_risk", "positive"],
        "influence_conversation": False,
        "mappings": [{"type": "custom", "action": "action_assess_message"}],
    }
    assert {"action_assess_message", "action_offer_handoff"} <= {name if isinstance(name, str) else next(iter(name)) for name in domain["actions"]}
    assert {"EXTERNAL_handoff_resolved", "EXTERNAL_handoff_abandoned"} <= set(domain["intents"])


def test_the_gentle_check_in_asks_and_offers_a_person_without_a_script(domain):
    variants = [variant["text"] for variant in domain["responses"]["utter_check_in"]]
    assert "That sounds really hard{name_vocative}. Is something going on that I can help with, or would you like " \
           "to talk to someone?" in variants
    for text in variants:
        assert re.search(r"talk to (?:someone|a person)", text) and text.rstrip().endswith("?")
        assert not re.search(r"999|116 123|complaint|claim|not the service", text)


def test_test_stories_cover_every_intent(domain):
    stories = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "tests" / "stories").glob("test_*.yml"))
    covered = set(re.findall(r"intent: (\w+)", stories))
    expected = {intent for intent in domain["intents"] if not intent.startswith("EXTERNAL_")} | {"nlu_fallback"}
    assert expected - covered == set()


def test_a_form_validation_message_explains_and_leaves_the_question_to_the_form(domain):
    """After a validation message the form re-asks its slot; a validation message that asks too puts two
    questions in one turn ("Could you double-check it?" then "What's your policy number?")."""
    source = (ROOT / "actions" / "forms.py").read_text(encoding="utf-8")
    validation = set(re.findall(r"\"(utter_\w+)\"", source))
    assert len(validation) >= 10
    asking = [(name, variant["text"]) for name in sorted(validation) for variant in domain["responses"][name]
              if "?" in variant["text"]]
    assert asking == []
