"""The emotion score is requested when a message arrives and collected by the NLU component (one request)."""
from __future__ import annotations

import pytest

from tests.conftest import run_rasa_probe


@pytest.fixture(scope="module")
def probed() -> dict:
    return run_rasa_probe("emotion_prefetch_probe.py")


def test_nothing_is_sent_before_a_model_is_loaded(probed):
    assert probed["without_scorer"] == 0


def test_a_prefetched_score_is_collected_without_a_second_request(probed):
    assert probed["prefetched_requests"] == [["my claim was refused"]]
    assert probed["collected"] == {"intensity": 0.2, "available": True}
    assert probed["after_collect"] == 1


def test_a_message_not_prefetched_is_scored_by_the_component(probed):
    assert probed["not_prefetched"] == {"intensity": 0.05, "available": True}
    assert probed["after_not_prefetched"] == 2


def test_uncollected_requests_are_bounded_oldest_first(probed):
    assert probed["pending"] == 256 and probed["oldest_dropped"] is True


def test_when_the_scorer_is_down_nothing_is_sent_ahead(probed):
    assert probed["down"] == {"available": False}
    assert probed["prefetch_while_paused"] == 0


def test_a_kept_connection_the_scorer_closed_is_replaced_once(probed):
    stale = probed["failure_modes"]["keep-then-drop"]
    assert stale["first"] == stale["second"] == [{"intensity": 0.5}]
    assert stale["connections"] == 2


def test_a_fresh_connection_that_fails_is_not_tried_again(probed):
    dropped = probed["failure_modes"]["drop"]
    assert dropped["first"] is None and dropped["second"] is None
    assert dropped["connections"] == 2  # one per request: no retry on a fresh connection


@pytest.mark.parametrize("behaviour", ["500", "not-json"])
def test_an_answer_that_is_not_a_score_means_unavailable(probed, behaviour):
    assert probed["failure_modes"][behaviour]["first"] is None


def test_a_scorer_slower_than_the_timeout_means_unavailable_in_time(probed):
    slow = probed["failure_modes"]["slow"]
    assert slow["first"] is None and slow["second"] is None
    assert slow["seconds"] < 1.5  # two requests, 0.3 s timeout each, not the server's 1 s each
