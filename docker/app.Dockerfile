# Action server and handoff service (Python 3.11). The same image runs either (see command:).
FROM python:3.11-slim
WORKDIR /app
# Point this at a CPU-only wheel index for torch: the default build of torch is multi-GB CUDA.
ARG TORCH_INDEX_URL=""
COPY requirements/app.txt requirements/
RUN pip install --no-cache-dir ${TORCH_INDEX_URL:+--extra-index-url "$TORCH_INDEX_URL"} -r requirements/app.txt
COPY actions actions
COPY knowledge knowledge
COPY handoff_service handoff_service
ENV PYTHONPATH=/app HEARD_VAR_DIR=/app/var
# Builds the fast (ONNX) emotion encoder from the model inside the installed package.
RUN python -m actions.emotion.prepare
EXPOSE 5055 5100
