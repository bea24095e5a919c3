"""Reads behind the public pages.

Every function returns what one page needs in a fixed number of queries, however many
rows it shows: related rows come through ``select_related``/``Prefetch``, and the status
of an agency (flagged, advisory, no ruling yet) through ``Exists`` subqueries.

The public never sees a draft ruling, a draft proceeding, nor a flag that refers to a
draft ruling.
"""

from __future__ import annotations

import datetime
import hashlib

from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from agencies.jurisdictions import MembershipSpan, countries_touched_q, covers, within_countries_q
from agencies.models import Agency, Bloc, Country, Membership
from rulings.models import Proceeding, Regulator, Ruling
from tracker.models import Flag
from tracker.selectors import (
    AgencyStatus,
    agencies_search,
    agency_flag_status_q,
    proceedings_visible_to,
    rulings_filter_by_standing,
)
from tracker.selectors import agency_flag_status as status_of  # noqa: F401  (the pages' name for it)


# Sort keys offered on the agency table, each with the ORDER BY it stands for. Missing
# values (no search count, no date) always go last, whichever the direction.
AGENCY_ORDERINGS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "country": ("country__name", "name", "id"),
    "-country": (F("country__name").desc(nulls_last=True), "name", "id"),
    "subdivision": (F("subdivision").asc(nulls_last=True), "name", "id"),
    "-subdivision": (F("subdivision").desc(nulls_last=True), "name", "id"),
    "kind": ("kind", "name", "id"),
    "-kind": ("-kind", "name", "id"),
    "searches": (F("searches").asc(nulls_last=True), "name", "id"),
    "-searches": (F("searches").desc(nulls_last=True), "name", "id"),
    "first_used": (F("first_used").asc(nulls_last=True), "name", "id"),
    "-first_used": (F("first_used").desc(nulls_last=True), "name", "id"),
    "last_used": (F("last_used").asc(nulls_last=True), "name", "id"),
    "-last_used": (F("last_used").desc(nulls_last=True), "name", "id"),
    "status": ("status_rank", "name", "id"),
    "-status": ("-status_rank", "name", "id"),
}
DEFAULT_AGENCY_ORDERING = "name"


def public_flags() -> QuerySet[Flag]:
    """Flags the public may see: every flag but those of draft rulings."""
    return Flag.objects.visible_to(None)


def public_active_flags() -> QuerySet[Flag]:
    """Active flags of rulings that are not drafts."""
    return public_flags().filter(active=True)


def _has_active_flag(severity: str) -> Exists:
    return Exists(public_active_flags().filter(agency=OuterRef("pk"), severity=severity))


def public_proceedings() -> QuerySet[Proceeding]:
    """Published proceedings, oldest first: what a ruling's standing is computed from.

    Used to prefetch the proceedings of rulings already known to be public, so it needs no
    join on the ruling's status.
    """
    return Proceeding.objects.filter(status=Proceeding.Status.PUBLISHED).order_by("decided_on", "id")


def _proceedings_prefetch(lookup: str = "proceedings") -> Prefetch:
    return Prefetch(lookup, queryset=public_proceedings())


def _active_flags_prefetch(to_attr: str = "active_flags") -> Prefetch:
    # Unlawful before advisory, then the most recent ruling first.
    flags = public_active_flags().select_related("ruling__regulator").order_by("-severity", "-ruling__decided_on", "id")
    return Prefetch("flags", queryset=flags, to_attr=to_attr)


