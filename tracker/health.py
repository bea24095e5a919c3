"""Health probes for the orchestrator, the heartbeat of the background jobs, and a 503 for
a database outage.

* ``/healthz`` - the process answers; no I/O, so a slow dependency never gets a healthy
  process restarted.
* ``/readyz`` - the database answers, every migration is applied, the broker answers and a
  worker ran the heartbeat recently. JSON naming each check ``ok`` or ``failed`` and
  nothing else: what went wrong is logged, never shown.

The heartbeat task is scheduled by beat every ``HEARTBEAT_INTERVAL`` seconds and run by a
worker; a stale heartbeat means beat, the broker or every worker stopped doing its part
(such as a worker that silently stops consuming after a broker reconnect).
"""

from __future__ import annotations

import datetime
import logging
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from tracker.models import Heartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_NAME = "worker"
# The heartbeat is stale once this many intervals passed without one.
HEARTBEAT_MISSED_INTERVALS = 3
# Seconds the broker may take to connect and answer a ping.
BROKER_TIMEOUT = 1.0
# Seconds a client is asked to wait when the database cannot be reached.
RETRY_AFTER_SECONDS = 30

OK = "ok"
FAILED = "failed"


# --- Heartbeat -------------------------------------------------------------------------


def heartbeat_record() -> datetime.datetime:
    """Record that a worker ran the heartbeat now; returns the time recorded."""
    now = timezone.now()
    Heartbeat.objects.bulk_create(
        [Heartbeat(name=HEARTBEAT_NAME, beat_at=now)],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["beat_at"],
    )
    return now


def heartbeat_is_fresh() -> bool:
    """Whether a worker ran the heartbeat within the last HEARTBEAT_MISSED_INTERVALS intervals."""
    oldest = timezone.now() - datetime.timedelta(seconds=settings.HEARTBEAT_INTERVAL * HEARTBEAT_MISSED_INTERVALS)
    return Heartbeat.objects.filter(name=HEARTBEAT_NAME, beat_at__gte=oldest).exists()


# --- Checks ----------------------------------------------------------------------------

# Once every migration is known applied, this process need not ask again: its code, and so
# its migration files, cannot change while it runs.
_migrations_applied = False


def _database_answers() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _migrations_are_applied() -> bool:
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connection)
        # Every migration on disk, not only the latest of each app, must be recorded applied.
        _migrations_applied = set(executor.loader.graph.nodes) <= set(executor.loader.applied_migrations)
    return _migrations_applied


_broker_clients: dict[str, redis.Redis] = {}


def _broker_answers() -> bool:
    url = settings.CELERY_BROKER_URL
    if urlsplit(url).scheme in ("redis", "rediss"):
        client = _broker_clients.get(url)
        if client is None:
            client = redis.Redis.from_url(
                url, socket_connect_timeout=BROKER_TIMEOUT, socket_timeout=BROKER_TIMEOUT, retry_on_timeout=False
            )
            _broker_clients[url] = client
        return bool(client.ping())
    from kombu import Connection

    with Connection(url, connect_timeout=BROKER_TIMEOUT) as broker:
        broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)
    return True


def _run(name: str, check) -> str:
    try:
        return OK if check() else FAILED
    except Exception:  # any failure is "failed" to the caller; the detail goes to the log only
        logger.warning("Readiness check %s failed.", name, exc_info=True)
        return FAILED


def readiness() -> dict[str, str]:
    """Each readiness check by name, ``ok`` or ``failed``.

    The broker and the heartbeat are checked only when a broker is configured; without
    one, jobs run in the web process itself.
    """
    checks = {"database": _run("database", _database_answers)}
    database_ok = checks["database"] == OK
    # Without the database the checks that read it fail at once rather than wait again.
    checks["migrations"] = _run("migrations", _migrations_are_applied) if database_ok else FAILED
    if settings.CELERY_BROKER_URL:
        checks["broker"] = _run("broker", _broker_answers)
        checks["heartbeat"] = _run("heartbeat", heartbeat_is_fresh) if database_ok else FAILED
    return checks


# --- Views -----------------------------------------------------------------------------


@never_cache
@require_safe
def healthz(request):
    """The process is up and answering. No I/O."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def readyz(request):
    """200 when every readiness check passes, else 503; the body names each check."""
    checks = readiness()
    ready = all(result == OK for result in checks.values())
    return JsonResponse(checks, status=200 if ready else 503)


# --- Outages ---------------------------------------------------------------------------


class DatabaseUnavailableMiddleware:
    """A page that fails because the database cannot be reached (restarting, unreachable)
    answers 503 with ``Retry-After``, never a 500. The API does the same in its own
    exception handler, as JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.warning("Database unavailable while answering %s: %s", request.path, exception)
        response = HttpResponse(
            "The service is briefly unavailable. Please try again shortly.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

