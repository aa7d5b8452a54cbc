"""The threshold choice of training/risk_meaning.py: the lowest threshold whose false alarms stay in bounds."""
from __future__ import annotations

import numpy as np

from actions.emotion.meaning import CLASSES
from training import risk_meaning
from training.risk_meaning import choose_thresholds, load_exemplars, risk_call


def _context(n: int, pattern_active=None, discounted=None) -> dict:
    return {"pattern_active": np.zeros(n, bool) if pattern_active is None else np.array(pattern_active),
            "pattern_any": np.zeros(n, bool) if pattern_active is None else np.array(pattern_active),
            "discounted": np.zeros((n, 4), bool) if discounted is None else np.array(discounted)}


def _rows(risk: list[float], low_mood: list[float]) -> np.ndarray:
    p = np.zeros((len(risk), len(CLASSES)))
    p[:, 0], p[:, 3] = risk, low_mood
    p[:, 4] = 1 - p.sum(1)
    return p


def test_the_lowest_threshold_within_the_limits_is_chosen(monkeypatch):
    monkeypatch.setattr(risk_meaning, "GRID", [0.5, 0.6, 0.7, 0.8, 0.9])
    monkeypatch.setattr(risk_meaning, "MAX_BACKGROUND_FALSE_RISK", 0.0)
    monkeypatch.setattr(risk_meaning, "MAX_HARD_NEGATIVE_FALSE_RISK", 0.0)
    # Two people at risk (0.95, 0.75), a hard negative at 0.65 and a background text at 0.55: 0.7 is the lowest
    # threshold with no false alarm, and it still catches both.
    p = _rows([0.95, 0.75, 0.65, 0.55], [0, 0, 0, 0])
    y = np.array([0, 0, 4, 4])
    report = choose_thresholds(p, y, np.array([False, False, False, True]), _context(4))
    assert report["at_risk"]["threshold"] == 0.7 and report["at_risk"]["recall"] == 1.0
    # A threshold exactly at a negative's probability calls it (>=): 0.65 would not do, 0.7 does.
    assert risk_call(p, 0.65, _context(4))[2] and not risk_call(p, 0.7, _context(4))[2]


def test_the_patterns_own_false_alarms_do_not_move_the_threshold(monkeypatch):
    monkeypatch.setattr(risk_meaning, "GRID", [0.5, 0.6, 0.7])
    monkeypatch.setattr(risk_meaning, "MAX_BACKGROUND_FALSE_RISK", 0.0)
    monkeypatch.setattr(risk_meaning, "MAX_HARD_NEGATIVE_FALSE_RISK", 0.0)
    p = _rows([0.9, 0.1, 0.1], [0, 0, 0])
    y = np.array([0, 4, 4])
    # The hard negative is already a false alarm of the patterns: the meaning is not blamed for it.
    report = choose_thresholds(p, y, np.array([False, False, True]), _context(3, [False, True, False]))
    assert report["at_risk"]["threshold"] == 0.5


def test_a_discounted_reading_is_no_alarm():
    p = _rows([0.9], [0])
    assert not risk_call(p, 0.5, _context(1, discounted=[[True, False, False, False]]))[0]
    assert risk_call(p, 0.5, _context(1))[0]


def test_the_exemplars_load_by_class_and_none_is_a_bench_message():
    texts, labels, kinds = load_exemplars()
    counts = {name: labels.count(name) for name in CLASSES}
    assert all(count >= 100 for count in counts.values()) and counts["negative"] >= 400
    assert len(set(t.lower() for t in texts)) == len(texts), "duplicate exemplars"
    risk_meaning.check_not_from_bench(texts)  # raises SystemExit on any copy


def test_near_copies_of_held_out_messages_are_refused_below_at_above(monkeypatch):
    monkeypatch.setattr(risk_meaning, "NEAR_COPY", 0.6)
    rows = [{"text": "a b c d e", "split": "frozen"}, {"text": "v w x y z", "split": "tune"},
            {"text": "p q r s t"}]  # no split: the probe set, held out whole
    exemplars = ["a b c x y",   # 3 of 7 words shared with a frozen message: 0.43, below
                 "a b c",       # 3 of 5: 0.6, at the limit: a near copy
                 "a b c d x",   # 4 of 6: 0.67, above
                 "v w x y q",   # a tune message: tuning on it is allowed
                 "P Q R S T!"]  # the probe set, reworded only in case and punctuation
    assert risk_meaning.near_copies(exemplars, rows) == [1, 2, 4]
