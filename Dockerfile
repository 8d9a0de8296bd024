# MIGOF Academy: the production image (gunicorn for `web`, the same image for Celery).
# Build: docker compose build   (see README, "Configuration and production")
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=training_site.settings.production

# gettext: msgfmt for compilemessages (.mo files are built, never committed).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first (cached layer), exactly as locked: every hash is checked.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

RUN groupadd --system app && useradd --system --gid app --home-dir /app --no-create-home app

COPY . .

# Static files and translations are built into the image. The settings need a secret and
# hosts to load; these placeholders exist only for this build step and are never used at
# run time (compose passes the real SECRET_KEY).
RUN SECRET_KEY=build-time-placeholder-only-for-collectstatic-never-used-at-runtime \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    sh -c "python manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0 \
        && python manage.py collectstatic --no-input -v 0" \
    && rm -f /tmp/build.sqlite3 \
    && mkdir -p /app/media /app/exports \
    && chown app:app /app/media /app/exports

USER app

EXPOSE 8000

CMD ["gunicorn", "training_site.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", \
     "--access-logfile", "-", "--forwarded-allow-ips", "*"]
