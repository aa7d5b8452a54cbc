"""Dialogue policy that hands the turn to the escalation offer when the action server says so.

``action_assess_message`` (run on every customer message by ``action_extract_slots``) decides
whether a person should take over and sets the ``handoff_trigger`` slot. Rules cannot say "after
any message, if this slot was just set", so this small policy does: it outranks the rule policy
for that one prediction, and predicts ``action_listen`` after the offer so no other reply
follows it.

Two care-band cases (``actions/emotion/bands.py``) are also this policy's: a decision whose category is a
risk to life (self-harm, threat, danger now) always gets ``action_offer_handoff``, which says 999 and
Samaritans first, even when the intent has a rule of its own; and a message that shows possible low mood
without risk words (``emotion["check_in"]``) gets the gentle ``utter_check_in`` instead of a script.

When the action server is down (the emotion score in the parse data says ``available: false``)
the escalation action cannot run, so a customer who asks for a person, or discloses a
vulnerability, gets ``utter_handoff_unavailable`` — a response, which needs no action server.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.core.policies.policy import Policy, PolicyPrediction, SupportedData, confidence_scores_for

OFFER_ACTION = "action_offer_handoff"
CHECK_IN_RESPONSE = "utter_check_in"
DECISION_SLOT = "handoff_decision"
# actions/escalation/decision.py SAFETY_CATEGORIES (the action server's package is not importable here).
SAFETY_CATEGORIES = {"self_harm", "threat", "danger_now"}
UNAVAILABLE_RESPONSE = "utter_handoff_unavailable"
TRIGGER_SLOT = "handoff_trigger"
ACTIONS_RUN_BEFORE_PREDICTION = {ACTION_LISTEN_NAME, "action_extract_slots"}
NEEDS_A_PERSON_INTENTS = {"request_human", "disclose_bereavement", "disclose_serious_injury",
                          "disclose_hardship", "report_fraud"}


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class EscalationPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Above RulePolicy (6): an offer of a person wins over the routine reply.
        return {"priority": 7}

    @staticmethod
    def supported_data() -> SupportedData:
        return SupportedData.ML_DATA

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage,
                 resource: Resource, execution_context: ExecutionContext, **kwargs: Any) -> None:
        super().__init__(config, model_storage, resource, execution_context, kwargs.get("featurizer"))

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain,
              **kwargs: Any) -> Resource:
        # Nothing to learn: the decision is made by the action server from live signals.
        return self._resource

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        action = self._next_action(tracker, domain)
        if action is None:
            return self._prediction(self._default_predictions(domain))
        return self._prediction(confidence_scores_for(action, 1.0, domain))

    @staticmethod
    def _next_action(tracker: DialogueStateTracker, domain: Domain) -> Optional[Text]:
        turn = _events_since_last_user_message(tracker)
        if turn is None:
            return None
        user, events = turn
        executed = [e.action_name for e in events if isinstance(e, ActionExecuted)]
        responded = [name for name in executed if name not in ACTIONS_RUN_BEFORE_PREDICTION]
        if responded:
            # The offer ends the bot's turn: no routine reply after it.
            if responded[-1] in (OFFER_ACTION, UNAVAILABLE_RESPONSE, CHECK_IN_RESPONSE):
                return ACTION_LISTEN_NAME
            return None
        triggered = any(isinstance(e, SlotSet) and e.key == TRIGGER_SLOT and e.value for e in events)
        # These intents have rules of their own that offer a person (some say a safety line first); a risk to
        # life does not wait for them: the offer action says the safety lines before anything else.
        routed_by_rules = user.intent_name in NEEDS_A_PERSON_INTENTS and not _safety_first(events)
        if triggered and not routed_by_rules and OFFER_ACTION in domain.action_names_or_texts:
            return OFFER_ACTION
        emotion = (user.parse_data or {}).get("emotion") or {}
        if (not triggered and emotion.get("check_in") is True and not tracker.is_paused()
                and CHECK_IN_RESPONSE in domain.action_names_or_texts):
            return CHECK_IN_RESPONSE
        scorer_down = emotion.get("available") is False
        if (scorer_down and user.intent_name in NEEDS_A_PERSON_INTENTS
                and UNAVAILABLE_RESPONSE in domain.action_names_or_texts):
            return UNAVAILABLE_RESPONSE
        return None


def _safety_first(events: List[Any]) -> bool:
    decisions = [e.value for e in events if isinstance(e, SlotSet) and e.key == DECISION_SLOT and e.value]
    return bool(decisions) and isinstance(decisions[-1], dict) and decisions[-1].get("category") in SAFETY_CATEGORIES


def _events_since_last_user_message(tracker: DialogueStateTracker):
    events: List[Any] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return event, list(reversed(events))
        events.append(event)
    return None
