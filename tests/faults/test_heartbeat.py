"""A worker that is alive but no longer consumes is caught by /readyz through the heartbeat.

The worker is frozen with SIGSTOP: its process and its broker connection stay, exactly as
with a worker that silently stopped consuming after a broker reconnect.
"""

import signal
import time

import pytest

from tests.fixtures.celery_worker import wait_until
from tracker.health import HEARTBEAT_MISSED_INTERVALS

from .conftest import FAST_INTERVALS

pytestmark = pytest.mark.integration


def test_readyz_reports_a_worker_that_stopped_consuming_and_its_return(stack, figures):
    # Given the service running, ready
    web = stack.web()
    stack.worker()
    stack.beat()
    wait_until(lambda: web.get("/readyz").status == 200, timeout=60, message="the service to be ready")
    # And both probes answer in milliseconds through gunicorn
    readyz_ms = sorted(web.get("/readyz").seconds * 1000 for _ in range(21))
    healthz_ms = sorted(web.get("/healthz").seconds * 1000 for _ in range(21))
    assert readyz_ms[10] < 100 and healthz_ms[10] < 100

    # When the worker stops consuming while beat keeps scheduling
    stack.processes.signal("worker", signal.SIGSTOP)
    stopped = time.monotonic()

    # Then /readyz says so once three heartbeats were missed, naming only the heartbeat
    answer = wait_until(
        lambda: (answer := web.get("/readyz")).status == 503 and answer, timeout=30, message="a stale heartbeat"
    )
    noticed = time.monotonic() - stopped
    assert answer.json() == {"database": "ok", "migrations": "ok", "broker": "ok", "heartbeat": "failed"}
    assert noticed >= FAST_INTERVALS["HEARTBEAT_INTERVAL"] * (HEARTBEAT_MISSED_INTERVALS - 1)
    # And the process itself is still reported up, so the orchestrator need not restart web
    assert web.get("/healthz").status == 200

    # When the worker consumes again, the heartbeats that waited too long are dropped and
    # a fresh one makes the service ready again
    stack.processes.signal("worker", signal.SIGCONT)
    wait_until(lambda: web.get("/readyz").status == 200, timeout=30, message="readiness after the worker resumed")
    assert "Discarding revoked task: tracker.tasks.heartbeat_task" in stack.processes.log("worker")
    figures(f"/readyz answered in {readyz_ms[10]:.0f} ms (median, slowest {readyz_ms[-1]:.0f} ms), /healthz in {healthz_ms[10]:.0f} ms")
    figures(f"stale heartbeat reported {noticed:.1f} s after the worker stopped (interval 1 s, stale after 3)")
