# Action server and handoff service (Python 3.11). The same image runs either (see command: in
# docker-compose.yml, the same commands as stack/production.py).
FROM python:3.11-slim
WORKDIR /app
# Point this at a CPU-only wheel index for torch: the default build of torch is multi-GB CUDA.
ARG TORCH_INDEX_URL=""
COPY requirements/app.txt requirements/
RUN pip install --no-cache-dir ${TORCH_INDEX_URL:+--extra-index-url "$TORCH_INDEX_URL"} -r requirements/app.txt
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin heard
# Read at start-up: actions/ (emotion head, insurance migrations), handoff_service/ (alembic migrations,
# console), web/ (the website chat page the handoff service serves at /chat/).
COPY actions actions
# The chase words the claim-status action shares with the NLU's commitment guard.
COPY rasa_addons/commitment.yml rasa_addons/commitment.yml
COPY knowledge knowledge
# The log redaction both runtimes install, and the signed chat sessions all three share (no Rasa imports).
COPY rasa_addons/__init__.py rasa_addons/redaction.py rasa_addons/chat_sessions.py rasa_addons/
# The one rule for secrets and exposure both services check at start (standard library only).
COPY stack/__init__.py stack/exposure.py stack/
COPY handoff_service handoff_service
COPY web web
# OPENBLAS_NUM_THREADS=1: see stack/settings.py (spinning BLAS threads cost 14x on the emotion head).
ENV PYTHONPATH=/app HEARD_VAR_DIR=/app/var OPENBLAS_NUM_THREADS=1 PYTHONUNBUFFERED=1
# Builds the fast (ONNX) emotion encoder from the model inside the installed package.
RUN python -m actions.emotion.prepare && chown -R heard /app/var
USER heard
EXPOSE 5055 5100
