# The production image: the same commands that `make` runs, on Debian with the WeasyPrint libraries.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig fonts-dejavu-core fonts-liberation2 \
        nodejs npm curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The runtime lock: every package, transitive ones included, at its exact version and hash.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock

COPY package.json package-lock.json Makefile ./
RUN npm ci --no-audit --no-fund --loglevel=error && make -o node_modules/.installed static/vendor/.copied

COPY . .
RUN SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 app && mkdir -p /var/lib/due-diligence && chown app /var/lib/due-diligence
USER app
# Used only when no bucket is configured (AWS_STORAGE_BUCKET_NAME), i.e. a single host.
ENV PRIVATE_STORAGE_ROOT=/var/lib/due-diligence/private
EXPOSE 8000
# The web process; docker-compose.yml runs the same image as migrate, worker and beat.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"]
