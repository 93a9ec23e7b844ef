# syntax=docker/dockerfile:1
# khub production image: Node builds the GOV.UK Frontend assets, Python serves the app with gunicorn and
# the assets with whitenoise. The same image runs the Celery worker and beat (see docker-compose.yml).

# --- Stage 1: front-end assets (static/dist) -------------------------------------------------------
FROM node:22-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
# The build reads only the Sass sources; the JavaScript it ships is copied out of node_modules.
COPY static/scss static/scss
RUN npm run build

# --- Stage 2: the application ----------------------------------------------------------------------
FROM python:3.11-slim AS app

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=khub.settings.production
# gunicorn reads gunicorn.conf.py from /app: workers and threads from WEB_CONCURRENCY and GUNICORN_THREADS,
# with defaults measured on 2 cores (README, "Production shape"). Override them per deployment.

# The uv version the Makefile pins, from PyPI.
RUN pip install --no-cache-dir "uv==0.13.9"

WORKDIR /app
# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --python /usr/local/bin/python3.11

COPY . .
COPY --from=assets /build/static/dist static/dist

# Hashed, compressed files for whitenoise. The settings need a SECRET_KEY and ALLOWED_HOSTS to load:
# these build-only values exist for this one command and are not kept in the image's environment.
# The DATABASE_URL only keeps the production settings' "not PostgreSQL" warning out of the build log;
# collectstatic never connects to it.
RUN SECRET_KEY=collectstatic-at-build-time-only-not-a-secret \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --noinput -v0

# Code and static files stay root-owned and read-only to the app; only uploads are writable.
# A numeric uid lets Kubernetes' runAsNonRoot verify the user.
RUN groupadd --system --gid 10001 khub \
    && useradd --system --uid 10001 --gid khub --create-home --home-dir /home/khub \
        --shell /usr/sbin/nologin khub \
    && mkdir -p /app/var/media \
    && chown -R khub:khub /app/var \
    && chmod +x /app/bin/docker-entrypoint
USER 10001:10001

EXPOSE 8000
# Probes /healthz (database, cache, broker) with the Host header the site answers to.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/app/bin/healthcheck.py"]

ENTRYPOINT ["/app/bin/docker-entrypoint"]
# Access log to stdout; heartbeat files on tmpfs (/tmp may be a slow overlay filesystem).
CMD ["gunicorn", "khub.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", \
     "--worker-tmp-dir", "/dev/shm"]
