"""Why the bot handed over, as the agent reads it first on the ticket."""
from __future__ import annotations

from actions.handoff.ticket import REASON_CHARS, ticket_reasons


def test_a_charged_message_reads_as_words_with_its_signals_not_model_guesses():
    reasons = ticket_reasons({"trigger": "high_intensity", "words": "nobody has called me",
                              "signals": {"intensity": 0.91, "cues": ['model: annoyance 0.63',
                                                                      'waiting time: "THREE WEEKS ago"',
                                                                      'charged words: "ridiculous"']}})
    assert reasons == ["Strong emotion in one message: \u201cnobody has called me\u201d",
                       'Signals: waiting time: "THREE WEEKS ago"; charged words: "ridiculous"']


def test_a_category_is_named_and_a_trend_is_summarised():
    assert ticket_reasons({"trigger": "vulnerability", "category": "bereavement", "words": "my dad died"}) == [
        "Vulnerable customer \u2014 bereavement: \u201cmy dad died\u201d"]
    trend = ticket_reasons({"trigger": "sustained_distress", "words": "still nothing",
                            "signals": {"negative_turns": 3, "peak": 0.82, "cues": []}})
    assert trend[-1] == "Over the conversation: 3 negative messages, peak distress 82%"
    assert ticket_reasons({"trigger": "unsupported_language", "category": "fr", "words": "bonjour"})[0] == \
        "Writes in a language the bot does not support (fr): \u201cbonjour\u201d"


def test_long_words_and_unknown_triggers_stay_within_the_services_limit():
    reasons = ticket_reasons({"trigger": "something_new", "words": "word " * 200,
                              "signals": {"cues": [f'charged words: "{"x" * 50}"'] * 10}})
    assert reasons[0].startswith("Something new: \u201cword word")
    assert all(len(reason) <= REASON_CHARS for reason in reasons)
    assert reasons[0].endswith("\u2026\u201d") and reasons[1].endswith("\u2026")


def test_a_request_without_words_is_just_the_label():
    assert ticket_reasons({}) == ["Asked for a person"]
