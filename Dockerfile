# The CallCenter CRM (web UI, JSON API, AMI listener, scheduler) as one image.
# Built and run by docker-compose.yml; see docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, read from pyproject.toml, so that a code change does not
# reinstall them (this layer is rebuilt only when pyproject.toml changes).
COPY pyproject.toml ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('/tmp/requirements.txt', 'w').write('\n'.join(deps) + '\n')" \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# The application. The process runs from /app: templates/, migrations/,
# alembic.ini and web/static are read from the source tree next to the
# packages (they are not package data), and "python -m" puts /app first on
# sys.path.
COPY . .
RUN pip install . \
 && rm -rf build ./*.egg-info \
 && python -m compileall -q callcenter ami web migrations \
 && useradd --system --uid 10001 --user-group --no-create-home \
        --home-dir /var/lib/callcenter --shell /usr/sbin/nologin callcenter \
 && mkdir -p /var/lib/callcenter \
 && chown callcenter:callcenter /var/lib/callcenter

# Listen on every interface of the container (the compose file publishes 8080).
# CALLCENTER_DATA_DIR keeps local state (the generated cookie key when
# CALLCENTER_SECRET_KEY is unset); the compose file mounts a volume there.
ENV CALLCENTER_HTTP_HOST=0.0.0.0 \
    CALLCENTER_HTTP_PORT=8080 \
    CALLCENTER_DATA_DIR=/var/lib/callcenter

USER callcenter
EXPOSE 8080

# /health answers 200 when the database is reachable and migrated, 503 if not
# (the PBX link is reported in the body but does not make the app unhealthy).
# No curl in the slim image: ask with Python. The start period covers the
# migrations that "serve" applies first.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('CALLCENTER_HTTP_PORT', '8080'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/health', timeout=4).status == 200 else 1)"]

# Applies the migrations, creates the first admin on an empty database (its
# password is printed once: docker compose logs app), then serves.
CMD ["python", "-m", "callcenter", "serve"]
