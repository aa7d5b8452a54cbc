import json

import pytest

from actions import config
from actions.emotion.text import TRUNCATION_MARK, LanguageFlagger, clean

EMPTY_SCORE = {"intensity": 0.0, "valence": 0.0, "arousal": 0.0, "tone": "neutral", "dominant": "neutral", "cues": [],
               "language": "und", "is_english": True, "truncated": False, "risk_meaning": None, "band": "mild", "check_in": False}


@pytest.mark.parametrize("text", ["", "   ", "\n\t \r\n", "\x00\x07\u200b"])
def test_empty_and_invisible_messages_score_as_neutral_nothing(scorer, text):
    result = scorer.score(text)
    assert {k: result[k] for k in EMPTY_SCORE} == EMPTY_SCORE
    assert set(result["emotions"].values()) == {0.0}


def test_clean_keeps_head_and_tail_within_the_limit():
    text = "START " + "x" * 5000 + " END"
    cleaned = clean(text, 100)
    assert cleaned.truncated is True
    assert len(cleaned.text) <= 100
    assert cleaned.text.startswith("START") and cleaned.text.endswith("END")
    assert TRUNCATION_MARK in cleaned.text
    assert clean("short", 100).truncated is False


def test_100_kilobyte_message_is_truncated_consistently(scorer):
    big = "I have waited THREE WEEKS for a call back. " + ("blah " * 20_000) + "This is completely unacceptable!!"
    assert len(big.encode()) > 100_000
    result = scorer.score(big)
    assert result["truncated"] is True
    assert result == scorer.score(big)
    # The same text cut by hand scores the same: truncation happens once, before everything else.
    cut = clean(big, config.EMOTION_MAX_CHARS).text
    assert len(cut) <= config.EMOTION_MAX_CHARS
    assert {k: v for k, v in scorer.score(cut).items() if k != "truncated"} == \
        {k: v for k, v in result.items() if k != "truncated"}
    # Head and tail both survive: the waiting time at the start and the complaint at the end.
    assert any(c.startswith("waiting time:") for c in result["cues"])
    assert any("unacceptable" in c for c in result["cues"])


def test_long_whitespace_is_collapsed_not_counted():
    cleaned = clean("hello" + " " * 50_000 + "world", 2000)
    assert cleaned.text == "hello world" and cleaned.truncated is False


def test_control_characters_do_not_change_the_score(scorer):
    noisy = scorer.score("my claim\x00 was\x1b rejected\u200b\u202e again")
    assert noisy == scorer.score("my claim was rejected again")


def test_lone_surrogates_are_dropped(scorer):
    result = scorer.score("broken \ud800 text from a bad client")
    json.dumps(result)
    assert result == scorer.score("broken text from a bad client")


@pytest.mark.parametrize("text, valence_sign, emotion", [
    ("😡😡😡", -1, "anger"),
    ("😭", -1, "sadness"),
    ("🙂👍", 1, "joy"),
])
def test_emoji_only_messages(scorer, text, valence_sign, emotion):
    result = scorer.score(text)
    assert any(c.startswith("emoji:") for c in result["cues"])
    assert result["valence"] * valence_sign > 0
    assert result["dominant"] == emotion
    assert result["is_english"] is True and result["language"] == "und"


@pytest.mark.parametrize("text", ["ok", "thanks!!", "hi", "yes please", "no", "Perfect, speak soon", "ta",
                                  "CLM-20814", "np", "k thx", "merci"])
def test_short_messages_are_not_flagged_non_english(scorer, text):
    result = scorer.score(text)
    assert result["is_english"] is True and result["language"] == "en"


@pytest.mark.parametrize("text, code", [
    ("Bonjour, ma voiture a été volée hier soir et je ne sais pas quoi faire", "fr"),
    ("Mein Auto wurde gestern gestohlen und niemand hat mich angerufen", "de"),
    ("Necesito ayuda con mi reclamación del seguro de hogar", "es"),
    ("Моя машина была украдена вчера вечером", "ru"),
    ("我的车昨晚被偷了", "zh"),
])
def test_non_english_is_flagged_with_its_language(scorer, text, code):
    result = scorer.score(text)
    assert result["is_english"] is False
    assert result["language"] == code


def test_english_with_a_foreign_name_is_english():
    flagger = LanguageFlagger()
    assert flagger.detect("Señora García from your claims team promised a call back on Tuesday").is_english


@pytest.mark.parametrize("bad", [None, 42, b"bytes are not text"])
def test_non_string_input_raises_a_clear_type_error(scorer, bad):
    with pytest.raises(TypeError, match="must be str"):
        scorer.score(bad)


def test_bad_batch_size_is_rejected(scorer):
    with pytest.raises(ValueError, match="batch_size"):
        scorer.score_many(["hi"], batch_size=0)
