"""The flagging rule (SPEC §3): the one module that decides which agencies are flagged.

On date D, for every published ruling R by regulator G, decided on or before D, with
outcome ``unlawful`` or ``likely_unlawful``, whose standing on D is ``in_force`` or
``under_appeal``, agency A is flagged when G's jurisdiction covers A on R's date (see
:mod:`agencies.jurisdictions`) and R's scope is the whole jurisdiction or lists A. Every
tracked agency used the technology, so usage needs no test.

The rule is computed in two steps:

1. **Per ruling** (:func:`ruling_facts`, plain Python, one call per ruling): whether the
   ruling flags on D — its status, outcome and standing (:mod:`rulings.standing`) — and the
   words every flag of it shares: who found what, when, about whom, and "under appeal since".
   There are few rulings, so this costs little, and the sentences are built by the same code
   whatever the database.
2. **Per pair** (:func:`wanted_flags_sql`, set-based SQL on PostgreSQL and SQLite): the
   agencies each flagging ruling covers, joined with the per-ruling facts (loaded into a
   temporary table by :func:`load_ruling_facts`), with each flag's timing and the reason it
   covers this agency. A full recompute never brings a pair into Python.

:func:`reference_wanted_flags` is the same rule pair by pair in plain Python; the property
tests hold the SQL to it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from agencies.jurisdictions import (
    Level,
    MembershipSpan,
    country_in_sentence_sql,
    coverage_sql,
    covers,
    parse_jurisdiction,
    place_in_sentence,
)
from rulings.dates import date_phrase, format_date, period_end
from rulings.names import body_in_sentence
from rulings.standing import Standing, standing_on

FLAGGING_OUTCOMES = ("unlawful", "likely_unlawful")
# The temporary table that holds the per-ruling facts while the pairs are computed.
FACTS_TABLE = "tracker_rule_rulings"
# Rows of that table written by one INSERT (14 parameters each, well within SQLite's limit).
FACTS_ROWS_PER_INSERT = 500


def severity_for(outcome: str) -> str:
    return "unlawful" if outcome == "unlawful" else "advisory"


def timing_for(first_used: datetime.date | None, decided_on: datetime.date, precision: str = "day") -> str:
    """``used_after_ruling`` when the first use lies after the end of the ruling's date
    period; an unknown first use counts as use before the ruling."""
    if first_used is None or first_used <= period_end(decided_on, precision):
        return "ruled_after_use"
    return "used_after_ruling"


@dataclass(frozen=True)
class RulingFacts:
    """What the rule knows of one ruling on one date, and the words its flags share."""

    ruling_id: int
    jurisdiction: str
    decided_on: datetime.date
    scope: str
    flags: bool
    severity: str
    basis: str
    # The last day of the decision's period: a first use after it is a use after the ruling.
    period_end: datetime.date
    under_appeal: bool
    # "The X found on 18 May 2022 that … was unlawful".
    finding: str
    # Where the jurisdiction is, as a sentence says it: "the United Kingdom".
    place: str
    # "; under appeal since 6 October 2025", or "".
    appeal: str
    # Why the ruling flags nothing on this date (None when it flags).
    clear_reason: str | None
    # Why a flag of this ruling went when the ruling still flags others.
    uncovered_reason: str


def _subject(*, concerns: str, scope: str, place: str) -> str:
    # "in Hamburg, Germany, was unlawful": a place with a comma in it closes with one.
    if "," in place:
        place += ","
    if concerns == "vendor":
        return f"the vendor's service in {place}"
    if scope == "agencies":
        return "this agency's own use of the technology"
    return f"all use of the technology by public bodies in {place}"


def ruling_facts(*, ruling, place: str, proceedings: Iterable, day: datetime.date) -> RulingFacts:
    """The facts of ``ruling`` on ``day`` (see :class:`RulingFacts`).

    ``ruling`` needs ``pk``, ``status``, ``outcome``, ``concerns``, ``scope``,
    ``decided_on``, ``decided_on_precision`` and its ``regulator``'s ``name`` and
    ``jurisdiction``; ``place`` names that jurisdiction (:func:`place_of`);
    ``proceedings`` are the ruling's proceedings (any status).
    """
    result = standing_on(status=ruling.status, proceedings=proceedings, day=day)
    decided = ruling.decided_on <= day
    flags = decided and result.in_effect and ruling.outcome in FLAGGING_OUTCOMES
    body = body_in_sentence(ruling.regulator.name)
    likely = ruling.outcome == "likely_unlawful"
    finding = (
        f"{body} {'said' if likely else 'found'} {date_phrase(ruling.decided_on, ruling.decided_on_precision)} "
        f"that {_subject(concerns=ruling.concerns, scope=ruling.scope, place=place)} "
        f"was {'likely unlawful' if likely else 'unlawful'}"
    )
    if ruling.concerns == "vendor":
        finding += " (a finding about the vendor, not about this agency's own use)"
    appeal = ""
    under_appeal = result.standing == Standing.UNDER_APPEAL
    if under_appeal and result.since is not None:
        appeal = f"; under appeal since {format_date(result.since.decided_on, result.since.decided_on_precision)}"
    clear_reason = None
    if not flags:
        clear_reason = _clear_reason(ruling=ruling, result=result, decided=decided)
    # True whether the agency moved or the ruling was corrected: say what holds now.
    if ruling.scope == "agencies":
        uncovered = "The ruling's list of agencies no longer includes this agency."
    else:
        uncovered = f"This agency is not within {place}, which the ruling covers."
    return RulingFacts(
        ruling_id=ruling.pk,
        jurisdiction=ruling.regulator.jurisdiction,
        decided_on=ruling.decided_on,
        scope=ruling.scope,
        flags=flags,
        severity=severity_for(ruling.outcome),
        basis=ruling.concerns,
        period_end=period_end(ruling.decided_on, ruling.decided_on_precision),
        under_appeal=under_appeal,
        finding=finding,
        place=place,
        appeal=appeal,
        clear_reason=clear_reason,
        uncovered_reason=uncovered,
    )


def _clear_reason(*, ruling, result, decided: bool) -> str:
    if result.standing == Standing.DRAFT:
        return "The ruling was taken back to draft."
    if result.standing == Standing.WITHDRAWN:
        return "The ruling was withdrawn."
    if result.standing == Standing.OVERTURNED:
        proceeding = result.since
        reference = f" ({proceeding.case_reference})" if getattr(proceeding, "case_reference", "") else ""
        return (
            f"{body_in_sentence(proceeding.body)} set the ruling aside "
            f"{date_phrase(proceeding.decided_on, proceeding.decided_on_precision)}{reference}."
        )
    if not decided:
        return "The ruling was not yet decided on that date."
    return f"The ruling's outcome is now “{ruling.outcome.replace('_', ' ')}”, which flags no agency."


def place_of(code: str) -> str:
    """Where a jurisdiction is, as the sentences say it ("the United Kingdom", "Hamburg, Germany")."""
    return place_in_sentence(code, bloc_name=parse_jurisdiction(code).name)


def load_ruling_facts(cursor, facts: Iterable[RulingFacts]) -> int:
    """(Re)create the temporary facts table and fill it; returns the number of rulings."""
    cursor.execute(f"DROP TABLE IF EXISTS {FACTS_TABLE}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {FACTS_TABLE} ("
        "ruling_id bigint PRIMARY KEY, jurisdiction varchar(10) NOT NULL, decided_on date NOT NULL, "
        "scope varchar(16) NOT NULL, flags integer NOT NULL, severity varchar(16) NOT NULL, "
        "basis varchar(8) NOT NULL, period_end date NOT NULL, under_appeal boolean NOT NULL, "
        "finding text NOT NULL, place text NOT NULL, appeal text NOT NULL, clear_reason text, "
        "uncovered_reason text NOT NULL)"
    )
    rows = [
        (
            f.ruling_id, f.jurisdiction, f.decided_on, f.scope, int(f.flags), f.severity, f.basis, f.period_end,
            f.under_appeal, f.finding, f.place, f.appeal, f.clear_reason, f.uncovered_reason,
        )
        for f in facts
    ]  # fmt: skip
    placeholders = "(" + ", ".join(["%s"] * 14) + ")"
    # Many rows a statement: one round trip per row would cost more than the rule itself.
    for start in range(0, len(rows), FACTS_ROWS_PER_INSERT):
        chunk = rows[start : start + FACTS_ROWS_PER_INSERT]
        cursor.execute(
            f"INSERT INTO {FACTS_TABLE} VALUES {', '.join([placeholders] * len(chunk))}",
            [value for row in chunk for value in row],
        )
    return len(rows)


# Why a flag covers its agency, per level; ``f`` is the facts table, ``a`` the agency.
_COVERAGE_REASON = {
    Level.NATIONAL: "'the ruling covers this agency because it is in ' || f.place",
    Level.SUBNATIONAL: "'the ruling covers this agency because it is in ' || f.place",
    Level.SUPRANATIONAL: (
        f"'the ruling covers this agency because ' || {country_in_sentence_sql('c.code', 'c.name')} "
        "|| ' was a member of ' || f.place || ' on that date'"
    ),
}


def wanted_flags_sql(*, agency_ids: Sequence[int] | None = None) -> tuple[str, list]:
    """SQL selecting the flags the rule wants, from the facts table, with its parameters.

    Columns: ``agency_id, ruling_id, severity, timing, basis, under_appeal, explanation``.
    Only rulings loaded into the facts table are considered; ``agency_ids`` restricts the
    result to those agencies. A pair may come twice when a country's bloc memberships
    overlap: the caller keeps one.
    """
    selects = []
    params: list = []
    for level, join in coverage_sql(code="f.jurisdiction", on_date="f.decided_on").items():
        extra_join = "JOIN agencies_country c ON c.code = a.country_id" if level is Level.SUPRANATIONAL else ""
        where = [
            "f.flags = 1",
            "(f.scope = 'jurisdiction' OR EXISTS ("
            "SELECT 1 FROM rulings_ruling_agencies ra WHERE ra.ruling_id = f.ruling_id AND ra.agency_id = a.id))",
        ]
        if agency_ids is not None:
            where.append(f"a.id IN ({', '.join(['%s'] * len(agency_ids))})" if agency_ids else "1 = 0")
            params.extend(agency_ids)
        selects.append(
            "SELECT a.id AS agency_id, f.ruling_id AS ruling_id, f.severity AS severity, "
            "CASE WHEN a.first_used IS NOT NULL AND a.first_used > f.period_end "
            "THEN 'used_after_ruling' ELSE 'ruled_after_use' END AS timing, "
            "f.basis AS basis, f.under_appeal AS under_appeal, "
            "f.finding || '; ' || CASE WHEN f.scope = 'agencies' THEN 'the ruling names this agency' "
            f"ELSE {_COVERAGE_REASON[level]} END || f.appeal || '.' AS explanation "
            f"FROM {FACTS_TABLE} f {join} {extra_join} WHERE {' AND '.join(where)}"
        )
    return "\nUNION ALL\n".join(selects), params


# --- The reference: the same rule, pair by pair, in plain Python ------------------------


@dataclass(frozen=True)
class RuleAgency:
    id: int
    country: str | None
    subdivision: str | None
    first_used: datetime.date | None


@dataclass(frozen=True)
class RuleProceeding:
    id: int
    decided_on: datetime.date
    effect: str
    status: str = "published"
    decided_on_precision: str = "day"

    @property
    def pk(self) -> int:
        return self.id


@dataclass(frozen=True)
class RuleRuling:
    id: int
    jurisdiction: str
    decided_on: datetime.date
    outcome: str
    scope: str
    status: str
    agency_ids: frozenset[int]
    concerns: str = "use"
    decided_on_precision: str = "day"
    proceedings: tuple[RuleProceeding, ...] = field(default=())


@dataclass(frozen=True)
class WantedFlag:
    severity: str
    timing: str
    basis: str
    under_appeal: bool


def reference_wanted_flags(
    rulings: Iterable[RuleRuling],
    agencies: Iterable[RuleAgency],
    memberships: Iterable[MembershipSpan],
    *,
    day: datetime.date,
) -> dict[tuple[int, int], WantedFlag]:
    """The rule pair by pair, in plain Python: {(agency_id, ruling_id): WantedFlag} on ``day``."""
    memberships = list(memberships)
    agencies = list(agencies)
    wanted = {}
    for ruling in rulings:
        if ruling.status != "published" or ruling.outcome not in FLAGGING_OUTCOMES or ruling.decided_on > day:
            continue
        standing = standing_on(status=ruling.status, proceedings=ruling.proceedings, day=day).standing
        if standing not in (Standing.IN_FORCE, Standing.UNDER_APPEAL):
            continue
        for agency in agencies:
            if ruling.scope == "agencies" and agency.id not in ruling.agency_ids:
                continue
            if covers(
                ruling.jurisdiction,
                country=agency.country,
                subdivision=agency.subdivision,
                on_date=ruling.decided_on,
                memberships=memberships,
            ):
                wanted[(agency.id, ruling.id)] = WantedFlag(
                    severity=severity_for(ruling.outcome),
                    timing=timing_for(agency.first_used, ruling.decided_on, ruling.decided_on_precision),
                    basis=ruling.concerns,
                    under_appeal=standing == Standing.UNDER_APPEAL,
                )
    return wanted

