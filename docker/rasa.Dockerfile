# Rasa 3.6 needs Python 3.10.
FROM python:3.10-slim
WORKDIR /app
COPY requirements/rasa.txt requirements/rasa-constraints.txt requirements/
RUN pip install --no-cache-dir -r requirements/rasa.txt -c requirements/rasa-constraints.txt
COPY config.yml domain.yml endpoints.yml endpoints.production.yml credentials.yml ./
COPY data data
COPY rasa_addons rasa_addons
ENV PYTHONPATH=/app
RUN rasa train --fixed-model-name heard --out models
EXPOSE 5005
CMD ["sh", "-c", "exec rasa run --model models/heard.tar.gz --enable-api --auth-token \"$RASA_TOKEN\" --cors \"${RASA_CORS:-*}\" --port 5005 --endpoints \"${RASA_ENDPOINTS:-endpoints.production.yml}\" --credentials credentials.yml"]
