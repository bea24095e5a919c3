"""Flags computed by a real Celery worker on the real Redis broker (SPEC §3 lifecycle)."""

import datetime

import psycopg2
import pytest
from django.db import connection

from rulings.models import Proceeding, Ruling
from rulings.services import proceeding_create, ruling_change_status, ruling_create
from tests.agencies.factories import AgencyFactory, country
from tests.fixtures.celery_worker import WorkerProcesses, wait_until
from tests.rulings.factories import RegulatorFactory, RulingFactory
from tracker.models import Flag, PendingRecompute
from tracker.services.flags import RECOMPUTE_LOCK_KEY

pytestmark = [
    pytest.mark.integration,
    # Django tests SQLite in memory, shared between threads with table locks ("database table
    # is locked" as soon as the worker thread writes): the worker tests need PostgreSQL.
    # The rule itself runs on SQLite in tests/tracker (test_rules, test_explanations).
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a real worker needs the PostgreSQL test database"),
]


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


def test_the_uk_case_raises_clears_and_raises_again_the_same_flag(celery_worker, publisher, api_client):
    """SPEC §2–§3: the ICO's 2022 fine of the vendor, set aside by the First-tier Tribunal in
    October 2023, that decision set aside and the case sent back by the Upper Tribunal in
    October 2025 — each state visible through the API within 10 seconds."""

    def agency_state():
        response = api_client.get(f"/api/v1/agencies/{met.pk}/")
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        return body["flagged"], [flag["id"] for flag in body["flags"]]

    met = AgencyFactory(name="Metropolitan Police Service", country=country("GB"), first_used=datetime.date(2019, 10, 1))
    ico = RegulatorFactory(jurisdiction="GB", name="Information Commissioner's Office", short_name="ICO")

    # Given the ICO's fine of the vendor, published
    fine = ruling_create(
        user=publisher,
        regulator=ico,
        title="Monetary penalty notice to the vendor",
        decided_on=datetime.date(2022, 5, 18),
        announced_on=datetime.date(2022, 5, 23),
        outcome=Ruling.Outcome.UNLAWFUL,
        concerns=Ruling.Concerns.VENDOR,
        scope=Ruling.Scope.JURISDICTION,
        fine_amount=7552800,
        fine_currency="GBP",
        sources=[{"url": "https://ico.org.uk/action-weve-taken/enforcement/clearview-ai-inc-mpn/", "kind": "primary"}],
        status=Ruling.Status.PUBLISHED,
    )

    # Then the police agency is flagged, on the basis of a finding about the vendor
    flag = wait_until(lambda: active_flag(met, fine), timeout=10, message="the flag of the ICO's fine")
    assert (flag.severity, flag.basis, flag.under_appeal) == ("unlawful", "vendor", False)
    assert wait_until(lambda: agency_state() == (True, [flag.pk]), timeout=10, message="the API to show the flag")

    # When the First-tier Tribunal's decision setting it aside is published
    proceeding_create(
        user=publisher,
        ruling=fine,
        body="First-tier Tribunal (General Regulatory Chamber)",
        decided_on=datetime.date(2023, 10, 17),
        effect=Proceeding.Effect.OVERTURNED,
        case_reference="[2023] UKFTT 819 (GRC)",
        sources=["https://www.bailii.org/uk/cases/UKFTT/GRC/2023/819.html"],
        status=Proceeding.Status.PUBLISHED,
    )

    # Then the flag is cleared, saying who set the ruling aside and when
    wait_until(lambda: not active_flag(met, fine), timeout=10, message="the flag to clear")
    assert wait_until(lambda: agency_state() == (False, []), timeout=10, message="the API to show no flag")
    cleared = Flag.objects.get(pk=flag.pk)
    assert cleared.cleared_at is not None
    assert "First-tier Tribunal" in cleared.cleared_reason and "17 October 2023" in cleared.cleared_reason

    # When the Upper Tribunal's decision setting that aside and sending the case back is published
    proceeding_create(
        user=publisher,
        ruling=fine,
        body="Upper Tribunal (Administrative Appeals Chamber)",
        decided_on=datetime.date(2025, 10, 6),
        effect=Proceeding.Effect.REMITTED,
        case_reference="[2025] UKUT 319 (AAC)",
        sources=["https://www.gov.uk/administrative-appeals-tribunal-decisions/clearview-ai-inc-v-the-information-commissioner"],
        status=Proceeding.Status.PUBLISHED,
    )

    # Then the same flag is active again, under appeal since the Upper Tribunal's decision
    again = wait_until(lambda: active_flag(met, fine), timeout=10, message="the flag to return")
    assert again.pk == flag.pk
    assert (again.cleared_at, again.cleared_reason, again.under_appeal, again.basis) == (None, "", True, "vendor")
    assert again.raised_at > cleared.cleared_at
    assert again.explanation.endswith("under appeal since 6 October 2025.")
    assert "the vendor's service in the United Kingdom" in again.explanation
    assert wait_until(lambda: agency_state() == (True, [flag.pk]), timeout=10, message="the API to show the flag again")
    assert Flag.objects.filter(agency=met).count() == 1


def _waiting_on_lock(blocker) -> bool:
    with blocker.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = %s",
            [RECOMPUTE_LOCK_KEY],
        )
        return cursor.fetchone()[0] > 0
