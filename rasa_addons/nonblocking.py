"""Understand and store each message off Rasa's event loop, so one conversation never stalls the others.

Rasa 3.6 runs the NLU graph synchronously inside ``MessageProcessor.parse_message``: while one message
is tokenised, embedded (MiniLM, ONNX) and scored for emotion (an HTTP call to the action server), no
other conversation's request, action call or tracker write makes progress. ``install()`` replaces that
one method with the same steps, the graph run moved to a small thread pool. onnxruntime and socket
waits release the GIL, so parses of different conversations overlap; the components in the pipeline
are read-only at inference (``SentenceEncoder`` and ``EmotionScorer`` are safe to share between threads).

``offload_tracker_store()`` does the same for the SQL tracker store: Rasa 3.6's ``SQLTrackerStore`` reads
and writes with blocking SQLAlchemy calls inside ``async`` methods that never await, so every conversation
waited for each database round trip (PostgreSQL in production: a network call) and each commit.

Installed by ``python -m rasa_addons.serve`` (how the stack starts Rasa), not at import: training and
``rasa test`` keep Rasa's own behaviour.
"""
from __future__ import annotations

import asyncio
import copy
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor, structlogger
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_addons import emotion_scoring

logger = logging.getLogger(__name__)

_INSTALLED_MARK = "_heard_parse_off_loop"


def install(threads: int) -> bool:
    """Moves NLU parsing to ``threads`` worker threads; False when it was already installed."""
    if threads < 1:
        raise ValueError(f"NLU_PARSE_THREADS must be at least 1, got {threads}")
    if getattr(MessageProcessor.parse_message, _INSTALLED_MARK, False):
        return False
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="nlu-parse")

    async def parse_message(
        self: MessageProcessor,
        message: UserMessage,
        tracker: Optional[DialogueStateTracker] = None,
        only_output_properties: bool = True,
    ) -> Dict[Text, Any]:
        if self.http_interpreter:
            parse_data = await self.http_interpreter.parse(message)
        else:
            if tracker is None:
                tracker = DialogueStateTracker.from_events(message.sender_id, [])
            emotion_scoring.prefetch(message.text or "")  # scored while the graph runs, collected at its end
            parse = functools.partial(self._parse_message_with_graph, message, tracker, only_output_properties)
            parse_data = await asyncio.get_running_loop().run_in_executor(pool, parse)
        # The rest is Rasa 3.6's parse_message unchanged.
        self._update_full_retrieval_intent(parse_data)
        structlogger.debug(
            "processor.message.parse",
            parse_data_text=copy.deepcopy(parse_data["text"]),
            parse_data_intent=parse_data["intent"],
            parse_data_entities=copy.deepcopy(parse_data["entities"]),
        )
        self._check_for_unseen_features(parse_data)
        return parse_data

    setattr(parse_message, _INSTALLED_MARK, True)
    MessageProcessor.parse_message = parse_message  # type: ignore[method-assign]
    logger.info("NLU parsing runs off the event loop in %d threads", threads)
    return True


def _finish_without_loop(coroutine: Any) -> Any:
    """Runs a coroutine that never suspends (SQLTrackerStore's) to its end, in whatever thread calls this."""
    try:
        coroutine.send(None)
    except StopIteration as finished:
        return finished.value
    coroutine.close()
    raise RuntimeError("tracker store call suspended; it cannot run in a worker thread")


def offload_tracker_store(threads: int) -> bool:
    """Runs SQLTrackerStore's retrieve and save in ``threads`` worker threads; False if already installed."""
    if threads < 1:
        raise ValueError(f"NLU_PARSE_THREADS must be at least 1, got {threads}")
    if getattr(SQLTrackerStore.save, _INSTALLED_MARK, False):
        return False
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="tracker-store")
    original_save, original_retrieve = SQLTrackerStore.save, SQLTrackerStore._retrieve

    async def save(self: SQLTrackerStore, tracker: DialogueStateTracker) -> None:
        if self.event_broker is not None:  # streaming to a broker awaits real I/O: keep Rasa's own path
            return await original_save(self, tracker)
        return await asyncio.get_running_loop().run_in_executor(
            pool, lambda: _finish_without_loop(original_save(self, tracker)))

    async def _retrieve(self: SQLTrackerStore, sender_id: Text,
                        fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        return await asyncio.get_running_loop().run_in_executor(
            pool, lambda: _finish_without_loop(original_retrieve(self, sender_id, fetch_events_from_all_sessions)))

    setattr(save, _INSTALLED_MARK, True)
    SQLTrackerStore.save = save  # type: ignore[method-assign]
    SQLTrackerStore._retrieve = _retrieve  # type: ignore[method-assign]
    logger.info("SQL tracker store reads and writes run off the event loop in %d threads", threads)
    return True
