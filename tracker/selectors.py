"""Reads that need thought: querysets with their joins and prefetches, so no caller does N+1.

Who may see what is decided here too: drafts (and the flags of drafts) only for users who
may change rulings.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from agencies.models import Agency, Bloc, Country, Membership
from rulings.models import Ruling

from .models import Flag


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
        .values_list("id", "agency_id", "ruling_id", "ruling__title", "severity", "timing", "explanation", "raised_at")
    )
    by_agency = defaultdict(list)
    for row in rows:
        by_agency[row[1]].append(ActiveFlag(*row))
    for agency in agencies:
        agency.active_flags = by_agency[agency.pk]
    return agencies


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


def rulings_visible_to(*, user) -> QuerySet[Ruling]:
    """Rulings the user may see (drafts only for those who may change rulings), with the
    regulator joined and the ids of the listed agencies prefetched."""
    return (
        Ruling.objects.visible_to(user)
        .select_related("regulator")
        .prefetch_related(Prefetch("agencies", queryset=Agency.objects.only("id").order_by("id")))
    )


def ruling_ids_visible_to(*, user) -> QuerySet[Ruling]:
    """The rulings a user may refer to in a filter (no joins: for validating an id)."""
    return Ruling.objects.visible_to(user)

