"""NLU component: score every customer message for emotion before the bot decides what to say.

The score is added to the message's parse data under ``emotion``; Rasa stores parse data with each
``user`` event, so every turn's score stays in the tracker for later turns, the handoff ticket and
the agent. The model itself runs in the action server (``POST /score``): it needs torch and
sentence-transformers, which cannot live beside TensorFlow in Rasa's Python 3.10 runtime.

If the scorer is unreachable the message is still understood and answered: ``emotion`` then says
``{"available": false}`` and replies fall back to their plain (never cheerful) variants.

``prefetch(text)`` sends the request as soon as a message arrives (``rasa_addons/nonblocking.py`` calls it
before the NLU graph runs), so the score is computed while Rasa tokenises, embeds and classifies the
message; this component then only collects it. A turn no longer waits for the two one after the other.
"""
from __future__ import annotations

import http.client
import json
import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ClassVar, Dict, List, Optional, Text
from urllib.parse import urlsplit

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons import settings

logger = logging.getLogger(__name__)

EMOTION_KEY = "emotion"
UNAVAILABLE: Dict[Text, Any] = {"available": False}
# Requests sent ahead and not collected yet (a message whose parse failed); the oldest are dropped.
MAX_PREFETCHED = 256
# A kept connection the scorer closed while idle fails on reuse; scoring is read-only, so it is sent once more
# on a fresh connection. A connection that fails when fresh is not tried again.
STALE_CONNECTION_ERRORS = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)

_prefetch_pool = ThreadPoolExecutor(max_workers=settings.NLU_PARSE_THREADS, thread_name_prefix="emotion-prefetch")
_prefetched: "OrderedDict[Text, Future]" = OrderedDict()
_prefetched_lock = threading.Lock()


def prefetch(text: Text) -> None:
    """Starts scoring ``text`` now; the component collects the result when the graph reaches it."""
    scorer = EmotionScorer.current
    if scorer is None or not text or scorer.paused():
        return
    with _prefetched_lock:
        if text in _prefetched:
            return
        _prefetched[text] = _prefetch_pool.submit(scorer._request, [text])
        while len(_prefetched) > MAX_PREFETCHED:
            _prefetched.popitem(last=False)


def _take_prefetched(texts: List[Text]) -> Optional[Future]:
    if len(texts) != 1:
        return None
    with _prefetched_lock:
        return _prefetched.pop(texts[0], None)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
)
class EmotionScorer(GraphComponent):
    """Adds the action server's emotion score to each message's parse data."""

    # The scorer of the loaded model, for prefetch().
    current: ClassVar[Optional["EmotionScorer"]] = None

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "url": settings.EMOTION_SCORER_URL,
            "timeout": settings.EMOTION_SCORER_TIMEOUT_SECONDS,
            "retry_after": settings.EMOTION_SCORER_RETRY_AFTER_SECONDS,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._url: Text = config["url"]
        self._timeout: float = float(config["timeout"])
        self._retry_after: float = float(config["retry_after"])
        # One kept connection per thread: NLU runs in several threads (rasa_addons/nonblocking.py). Plain
        # http.client: requests cost a millisecond of GIL-held time per message more (bench/load.py, py-spy).
        self._connections = threading.local()
        self._unavailable_until = 0.0

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "EmotionScorer":
        scorer = cls({**cls.get_default_config(), **config})
        EmotionScorer.current = scorer
        return scorer

    def paused(self) -> bool:
        """True while scoring is skipped after a failure (EMOTION_SCORER_RETRY_AFTER_SECONDS)."""
        return time.monotonic() < self._unavailable_until

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # Training examples need no emotion score: the intent model does not use it.
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        texts = [message.get(TEXT) or "" for message in messages]
        scores = self._score(texts)
        for message, score in zip(messages, scores):
            message.set(EMOTION_KEY, score, add_to_output=True)
        return messages

    def _score(self, texts: List[Text]) -> List[Dict[Text, Any]]:
        if not texts:
            return []
        ahead = _take_prefetched(texts)
        if self.paused() and ahead is None:
            return [dict(UNAVAILABLE) for _ in texts]
        scores = ahead.result() if ahead is not None else self._request(texts)
        if scores is None:
            self._unavailable_until = time.monotonic() + self._retry_after
            return [dict(UNAVAILABLE) for _ in texts]
        return [{**score, "available": True} for score in scores]

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._connections, "connection", None)
        if connection is None:
            url = urlsplit(self._url)
            kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
            connection = kind(url.hostname, url.port, timeout=self._timeout)
            self._connections.connection = connection
            self._connections.used = False
        return connection

    def _post(self, body: bytes) -> bytes:
        """The response body of one POST; a kept connection found closed is replaced once."""
        url = urlsplit(self._url)
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        while True:
            connection = self._connection()
            reused = self._connections.used
            try:
                connection.request("POST", path, body, {"Content-Type": "application/json"})
                response = connection.getresponse()
                data = response.read()
            except STALE_CONNECTION_ERRORS:
                connection.close()
                self._connections.connection = None
                if reused:
                    continue
                raise
            except BaseException:
                connection.close()
                self._connections.connection = None
                raise
            self._connections.used = True
            if response.status >= 400:
                raise ValueError(f"HTTP {response.status}")
            return data

    def _request(self, texts: List[Text]) -> Optional[List[Dict[Text, Any]]]:
        try:
            scores = json.loads(self._post(json.dumps({"texts": texts}).encode()))["scores"]
        except (OSError, http.client.HTTPException, ValueError, KeyError, TypeError) as error:
            logger.warning("Emotion scorer unavailable at %s: %s", self._url, error or type(error).__name__)
            return None
        if not isinstance(scores, list) or len(scores) != len(texts):
            logger.warning("Emotion scorer returned %r for %d texts", type(scores), len(texts))
            return None
        return scores
