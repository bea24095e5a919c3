# The one image behind every process of docker-compose.yml: the web app (gunicorn),
# the Celery worker and Celery beat. Settings come from the environment (config/settings).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app

COPY . .

# The pinned dependency tree, then the static files, collected once into the image and
# served by the app itself (WhiteNoise). collectstatic needs no database; the key is a
# throwaway because production settings refuse to load without one.
RUN pip install -c requirements.lock . \
    && DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 --no-create-home --home-dir /app tracker \
    && mkdir -p var \
    && chown -R tracker var

USER tracker

EXPOSE 8000

CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
