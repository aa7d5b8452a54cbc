"""Settings for the Rasa-side components, read once from the environment (.env via python-dotenv)."""
from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv

load_dotenv(Path(__file__).resolve().parent.parent / ".env")

ACTION_SERVER_URL = os.getenv("ACTION_SERVER_URL", "http://127.0.0.1:5055").rstrip("/")
EMOTION_SCORER_URL = os.getenv("EMOTION_SCORER_URL", f"{ACTION_SERVER_URL}/score")
EMOTION_SCORER_TIMEOUT_SECONDS = float(os.getenv("EMOTION_SCORER_TIMEOUT_SECONDS", "2.0"))
# After a failed call the scorer is not asked again for this long, so an outage costs one timeout,
# not one per message.
EMOTION_SCORER_RETRY_AFTER_SECONDS = float(os.getenv("EMOTION_SCORER_RETRY_AFTER_SECONDS", "10"))

# Sentence encoder for intent features (rasa_addons/sentence_features.py), exported by
# `python -m actions.nlu_encoder` into var/nlu-encoder.
NLU_ENCODER_DIR = Path(os.getenv("NLU_ENCODER_DIR") or Path(__file__).resolve().parent.parent / "var" / "nlu-encoder")
NLU_ENCODER_THREADS = int(os.getenv("NLU_ENCODER_THREADS", "1"))
