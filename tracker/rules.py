"""The flagging rule (SPEC §3): the one module that decides which agencies are flagged.

For every published ruling R by regulator G, decided on D, with outcome ``unlawful`` or
``likely_unlawful``, agency A is flagged when G's jurisdiction covers A on D (see
:mod:`agencies.jurisdictions`) and R's scope is the whole jurisdiction or lists A. Every
tracked agency used the technology, so usage needs no test.

Two implementations of the same rule live here: :func:`wanted_flags_sql`, the set-based
query the engine runs on PostgreSQL and SQLite, and :func:`reference_wanted_flags`, a
straightforward per-pair version that the property tests hold the query to.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agencies.jurisdictions import Level, MembershipSpan, covers, coverage_sql

FLAGGING_OUTCOMES = ("unlawful", "likely_unlawful")


def severity_for(outcome: str) -> str:
    return "unlawful" if outcome == "unlawful" else "advisory"


def timing_for(first_used: datetime.date | None, decided_on: datetime.date) -> str:
    """An unknown first use counts as use before the ruling."""
    if first_used is None or first_used <= decided_on:
        return "ruled_after_use"
    return "used_after_ruling"


# One sentence a journalist can quote, built in SQL so that a full recompute never leaves
# the database. "{regulator} ruled on {date} that {subject} was {verdict}; {reason}."
_SUBJECT = {
    Level.NATIONAL: "c.name || ' (' || g.jurisdiction || ')'",
    Level.SUBNATIONAL: "'the subdivision ' || g.jurisdiction",
    Level.SUPRANATIONAL: "b.name || ' (' || g.jurisdiction || ')'",
}
_REASON = {
    Level.NATIONAL: "'this agency is in ' || c.name",
    Level.SUBNATIONAL: "'this agency is in the subdivision ' || a.subdivision",
    Level.SUPRANATIONAL: "c.name || ' was a member of ' || b.name || ' on that date'",
}


def _explanation_sql(level: Level) -> str:
    return (
        "g.name || ' ruled on ' || CAST(r.decided_on AS TEXT) || ' that ' || "
        "CASE WHEN r.scope = 'jurisdiction' "
        f"THEN 'all use of the technology in ' || {_SUBJECT[level]} "
        f"ELSE 'the use by the agencies it names in ' || {_SUBJECT[level]} || ', this one among them,' END"
        " || ' was ' || CASE WHEN r.outcome = 'unlawful' THEN 'unlawful' ELSE 'likely unlawful' END"
        f" || '; ' || {_REASON[level]} || '.'"
    )


def wanted_flags_sql(
    *, ruling_ids: Sequence[int] | None = None, agency_ids: Sequence[int] | None = None
) -> tuple[str, list]:
    """SQL selecting the flags the rule wants, with the parameters to run it.

    Columns: ``agency_id, ruling_id, severity, timing, explanation``. ``ruling_ids`` and
    ``agency_ids`` restrict the result to pairs involving those rulings or agencies.
    """
    selects = []
    params: list = []
    for level, join in coverage_sql(code="g.jurisdiction", on_date="r.decided_on").items():
        extra_joins = {
            Level.NATIONAL: "JOIN agencies_country c ON c.code = a.country_id",
            Level.SUBNATIONAL: "",
            Level.SUPRANATIONAL: "JOIN agencies_country c ON c.code = a.country_id JOIN agencies_bloc b ON b.code = g.jurisdiction",
        }[level]
        where = [
            "r.status = 'published'",
            "r.outcome IN ('unlawful', 'likely_unlawful')",
            "(r.scope = 'jurisdiction' OR EXISTS ("
            "SELECT 1 FROM rulings_ruling_agencies ra WHERE ra.ruling_id = r.id AND ra.agency_id = a.id))",
        ]
        if ruling_ids is not None:
            where.append(f"r.id IN ({', '.join(['%s'] * len(ruling_ids))})" if ruling_ids else "1 = 0")
            params.extend(ruling_ids)
        if agency_ids is not None:
            where.append(f"a.id IN ({', '.join(['%s'] * len(agency_ids))})" if agency_ids else "1 = 0")
            params.extend(agency_ids)
        selects.append(
            "SELECT a.id AS agency_id, r.id AS ruling_id, "
            "CASE WHEN r.outcome = 'unlawful' THEN 'unlawful' ELSE 'advisory' END AS severity, "
            "CASE WHEN a.first_used IS NULL OR a.first_used <= r.decided_on "
            "THEN 'ruled_after_use' ELSE 'used_after_ruling' END AS timing, "
            f"{_explanation_sql(level)} AS explanation "
            "FROM rulings_ruling r JOIN rulings_regulator g ON g.id = r.regulator_id "
            f"{join} {extra_joins} WHERE {' AND '.join(where)}"
        )
    return "\nUNION ALL\n".join(selects), params


@dataclass(frozen=True)
class RuleAgency:
    id: int
    country: str | None
    subdivision: str | None
    first_used: datetime.date | None


@dataclass(frozen=True)
class RuleRuling:
    id: int
    jurisdiction: str
    decided_on: datetime.date
    outcome: str
    scope: str
    status: str
    agency_ids: frozenset[int]


def reference_wanted_flags(
    rulings: Iterable[RuleRuling], agencies: Iterable[RuleAgency], memberships: Iterable[MembershipSpan]
) -> dict[tuple[int, int], tuple[str, str]]:
    """The rule pair by pair, in plain Python: {(agency_id, ruling_id): (severity, timing)}."""
    memberships = list(memberships)
    agencies = list(agencies)
    wanted = {}
    for ruling in rulings:
        if ruling.status != "published" or ruling.outcome not in FLAGGING_OUTCOMES:
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
                wanted[(agency.id, ruling.id)] = (
                    severity_for(ruling.outcome),
                    timing_for(agency.first_used, ruling.decided_on),
                )
    return wanted
