"""The orchestrator's probes: /healthz (process up) and /readyz (dependencies, heartbeat)."""

import datetime
import importlib
import json
import time

import pytest
import time_machine
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from tests.faults.support import SilentServer
from tests.fixtures.smtp import free_port
from tracker import health
from tracker.models import Heartbeat
from tracker.tasks import heartbeat_task

ALL_OK = {"database": "ok", "migrations": "ok", "broker": "ok", "heartbeat": "ok"}


def readyz(client):
    started = time.monotonic()
    response = client.get("/readyz")
    elapsed = time.monotonic() - started
    return response, json.loads(response.content), elapsed


def assert_tells_nothing_else(response, body, *secrets):
    """Only check names and ok/failed: no host, port, URL or exception text."""
    assert response["Content-Type"] == "application/json"
    assert set(body) <= set(ALL_OK)
    assert set(body.values()) <= {"ok", "failed"}
    for secret in secrets:
        assert str(secret) not in response.content.decode()


@pytest.fixture
def broker(settings, redis_broker):
    """The real Redis test broker, as configured for the suite."""
    return settings.CELERY_BROKER_URL


@pytest.fixture
def migrations_unknown(monkeypatch):
    """Forget this process's memory that every migration is applied."""
    monkeypatch.setattr(health, "_migrations_applied", False)


# --- /healthz --------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_ok_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_head_and_refuses_writes(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


# --- /readyz ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_readyz_is_200_when_everything_answers_and_a_worker_beat(client, broker, migrations_unknown):
    # Given a worker that just ran the heartbeat
    heartbeat_task()
    # When the orchestrator asks
    response, body, elapsed = readyz(client)
    # Then every check passed, in milliseconds
    assert response.status_code == 200
    assert body == ALL_OK
    assert "no-cache" in response["Cache-Control"]
    assert elapsed < 0.5


@pytest.mark.django_db
def test_readyz_is_503_when_the_heartbeat_is_stale(client, broker, settings):
    settings.HEARTBEAT_INTERVAL = 30
    beat_at = timezone.now()
    with time_machine.travel(beat_at, tick=False):
        heartbeat_task()
    # Still fresh just before three intervals passed
    with time_machine.travel(beat_at + datetime.timedelta(seconds=89), tick=False):
        response, body, _ = readyz(client)
    assert response.status_code == 200
    # Stale once three intervals passed with no heartbeat (a worker that stopped consuming)
    with time_machine.travel(beat_at + datetime.timedelta(seconds=91), tick=False):
        response, body, _ = readyz(client)
    assert response.status_code == 503
    assert body == {**ALL_OK, "heartbeat": "failed"}
    assert_tells_nothing_else(response, body, settings.HEARTBEAT_INTERVAL)


@pytest.mark.django_db
def test_readyz_is_503_before_any_worker_beat(client, broker):
    assert not Heartbeat.objects.exists()
    response, body, _ = readyz(client)
    assert response.status_code == 503
    assert body == {**ALL_OK, "heartbeat": "failed"}


@pytest.mark.django_db
def test_readyz_is_503_fast_when_nothing_listens_on_the_broker_port(client, settings):
    port = free_port()
    settings.CELERY_BROKER_URL = f"redis://:broker-password@127.0.0.1:{port}/3"
    heartbeat_task()
    response, body, elapsed = readyz(client)
    assert response.status_code == 503
    assert body == {**ALL_OK, "broker": "failed"}
    assert elapsed < 1.5
    assert_tells_nothing_else(response, body, port, "broker-password", "127.0.0.1", "Error", "refused")


@pytest.mark.django_db
def test_readyz_is_503_within_its_timeout_when_the_broker_hangs(client, settings):
    # Given a "broker" that accepts connections and never answers
    heartbeat_task()
    with SilentServer() as silent:
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{silent.port}/0"
        response, body, elapsed = readyz(client)
    # Then readiness fails on the broker alone, after its one-second timeout and not later
    assert response.status_code == 503
    assert body == {**ALL_OK, "broker": "failed"}
    assert elapsed < health.BROKER_TIMEOUT + 1.0
    assert_tells_nothing_else(response, body, "Timeout", "timed out")


@pytest.mark.django_db
def test_readyz_is_503_when_a_migration_is_not_applied(client, broker, migrations_unknown):
    heartbeat_task()
    MigrationRecorder.Migration.objects.filter(app="tracker", name="0005_heartbeat").delete()
    response, body, _ = readyz(client)
    assert response.status_code == 503
    assert body == {**ALL_OK, "migrations": "failed"}
    assert_tells_nothing_else(response, body, "0005", "tracker")


@pytest.mark.django_db
def test_readyz_leaves_the_broker_and_heartbeat_out_when_jobs_run_in_process(client, settings, migrations_unknown):
    settings.CELERY_BROKER_URL = ""
    response, body, _ = readyz(client)
    assert response.status_code == 200
    assert body == {"database": "ok", "migrations": "ok"}


@pytest.fixture
def database_unreachable(transactional_db):
    """The database server stops answering: the connection points at a closed port."""
    connection.close()
    real_host, real_port = connection.settings_dict["HOST"], connection.settings_dict["PORT"]
    connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", str(free_port())
    try:
        yield connection.settings_dict["PORT"]
    finally:
        connection.close()
        connection.settings_dict["HOST"], connection.settings_dict["PORT"] = real_host, real_port


def test_readyz_is_503_when_the_database_is_unreachable(client, broker, database_unreachable):
    response, body, elapsed = readyz(client)
    assert response.status_code == 503
    # The checks that read the database fail with it, at once rather than after more waits
    assert body == {"database": "failed", "migrations": "failed", "broker": "ok", "heartbeat": "failed"}
    assert elapsed < 1.0
    assert_tells_nothing_else(response, body, database_unreachable, "postgres", "tracker", "connection", "refused")


def test_healthz_stays_200_when_the_database_is_unreachable(client, database_unreachable):
    assert client.get("/healthz").status_code == 200


def test_pages_and_the_api_answer_503_with_retry_after_when_the_database_is_unreachable(
    client, database_unreachable
):
    for path in ("/", "/rulings/", "/api/v1/rulings/"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert int(response["Retry-After"]) > 0
        assert database_unreachable not in response.content.decode()


# --- Behind the proxy ------------------------------------------------------------------


@pytest.mark.django_db
def test_probes_over_plain_http_are_not_redirected_by_the_production_ssl_redirect(client, settings, broker):
    production = importlib.import_module("config.settings.production")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = production.SECURE_PROXY_SSL_HEADER
    settings.SECURE_REDIRECT_EXEMPT = production.SECURE_REDIRECT_EXEMPT
    heartbeat_task()
    assert client.get("/").status_code == 301
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_probes_are_never_throttled(client, settings, broker):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "2/minute"}}
    heartbeat_task()
    statuses = {client.get(path).status_code for path in ("/healthz", "/readyz") * 5}
    assert statuses == {200}
