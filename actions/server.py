"""Action server entry point: rasa-sdk's server plus the emotion scoring endpoint.

``python -m actions.server`` serves the custom actions on ``/webhook`` (as ``rasa_sdk`` would) and
``POST /score``, which Rasa's ``EmotionScorer`` NLU component calls for every customer message.
The embedding model loads in each worker's ``before_server_start`` listener — loading it at import
breaks Sanic's worker start — so ``/health`` answers only once scoring is ready.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request

from actions import config
from rasa_addons import redaction

logger = logging.getLogger(__name__)

MAX_TEXTS_PER_REQUEST = 256
MAX_REQUEST_BYTES = 2 * 1024 * 1024

# One thread: the model already uses every core for a batch, and a single queue keeps latency flat.
_scoring_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="emotion")


def _error(message: str, status: int) -> response.HTTPResponse:
    return response.json({"error": message}, status=status)


def _texts_from(body: Any) -> list[str] | str:
    """The texts to score, or a message saying what is wrong with the body."""
    if not isinstance(body, dict) or "texts" not in body:
        return 'expected a JSON object {"texts": ["..."]}'
    texts = body["texts"]
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        return '"texts" must be a list of strings'
    if len(texts) > MAX_TEXTS_PER_REQUEST:
        return f"at most {MAX_TEXTS_PER_REQUEST} texts per request"
    return texts


async def score(request: Request) -> response.HTTPResponse:
    try:
        body = request.json
    except Exception:  # Sanic raises its own BadRequest subclasses for broken JSON
        return _error("body is not valid JSON", 400)
    texts = _texts_from(body)
    if isinstance(texts, str):
        return _error(texts, 400)
    from actions.emotion import get_scorer

    loop = asyncio.get_running_loop()
    scores = await loop.run_in_executor(_scoring_pool, get_scorer().score_many, texts)
    return response.json({"scores": scores})


async def _warm_up_scorer(app: Sanic) -> None:
    from actions.emotion import get_scorer

    loop = asyncio.get_running_loop()
    await loop.run_in_executor(_scoring_pool, get_scorer().warm_up)
    logger.info("Emotion scorer ready")


async def _start_handoff_retries(app: Sanic) -> None:
    from actions.handoff import outbox

    # Handoff requests and messages kept while the handoff service was down go out from here.
    app.add_task(outbox.retry_forever(), name="handoff-outbox")


class SelectiveDomainExecutor(ActionExecutor):
    """Runs an action whose call carries no domain with an empty one.

    Rasa sends its 56 kB domain only to the actions marked ``send_domain`` in domain.yml (endpoints.yml:
    ``enable_selective_domain``), the form validators that read it. rasa-sdk 3.21 expects Rasa 3.7's domain
    digest instead and answers such a call 449, which Rasa 3.6 reads as a failed action. An action that reads
    the domain must be marked ``send_domain`` (tests/actions/test_selective_domain.py checks the validators).
    """

    def update_and_return_domain(self, payload: dict[str, Any], action_name: str) -> dict[str, Any]:
        domain = payload.get("domain")
        return domain if domain is not None else {}


def build_app(action_executor: ActionExecutor, cors_origins: str) -> Sanic:
    app = create_app_for_serve(action_executor, cors_origins=cors_origins)
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    app.add_route(score, "/score", methods=["POST"], name="score")
    app.register_listener(_warm_up_scorer, "before_server_start")
    app.register_listener(_start_handoff_retries, "after_server_start")
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=config.ACTION_SERVER_HOST)
    parser.add_argument("--port", type=int, default=config.ACTION_SERVER_PORT)
    parser.add_argument("--cors", default="*")
    args = parser.parse_args()
    config.refuse_weak_secrets(config.SETTINGS, args.host)  # beyond loopback: no published or short secrets

    redaction.install()  # logs carry no customer personal data (rasa_addons/redaction.py)
    utils.configure_colored_logging("INFO")
    executor = SelectiveDomainExecutor()
    executor.register_package("actions")

    from sanic.worker.loader import AppLoader

    loader = AppLoader(factory=partial(build_app, executor, args.cors))
    app = loader.load()
    app.prepare(host=args.host, port=args.port, workers=1, single_process=True,
                motd=False, access_log=False)
    Sanic.serve_single(primary=app)


if __name__ == "__main__":
    main()
