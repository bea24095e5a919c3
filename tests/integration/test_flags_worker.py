"""Flags computed by a real Celery worker on the real Redis broker (SPEC §3 lifecycle)."""

import datetime

import psycopg2
import pytest
from django.db import connection

from rulings.models import Ruling
from rulings.services import ruling_change_status
from tests.agencies.factories import AgencyFactory, country
from tests.fixtures.celery_worker import WorkerProcesses, wait_until
from tests.rulings.factories import RegulatorFactory, RulingFactory
from tracker.models import Flag, PendingRecompute
from tracker.services.flags import RECOMPUTE_LOCK_KEY

pytestmark = pytest.mark.integration


def active_flag(agency, ruling):
    return Flag.objects.filter(agency=agency, ruling=ruling, active=True).first()


def test_publishing_a_ruling_raises_flags_within_seconds(celery_worker, publisher):
    toronto = AgencyFactory(country=country("CA"), subdivision="CA-ON")
    ruling = RulingFactory(regulator=RegulatorFactory(jurisdiction="CA"), status=Ruling.Status.DRAFT)
    assert not Flag.objects.exists()

    ruling_change_status(ruling=ruling, status=Ruling.Status.PUBLISHED, user=publisher)

    flag = wait_until(lambda: active_flag(toronto, ruling), timeout=10, message="the flag")
    assert flag.severity == "unlawful"
    assert not PendingRecompute.objects.exists()

    ruling_change_status(ruling=ruling, status=Ruling.Status.WITHDRAWN, user=publisher)
    wait_until(lambda: not active_flag(toronto, ruling), timeout=10, message="the flag to clear")
    assert Flag.objects.get().cleared_at is not None


def test_publishing_through_the_admin_raises_flags(celery_worker, publisher, client):
    rcmp = AgencyFactory(country=country("CA"))
    ruling = RulingFactory(regulator=RegulatorFactory(jurisdiction="CA"), status=Ruling.Status.DRAFT)
    client.force_login(publisher)

    response = client.post(
        "/admin/rulings/ruling/",
        {"action": "publish", "_selected_action": [ruling.pk]},
        follow=True,
    )

    assert response.status_code == 200
    wait_until(lambda: active_flag(rcmp, ruling), timeout=10, message="the flag")


def test_a_worker_killed_mid_recompute_loses_nothing(worker_processes: WorkerProcesses, tmp_path, publisher):
    agency = AgencyFactory(country=country("SE"))
    ruling = RulingFactory(
        regulator=RegulatorFactory(jurisdiction="SE"), status=Ruling.Status.DRAFT, decided_on=datetime.date(2021, 2, 10)
    )
    # Hold the recompute lock from outside, so the worker's task is stuck mid-transaction.
    settings_dict = connection.settings_dict
    blocker = psycopg2.connect(
        dbname=settings_dict["NAME"], user=settings_dict["USER"], host=settings_dict["HOST"], port=settings_dict["PORT"]
    )
    blocker.autocommit = True
    blocker.cursor().execute("SELECT pg_advisory_lock(%s)", [RECOMPUTE_LOCK_KEY])
    try:
        worker = worker_processes.worker()
        ruling_change_status(ruling=ruling, status=Ruling.Status.PUBLISHED, user=publisher)
        wait_until(lambda: _waiting_on_lock(blocker), timeout=30, message="the worker to start the recompute")

        worker_processes.kill(worker)
    finally:
        blocker.close()  # releases the lock; the dead worker's transaction is rolled back

    assert not Flag.objects.exists()
    assert PendingRecompute.objects.filter(ruling=ruling).exists()

    # Nobody touches anything: a new worker and beat's sweep finish the job.
    worker_processes.worker()
    worker_processes.beat(tmp_path)
    wait_until(lambda: active_flag(agency, ruling), timeout=60, message="the flag after the restart")
    wait_until(lambda: not PendingRecompute.objects.exists(), timeout=30, message="the outbox to empty")
    assert Flag.objects.filter(agency=agency, ruling=ruling).count() == 1


def _waiting_on_lock(blocker) -> bool:
    with blocker.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = %s",
            [RECOMPUTE_LOCK_KEY],
        )
        return cursor.fetchone()[0] > 0
