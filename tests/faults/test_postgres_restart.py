"""PostgreSQL restarted under a running web server and worker: both recover on their own.

The test runs a PostgreSQL cluster of its own (initdb in a temporary directory, a free
port), migrates it, starts gunicorn, a worker and beat on it, and shuts it down (fast
shutdown: every session ended) while a flag recompute is in flight, then starts it again.
"""

import json
import time

import pytest

from tests.fixtures.celery_worker import wait_until
from tracker.health import RETRY_AFTER_SECONDS
from tracker.services.flags import RECOMPUTE_LOCK_KEY

from .support import PostgresCluster, Stack

pytestmark = pytest.mark.integration

DATABASE = "tracker"
SETUP = """
import json
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from rulings.models import Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.rulings.factories import RegulatorFactory, RulingFactory

publisher = User.objects.create_user("publisher", "publisher@example.org", "pw", is_staff=True)
publisher.groups.add(Group.objects.get(name="publishers"))
agency = AgencyFactory(country=country("SE"))
drafts = [RulingFactory(regulator=RegulatorFactory(jurisdiction="SE"), status=Ruling.Status.DRAFT) for _ in range(2)]
print(json.dumps({"token": Token.objects.create(user=publisher).key, "agency": agency.pk, "drafts": [d.pk for d in drafts]}))
"""


@pytest.fixture
def private_postgres(processes):
    cluster = PostgresCluster(processes)
    cluster.create()
    cluster.start()
    admin = cluster.connect("postgres")
    try:
        admin.cursor().execute(f"CREATE DATABASE {DATABASE}")
    finally:
        admin.close()
    return cluster


def flag_raised(cluster, ruling_id: int) -> bool:
    if not cluster.answers(DATABASE):
        return False
    connection = cluster.connect(DATABASE)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tracker_flag WHERE active AND ruling_id = %s", [ruling_id])
            return cursor.fetchone()[0] == 1
    finally:
        connection.close()


def waiting_on_recompute_lock(blocker) -> bool:
    with blocker.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = %s",
            [RECOMPUTE_LOCK_KEY],
        )
        return cursor.fetchone()[0] > 0


def test_web_and_worker_survive_a_postgresql_restart(processes, private_postgres, private_redis, figures):
    cluster = private_postgres
    # Given the service on its own PostgreSQL: migrated, with a publisher, an agency and two drafts
    stack = Stack(
        processes,
        database_url=cluster.url(DATABASE),
        broker_url=private_redis.url,
        HEARTBEAT_INTERVAL=1,
        # No sweep or reconciliation during the test: only the task's own retry can finish it.
        FLAGS_SWEEP_INTERVAL=3600,
        FLAGS_RECONCILE_INTERVAL=3600,
        DIGESTS_SWEEP_INTERVAL=3600,
    )
    stack.manage("migrate", "--noinput")
    records = json.loads(stack.manage("shell", "-c", SETUP).strip().splitlines()[-1])
    web = stack.web()
    stack.worker()
    stack.beat()
    wait_until(lambda: web.get("/readyz").status == 200, timeout=60, message="the service to be ready")
    for _ in range(4):  # every gunicorn worker holds a persistent database connection
        assert web.get("/api/v1/rulings/").status == 200
    web.headers["Authorization"] = f"Token {records['token']}"
    in_flight, after = records["drafts"]

    # And a recompute in flight: the worker is inside its transaction, waiting for the lock
    blocker = cluster.connect(DATABASE)
    blocker.cursor().execute("SELECT pg_advisory_lock(%s)", [RECOMPUTE_LOCK_KEY])
    answer = web.request("PATCH", f"/api/v1/rulings/{in_flight}/", json={"status": "published"})
    assert answer.status == 200, answer.text
    wait_until(lambda: waiting_on_recompute_lock(blocker), timeout=30, message="the recompute to start")

    # When PostgreSQL shuts down, ending every session
    cluster.stop()
    blocker.close()

    # Then every page and the API answer 503 with Retry-After, at once, never a 500
    down = {path: web.get(path) for path in ("/", "/rulings/", "/api/v1/rulings/", "/readyz", "/healthz")}
    assert {path: answer.status for path, answer in down.items()} == {
        "/": 503,
        "/rulings/": 503,
        "/api/v1/rulings/": 503,
        "/readyz": 503,
        "/healthz": 200,
    }
    for path in ("/", "/rulings/", "/api/v1/rulings/"):
        assert down[path].headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert down["/readyz"].json()["database"] == "failed"
    slowest_while_down = max(answer.seconds for answer in down.values())
    assert slowest_while_down < 2
    # And the worker's task failed on the lost connection and was queued for a retry
    wait_until(
        lambda: "flags_process_pending_task" in stack.processes.log("worker")
        and "retry: Retry in" in stack.processes.log("worker"),
        timeout=30,
        message="the in-flight task to be retried",
    )

    # When PostgreSQL is back, on the same port, with nothing else restarted
    cluster.start()
    restarted = time.monotonic()

    # Then the very first requests succeed: stale connections are checked and replaced
    statuses = [web.get(path).status for path in ("/", "/rulings/", "/api/v1/rulings/", "/api/v1/flags/") * 2]
    assert statuses == [200] * 8
    # And the recompute that was in flight completes by its retry
    wait_until(lambda: flag_raised(cluster, in_flight), timeout=90, interval=0.25, message="the in-flight recompute")
    in_flight_done = time.monotonic() - restarted
    # And new edits are accepted and processed by the same worker
    answer = web.request("PATCH", f"/api/v1/rulings/{after}/", json={"status": "published"})
    assert answer.status == 200, answer.text
    edited = time.monotonic()
    wait_until(lambda: flag_raised(cluster, after), timeout=30, interval=0.1, message="the recompute of a new edit")
    new_edit_done = time.monotonic() - edited
    wait_until(lambda: web.get("/readyz").status == 200, timeout=30, message="readiness after the restart")
    figures(
        f"while PostgreSQL was down every request answered within {slowest_while_down:.2f} s; "
        f"the in-flight recompute completed {in_flight_done:.1f} s after the restart, a new edit's in {new_edit_done:.1f} s"
    )
