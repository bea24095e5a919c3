"""The flag computation at scale (100,000 agencies, 1,000 regulators, 10,000 rulings).

Figures, each the median of a few runs:

* full recompute from an empty flags table, against the baseline: one hand-written
  ``INSERT … SELECT`` of the same wanted set (no reconciliation at all). Goal <= 1.5x.
* a recompute with no change in the data: rows written (goal 0) and its time.
* the recompute after publishing one ruling, against the full recompute. Goal <= 1/50.

Each measurement runs in a transaction that is rolled back, so the data set is left as it
was found.
"""

from __future__ import annotations

import statistics
import time

from django.db import connection, transaction
from django.db.models.functions import Now

REPEATS = 3


class _Rollback(Exception):
    pass


def _timed_in_rollback(work) -> tuple[float, object]:
    """Run ``work`` in a transaction, roll it back, return (seconds, its result)."""
    outcome = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            outcome["result"] = work()
            outcome["seconds"] = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return outcome["seconds"], outcome["result"]


def _median(work) -> tuple[float, object]:
    runs = [_timed_in_rollback(work) for _ in range(REPEATS)]
    seconds = statistics.median(seconds for seconds, _ in runs)
    print(f"  {work.__name__.strip('_')}: {seconds:.3f} s (median of {REPEATS}); {runs[-1][1]}", flush=True)
    return seconds, runs[-1][1]


def _empty_flags() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tracker_flag")


def _baseline_single_statement() -> int:
    """The least any recompute must do: the rulings' facts, then one INSERT of the wanted pairs."""
    from django.utils import timezone

    from tracker.rules import load_ruling_facts, wanted_flags_sql
    from tracker.services.flags import facts_on, rulings_for_facts

    _empty_flags()
    select, params = wanted_flags_sql()
    with connection.cursor() as cursor:
        load_ruling_facts(cursor, facts_on(rulings_for_facts(), day=timezone.localdate()))
        cursor.execute(
            "INSERT INTO tracker_flag (agency_id, ruling_id, severity, timing, basis, under_appeal, explanation, "
            "raised_at, cleared_at, cleared_reason, active, updated_at) "
            "SELECT agency_id, ruling_id, severity, timing, basis, under_appeal, explanation, now(), NULL, '', TRUE, now() "
            f"FROM ({select}) wanted",
            params,
        )
        return cursor.rowcount


def _full_from_empty():
    from tracker.services import flags_recompute

    _empty_flags()
    return flags_recompute()


def _publish_one_ruling():
    """Publish one draft ruling and recompute what it can affect, as the task would."""
    from rulings.models import Ruling
    from tracker.services import flags_recompute

    ruling = (
        Ruling.objects.filter(status=Ruling.Status.DRAFT, scope=Ruling.Scope.JURISDICTION, outcome=Ruling.Outcome.UNLAWFUL)
        .exclude(regulator__jurisdiction__contains="-")
        .order_by("id")
        .first()
    )
    Ruling.objects.filter(pk=ruling.pk).update(status=Ruling.Status.PUBLISHED, published_at=Now())
    return flags_recompute(ruling_ids=[ruling.pk])


def run() -> list[dict]:
    from tracker.services import flags_recompute

    # Make sure the stored flags are current before measuring the no-change case.
    flags_recompute()

    baseline_seconds, baseline_rows = _median(_baseline_single_statement)
    full_seconds, full_result = _median(_full_from_empty)
    nochange_seconds, nochange_result = _median(flags_recompute)
    one_seconds, one_result = _median(_publish_one_ruling)
    # The rolled-back runs left dead rows behind; the benchmarks after this one deserve a clean table.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tracker_flag")

    return [
        {
            "name": "flags: full recompute vs one INSERT…SELECT",
            "value": full_seconds,
            "baseline": baseline_seconds,
            "ratio": full_seconds / baseline_seconds,
            "unit": "s",
            "goal": "<= 1.5",
            "note": f"{full_result.raised} flags raised; the baseline inserted {baseline_rows} rows",
        },
        {
            "name": "flags: rows written by a no-change recompute",
            "value": nochange_result.written,
            "baseline": None,
            "ratio": nochange_result.written,
            "unit": "rows",
            "goal": "<= 0",
            "note": f"took {nochange_seconds:.2f} s; kept {nochange_result.kept}",
        },
        {
            "name": "flags: one published ruling vs full recompute",
            "value": one_seconds,
            "baseline": full_seconds,
            "ratio": one_seconds / full_seconds,
            "unit": "s",
            "goal": "<= 0.02",
            "note": f"{one_result.raised} flags raised by the ruling",
        },
    ]
