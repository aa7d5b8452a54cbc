"""The cue layer on its own (no model): sarcasm, denied feelings, distress the encoder under-reads."""
import pytest

from actions.emotion.cues import find_cues


def labels(text: str) -> list[str]:
    return [cue.label() for cue in find_cues(text)]


def kinds(text: str) -> set[str]:
    return {cue.kind for cue in find_cues(text)}


@pytest.mark.parametrize("text, marker", [
    ('Great, just great. Another letter saying my claim is "under review".', "Great, just great"),
    ("Thanks for nothing.", "Thanks for nothing"),
    ("Yeah right, a call back within 24 hours.", "Yeah right"),
    ("Fantastic service as always. Still no reply after three weeks.", "Fantastic service as always"),
    ("Oh brilliant, my claim was rejected.", "Oh brilliant"),
    ("I love how nobody ever calls back", "I love how"),
    ('My claim has been "under review" for a month now', '"under review"'),
    ("How very helpful, I have to explain it yet again", "How very helpful"),
])
def test_sarcastic_complaints_are_read_as_sarcasm(text, marker):
    assert f'sarcasm: "{marker}"' in labels(text)


@pytest.mark.parametrize("text", [
    "Great service as always, thanks again!",
    "Great service as always, never had a problem with you",
    "Oh great, thank you so much!",
    "I love how easy the app is",
    "That's just perfect, thanks",
    'The app says "under review", what does that mean?',
    "Perfect, the payment arrived this morning",
])
def test_sincere_praise_is_not_sarcasm(text):
    assert "sarcasm" not in kinds(text)


def test_sarcasm_cue_turns_the_read_negative_and_damps_joy():
    (cue,) = [c for c in find_cues("Thanks for nothing.") if c.kind == "sarcasm"]
    assert cue.valence < -0.5
    assert cue.dampens["joy"] > 0.5
    assert cue.emotions["frustration"] > 0


@pytest.mark.parametrize("text, word", [
    ("I'm not angry, I'm just really disappointed", "angry"),
    ("I'm not really that worried about it", "worried"),
    ("honestly not scared, just want it sorted", "scared"),
])
def test_a_feeling_the_customer_denies_is_not_shown_as_a_cue(text, word):
    assert not any(word in label for label in labels(text))


def test_a_feeling_stated_after_a_denied_one_is_still_a_cue():
    assert 'charged words: "angry"' in labels("I'm not worried, I'm angry")


@pytest.mark.parametrize("text, expected", [
    ("I haven't slept since the fire and I don't know what to do",
     {'damage to home: "since the fire"', 'fear words: "haven\'t slept"'}),
    ("we have barely slept since the flood", {'damage to home: "since the flood"', 'fear words: "barely slept"'}),
])
def test_sleeplessness_and_the_aftermath_of_a_disaster_are_cues(text, expected):
    assert expected <= set(labels(text))


@pytest.mark.parametrize("text", ["I nearly died laughing at your hold music", "the GP surgery rang me back",
                                  "I died of embarrassment"])
def test_a_figure_of_speech_is_not_a_life_event(text):
    assert not [label for label in labels(text) if label.startswith(("loss", "accident or illness"))]


def test_the_event_beside_a_figure_of_speech_still_is():
    assert any(label.startswith("loss") for label in labels("we nearly died laughing, then grandad died that night"))


@pytest.mark.parametrize("text", ["It's a bit frustrating that the report hasn't come", "slightly irritating form",
                                  "I'm a little disappointed", "kind of annoyed tbh", "a tad underwhelmed"])
def test_a_grievance_the_customer_softens_is_a_hedge(text):
    [hedge] = [cue for cue in find_cues(text) if cue.kind == "hedged"]
    assert hedge.softens == 0.3 and hedge.dampens == {"anger": 0.4, "frustration": 0.4}


@pytest.mark.parametrize("text", [
    "a bit scared to be honest",                                    # fear keeps its weight
    "a little worried about the roof",
    "a bit frustrating, and frankly a disgrace",                    # charged words: not softened
    "slightly annoyed, bloody hell",                                # swearing: not softened
    "frustrating that nobody called",                               # no hedge word
])
def test_no_hedge_where_the_message_is_not_softened(text):
    assert not [cue for cue in find_cues(text) if cue.kind == "hedged"]
