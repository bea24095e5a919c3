"""Reads that need thought: querysets with their joins and prefetches, so no caller does N+1.

Who may see what is decided here too: drafts (and the flags of drafts) only for users who
may change rulings.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from agencies.models import Agency, Bloc, Country, Membership
from rulings.models import Proceeding, Ruling
from rulings.standing import Standing, standing_on

from .models import Flag
from .rules import RuleProceeding


def flags_visible_to(*, user) -> QuerySet[Flag]:
    """Every flag, active or cleared, the user may see, with its agency and ruling joined."""
    return Flag.objects.visible_to(user).select_related("agency", "ruling")


def active_flags_visible_to(*, user) -> QuerySet[Flag]:
    """The active flags the user may see (the ones that make an agency flagged or advisory)."""
    return Flag.objects.visible_to(user).filter(active=True)


@dataclass(frozen=True, slots=True)
class ActiveFlag:
    """An active flag as an agency listing shows it: a plain row, no model instance."""

    id: int
    agency_id: int
    ruling_id: int
    ruling_title: str
    severity: str
    timing: str
    explanation: str
    raised_at: datetime.datetime
    basis: str
    under_appeal: bool

    @property
    def pk(self) -> int:
        return self.id


def agencies_attach_active_flags(agencies: list[Agency], *, user=None) -> list[Agency]:
    """Give each agency its active visible flags, newest first, in ``active_flags``.

    One query for any number of agencies, read as plain rows: a page of agencies embeds
    hundreds of flags, and building model instances for them would cost more than the rest.
    """
    rows = (
        active_flags_visible_to(user=user)
        .filter(agency_id__in=[agency.pk for agency in agencies])
        .order_by("-raised_at", "id")
        .values_list(
            "id", "agency_id", "ruling_id", "ruling__title", "severity", "timing", "explanation", "raised_at",
            "basis", "under_appeal",
        )
    )
    by_agency = defaultdict(list)
    for row in rows:
        by_agency[row[1]].append(ActiveFlag(*row))
    for agency in agencies:
        agency.active_flags = by_agency[agency.pk]
    return agencies


def agencies_search(agencies: QuerySet[Agency], search: str) -> QuerySet[Agency]:
    """The agencies whose name or one of whose aliases contains ``search``, in any case.

    Aliases are a JSON list; its text is searched, with the term written as the database
    writes strings inside JSON (SQLite escapes what is not ASCII, PostgreSQL does not), so
    "RCMP" finds the Royal Canadian Mounted Police on either.
    """
    encoded = json.dumps(search, ensure_ascii=connection.vendor != "postgresql")[1:-1]
    return agencies.annotate(aliases_text=Cast("aliases", TextField())).filter(
        Q(name__icontains=search) | Q(aliases_text__icontains=encoded)
    )


def agencies_for_export(*, user=None) -> QuerySet[Agency]:
    """Agencies with their active visible flags prefetched (ruling ids only), for a
    streamed export that reads them chunk by chunk."""
    flags = (
        active_flags_visible_to(user=user)
        .order_by("-raised_at", "id")
        .only("id", "agency_id", "ruling_id", "severity", "raised_at")
    )
    return Agency.objects.prefetch_related(Prefetch("flags", queryset=flags, to_attr="active_flags"))


class AgencyStatus:
    """An agency's standing, as the public pages and the API's ``status`` filter name it."""

    FLAGGED = "flagged"  # at least one active flag of severity unlawful
    ADVISORY = "advisory"  # active advisory flags only
    NONE = "none"  # no active flag

    choices = [
        (FLAGGED, "Flagged: ruled unlawful"),
        (ADVISORY, "Advisory: ruled likely unlawful"),
        (NONE, "No ruling yet"),
    ]


def agency_flag_status(active_flags) -> str:
    """An agency's :class:`AgencyStatus`, from its active flags (already loaded)."""
    severities = {flag.severity for flag in active_flags}
    if Flag.Severity.UNLAWFUL in severities:
        return AgencyStatus.FLAGGED
    if severities:
        return AgencyStatus.ADVISORY
    return AgencyStatus.NONE


def agency_is_flagged(agency: Agency) -> bool:
    """An agency is flagged when it has an active flag of severity *unlawful*.

    Reads the ``active_flags`` given by :func:`agencies_attach_active_flags` or
    :func:`agencies_for_export`.
    """
    return agency_flag_status(agency.active_flags) == AgencyStatus.FLAGGED


def agency_flag_status_q(status: str, *, user=None) -> Q:
    """A ``Q`` on Agency for one flag status, counting only flags the user may see.

    ``flagged``: an active unlawful flag; ``advisory``: active advisory flags only;
    ``none``: no active flag at all.
    """
    active = active_flags_visible_to(user=user).filter(agency=OuterRef("pk"))
    unlawful = Exists(active.filter(severity=Flag.Severity.UNLAWFUL))
    if status == AgencyStatus.FLAGGED:
        return Q(unlawful)
    if status == AgencyStatus.ADVISORY:
        return ~Q(unlawful) & Q(Exists(active.filter(severity=Flag.Severity.ADVISORY)))
    if status == AgencyStatus.NONE:
        return ~Q(Exists(active))
    raise ValueError(f"Unknown flag status {status!r}")


