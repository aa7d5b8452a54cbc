"""A customer's message to the agent is not lost when the action server is down at that moment.

While a person owns a conversation, Rasa stays silent and ``action_extract_slots`` calls the action
server's ``action_assess_message``, which relays the message to the agent (actions/turn.py). Rasa 3.6
swallows a failed call there (a warning, no retry): a message written while the action server restarts
reached the tracker but never the agent, unless the customer wrote again.

Here such a failed call is tried again in the background, with back-off, until the action server answers
(or ``GIVE_UP_AFTER_SECONDS`` pass: the message stays in the tracker, the reconciler below imports it,
and the customer's next message relays it too). The action relays every message since the conversation
was handed over that it has not relayed yet, in order, and the handoff service ignores a message id it
already has, so retries can neither reorder nor duplicate. One retry loop per conversation, fed with the
latest tracker. Installed by ``python -m rasa_addons.serve``.

These retries live in this process's memory: if it dies (or the action server stays away past
``GIVE_UP_AFTER_SECONDS``) they are gone. The handoff service's reconciler (handoff_service/reconcile.py)
then imports the message from the tracker under the same message id, so this stays the fast path and the
only one that speaks to the customer (acknowledgement, crisis lines), while no message is lost.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, Iterator, Optional, Text

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.exceptions import RasaException

logger = logging.getLogger(__name__)

RELAY_ACTION = "action_assess_message"  # the action that relays a paused conversation's messages
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0
GIVE_UP_AFTER_SECONDS = 3600.0
_INSTALLED_MARK = "_heard_relay_retry"

_waiting: Dict[Text, Any] = {}  # conversation → the latest tracker whose relay has not gone through


def retry_delays() -> Iterator[float]:
    """1, 2, 4 … 30, 30 … seconds, until they add up to more than GIVE_UP_AFTER_SECONDS."""
    delay, waited = FIRST_RETRY_SECONDS, 0.0
    while waited + delay <= GIVE_UP_AFTER_SECONDS:
        yield delay
        waited += delay
        delay = min(MAX_RETRY_SECONDS, delay * 2)


def _worth_retrying(error: BaseException) -> bool:
    """The action server was away (no connection, 5xx, no answer), not refusing the action itself."""
    return isinstance(error, (RasaException, asyncio.TimeoutError)) and not isinstance(error, ActionExecutionRejection)


async def _relay_when_back(original_run: Any, action: RemoteAction, sender_id: Text, nlg: Any, domain: Any,
                           delays: Optional[Iterator[float]] = None) -> bool:
    for delay in delays or retry_delays():
        await asyncio.sleep(delay)
        tracker = _waiting[sender_id]
        try:
            await original_run(action, CollectingOutputChannel(), nlg, tracker, domain)
        except Exception as error:
            if not _worth_retrying(error):
                logger.warning("conversation %s: relaying to the agent refused: %s", sender_id, error)
                break
            continue
        if _waiting.get(sender_id) is tracker:
            _waiting.pop(sender_id)
        else:
            continue  # a newer message failed meanwhile: relay from its tracker too
        logger.info("conversation %s: messages written while the action server was away relayed", sender_id)
        return True
    else:
        logger.error("conversation %s: action server still away after %.0f s; messages not relayed to the agent "
                     "(they are in the tracker)", sender_id, GIVE_UP_AFTER_SECONDS)
    _waiting.pop(sender_id, None)
    return False


def install() -> bool:
    """Retries a paused conversation's failed relay in the background; False when already installed."""
    if getattr(RemoteAction.run, _INSTALLED_MARK, False):
        return False
    original_run = RemoteAction.run

    async def run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> Any:
        try:
            return await original_run(self, output_channel, nlg, tracker, domain)
        except Exception as error:
            if self.name() == RELAY_ACTION and tracker.is_paused() and _worth_retrying(error):
                first = tracker.sender_id not in _waiting
                _waiting[tracker.sender_id] = tracker.copy()
                if first:
                    logger.warning("conversation %s: the action server is away; relaying to the agent "
                                   "will be retried", tracker.sender_id)
                    asyncio.ensure_future(_relay_when_back(original_run, self, tracker.sender_id, nlg, domain))
            raise

    setattr(run, _INSTALLED_MARK, True)
    RemoteAction.run = run  # type: ignore[method-assign]
    return True
