import pytest

from actions.emotion.cues import find_cues
from actions.emotion.embedder import spell_out_emoji
from actions.emotion.emoticons import ANGRY, CRYING, FROWNING, HEART, SLIGHTLY_SMILING, emoticons_to_emoji, find_emoticons


@pytest.mark.parametrize("text, expected", [
    ("ok :(", [(":(", FROWNING)]),
    ("still nothing :(((.", [(":(((", FROWNING)]),
    ("still nothing >:(", [(">:(", ANGRY)]),
    ("thanks :) <3", [(":)", SLIGHTLY_SMILING), ("<3", HEART)]),
    ("T_T why", [("T_T", CRYING)]),
    ("(: fine", [("(:", SLIGHTLY_SMILING)]),
    ("thanks:)", [(":)", SLIGHTLY_SMILING)]),
    ("sorry:(. bye", [(":(", FROWNING)]),
])
def test_emoticons_standing_alone_are_read_as_their_emoji(text, expected):
    assert find_emoticons(text) == expected


@pytest.mark.parametrize("text", [
    "see https://example.com/claims", "call me at 10:30", "options a) b) c)", "ratio 3:2", "sad):", ":(:(",
    "std::vector", "plain text snake_case", "Note:(see below)", "x=D", "3:)",
])
def test_text_that_only_looks_like_an_emoticon_is_left_alone(text):
    assert find_emoticons(text) == []
    assert emoticons_to_emoji(text) == text


def test_the_model_reads_an_emoticon_by_its_emoji_name():
    assert spell_out_emoji("ok :(").split() == ["ok", "slightly", "frowning", "face"]
    assert spell_out_emoji("so slow >:(") == spell_out_emoji("so slow \U0001F620")


def test_an_emoticon_is_a_cue_shown_as_the_customer_typed_it():
    cues = {c.kind: c for c in find_cues("still no reply :'(")}
    assert cues["emoji"].match == ":'("
    assert cues["emoji"].valence < 0 and "sadness" in cues["emoji"].emotions
    assert [c.match for c in find_cues("thanks :)") if c.kind == "emoji"] == [":)"]
    assert [c.kind for c in find_cues("see https://example.com/claims")] == []


def test_a_sad_emoticon_turns_a_plain_reply_negative(scorer):
    plain, sad = scorer.score("ok"), scorer.score("ok :(")
    assert sad["valence"] < plain["valence"] - 0.3
    assert sad["emotions"]["sadness"] > plain["emotions"]["sadness"] + 0.3
    assert 'emoji: ":("' in sad["cues"]
