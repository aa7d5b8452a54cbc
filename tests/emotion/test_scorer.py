import json
import threading

import pytest

from actions import config
from actions.emotion import EMOTIONS, get_scorer

FIELDS = {"intensity", "valence", "arousal", "tone", "dominant", "emotions", "cues", "language", "is_english", "truncated",
          "band", "band_reasons", "check_in", "risk_meaning"}


def test_score_dict_shape_types_and_rounding(scorer):
    result = scorer.score("Why has my premium gone up again? Nobody explained it.")
    assert set(result) == FIELDS
    assert 0.0 <= result["intensity"] <= 1.0 and -1.0 <= result["valence"] <= 1.0 and 0.0 <= result["arousal"] <= 1.0
    assert set(result["emotions"]) == set(EMOTIONS)
    assert all(0.0 <= v <= 1.0 for v in result["emotions"].values())
    assert result["dominant"] in set(EMOTIONS) | {"neutral"}
    assert result["tone"] in {"distressed", "upset", "neutral", "positive"}
    assert all(isinstance(c, str) for c in result["cues"])
    assert result["band"] in {"mild", "upset", "distressed", "at_risk"} and result["check_in"] in (True, False)
    assert result["band_reasons"] and all(isinstance(r, str) for r in result["band_reasons"])
    numbers = [result["intensity"], result["valence"], result["arousal"], *result["emotions"].values()]
    assert all(type(n) is float and round(n, 4) == n for n in numbers)
    assert json.loads(json.dumps(result)) == result


def test_calm_less_than_annoyed_less_than_furious(scorer):
    calm = scorer.score("Could you tell me when my home policy renews?")
    annoyed = scorer.score("I'm a bit annoyed that the renewal price went up without any explanation.")
    furious = scorer.score("This is OUTRAGEOUS!!! You doubled my premium, nobody will explain why and I am "
                           "absolutely furious.")
    assert calm["intensity"] < annoyed["intensity"] < furious["intensity"]
    assert calm["tone"] == "neutral"
    assert furious["tone"] == "distressed"
    assert furious["dominant"] in {"anger", "frustration"}


def test_bereavement_outscores_a_neutral_question_even_when_polite(scorer):
    question = scorer.score("what documents do you need for a travel claim?")
    bereavement = scorer.score("my dad passed away on sunday and I think he had life cover with you")
    assert bereavement["intensity"] > question["intensity"] + 0.3
    assert bereavement["valence"] < question["valence"]
    assert bereavement["tone"] in {"upset", "distressed"}
    assert bereavement["dominant"] == "sadness"
    assert any(c.startswith("loss:") for c in bereavement["cues"])


def test_delay_complaint_is_high_intensity_with_waiting_time_cue(scorer):
    result = scorer.score("I reported the water damage THREE WEEKS ago and nobody has called me. This is ridiculous.")
    assert result["intensity"] >= config.EMOTION_TONE_DISTRESSED
    assert result["tone"] == "distressed"
    assert any(c.startswith("waiting time:") and "THREE WEEKS" in c for c in result["cues"])
    assert any(c.startswith("capitals:") for c in result["cues"])
    assert result["dominant"] in {"frustration", "anger"}


def test_theft_is_at_least_upset(scorer):
    result = scorer.score("my car was stolen last night")
    assert result["tone"] in {"upset", "distressed"}
    assert result["valence"] < 0


def test_repeated_contact_raises_intensity(scorer):
    plain = scorer.score("I am asking for my claim number")
    repeated = scorer.score("This is the third time I am asking for my claim number")
    assert any(c.startswith("repeated contact:") for c in repeated["cues"])
    assert repeated["intensity"] > plain["intensity"]
    assert repeated["emotions"]["frustration"] > plain["emotions"]["frustration"]


def test_profanity_and_repeated_punctuation_are_cues(scorer):
    result = scorer.score("where the hell is my money?!?!")
    assert any(c.startswith("profanity:") for c in result["cues"])
    assert any(c.startswith("repeated punctuation:") for c in result["cues"])
    assert result["tone"] in {"upset", "distressed"}


def test_gratitude_is_positive(scorer):
    result = scorer.score("Thank you so much, the payment arrived and you've been really helpful!")
    assert result["tone"] == "positive"
    assert result["dominant"] == "joy"
    assert result["valence"] > 0.5


def test_confusion_is_recognised(scorer):
    result = scorer.score("I don't understand the letter about my excess, it makes no sense to me")
    assert result["emotions"]["confusion"] >= 0.5
    assert result["emotions"]["confusion"] > result["emotions"]["joy"]


def test_same_text_scores_the_same_alone_twice_and_in_a_batch(scorer):
    text = "I'm worried the assessor won't come before the weekend"
    first, second = scorer.score(text), scorer.score(text)
    assert first == second
    batch = scorer.score_many(["ok", text, "a much longer message " * 20], batch_size=2)
    assert batch[1]["cues"] == first["cues"] and batch[1]["tone"] == first["tone"]
    assert batch[1]["intensity"] == pytest.approx(first["intensity"], abs=1e-3)
    assert batch[1]["valence"] == pytest.approx(first["valence"], abs=1e-3)


def test_score_many_keeps_order_and_length(scorer):
    texts = ["thanks!!", "", "my house flooded and we have nowhere to sleep tonight", "ok"]
    results = scorer.score_many(texts, batch_size=1)
    assert len(results) == 4
    assert results[0]["tone"] == "positive" and results[1]["intensity"] == 0.0
    assert results[2]["tone"] in {"upset", "distressed"}
    assert results[2]["intensity"] == pytest.approx(scorer.score(texts[2])["intensity"], abs=1e-3)


def test_score_many_progress_goes_to_stderr(scorer, capsys):
    scorer.score_many(["one", "two"], progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and "scoring" in captured.err


def test_get_scorer_is_one_instance_across_threads(scorer):
    seen, results = [], []

    def work():
        instance = get_scorer()
        seen.append(instance)
        results.append(instance.score("I'm fed up of waiting for my claim"))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(s is scorer for s in seen)
    assert all(r == results[0] for r in results)


def test_a_sarcastic_complaint_is_not_read_as_joy(scorer):
    """The encoder reads the praise words ("Fantastic service"); the sarcasm cue must turn the read around
    so the bot validates instead of answering cheerfully."""
    result = scorer.score("Great, just great. Another letter saying my claim is under review. "
                          "Fantastic service as always.")
    assert result["tone"] in ("upset", "distressed")
    assert result["valence"] < 0
    assert result["dominant"] == "frustration"
    assert any(cue.startswith("sarcasm:") for cue in result["cues"])


def test_sincere_praise_stays_positive_beside_the_sarcasm_cue(scorer):
    result = scorer.score("Great service as always, thanks again!")
    assert result["tone"] == "positive"
    assert result["dominant"] == "joy"
