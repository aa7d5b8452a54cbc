"""The RulePolicy's rules found by the action they follow, instead of every rule tested at every prediction.

Rasa 3.6's ``RulePolicy._get_possible_keys`` tests each of the model's rules (Heard has ~280) against the
conversation's current state, twice or more per prediction; under the load bench that was about 12 % of the time
Rasa held the GIL (docs/benchmarks.md, "Many customers at once"). A rule whose last state names the previous
action can only apply when the conversation's previous action has that name (``_does_rule_match_state``
requires every value a rule sets), so the rules are indexed once by that name. At a prediction only the rules
indexed under the current previous action, and those whose last state names none (conversation starters,
rules on an action's text), are tested — with Rasa's own ``_is_rule_applicable``, turn by turn as before. Most
rules follow ``action_listen``, so those are indexed again by the intent their last state requires, for the same
reason (a rule that sets an intent applies only to a message of that intent): a prediction after a message tests
the rules of its intent and those that require none, ~a tenth of them (docs/benchmarks.md, "Session 7"). The
set found is Rasa's (tests/rasa/test_rule_lookup.py compares the two on the trained model). Among rules of
equal length that both apply Rasa picks whichever its set yields first, which already depends on the
process's string hashing; that choice is left as it is.
"""
from __future__ import annotations

import json
import threading
from typing import Any, Dict, List, Set, Text, Tuple

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET, USER
from rasa.shared.core.domain import State
from rasa.shared.nlu.constants import ACTION_NAME, INTENT

_INSTALLED_MARK = "_heard_rule_lookup"

# One index per lookup table (a policy has two: its rules and its loops' unhappy paths); a model loaded again
# brings new tables, and the old ones' entries go with them.
# Under one previous action: the rules by the intent their last state requires, and those that require none.
ByIntent = Tuple[Dict[Text, List[Text]], List[Text]]
_indexes: Dict[int, Tuple[Dict[Text, Text], Dict[Text, ByIntent], List[Text]]] = {}
_indexes_lock = threading.Lock()


def _named(value: Any) -> Text:
    return value if isinstance(value, str) and value and value != SHOULD_NOT_BE_SET else ""


def _last_action_name(rule_key: Text) -> Text:
    states = json.loads(rule_key)
    return _named((states[-1].get(PREVIOUS_ACTION) or {}).get(ACTION_NAME)) if states else ""


def _last_intent(rule_key: Text) -> Text:
    """The intent a rule's last state requires ("" for none): Rasa's test rejects a state with any other."""
    states = json.loads(rule_key)
    return _named((states[-1].get(USER) or {}).get(INTENT)) if states else ""


def index(lookup: Dict[Text, Text]) -> Tuple[Dict[Text, ByIntent], List[Text]]:
    """The rules of ``lookup`` by the previous action their last state names (and within that, by the intent it
    requires, or none), and the rules that name no previous action."""
    with _indexes_lock:
        found = _indexes.get(id(lookup))
        if found is not None and found[0] is lookup:
            return found[1], found[2]
        by_action: Dict[Text, ByIntent] = {}
        unnamed: List[Text] = []
        for rule_key in lookup:
            name = _last_action_name(rule_key)
            if not name:
                unnamed.append(rule_key)
                continue
            by_intent, any_intent = by_action.setdefault(name, ({}, []))
            intent = _last_intent(rule_key)
            (by_intent.setdefault(intent, []) if intent else any_intent).append(rule_key)
        _indexes[id(lookup)] = (lookup, by_action, unnamed)
        return by_action, unnamed


def possible_keys(policy: RulePolicy, lookup: Dict[Text, Text], states: List[State]) -> Set[Text]:
    """What ``RulePolicy._get_possible_keys`` returns, testing only the rules that can apply to the last state."""
    if not states:
        return set(lookup.keys())
    by_action, unnamed = index(lookup)
    current = states[-1]
    name = (current.get(PREVIOUS_ACTION) or {}).get(ACTION_NAME)
    candidates = unnamed
    if name in by_action:
        by_intent, any_intent = by_action[name]
        intent = (current.get(USER) or {}).get(INTENT)
        candidates = unnamed + any_intent + by_intent.get(intent, []) if isinstance(intent, str) else \
            unnamed + any_intent
    possible = {key for key in candidates if policy._is_rule_applicable(key, 0, current)}
    for turn_index, state in enumerate(reversed(states[:-1]), start=1):
        if not possible:
            break
        possible = {key for key in possible if policy._is_rule_applicable(key, turn_index, state)}
    return possible


def install() -> bool:
    """Makes every RulePolicy use the index; False when already done."""
    if getattr(RulePolicy._get_possible_keys, _INSTALLED_MARK, False):
        return False

    def _get_possible_keys(self: RulePolicy, lookup: Dict[Text, Text], states: List[State]) -> Set[Text]:
        return possible_keys(self, lookup, states)

    setattr(_get_possible_keys, _INSTALLED_MARK, True)
    RulePolicy._get_possible_keys = _get_possible_keys  # type: ignore[method-assign]
    return True
