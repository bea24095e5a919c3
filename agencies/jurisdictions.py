"""What a jurisdiction code means and which agencies it covers on a date.

This module is the one place that knows it. A code's shape gives its level:

* ``CA`` - national: an ISO 3166-1 alpha-2 country code;
* ``DE-HH`` - subnational: an ISO 3166-2 subdivision code;
* ``EU`` - supranational: the code of a :class:`~agencies.models.Bloc`, which is never an
  assigned country code.

Coverage on date ``D``: national ``C`` covers agencies in country ``C``; subnational
``C-S`` covers agencies whose subdivision is exactly ``C-S``; supranational ``B`` covers
agencies whose country was a member of ``B`` on ``D`` (``joined <= D`` and ``left`` null
or ``D <= left``: an exit date is the last day of membership).

It is written three ways that must agree, and the tests hold them to it: a plain Python
predicate (:func:`covers`, for validation and as the reference), a ``Q`` builder
(:func:`covered_agencies_q`, for querysets) and SQL join conditions
(:func:`coverage_sql`, for the set-based flag computation).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q

from .iso import is_assigned_country_code, iso_country_name, subdivision_record
from .models import Bloc, Membership


class Level(models.TextChoices):
    NATIONAL = "national", "national"
    SUBNATIONAL = "subnational", "subnational"
    SUPRANATIONAL = "supranational", "supranational"


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    level: Level
    # The country of a national or subnational jurisdiction; None for a bloc.
    country_code: str | None
    name: str


def parse_jurisdiction(code: str) -> Jurisdiction:
    """The jurisdiction a code names, or ValidationError saying why the code is unknown."""
    if not isinstance(code, str) or not code:
        raise ValidationError("A jurisdiction code is required.", code="required")
    if code != code.strip().upper():
        raise ValidationError(f"“{code}” must be written in capitals, e.g. “CA”, “DE-HH”, “EU”.", code="invalid")
    if "-" in code:
        record = subdivision_record(code)
        if record is None or record.code != code:
            raise ValidationError(f"“{code}” is not an ISO 3166-2 subdivision code.", code="unknown_jurisdiction")
        return Jurisdiction(code, Level.SUBNATIONAL, record.country_code, record.name)
    name = iso_country_name(code)
    if name is not None:
        return Jurisdiction(code, Level.NATIONAL, code, name)
    bloc = Bloc.objects.filter(code=code).only("name").first()
    if bloc is None:
        raise ValidationError(
            f"“{code}” is neither an ISO 3166-1 country, an ISO 3166-2 subdivision nor a known bloc.",
            code="unknown_jurisdiction",
        )
    return Jurisdiction(code, Level.SUPRANATIONAL, None, bloc.name)


def level_of(code: str) -> Level:
    """The level of a code already known to be valid, without touching the database."""
    if "-" in code:
        return Level.SUBNATIONAL
    if is_assigned_country_code(code):
        return Level.NATIONAL
    return Level.SUPRANATIONAL


@dataclass(frozen=True)
class MembershipSpan:
    bloc: str
    country: str
    joined: datetime.date
    left: datetime.date | None

    def holds_on(self, day: datetime.date) -> bool:
        return self.joined <= day and (self.left is None or day <= self.left)


def covers(
    code: str,
    *,
    country: str | None,
    subdivision: str | None,
    on_date: datetime.date,
    memberships: list[MembershipSpan] | tuple = (),
) -> bool:
    """Whether jurisdiction ``code`` covers an agency in ``country``/``subdivision`` on a date.

    ``memberships`` are the bloc membership spans to consult for a supranational code.
    """
    level = level_of(code)
    if level is Level.NATIONAL:
        return country is not None and country == code
    if level is Level.SUBNATIONAL:
        return subdivision is not None and subdivision == code
    return country is not None and any(
        span.bloc == code and span.country == country and span.holds_on(on_date) for span in memberships
    )


def bloc_members_on(bloc_code: str, on_date: datetime.date) -> set[str]:
    """Codes of the countries that belonged to the bloc on that date."""
    return set(Membership.objects.active_on(on_date).filter(bloc_id=bloc_code).values_list("country_id", flat=True))


def covered_agencies_q(code: str, on_date: datetime.date, *, prefix: str = "") -> Q:
    """A ``Q`` on Agency (or on a model reaching it through ``prefix``) for coverage."""
    level = level_of(code)
    if level is Level.NATIONAL:
        return Q(**{f"{prefix}country_id": code})
    if level is Level.SUBNATIONAL:
        return Q(**{f"{prefix}subdivision": code})
    return Q(
        Exists(
            Membership.objects.active_on(on_date).filter(bloc_id=code, country_id=OuterRef(f"{prefix}country_id"))
        )
    )


def countries_touched_q(countries, *, code_field: str, date_field: str) -> Q:
    """A ``Q`` matching rows whose jurisdiction lies in or covers one of ``countries``.

    True for a national code in the list, a subdivision of one of them, or a bloc one of
    them belonged to on the row's date. ``code_field`` and ``date_field`` name the row's
    jurisdiction code and date (e.g. ``regulator__jurisdiction`` and ``decided_on``).
    """
    countries = list(countries)
    members = Membership.objects.active_on(OuterRef(date_field)).filter(bloc_id=OuterRef(code_field), country_id__in=countries)
    return within_countries_q(countries, code_field=code_field) | Q(Exists(members))


def within_countries_q(countries, *, code_field: str) -> Q:
    """A ``Q`` matching rows whose jurisdiction is one of ``countries`` or a subdivision of one."""
    q = Q(**{f"{code_field}__in": list(countries)})
    for country in countries:
        q |= Q(**{f"{code_field}__startswith": f"{country}-"})
    return q


def coverage_sql(*, code: str, on_date: str, agency: str = "a", membership: str = "m") -> dict[Level, str]:
    """SQL JOIN clauses that bring in the agencies a jurisdiction covers, one per level.

    ``code`` and ``on_date`` are SQL expressions for the jurisdiction code and the date;
    ``agency`` (and ``membership``, for blocs) are the aliases the clauses introduce. The
    levels never overlap (a code matches only its own level's clause), so one SELECT per
    level can be combined with UNION ALL. Works on PostgreSQL and SQLite alike.
    """
    return {
        Level.NATIONAL: f"JOIN agencies_agency {agency} ON {agency}.country_id = {code}",
        Level.SUBNATIONAL: f"JOIN agencies_agency {agency} ON {agency}.subdivision = {code}",
        Level.SUPRANATIONAL: (
            f"JOIN agencies_membership {membership} ON {membership}.bloc_id = {code}"
            f" AND {membership}.joined <= {on_date}"
            f' AND ({membership}."left" IS NULL OR {on_date} <= {membership}."left")'
            f" JOIN agencies_agency {agency} ON {agency}.country_id = {membership}.country_id"
        ),
    }


# Countries whose names take the definite article in running text ("in the Netherlands").
COUNTRIES_WITH_ARTICLE = frozenset(
    {"AE", "BS", "CD", "CF", "CG", "CK", "DO", "FK", "FO", "GB", "GM", "KM", "KY", "MH", "MP", "MV",
     "NL", "PH", "SB", "SC", "TC", "UM", "US", "VA", "VG", "VI"}
)  # fmt: skip


def country_in_sentence(code: str, name: str) -> str:
    """A country's name as a sentence uses it: "the United Kingdom", "France"."""
    return f"the {name}" if code in COUNTRIES_WITH_ARTICLE and not name.lower().startswith("the ") else name


def bloc_in_sentence(name: str) -> str:
    """A bloc's name as a sentence uses it: "the European Union"."""
    return name if name.lower().startswith("the ") else f"the {name}"


def country_in_sentence_sql(code: str, name: str) -> str:
    """SQL for :func:`country_in_sentence` of the columns ``code`` and ``name`` (PostgreSQL and SQLite)."""
    codes = ", ".join(f"'{code}'" for code in sorted(COUNTRIES_WITH_ARTICLE))
    return f"(CASE WHEN {code} IN ({codes}) THEN 'the ' || {name} ELSE {name} END)"


def place_in_sentence(code: str, *, bloc_name: str | None = None) -> str:
    """Where a jurisdiction is, as a sentence says it: "Canada", "the United Kingdom",
    "Hamburg, Germany", "the European Union" (a bloc by ``bloc_name``; its code without).

    Reads no database: ISO names come from pycountry, a bloc's name from the caller.
    """
    level = level_of(code)
    if level is Level.SUPRANATIONAL:
        return bloc_in_sentence(bloc_name) if bloc_name else code
    if level is Level.SUBNATIONAL:
        country_code = code.split("-", 1)[0]
        record = subdivision_record(code)
        country = country_in_sentence(country_code, iso_country_name(country_code) or country_code)
        return f"{record.name}, {country}" if record else code
    return country_in_sentence(code, iso_country_name(code) or code)

