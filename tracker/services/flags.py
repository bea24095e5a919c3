"""Keeping the stored flags equal to what the rule wants.

The rule itself is in :mod:`tracker.rules`; this module reconciles the ``tracker_flag``
table with it in a few set-based statements, records requests for recomputes in the
outbox (:class:`~tracker.models.PendingRecompute`) and works that outbox off.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from agencies.models import Agency, Bloc
from rulings.models import Ruling
from tracker.models import Flag, PendingRecompute
from tracker.queue import FLAGS_PROCESS_PENDING, enqueue
from tracker.rules import (
    FACTS_TABLE,
    RulingFacts,
    load_ruling_facts,
    place_of,
    ruling_facts,
    wanted_flags_sql,
)

logger = logging.getLogger(__name__)

# Above this many ids a scoped recompute costs about as much as a full one.
SCOPED_RECOMPUTE_MAX_IDS = 2000
# Outbox rows taken by one pass of the pending-recompute worker.
PENDING_BATCH_SIZE = 500
# Key of the PostgreSQL advisory lock that serialises recomputes.
RECOMPUTE_LOCK_KEY = 0x666C6167  # "flag"

WANTED_TABLE = "tracker_wanted_flags"
# After writing this many flag rows, refresh PostgreSQL's statistics of the table.
ANALYZE_AFTER_ROWS = 50_000
# Why a flag went when its ruling was not among those recomputed (its agency moved away).
UNCOVERED_REASON = "This agency is not within the ruling's jurisdiction."


@dataclass
class RecomputeResult:
    raised: int = 0
    cleared: int = 0
    updated: int = 0
    kept: int = 0

    def __add__(self, other: RecomputeResult) -> RecomputeResult:
        return RecomputeResult(
            self.raised + other.raised,
            self.cleared + other.cleared,
            self.updated + other.updated,
            self.kept + other.kept,
        )

    @property
    def written(self) -> int:
        return self.raised + self.cleared + self.updated

    def __str__(self):
        return f"raised {self.raised}, cleared {self.cleared}, updated {self.updated}, kept {self.kept}"


def _in_clause(column: str, ids: Sequence[int] | None) -> tuple[str, list]:
    if ids is None:
        return "", []
    if not ids:
        return " AND 1 = 0", []
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _lock_recomputes(cursor) -> None:
    """Serialise recomputes: two at once must neither duplicate nor lose a flag.

    SQLite serialises writers by itself; PostgreSQL takes a transaction-level advisory
    lock, released at commit or rollback (also when a worker dies mid-task).
    """
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECOMPUTE_LOCK_KEY])


def rulings_for_facts(*, ruling_ids: Sequence[int] | None = None, agency_ids: Sequence[int] | None = None):
    """The rulings whose facts a recompute needs, with regulator and proceedings loaded.

    Everything for a full recompute; the given rulings; or, for agencies, every ruling
    whose jurisdiction could cover them (their countries, subdivisions, any bloc) and every
    ruling they hold a flag of (to say why a flag went).
    """
    rulings = Ruling.objects.select_related("regulator").prefetch_related("proceedings").only(
        "id", "status", "outcome", "concerns", "scope", "decided_on", "decided_on_precision",
        "regulator__name", "regulator__jurisdiction",
    )  # fmt: skip
    if ruling_ids is not None:
        return rulings.filter(pk__in=ruling_ids)
    if agency_ids is not None:
        places = Agency.objects.filter(pk__in=agency_ids).values_list("country_id", "subdivision")
        codes = {code for pair in places for code in pair if code}
        held = Flag.objects.filter(agency_id__in=agency_ids).values("ruling_id")
        return rulings.filter(
            Q(regulator__jurisdiction__in=codes) | Q(regulator__jurisdiction__in=Bloc.objects.values("code")) | Q(pk__in=held)
        )
    return rulings


def facts_on(rulings, *, day: datetime.date) -> list[RulingFacts]:
    """:func:`tracker.rules.ruling_facts` of each ruling on ``day`` (places named once per code)."""
    places: dict[str, str] = {}
    facts = []
    for ruling in rulings:
        code = ruling.regulator.jurisdiction
        if code not in places:
            places[code] = place_of(code)
        facts.append(ruling_facts(ruling=ruling, place=places[code], proceedings=ruling.proceedings.all(), day=day))
    return facts


@transaction.atomic
def flags_recompute(
    *, ruling_ids: Iterable[int] | None = None, agency_ids: Iterable[int] | None = None
) -> RecomputeResult:
    """Make the stored flags equal to the rule's wanted set today, writing only what differs.

    With no ids, everything is recomputed. With ``ruling_ids`` and/or ``agency_ids``, only
    flags of those rulings and of those agencies are considered (the union of the two).
    New pairs are inserted; vanished ones cleared (``active`` false, ``cleared_at`` set,
    ``cleared_reason`` saying why, never deleted); returning ones re-activated with a new
    ``raised_at``; changed details (severity, timing, basis, appeal state, explanation)
    rewritten in place. Recomputing unchanged data writes no row. Idempotent.

    Every difference is computed before anything is written — the wanted pairs are
    joined with the stored flags while being collected into a temporary table — so no
    statement reads the table it fills, and the plans cannot turn quadratic when
    PostgreSQL's statistics still describe an empty ``tracker_flag``.
    """
    ruling_ids = None if ruling_ids is None else sorted(set(ruling_ids))
    agency_ids = None if agency_ids is None else sorted(set(agency_ids))
    if ruling_ids is not None and agency_ids is not None:
        return flags_recompute(ruling_ids=ruling_ids) + flags_recompute(agency_ids=agency_ids)
    too_many = max(len(ruling_ids or ()), len(agency_ids or ())) > SCOPED_RECOMPUTE_MAX_IDS
    if too_many:
        ruling_ids = agency_ids = None

    today = timezone.localdate()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    facts = facts_on(rulings_for_facts(ruling_ids=ruling_ids, agency_ids=agency_ids), day=today)
    select, select_params = wanted_flags_sql(agency_ids=agency_ids)
    flag_scope, flag_scope_params = (
        _in_clause("tracker_flag.ruling_id", ruling_ids) if ruling_ids is not None else _in_clause("tracker_flag.agency_id", agency_ids)
    )
    result = RecomputeResult()
    with connection.cursor() as cursor:
        _lock_recomputes(cursor)
        load_ruling_facts(cursor, facts)
        cursor.execute(f"DROP TABLE IF EXISTS {WANTED_TABLE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {WANTED_TABLE} ("
            "agency_id bigint NOT NULL, ruling_id bigint NOT NULL, severity varchar(16) NOT NULL, "
            "timing varchar(20) NOT NULL, basis varchar(8) NOT NULL, under_appeal boolean NOT NULL, "
            "explanation text NOT NULL, flag_id bigint, was_active boolean, PRIMARY KEY (agency_id, ruling_id))"
        )
        # Each wanted pair with the stored flag it matches, if any (ON CONFLICT: overlapping
        # bloc memberships must not make a pair count twice).
        cursor.execute(
            f"INSERT INTO {WANTED_TABLE} (agency_id, ruling_id, severity, timing, basis, under_appeal, "
            "explanation, flag_id, was_active) "
            "SELECT w.agency_id, w.ruling_id, w.severity, w.timing, w.basis, w.under_appeal, w.explanation, "
            f"f.id, f.active FROM ({select}) w LEFT JOIN tracker_flag f "
            "ON f.agency_id = w.agency_id AND f.ruling_id = w.ruling_id WHERE TRUE ON CONFLICT DO NOTHING",
            select_params,
        )
        wanted_count = cursor.rowcount
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {WANTED_TABLE}")
            cursor.execute(f"ANALYZE {FACTS_TABLE}")

        cursor.execute(
            "UPDATE tracker_flag SET active = FALSE, cleared_at = %s, updated_at = %s, "
            f"cleared_reason = COALESCE((SELECT COALESCE(f.clear_reason, f.uncovered_reason) FROM {FACTS_TABLE} f "
            "WHERE f.ruling_id = tracker_flag.ruling_id), %s) "
            f"WHERE tracker_flag.active = TRUE{flag_scope} AND NOT EXISTS (SELECT 1 FROM {WANTED_TABLE} w "
            "WHERE w.agency_id = tracker_flag.agency_id AND w.ruling_id = tracker_flag.ruling_id)",
            [now, now, UNCOVERED_REASON, *flag_scope_params],
        )
        result.cleared = cursor.rowcount
        cursor.execute(
            "INSERT INTO tracker_flag (agency_id, ruling_id, severity, timing, basis, under_appeal, explanation, "
            "raised_at, cleared_at, cleared_reason, active, updated_at) "
            "SELECT w.agency_id, w.ruling_id, w.severity, w.timing, w.basis, w.under_appeal, w.explanation, "
            f"%s, NULL, '', TRUE, %s FROM {WANTED_TABLE} w WHERE w.flag_id IS NULL",
            [now, now],
        )
        result.raised = cursor.rowcount
        cursor.execute(
            "UPDATE tracker_flag SET active = TRUE, cleared_at = NULL, cleared_reason = '', raised_at = %s, "
            "updated_at = %s, severity = w.severity, timing = w.timing, basis = w.basis, "
            f"under_appeal = w.under_appeal, explanation = w.explanation FROM {WANTED_TABLE} w "
            "WHERE tracker_flag.id = w.flag_id AND w.was_active = FALSE",
            [now, now],
        )
        result.raised += cursor.rowcount
        cursor.execute(
            "UPDATE tracker_flag SET severity = w.severity, timing = w.timing, basis = w.basis, "
            "under_appeal = w.under_appeal, explanation = w.explanation, updated_at = %s "
            f"FROM {WANTED_TABLE} w WHERE tracker_flag.id = w.flag_id AND w.was_active = TRUE "
            "AND (tracker_flag.severity <> w.severity OR tracker_flag.timing <> w.timing "
            "OR tracker_flag.basis <> w.basis OR tracker_flag.under_appeal <> w.under_appeal "
            "OR tracker_flag.explanation <> w.explanation)",
            [now],
        )
        result.updated = cursor.rowcount
        cursor.execute(f"DROP TABLE {WANTED_TABLE}")
        cursor.execute(f"DROP TABLE {FACTS_TABLE}")
        if connection.vendor == "postgresql" and result.written > ANALYZE_AFTER_ROWS:
            # Fresh planner statistics, or the next reads plan for the table as it was.
            cursor.execute("ANALYZE tracker_flag")
    result.kept = wanted_count - result.raised - result.updated
    return result


def _enqueue_pending_on_commit() -> None:
    """Fast path: ask a worker to do the outbox now. Failing to enqueue loses nothing."""
    try:
        enqueue(FLAGS_PROCESS_PENDING)
    except Exception:  # the broker is down; the periodic sweep will do it
        logger.warning("Could not enqueue a flag recompute; the sweep will pick it up.", exc_info=True)


def _enqueue_registered() -> bool:
    return any(entry[1] is _enqueue_pending_on_commit for entry in connection.run_on_commit)


def flags_recompute_request(
    *, ruling_ids: Iterable[int] = (), agency_ids: Iterable[int] = (), everything: bool = False
) -> None:
    """Ask for a recompute after the current transaction commits; never lost.

    The request is written to the outbox in the caller's transaction, so it exists exactly
    when the change that asked for it does; a task is enqueued on commit as the fast path.
    """
    rows = [PendingRecompute(ruling_id=pk) for pk in set(ruling_ids)]
    rows += [PendingRecompute(agency_id=pk) for pk in set(agency_ids)]
    if everything:
        rows.append(PendingRecompute())
    if not rows:
        return
    PendingRecompute.objects.bulk_create(rows)
    if not _enqueue_registered():
        transaction.on_commit(_enqueue_pending_on_commit, robust=True)


def flags_process_pending(*, batch_size: int = PENDING_BATCH_SIZE) -> RecomputeResult:
    """Do the recomputes waiting in the outbox, oldest first, and remove them once done.

    Each batch is taken, recomputed and deleted in one transaction: a worker that dies
    mid-way leaves its rows for the next pass. Rows locked by another worker are skipped.
    """
    total = RecomputeResult()
    while True:
        with transaction.atomic():
            batch = list(
                PendingRecompute.objects.select_for_update(skip_locked=True).order_by("id")[:batch_size]
            )
            if not batch:
                return total
            if any(row.ruling_id is None and row.agency_id is None for row in batch):
                total += flags_recompute()
            else:
                ruling_ids = {row.ruling_id for row in batch if row.ruling_id}
                agency_ids = {row.agency_id for row in batch if row.agency_id}
                if ruling_ids:
                    total += flags_recompute(ruling_ids=ruling_ids)
                if agency_ids:
                    total += flags_recompute(agency_ids=agency_ids)
            PendingRecompute.objects.filter(id__in=[row.id for row in batch]).delete()
