"""rasa_addons/dialogue_states.py: Rasa's dialogue states, each conversation's walk continued, not repeated."""
from __future__ import annotations

import pytest

from tests.conftest import run_rasa_probe

CALLS_PER_TURN = ["plain", "omit unset slots", "rule-only turns ignored"]  # dialogue_states_probe.CALLS


@pytest.fixture(scope="module")
def probed() -> dict:
    return run_rasa_probe("dialogue_states_probe.py", "60")


def test_every_call_gives_rasas_states_on_random_conversations(probed):
    # Rewound turns and actions, restarts, new sessions, forms, follow-ups, hidden rule turns, cut trackers,
    # senders reused by other conversations; callers changing their copies in between.
    assert probed["compared"] > 1500
    assert probed["mismatches"] == 0
    assert probed["continued"] > 0 and probed["walked"] > 0
    # Each kind of call is made twice per turn: a second call whose first kept its walk reuses the state after the
    # last event (after a rewind or a reused sender the first walks afresh and may not keep it); a first call never.
    assert 200 < probed["finals_reused"] <= len(CALLS_PER_TURN) * probed["turns"]


def test_rule_only_data_is_frozen_again_only_when_it_changed(probed):
    # The probe passes one rule-only object all along: frozen at its first call only.
    assert probed["frozen_again"] == 1
    # Changed in place between calls (two slots added): frozen again and walked again, answers still Rasa's.
    assert probed["rule_only_changed"] == {"same": [True] * 4, "frozen_again": 3, "walked": 3}


def test_a_growing_conversation_continues_its_walks_and_cut_trackers_do_not_push_them_out(probed):
    # 10 turns x 3 kinds of call: the first of each kind walks, the rest continue; the 10 cut trackers walk
    # (one of them starts where the conversation's session does, so its walk continues) and are not kept.
    assert probed["plain"] == {"continued": 28, "walked": 12, "kept": 3}


def test_the_cache_keeps_the_conversations_used_last(probed):
    # capacity 2: a, b, a (kept), c (pushes out b), a (kept), b (walked again)
    assert probed["capacity"] == {"walked": [1, 1, 0, 1, 0, 1], "kept": 2, "refused": "capacity must be at least 1",
                                  "one": 1}


def test_installed_once_rasa_reads_the_cache(probed):
    assert probed["installed"] == {"answers": [True, False], "same": [True, True], "continued": 1, "capacity": 5}


def test_a_new_domain_walks_from_the_first_event(probed):
    assert probed["other_domain"] == {"walked": 2, "continued": 0, "same": True}
