"""Pure logic of the console: transcript without payloads, the summary of what was understood, agent assist
(band, concern, suggested replies) and the dashboard's TNPS and duration arithmetic. Issue #20."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handoff_service.assist import band_from_intensity, current_band, current_concern, suggest
from handoff_service.services.dashboard import Tnps, durations
from handoff_service.understood import mentioned_policies, readable_transcript, understand

VIDEO = '/handoff_accept{"handoff_mode":"video"}'
OFFER = {"sender": "bot", "text": "Would you like a person?",
         "buttons": [{"title": "Chat with a person", "payload": '/handoff_accept{"handoff_mode":"chat"}'},
                     {"title": "Video call", "payload": VIDEO}]}


def test_a_button_press_shows_as_the_buttons_title_never_as_its_payload() -> None:
    shown = readable_transcript([{"sender": "customer", "text": "can I talk to someone"}, OFFER,
                                 {"sender": "customer", "text": VIDEO}])
    assert shown[-1] == {"sender": "customer", "text": "Video call", "choice": True}
    assert "buttons" not in shown[1]  # the console does not need them
    assert all("/handoff_accept" not in turn["text"] for turn in shown)


def test_without_the_bots_buttons_a_known_payload_gets_its_label_and_mode() -> None:
    shown = readable_transcript([{"sender": "customer", "text": VIDEO},
                                 {"sender": "user", "text": "/handoff_decline"}])
    assert [t["text"] for t in shown] == ["Yes, connect me with a person by video call", "Not now"]


def test_bot_commands_that_are_not_choices_are_hidden() -> None:
    transcript = [{"sender": "customer", "text": "/restart"}, {"sender": "customer", "text": "/EXTERNAL_thing{}"},
                  {"sender": "customer", "text": "/handoff_accept{broken json"}, {"sender": "bot", "text": "/not a command"}]
    shown = readable_transcript(transcript)
    # The broken payload still names a known intent: shown as its label; the bot's own line is kept as it is.
    assert [t["text"] for t in shown] == ["Yes, connect me with a person", "/not a command"]


def test_a_payload_of_an_earlier_turns_buttons_is_not_matched_to_a_later_bot_turn() -> None:
    later_bot = {"sender": "bot", "text": "Anything else?", "buttons": [{"title": "No", "payload": "/deny"}]}
    shown = readable_transcript([OFFER, later_bot, {"sender": "customer", "text": VIDEO}])
    assert shown[-1]["text"] == "Yes, connect me with a person by video call"  # from the labels, not "Video call"


@given(st.text(min_size=1).filter(lambda t: not t.lstrip().startswith("/")))
def test_whatever_the_customer_typed_is_shown_unchanged(text: str) -> None:
    assert readable_transcript([{"sender": "customer", "text": text}]) == [{"sender": "customer", "text": text}]


def test_policy_numbers_written_in_the_chat_are_picked_up_once_in_order() -> None:
    transcript = [{"sender": "customer", "text": "my policy is hom 204815. Or maybe MOT-318402?"},
                  {"sender": "bot", "text": "HOM-999999 is not yours"},
                  {"sender": "customer", "text": "HOM-204815 again"}]
    assert mentioned_policies(transcript, ["also trv552190"]) == ["HOM-204815", "MOT-318402", "TRV-552190"]
    assert mentioned_policies([{"sender": "customer", "text": "HOM-20481 has five digits"}]) == []


def test_the_summary_is_written_from_what_was_understood_never_payloads() -> None:
    transcript = [{"sender": "customer", "text": "Hi, my policy is hom 204815."},
                  {"sender": "customer", "text": "I reported the water damage THREE WEEKS ago and nobody has called me! "
                                                 "I need someone to sort this out.", "intensity": 0.8},
                  OFFER, {"sender": "customer", "text": VIDEO}]
    understood = understand(
        transcript=transcript, trigger="high_intensity", preferred_mode="video",
        slots={"incident_type": "water_damage", "incident_date": "12 November", "claim_reference": "CLM-20814"},
        reasons=["Strong emotion in one message \u2014 waiting time: \u201cI reported the water damage\u201d"])
    assert understood.reason == "Strong emotion in one message \u2014 waiting time"
    assert understood.incident == "Water damage on 12 November"
    assert understood.details == ["Claim CLM-20814", "Policy HOM-204815 (written in the chat)"]
    assert understood.wants == "to talk to a person by video call; \u201cI need someone to sort this out.\u201d"
    assert understood.in_their_words == "I reported the water damage THREE WEEKS ago and nobody has called me!"
    text = understood.as_text()
    assert text.splitlines()[0] == "Reason: Strong emotion in one message \u2014 waiting time"
    assert "handoff_accept" not in text and "Video call" not in text


def test_the_reason_falls_back_to_the_triggers_label() -> None:
    understood = understand(transcript=[], slots={}, reasons=[], trigger="vulnerability", preferred_mode="chat")
    assert (understood.reason, understood.incident, understood.details) == ("Vulnerable customer", None, [])
    assert understood.wants == "to talk to a person by chat" and understood.in_their_words is None


@pytest.mark.parametrize(("intensity", "band"), [(None, None), (0.0, "mild"), (0.4499, "mild"), (0.45, "upset"),
                                                 (0.7499, "upset"), (0.75, "distressed"), (1.0, "distressed")])
def test_band_from_intensity_when_the_bot_sent_none(intensity: float | None, band: str | None) -> None:
    assert band_from_intensity(intensity) == band


def test_the_latest_band_wins_and_a_vulnerability_hand_over_is_never_mild() -> None:
    points = [{"intensity": 0.9, "band": "distressed"}, {"intensity": 0.2, "band": "mild"}]
    assert current_band(points=points, trigger="high_intensity") == "mild"
    assert current_band(points=points, trigger="vulnerability") == "distressed"
    assert current_band(points=points + [{"intensity": 0.3, "band": "at_risk"}], trigger="vulnerability") == "at_risk"
    assert current_band(points=[{"intensity": 0.8}], trigger=None) == "distressed"  # no band: from intensity
    assert current_band(points=[], trigger=None) is None


@pytest.mark.parametrize(("texts", "concern"), [
    (["My dad passed away last week"], "bereavement"),
    (["water_damage"], "water_damage"),
    (["Someone broke in and my laptop was stolen"], "theft"),
    (["I've been waiting three weeks and nobody called"], "delay"),
    (["What does my policy cover?"], "general"),
    (["my education fund"], "general"),  # "cat" etc. never match inside a word
])
def test_the_concern_is_the_first_matching_one(texts: list[str], concern: str) -> None:
    assert current_concern(texts) == concern


def test_suggestions_follow_band_concern_and_first_name() -> None:
    water = suggest(band="upset", concern="water_damage", first_name="Priya")
    assert [s.id for s in water] == ["water_first_steps", "upset_acknowledge", "any_check_understanding"]
    assert all("Priya" in s.text for s in water) and water[0].why == "upset \u00b7 water damage"
    at_risk = suggest(band="at_risk", concern="general", first_name=None)
    assert at_risk[0].id == "safety_first" and "116 123" in at_risk[0].text
    assert all("{" not in s.text for s in at_risk)
    bereaved = suggest(band="distressed", concern="bereavement", first_name="{first_name} <b>")
    assert [s.id for s in bereaved] == ["bereavement_sorry", "bereavement_next", "distressed_here"]
    assert bereaved[0].text.startswith("{first_name} <b>, I'm so sorry")  # the name is inserted as text, once
    assert 2 <= len(suggest(band=None, concern="general", first_name="Tom")) <= 3


@pytest.mark.parametrize(("score", "kind"), [(0, "detractors"), (6, "detractors"), (7, "passives"), (8, "passives"),
                                             (9, "promoters"), (10, "promoters")])
def test_tnps_counts_each_score_in_its_group(score: int, kind: str) -> None:
    tnps = Tnps("x")
    tnps.add(score)
    assert getattr(tnps, kind) == 1 and tnps.responses == 1


def test_tnps_is_promoters_minus_detractors_in_percent() -> None:
    tnps = Tnps("x")
    assert tnps.tnps is None
    for score in (10, 9, 8, 6, 0, 9, 7):
        tnps.add(score)
    assert tnps.tnps == round(100 * (3 - 2) / 7, 1)


def test_durations_mean_median_and_nearest_rank_p90() -> None:
    assert durations([]).mean_seconds is None
    ten = durations(range(1, 11))
    assert (ten.count, ten.mean_seconds, ten.median_seconds, ten.p90_seconds) == (10, 5.5, 5.5, 9)
    eleven = durations(range(1, 12))
    assert (eleven.median_seconds, eleven.p90_seconds) == (6, 10)


def test_a_customer_at_risk_gets_the_safety_reply_first_whatever_the_concern() -> None:
    assert [s.id for s in suggest(band="at_risk", concern="water_damage", first_name="Priya")] == [
        "safety_first", "water_first_steps", "any_check_understanding"]
    assert suggest(band="distressed", concern="water_damage", first_name=None)[0].id == "water_first_steps"


@given(st.text(max_size=300))
def test_any_text_yields_only_well_formed_policy_numbers(text: str) -> None:
    import re

    for number in mentioned_policies([{"sender": "customer", "text": text}]):
        assert re.fullmatch(r"(HOM|MOT|TRV|LIF)-\d{6}", number)
