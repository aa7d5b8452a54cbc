"""What the bot did, read from hand-built tracker events with the real behaviour mapping."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.judgement_classify import (FLOW_WITHOUT_EVIDENCE, NONE, SAFETY_WITHOUT_RISK, Behaviours, Turn, judge,
                                      observe)

BEHAVIOURS = Behaviours.load()
SAFETY = "If you're in danger now, please call 999. You can talk to Samaritans any time, free on 116 123."


def opening(text: str = "hello") -> list[dict]:
    """A fresh conversation up to and including the customer's first message."""
    return [{"event": "action", "name": "action_session_start"}, {"event": "session_started"},
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": text, "parse_data": {"intent": {"name": "greet"}}}]


def action(name: str) -> dict:
    return {"event": "action", "name": name}


def bot(text: str, response: str | None = None) -> dict:
    return {"event": "bot", "text": text, "metadata": {"utter_action": response} if response else {}}


def slot(name: str, value) -> dict:
    return {"event": "slot", "name": name, "value": value}


def uttered(name: str, text: str = "…") -> list[dict]:
    """A response run as an action of its own: Rasa logs the action, then the message with its name."""
    return [action(name), bot(text, name)]


def turn_of(*events: dict | list[dict]) -> Turn:
    flat = [e for item in events for e in (item if isinstance(item, list) else [item])]
    return Turn.from_events(opening() + flat + [action("action_listen")])


def primary(*events) -> str:
    return observe(turn_of(*events), BEHAVIOURS).primary


# --- Reading the turn ---------------------------------------------------------------------------

def test_only_the_turn_after_the_last_customer_message_counts():
    earlier = [action("utter_greet"), bot("Hello", "utter_greet"), action("action_listen"),
               {"event": "user", "text": "my car was stolen"}]
    turn = Turn.from_events(opening() + earlier + [action("action_check_claim_status"),
                                                   bot("What's the reference?", "utter_ask_claim_reference"),
                                                   action("action_listen")])
    assert turn.names == ("action_check_claim_status", "utter_ask_claim_reference")
    assert turn.replies == ("What's the reference?",)


def test_a_response_run_as_an_action_is_named_once_and_bookkeeping_actions_are_left_out():
    turn = turn_of(action("action_extract_slots"), uttered("utter_greet", "Hi"))
    assert turn.names == ("utter_greet",)


def test_a_form_is_named_by_its_action_and_its_activation():
    turn = Turn.from_events(opening() + [{"event": "active_loop", "name": "claim_form"}])
    assert turn.names == ("claim_form",)


def test_slots_set_during_the_turn_keep_their_last_value():
    turn = turn_of(slot("kb_answer_id", "motor-07"), slot("handoff_mode", None), slot("kb_answer_id", None))
    assert turn.slots_set == {"kb_answer_id": None, "handoff_mode": None}


@pytest.mark.parametrize("parse_data, scored", [
    ({"emotion": {"available": True, "intensity": 0.2}}, True), ({"emotion": {"available": False}}, False),
    ({}, None), ({"emotion": "garbled"}, None)])
def test_the_turn_knows_whether_the_message_was_scored(parse_data, scored):
    events = opening()[:-1] + [{"event": "user", "text": "hi", "parse_data": parse_data}]
    assert Turn.from_events(events).scored is scored


def test_no_customer_message_means_every_event_is_the_turn():
    assert Turn.from_events([action("utter_greet")]).names == ("utter_greet",)


# --- Each class with the names of bench/judgement_behaviours.yml -----------------------------------

@pytest.mark.parametrize("events, expected", [
    ([action("action_acknowledge_claim"), bot("I'm sorry", "utter_claim_acknowledge"), action("claim_form"),
      {"event": "active_loop", "name": "claim_form"}], "start_claim"),
    ([action("action_check_claim_status"), bot("Reference?", "utter_ask_claim_reference")], "check_claim"),
    ([action("action_offer_handoff"), bot("A colleague can take over now.")], "offer_person"),
    ([action("action_acknowledge_complaint"), bot("I'm sorry", "utter_complaint_acknowledge"),
      *uttered("utter_ask_escalate_complaint")], "offer_person"),
    ([slot("kb_answer_id", "travel-12"), action("action_answer_question"), bot("Yes, skiing is covered…")],
     "kb_answer"),
    ([action("action_answer_question"), bot("I can't answer that one…")], "out_of_scope"),
    ([action("action_answer_question"), slot("kb_answer_id", None), bot("I can't answer that one…")], "out_of_scope"),
    (uttered("utter_clarify_new_or_existing_claim"), "clarify"),
    ([action("action_clarify_policy_owner"), bot("Is this about a policy with us?")], "clarify"),
    (uttered("utter_other_company"), "other_company"),
    (uttered("utter_out_of_scope"), "out_of_scope"),
    (uttered("utter_check_in_low_mood"), "check_in"),
    (uttered("utter_greet"), "small_talk"),
    (uttered("utter_iamabot"), "small_talk"),
    (uttered("utter_small_talk_joke"), "small_talk"),
    (uttered("utter_fallback_rephrase"), "clarify"),
    (uttered("utter_default"), NONE),
    (uttered("utter_payment_info"), NONE),
    ([], NONE),
])
def test_each_class_is_read_from_its_names(events, expected):
    assert primary(events) == expected


def test_a_response_sent_by_a_custom_action_counts_by_its_name():
    assert primary(action("action_small_talk"), bot("Ha!", "utter_small_talk_joke")) == "small_talk"


def test_a_name_only_starting_like_a_class_name_without_its_prefix_does_not_count():
    assert primary(uttered("utter_clarif")) == NONE
    assert primary(uttered("xutter_clarify_claim")) == NONE


def test_safety_lines_in_the_first_message_are_safety_first_before_any_offer():
    observation = observe(turn_of(action("action_offer_handoff"), bot("Thank you for telling me. " + SAFETY)),
                          BEHAVIOURS)
    assert observation.primary == "safety_first"
    assert observation.fired == ("safety_first", "offer_person")


@pytest.mark.parametrize("text, is_safety", [
    ("please call 999 now", True), ("call 999.", True), ("Samaritans: 116 123", True), ("free on 116123", True),
    ("ring 0800 111 999 if you smell gas", True),
    ("your reference is 19990", False), ("£9999 limit", False), ("call 0116 1234 567", False),
    ("Samaritans can help", False), ("", False),
])
def test_the_safety_pattern_reads_the_numbers_not_lookalikes(text, is_safety):
    observation = observe(turn_of(bot(text)), BEHAVIOURS)
    assert (observation.primary == "safety_first") is is_safety
    assert observation.safety_lines is is_safety


def test_safety_lines_after_another_message_are_not_safety_first_but_are_still_seen():
    observation = observe(turn_of(uttered("utter_greet", "Hello"), bot(SAFETY)), BEHAVIOURS)
    assert observation.primary == "small_talk"
    assert observation.safety_lines


@pytest.mark.parametrize("events, expected", [
    ([action("action_offer_handoff"), bot("a person"), action("action_acknowledge_claim")], "start_claim"),
    ([*uttered("utter_greet"), action("action_offer_handoff"), bot("a person")], "offer_person"),
    ([*uttered("utter_clarify_claim"), *uttered("utter_out_of_scope")], "clarify"),
    ([*uttered("utter_other_company"), *uttered("utter_out_of_scope")], "other_company"),
    ([*uttered("utter_check_in"), *uttered("utter_greet")], "check_in"),
    ([action("action_check_claim_status"), action("action_offer_handoff"), bot("a person")], "check_claim"),
])
def test_the_strongest_behaviour_of_the_turn_is_what_the_bot_did(events, expected):
    assert primary(events) == expected


def test_an_unclassified_turn_is_labelled_with_what_it_was_instead():
    observation = observe(turn_of(uttered("utter_default")), BEHAVIOURS)
    assert observation.label == "none: fallback"
    assert observe(turn_of(uttered("utter_greet")), BEHAVIOURS).label == "small_talk"
    assert observe(turn_of(), BEHAVIOURS).label == NONE


# --- Right or wrong ----------------------------------------------------------------------------

def test_right_when_what_the_bot_did_is_one_of_the_acceptable_classes():
    observation = observe(turn_of(action("action_offer_handoff"), bot("a person")), BEHAVIOURS)
    assert judge(["offer_person"], observation, BEHAVIOURS).right
    assert judge(["clarify", "offer_person"], observation, BEHAVIOURS).right
    assert not judge(["clarify"], observation, BEHAVIOURS).right


@pytest.mark.parametrize("flow", ["claim_form", "callback_form", "action_start_handoff", "action_acknowledge_claim",
                                  "cancellation_form", "action_request_callback_now"])
def test_a_flow_started_without_evidence_is_counted_and_never_right(flow):
    observation = observe(turn_of(action(flow)), BEHAVIOURS)
    verdict = judge(["kb_answer"], observation, BEHAVIOURS)
    assert verdict.violations == (FLOW_WITHOUT_EVIDENCE,)
    assert not verdict.right
    for allowed in ("start_claim", "offer_person", "safety_first"):
        assert FLOW_WITHOUT_EVIDENCE not in judge([allowed], observation, BEHAVIOURS).violations


def test_safety_lines_without_risk_are_counted_even_when_the_class_is_right():
    observation = observe(turn_of(uttered("utter_greet", "Hello"), bot(SAFETY)), BEHAVIOURS)
    verdict = judge(["small_talk"], observation, BEHAVIOURS)
    assert verdict.violations == (SAFETY_WITHOUT_RISK,)
    assert not verdict.right
    assert judge(["small_talk", "safety_first"], observation, BEHAVIOURS).violations == ()


def test_safety_first_is_right_only_when_risk_was_expected():
    observation = observe(turn_of(bot(SAFETY), action("action_offer_handoff")), BEHAVIOURS)
    assert judge(["safety_first"], observation, BEHAVIOURS).right
    assert not judge(["offer_person"], observation, BEHAVIOURS).right


# --- The mapping file --------------------------------------------------------------------------

def test_every_class_of_the_contract_has_a_place_in_the_priority():
    assert set(BEHAVIOURS.priority) == {"kb_answer", "clarify", "start_claim", "check_claim", "offer_person",
                                        "safety_first", "out_of_scope", "other_company", "small_talk", "check_in"}


def test_a_mapping_that_forgets_a_class_in_the_priority_is_refused():
    import yaml

    from bench.judgement_classify import BEHAVIOURS_FILE

    data = yaml.safe_load(BEHAVIOURS_FILE.read_text())
    data["priority"].remove("clarify")
    with pytest.raises(ValueError, match="clarify"):
        Behaviours.from_mapping(data)
    data = yaml.safe_load(BEHAVIOURS_FILE.read_text())
    data["classes"]["clarify"][0]["prefix"] = ["utter_clarify_"]
    with pytest.raises(ValueError, match="prefix"):
        Behaviours.from_mapping(data)


_event = st.one_of(
    st.builds(action, st.sampled_from(["utter_greet", "action_offer_handoff", "claim_form", "action_listen",
                                       "action_answer_question", "utter_clarify_x", "anything"])),
    st.builds(bot, st.text(max_size=40), st.one_of(st.none(), st.sampled_from(["utter_greet", "utter_other_company"]))),
    st.builds(slot, st.sampled_from(["kb_answer_id", "emotion_tone"]), st.one_of(st.none(), st.text(max_size=5))),
    st.fixed_dictionaries({"event": st.sampled_from(["active_loop", "user_featurization", "unknown"]),
                           "name": st.one_of(st.none(), st.text(max_size=10))}),
)


@settings(max_examples=200, deadline=None)
@given(before=st.lists(_event, max_size=6), after=st.lists(_event, max_size=10))
def test_any_event_list_gives_one_known_class_and_history_before_the_message_never_counts(before, after):
    fresh = observe(Turn.from_events(opening() + after), BEHAVIOURS)
    with_history = observe(Turn.from_events(before + opening() + after), BEHAVIOURS)
    assert fresh.primary in (*BEHAVIOURS.priority, NONE)
    assert fresh == with_history
    assert (fresh.primary == NONE) is (fresh.fired == ())