def site_agency_table(
    *,
    country: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    search: str | None = None,
    ordering: str | None = None,
) -> QuerySet[Agency]:
    """The agencies of the public table, filtered and sorted.

    ``search`` matches names and aliases. Each agency comes with its country and
    ``active_flags`` (active flags of non-draft rulings, unlawful first, each with its
    ruling and regulator), so a page of any size costs the same two queries.
    """
    agencies = Agency.objects.select_related("country").prefetch_related(_active_flags_prefetch())
    if country:
        agencies = agencies.filter(country_id=country)
    if kind:
        agencies = agencies.filter(kind=kind)
    if status:
        agencies = agencies.filter(agency_flag_status_q(status))
    if search:
        agencies = agencies_search(agencies, search)
    ordering = ordering if ordering in AGENCY_ORDERINGS else DEFAULT_AGENCY_ORDERING
    if ordering.lstrip("-") == "status":
        agencies = agencies.annotate(
            status_rank=Case(
                When(Q(_has_active_flag(Flag.Severity.UNLAWFUL)), then=Value(2)),
                When(Q(_has_active_flag(Flag.Severity.ADVISORY)), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    return agencies.order_by(*AGENCY_ORDERINGS[ordering])


# Seconds a flagged count may be served from the cache while the data stays unchanged.
FLAGGED_COUNT_CACHE_SECONDS = 60


def site_flagged_count(agencies: QuerySet[Agency], *, status: str | None, total: int) -> int:
    """How many of ``agencies`` (a table queryset) are flagged; a query only when needed.

    Counting flagged agencies among a hundred thousand costs more than the rest of the
    page, so the count is cached under the data's last-update time and the filters: any
    edit or recompute gives it a new key, and it lives at most a minute in any case.
    """
    if status == AgencyStatus.FLAGGED:
        return total
    if status in (AgencyStatus.ADVISORY, AgencyStatus.NONE) or total == 0:
        return 0
    flagged = agencies.filter(agency_flag_status_q(AgencyStatus.FLAGGED)).order_by()
    last_updated = site_data_last_updated()
    sql, params = flagged.values("pk").query.sql_with_params()
    key = "site-flagged-count:" + hashlib.sha256(repr((sql, params, last_updated, total)).encode()).hexdigest()
    return cache.get_or_set(key, flagged.count, FLAGGED_COUNT_CACHE_SECONDS)


def site_country_filter_choices() -> list[tuple[str, str]]:
    """``(code, name)`` of every country with at least one agency, by name."""
    with_agencies = Exists(Agency.objects.filter(country=OuterRef("pk")))
    return list(Country.objects.filter(with_agencies).order_by("name").values_list("code", "name"))


def site_agency_detail(*, pk: int) -> Agency:
    """One agency with its country and ``public_flags``: active ones first, then cleared,
    each with its ruling, regulator and the ruling's published proceedings (its standing).

    Raises ``Agency.DoesNotExist``.
    """
    flags = (
        public_flags()
        .select_related("ruling__regulator")
        .prefetch_related(_proceedings_prefetch("ruling__proceedings"))
        .order_by("-active", "-severity", "-ruling__decided_on", "id")
    )
    return (
        Agency.objects.select_related("country")
        .prefetch_related(Prefetch("flags", queryset=flags, to_attr="public_flags"))
        .get(pk=pk)
    )


def site_rulings_covering_agency(*, agency: Agency) -> list[Ruling]:
    """Public rulings whose regulator's jurisdiction covers the agency on the ruling's date.

    National rulings of its country, rulings for its exact subdivision, and rulings of a
    bloc its country belonged to on the day of the ruling; newest first, each with its
    published proceedings. An international organisation answers to no jurisdiction, so
    none covers it.
    """
    if agency.country_id is None:
        return []
    candidates = (
        Ruling.objects.public()
        .filter(countries_touched_q([agency.country_id], code_field="regulator__jurisdiction", date_field="decided_on"))
        .select_related("regulator")
        .prefetch_related(_proceedings_prefetch())
        .order_by("-decided_on", "-id")
    )
    candidates = list(candidates)
    if not candidates:
        return []
    memberships = [
        MembershipSpan(bloc=m.bloc_id, country=m.country_id, joined=m.joined, left=m.left)
        for m in Membership.objects.filter(country_id=agency.country_id)
    ]
    return [
        ruling
        for ruling in candidates
        if covers(
            ruling.regulator.jurisdiction,
            country=agency.country_id,
            subdivision=agency.subdivision,
            on_date=ruling.decided_on,
            memberships=memberships,
        )
    ]


COUNTRY_PAGE_AGENCY_LIMIT = 100


def site_country_agencies(*, country: Country) -> tuple[list[Agency], int, int]:
    """The first agencies of a country by name (at most ``COUNTRY_PAGE_AGENCY_LIMIT``),
    with their active flags, and how many agencies and flagged agencies it has in all."""
    agencies = site_agency_table(country=country.code)
    shown = list(agencies[:COUNTRY_PAGE_AGENCY_LIMIT])
    counts = Agency.objects.filter(country=country).aggregate(
        total=Count("pk"),
        flagged=Count("pk", filter=agency_flag_status_q(AgencyStatus.FLAGGED)),
    )
    return shown, counts["total"], counts["flagged"]


def site_country_regulators(*, country: Country) -> list[Regulator]:
    """Regulators of the country itself and of its subdivisions, national ones first."""
    regulators = Regulator.objects.filter(within_countries_q([country.code], code_field="jurisdiction"))
    return sorted(regulators, key=lambda regulator: (regulator.jurisdiction != country.code, regulator.jurisdiction, regulator.name))


def site_country_memberships(*, country: Country) -> list[Membership]:
    """The bloc memberships of a country, past and present, in order of accession."""
    return list(Membership.objects.filter(country=country).select_related("bloc").order_by("joined", "bloc_id"))


def site_country_rulings(*, country: Country) -> list[Ruling]:
    """Public rulings whose jurisdiction lies in or covers the country, newest first.

    National rulings, rulings for any of its subdivisions, and rulings of blocs it belonged
    to on the ruling's date; each with its published proceedings.
    """
    return list(
        Ruling.objects.public()
        .filter(countries_touched_q([country.code], code_field="regulator__jurisdiction", date_field="decided_on"))
        .select_related("regulator")
        .prefetch_related(_proceedings_prefetch())
        .annotate(active_flag_count=_active_flag_count())
        .order_by("-decided_on", "-id")
    )


def site_country_index() -> list[dict]:
    """Every country with agencies: code, name, how many agencies and how many flagged."""
    totals = dict(
        Agency.objects.filter(country__isnull=False).order_by().values_list("country_id").annotate(n=Count("pk"))
    )
    flagged = dict(
        Agency.objects.filter(country__isnull=False)
        .filter(agency_flag_status_q(AgencyStatus.FLAGGED))
        .order_by()
        .values_list("country_id")
        .annotate(n=Count("pk"))
    )
    names = dict(Country.objects.filter(code__in=totals).values_list("code", "name"))
    rows = [
        {"code": code, "name": names[code], "agency_count": count, "flagged_count": flagged.get(code, 0)}
        for code, count in totals.items()
    ]
    return sorted(rows, key=lambda row: row["name"])


def site_international_agency_count() -> int:
    """How many agencies answer to no country (international organisations)."""
    return Agency.objects.filter(country__isnull=True).count()


def _active_flag_count() -> Coalesce:
    # A correlated subquery rather than a JOIN + GROUP BY: it is evaluated for the rows
    # shown only, not for every ruling before the page is cut.
    counts = (
        Flag.objects.filter(ruling=OuterRef("pk"), active=True)
        .order_by()
        .values("ruling")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def site_ruling_list(
    *,
    standing: str | None = None,
    outcome: str | None = None,
    country: str | None = None,
    regulator: int | None = None,
    search: str | None = None,
) -> QuerySet[Ruling]:
    """Every ruling but drafts, newest decision first, filtered; each with its regulator,
    its published proceedings (for its standing) and the number of agencies it flags now.

    ``country``: the regulator's jurisdiction lies in or covers it (a bloc it belonged to
    on the ruling's date); ``search``: the title, the case reference, the ECLI or the
    regulator's names.
    """
    rulings = (
        Ruling.objects.public()
        .select_related("regulator")
        .prefetch_related(_proceedings_prefetch())
        .annotate(active_flag_count=_active_flag_count())
        .order_by("-decided_on", "-id")
    )
    if outcome:
        rulings = rulings.filter(outcome=outcome)
    if country:
        rulings = rulings.filter(countries_touched_q([country], code_field="regulator__jurisdiction", date_field="decided_on"))
    if regulator:
        rulings = rulings.filter(regulator_id=regulator)
    if search:
        rulings = rulings.filter(
            Q(title__icontains=search)
            | Q(case_reference__icontains=search)
            | Q(ecli__icontains=search)
            | Q(regulator__name__icontains=search)
            | Q(regulator__short_name__icontains=search)
        )
    if standing:
        # The standing is computed by the rule itself (one query over the proceedings),
        # never restated in SQL.
        rulings = rulings_filter_by_standing(rulings, standing)
    return rulings


def site_ruling_regulator_choices() -> list[tuple[int, str]]:
    """``(id, name)`` of every regulator with a public ruling, by name."""
    with_rulings = Exists(Ruling.objects.public().filter(regulator=OuterRef("pk")))
    return list(Regulator.objects.filter(with_rulings).order_by("name", "id").values_list("id", "name"))


def site_ruling_detail(*, pk: int, user=None) -> Ruling:
    """One ruling with its regulator, listed agencies and proceedings, if ``user`` may see it.

    Drafts exist only for those who may change rulings; for anyone else this raises
    ``Ruling.DoesNotExist`` as for an unknown id. The proceedings, oldest first, are those
    the user may see (drafts too for those who may change rulings); the standing counts
    published ones only.
    """
    listed = Agency.objects.select_related("country").order_by("name", "id")
    return (
        Ruling.objects.visible_to(user)
        .select_related("regulator")
        .prefetch_related(
            Prefetch("agencies", queryset=listed, to_attr="listed_agencies"),
            Prefetch("proceedings", queryset=proceedings_visible_to(user=user)),
        )
        .get(pk=pk)
    )


def site_ruling_flags(*, ruling: Ruling) -> QuerySet[Flag]:
    """The agencies a ruling flags now: its active flags with agency and country, by name."""
    return (
        Flag.objects.filter(ruling=ruling, active=True)
        .select_related("agency__country")
        .order_by("agency__name", "agency_id")
    )


def site_ruling_cleared_flag_count(*, ruling: Ruling) -> int:
    """How many agencies the ruling flagged once and flags no longer."""
    return Flag.objects.filter(ruling=ruling, active=False).count()


FEED_LENGTH = 50


def _feed_updated_at() -> Greatest:
    # A ruling's entry changes with its status and whenever a proceeding is published on
    # it (its standing may have changed). published_at is never null for a public ruling,
    # and Coalesce keeps GREATEST from returning NULL on SQLite.
    latest_proceeding = Subquery(
        public_proceedings().filter(ruling=OuterRef("pk")).order_by("-published_at").values("published_at")[:1]
    )
    return Greatest(
        Coalesce(F("status_changed_at"), F("published_at")),
        Coalesce(latest_proceeding, F("published_at")),
        output_field=DateTimeField(),
    )


def site_feed_rulings() -> list[Ruling]:
    """The rulings of the Atom feed: public ones, the latest change first (of status, or a
    proceeding published), each with ``feed_updated_at``, its regulator and its published
    proceedings."""
    return list(
        Ruling.objects.public()
        .select_related("regulator")
        .prefetch_related(_proceedings_prefetch())
        .annotate(feed_updated_at=_feed_updated_at())
        .order_by(F("feed_updated_at").desc(nulls_last=True), "-id")[:FEED_LENGTH]
    )


def site_feed_proceedings() -> list[Proceeding]:
    """The proceedings of the Atom feed: published ones of public rulings, the latest
    change first (an entry's update time), each with its ruling, regulator and the ruling's
    published proceedings."""
    return list(
        Proceeding.objects.public()
        .select_related("ruling__regulator")
        .prefetch_related(_proceedings_prefetch("ruling__proceedings"))
        .order_by("-updated_at", "-id")[:FEED_LENGTH]
    )


def site_bloc_names() -> dict[str, str]:
    """Bloc code to name, to spell out supranational jurisdictions."""
    return dict(Bloc.objects.values_list("code", "name"))


def site_data_last_updated() -> datetime.datetime | None:
    """When a public record last changed, in one query; None with no data at all.

    The latest of the records' own change times: agencies; public rulings and published
    proceedings (edits, and for a ruling ever published any change of status — unpublishing
    one changes what the public sees); regulators, countries' notes and bloc memberships
    (their history, as they keep no change time of their own); and public flags (written by
    a recompute only when they change). Nothing that leaves these records untouched — a
    seed load that finds everything as it should be, a recompute that keeps every flag —
    moves it; an edit of a draft does not either.
    """

    def latest(queryset, field: str = "updated_at"):
        # Plain DESC over non-null values, so that PostgreSQL reads the newest row from the
        # field's index instead of sorting the table (NULLS LAST would not match the index).
        return Subquery(queryset.filter(**{f"{field}__isnull": False}).order_by(f"-{field}").values(field)[:1])

    row = (
        Country.objects.order_by()
        .annotate(
            latest_agency=latest(Agency.objects.all()),
            latest_ruling=latest(Ruling.objects.public()),
            latest_ruling_status=latest(Ruling.objects.filter(published_at__isnull=False), "status_changed_at"),
            latest_proceeding=latest(Proceeding.objects.public()),
            latest_regulator=latest(Regulator.history.all(), "history_date"),
            latest_country=latest(Country.history.all(), "history_date"),
            latest_membership=latest(Membership.history.all(), "history_date"),
            latest_flag=latest(public_flags()),
        )
        .values(
            "latest_agency",
            "latest_ruling",
            "latest_ruling_status",
            "latest_proceeding",
            "latest_regulator",
            "latest_country",
            "latest_membership",
            "latest_flag",
        )
        .first()
    )
    if row is None:
        return None
    moments = [moment for moment in row.values() if moment is not None]
    return max(moments) if moments else None
