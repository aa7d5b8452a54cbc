# Stage 1 exports MiniLM's sentence embedding to ONNX for the intent features: the export needs torch,
# which Rasa's runtime does not have. Its first steps are app.Dockerfile's, so the build cache shares them.
FROM python:3.11-slim AS nlu-encoder
WORKDIR /app
# Point this at a CPU-only wheel index for torch: the default build of torch is multi-GB CUDA.
ARG TORCH_INDEX_URL=""
COPY requirements/app.txt requirements/
RUN pip install --no-cache-dir ${TORCH_INDEX_URL:+--extra-index-url "$TORCH_INDEX_URL"} -r requirements/app.txt
COPY actions actions
ENV PYTHONPATH=/app
RUN python -m actions.nlu_encoder --dir /app/var/nlu-encoder

# Rasa 3.6 needs Python 3.10.
FROM python:3.10-slim
WORKDIR /app
COPY requirements/rasa.txt requirements/rasa-constraints.txt requirements/
RUN pip install --no-cache-dir -r requirements/rasa.txt -c requirements/rasa-constraints.txt
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin heard
COPY --from=nlu-encoder /app/var/nlu-encoder var/nlu-encoder
COPY config.yml domain.yml endpoints.yml endpoints.production.yml credentials.yml ./
COPY data data
COPY rasa_addons rasa_addons
# The knowledge-base retriever reads the content and its loader (pure Python) at training.
COPY knowledge knowledge
COPY actions/__init__.py actions/__init__.py
COPY actions/knowledge actions/knowledge
# stack/channels.py writes the credentials Rasa starts with: only channels whose secrets are set.
COPY stack/__init__.py stack/channels.py stack/settings.py stack/exposure.py stack/
ENV PYTHONPATH=/app RASA_TELEMETRY_ENABLED=false OPENBLAS_NUM_THREADS=1 PYTHONUNBUFFERED=1
RUN rasa train --fixed-model-name heard --out models && chown -R heard /app
USER heard
EXPOSE 5005
# The command is docker-compose.yml's (the same as stack/production.py's); this default runs it alone.
CMD ["sh", "-c", "python -m stack.channels /tmp/credentials.yml && exec python -m rasa_addons.serve run --model models/heard.tar.gz --enable-api --auth-token=\"$RASA_TOKEN\" --cors \"${RASA_CORS:-*}\" --port 5005 --endpoints \"${RASA_ENDPOINTS:-endpoints.production.yml}\" --credentials /tmp/credentials.yml"]
