# syntax=docker/dockerfile:1

# One image for every Django process (web, migrate, worker, poller, beat) and the simulators;
# docker-compose.yml picks the process with `command:`. The default is the web server.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The processes run as this unprivileged user; the code itself stays owned by root (read-only
# to the app), only var/ is writable (uploads are in the database unless UPLOADS_STORAGE=filesystem
# puts them under var/media).
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

# Dependencies first, so code changes do not invalidate this layer. Every package (including
# transitive ones) is pinned with hashes: pip refuses anything that does not match.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

COPY . .

# Static files are collected into the image (whitenoise serves them). Production settings refuse
# to load without their secrets, so this one RUN line gets throwaway, build-only values: they are
# not ENV, so they do not persist into the image or its runtime environment.
RUN SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build:build@localhost:5432/build \
    CELERY_BROKER_URL=redis://localhost:6379/0 \
    INSEE_API_KEY=build-only HMRC_CLIENT_ID=build-only HMRC_CLIENT_SECRET=build-only \
    python manage.py collectstatic --noinput \
    && mkdir -p var/media \
    && chown -R app:app var

USER app

EXPOSE 8000

# No gunicorn access log: our middleware writes one line per request (core.access_log).
CMD ["gunicorn", "--config", "python:config.gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
