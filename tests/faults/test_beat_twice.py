"""Beat started twice: every periodic job is sent twice per period, and still no flag is
duplicated, lost, or raised again; the counts stay right.

No lock keeps a second beat out; the jobs are idempotent instead. Two full
reconciliations at once are serialised by a PostgreSQL advisory lock and write only what
differs, and one flag per (agency, ruling) is a database constraint.
"""

import re
import time

import pytest

from rulings.models import Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.fixtures.celery_worker import wait_until
from tests.rulings.factories import RegulatorFactory, RulingFactory
from tracker.models import Flag, PendingRecompute
from tracker.services import flags_recompute

pytestmark = pytest.mark.integration

PERIOD = 1
OBSERVED_PERIODS = 6


def succeeded(log: str, task: str) -> int:
    return len(re.findall(rf"Task {re.escape(task)}\[[^\]]+\] succeeded", log))


def test_two_beats_run_each_job_twice_and_leave_the_flags_exactly_right(stack, figures):
    # Given agencies in three countries and rulings that flag them, with the flags correct
    agencies = [AgencyFactory(country=country(code)) for code in ("SE", "SE", "NO", "FI", "FI", "FI")]
    rulings = [RulingFactory(regulator=RegulatorFactory(jurisdiction=code)) for code in ("SE", "NO", "FI")]
    RulingFactory(regulator=RegulatorFactory(jurisdiction="FI"), status=Ruling.Status.WITHDRAWN)
    flags_recompute()
    wanted = set(Flag.objects.filter(active=True).values_list("agency_id", "ruling_id"))
    assert len(wanted) == len(agencies)
    # And then some drift for the reconciliation to repair: flags lost, and one flag wrongly cleared
    Flag.objects.filter(agency__in=agencies[:3]).delete()
    Flag.objects.filter(agency=agencies[5]).update(active=False, cleared_at=rulings[2].created_at)

    # When two beats send every job each period to a worker that runs two at once
    stack.env.update(FLAGS_RECONCILE_INTERVAL=str(PERIOD), FLAGS_SWEEP_INTERVAL=str(PERIOD))
    stack.worker(concurrency=2)
    stack.beat("beat-1")
    stack.beat("beat-2")
    wait_until(
        lambda: set(Flag.objects.filter(active=True).values_list("agency_id", "ruling_id")) == wanted,
        timeout=60,
        message="the reconciliation to repair the flags",
    )
    raised_at = dict(Flag.objects.values_list("pk", "raised_at"))
    started = time.monotonic()
    before = succeeded(stack.processes.log("worker"), "tracker.tasks.flags_reconcile_task")
    wait_until(
        lambda: succeeded(stack.processes.log("worker"), "tracker.tasks.flags_reconcile_task")
        >= before + 2 * OBSERVED_PERIODS,
        timeout=60,
        message="both beats' reconciliations",
    )
    observed = time.monotonic() - started

    # Then both beats sent the job every period
    for beat in ("beat-1", "beat-2"):
        assert "Sending due task flags-reconcile" in stack.processes.log(beat)
    # And the flags are exactly the wanted ones: none duplicated, none lost, none raised again
    assert Flag.objects.count() == len(wanted)
    assert set(Flag.objects.filter(active=True).values_list("agency_id", "ruling_id")) == wanted
    assert dict(Flag.objects.values_list("pk", "raised_at")) == raised_at
    assert not PendingRecompute.objects.exists()
    runs = succeeded(stack.processes.log("worker"), "tracker.tasks.flags_reconcile_task") - before
    figures(f"{runs} reconciliations by two beats in {observed:.1f} s after the repair; flags unchanged, none duplicated")