def agencies_filter_by_flag_status(queryset: QuerySet[Agency], status: str, *, user=None) -> QuerySet[Agency]:
    """Narrow agencies to one flag status (see :func:`agency_flag_status_q`)."""
    return queryset.filter(agency_flag_status_q(status, user=user))


def _count_per_country(queryset: QuerySet[Agency]) -> Coalesce:
    counted = queryset.filter(country=OuterRef("pk")).order_by().values("country").annotate(total=Count("pk"))
    return Coalesce(Subquery(counted.values("total"), output_field=IntegerField()), Value(0))


def countries_with_counts(*, user=None) -> QuerySet[Country]:
    """Countries with ``agency_count`` and ``flagged_agency_count`` (agencies under an
    active unlawful flag the user may see), counted in the same query."""
    flagged = Agency.objects.filter(
        Exists(active_flags_visible_to(user=user).filter(agency=OuterRef("pk"), severity=Flag.Severity.UNLAWFUL))
    )
    return Country.objects.annotate(
        agency_count=_count_per_country(Agency.objects.all()),
        flagged_agency_count=_count_per_country(flagged),
    )


def blocs_with_memberships() -> QuerySet[Bloc]:
    """Blocs with their memberships (accession and exit dates), oldest first."""
    return Bloc.objects.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.order_by("joined", "country_id"))
    )


def proceedings_visible_to(*, user) -> QuerySet[Proceeding]:
    """Proceedings the user may see, oldest first (by decision date, then id): drafts, and
    every proceeding of a draft ruling, only for those who may change rulings."""
    return Proceeding.objects.visible_to(user).order_by("decided_on", "id")


def _rulings_with_details(rulings: QuerySet[Ruling], *, user) -> QuerySet[Ruling]:
    return rulings.select_related("regulator").prefetch_related(
        Prefetch("agencies", queryset=Agency.objects.only("id").order_by("id")),
        # Into ``proceedings`` itself, not a to_attr: Ruling.standing_on reads that cache.
        # Every published proceeding of a visible ruling is visible, so the standing
        # computed from these rows is everyone's.
        Prefetch("proceedings", queryset=proceedings_visible_to(user=user)),
    )


def rulings_visible_to(*, user) -> QuerySet[Ruling]:
    """Rulings the user may see (drafts only for those who may change rulings), with the
    regulator joined, the ids of the listed agencies and the proceedings the user may see
    prefetched — so that a page of rulings shows each one's standing and proceedings in
    the same few queries, whatever its size."""
    return _rulings_with_details(Ruling.objects.visible_to(user), user=user)


def ruling_as_written(*, pk: int, user) -> Ruling:
    """A ruling that ``user`` has just written, with what :func:`rulings_visible_to` joins
    and prefetches — found even when it is a draft that this user may not otherwise see
    (the answer to a write shows what was written)."""
    return _rulings_with_details(Ruling.objects.filter(pk=pk), user=user).get()


def ruling_ids_visible_to(*, user) -> QuerySet[Ruling]:
    """The rulings a user may refer to in a filter (no joins: for validating an id)."""
    return Ruling.objects.visible_to(user)


def rulings_standing_by_id(rulings: QuerySet[Ruling], *, day: datetime.date | None = None) -> dict[int, str]:
    """The standing on ``day`` (today by default) of the published rulings of ``rulings``
    that something has happened to; a published ruling left out of the answer has no
    published proceeding decided by ``day`` and is in force.

    One query, however many rulings: their published proceedings decided by ``day``. The
    standing is computed by :func:`rulings.standing.standing_on`, the one statement of the
    rule.
    """
    day = day or timezone.localdate()
    rows = (
        Proceeding.objects.filter(
            ruling__in=rulings.filter(status=Ruling.Status.PUBLISHED).prefetch_related(None).order_by().values("pk"),
            status=Proceeding.Status.PUBLISHED,
            decided_on__lte=day,
        )
        .order_by()
        .values_list("ruling_id", "id", "decided_on", "effect", "status")
    )
    steps = defaultdict(list)
    for ruling_id, *step in rows:
        steps[ruling_id].append(RuleProceeding(*step))
    return {
        pk: standing_on(status=Ruling.Status.PUBLISHED, proceedings=proceedings, day=day).standing
        for pk, proceedings in steps.items()
    }


def rulings_filter_by_standing(rulings: QuerySet[Ruling], standing: str, *, day: datetime.date | None = None) -> QuerySet[Ruling]:
    """Narrow ``rulings`` to those whose standing on ``day`` (today by default) is ``standing``.

    ``draft`` and ``withdrawn`` follow the status; the others are computed in Python from
    the rulings' proceedings (see :func:`rulings_standing_by_id`), so the filter is the
    rule itself, not a second statement of it.
    """
    if standing == Standing.DRAFT:
        return rulings.filter(status=Ruling.Status.DRAFT)
    if standing == Standing.WITHDRAWN:
        return rulings.filter(status=Ruling.Status.WITHDRAWN)
    published = rulings.filter(status=Ruling.Status.PUBLISHED)
    standings = rulings_standing_by_id(published, day=day)
    if standing == Standing.IN_FORCE:
        return published.exclude(pk__in=[pk for pk, value in standings.items() if value != Standing.IN_FORCE])
    return published.filter(pk__in=[pk for pk, value in standings.items() if value == standing])
