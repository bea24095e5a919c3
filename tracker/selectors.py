"""Reads that need thought: querysets with their joins and prefetches, so no caller does N+1.

Who may see what is decided here too: drafts (and the flags of drafts) only for users who
may change rulings.
"""

from __future__ import annotations

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
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


def agencies_with_flags(*, user=None, flag_details: bool = True) -> QuerySet[Agency]:
    """Agencies carrying their active visible flags in ``active_flags``.

    A constant number of queries whatever the number of agencies. With ``flag_details``
    off (exports), the flags come without their rulings. Whether an agency is flagged is
    read from those flags (:func:`agency_is_flagged`), so listing costs no per-row subquery.
    """
    flags = active_flags_visible_to(user=user).order_by("-raised_at", "id")
    if flag_details:
        # The ruling's title is all that is shown of it: no ruling objects to build.
        flags = flags.annotate(ruling_title=F("ruling__title")).only(
            "id", "agency_id", "ruling_id", "severity", "timing", "explanation", "raised_at"
        )
    else:
        flags = flags.only("id", "agency_id", "ruling_id", "severity", "raised_at")
    return Agency.objects.prefetch_related(Prefetch("flags", queryset=flags, to_attr="active_flags"))


def agency_is_flagged(agency: Agency) -> bool:
    """An agency is flagged when it has an active flag of severity *unlawful*.

    Reads the ``active_flags`` that :func:`agencies_with_flags` prefetched.
    """
    return any(flag.severity == Flag.Severity.UNLAWFUL for flag in agency.active_flags)


def agency_flag_status_q(status: str, *, user=None) -> Q:
    """A ``Q`` on Agency for one flag status, counting only flags the user may see.

    ``flagged``: an active unlawful flag; ``advisory``: active advisory flags only;
    ``none``: no active flag at all.
    """
    active = active_flags_visible_to(user=user).filter(agency=OuterRef("pk"))
    unlawful = Exists(active.filter(severity=Flag.Severity.UNLAWFUL))
    if status == "flagged":
        return Q(unlawful)
    if status == "advisory":
        return ~Q(unlawful) & Q(Exists(active.filter(severity=Flag.Severity.ADVISORY)))
    if status == "none":
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

