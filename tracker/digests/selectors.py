"""Reads for digests: what each subscriber of a batch is owed, and what a digest shows.

Every function here issues a fixed number of queries per batch, whatever the number of
subscribers in it: filters are evaluated once per distinct country in the batch, in SQL,
and matched to subscribers in memory.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import BooleanField, ExpressionWrapper, Max, Prefetch, Q

from agencies.jurisdictions import countries_touched_q
from rulings.models import Proceeding, Ruling

from ..models import Digest, Flag, FlagDelivery, RulingDelivery, Subscription


def due_subscription_ids(*, frequency: str) -> Iterable[int]:
    """Ids of every active subscription of this frequency, in id order, streamed."""
    return Subscription.objects.due(frequency).order_by("id").values_list("id", flat=True).iterator(chunk_size=2000)


def _became_published_at(row: dict) -> datetime.datetime:
    """When the ruling last entered the published state (its first publication if no later one)."""
    moments = [moment for moment in (row["published_at"], row["status_changed_at"]) if moment is not None]
    return max(moments)


def rulings_owed(*, subscriptions: list[Subscription]) -> dict[int, list[int]]:
    """For each subscription, the rulings it should get now and has never been given.

    A ruling is owed when it is published now, became published after the subscription
    was confirmed, matches the subscription's country and regulator filters, and has no
    row in the delivery ledger for that subscription. ``subscriptions`` need their
    ``countries`` and ``regulators`` prefetched.
    """
    subscriptions = [s for s in subscriptions if s.kind == Subscription.Kind.RULINGS]
    if not subscriptions:
        return {}
    since = min(s.confirmed_at for s in subscriptions)
    codes = sorted({country.code for s in subscriptions for country in s.countries.all()})
    touches = {
        f"touches_{index}": ExpressionWrapper(
            countries_touched_q([code], code_field="regulator__jurisdiction", date_field="decided_on"),
            output_field=BooleanField(),
        )
        for index, code in enumerate(codes)
    }
    rows = list(
        Ruling.objects.filter(status=Ruling.Status.PUBLISHED)
        .filter(Q(published_at__gte=since) | Q(status_changed_at__gte=since))
        .annotate(**touches)
        .values("id", "regulator_id", "published_at", "status_changed_at", *touches)
    )
    if not rows:
        return {}
    countries_of = {
        row["id"]: {code for index, code in enumerate(codes) if row[f"touches_{index}"]} for row in rows
    }
    sent = set(
        RulingDelivery.objects.filter(
            subscription_id__in=[s.pk for s in subscriptions], ruling_id__in=[row["id"] for row in rows]
        ).values_list("subscription_id", "ruling_id")
    )
    owed: dict[int, list[int]] = {}
    for subscription in subscriptions:
        wanted_countries = {country.code for country in subscription.countries.all()}
        wanted_regulators = {regulator.pk for regulator in subscription.regulators.all()}
        ids = [
            row["id"]
            for row in rows
            if _became_published_at(row) >= subscription.confirmed_at
            and (not wanted_countries or countries_of[row["id"]] & wanted_countries)
            and (not wanted_regulators or row["regulator_id"] in wanted_regulators)
            and (subscription.pk, row["id"]) not in sent
        ]
        if ids:
            owed[subscription.pk] = ids
    return owed


@dataclass(frozen=True)
class FlagEvent:
    flag_id: int
    event: str
    event_at: datetime.datetime


def flag_events_owed(*, subscriptions: list[Subscription]) -> dict[int, list[FlagEvent]]:
    """For each staff subscription, the flag raises and clears since its confirmation not yet sent.

    A flag's current row tells when it was last raised and, if inactive, when it was
    cleared; each of those moments is one event, recorded once per subscription.
    """
    subscriptions = [s for s in subscriptions if s.kind == Subscription.Kind.FLAGS]
    if not subscriptions:
        return {}
    since = min(s.confirmed_at for s in subscriptions)
    rows = list(
        Flag.objects.filter(Q(raised_at__gte=since) | Q(cleared_at__gte=since)).values("id", "raised_at", "cleared_at")
    )
    if not rows:
        return {}
    sent = set(
        FlagDelivery.objects.filter(
            subscription_id__in=[s.pk for s in subscriptions], flag_id__in=[row["id"] for row in rows]
        ).values_list("subscription_id", "flag_id", "event", "event_at")
    )
    owed: dict[int, list[FlagEvent]] = {}
    for subscription in subscriptions:
        events = []
        for row in rows:
            candidates = [(FlagDelivery.Event.RAISED, row["raised_at"]), (FlagDelivery.Event.CLEARED, row["cleared_at"])]
            for event, moment in candidates:
                if moment is not None and moment >= subscription.confirmed_at:
                    if (subscription.pk, row["id"], event, moment) not in sent:
                        events.append(FlagEvent(row["id"], event, moment))
        if events:
            owed[subscription.pk] = events
    return owed


@dataclass
class DigestContent:
    """Everything one email shows, gathered for a whole batch at once."""

    digest: Digest
    subscription: Subscription
    since: datetime.datetime
    # True when no digest was sent to this subscription before.
    first: bool = False
    rulings: list[Ruling] = field(default_factory=list)
    flag_events: list[FlagDelivery] = field(default_factory=list)


def pending_digest_contents(*, subscription_ids: list[int]) -> list[DigestContent]:
    """The pending digests of these subscriptions with their rulings or flag events.

    Rulings come with their regulator, their published proceedings (for their standing
    today) and active flags (with agencies) as ``ruling.active_flags``; flag events with
    flag, agency, ruling and regulator.
    """
    digests = list(
        Digest.objects.filter(subscription_id__in=subscription_ids, status=Digest.Status.PENDING)
        .select_related("subscription")
        .prefetch_related("subscription__countries", "subscription__regulators")
        .order_by("id")
    )
    if not digests:
        return []
    digest_ids = [digest.pk for digest in digests]
    last_sent = dict(
        Digest.objects.filter(subscription_id__in=[d.subscription_id for d in digests], status=Digest.Status.SENT)
        .values("subscription_id")
        .annotate(last=Max("sent_at"))
        .values_list("subscription_id", "last")
    )
    ruling_ids_of: dict[int, list[int]] = defaultdict(list)
    for digest_id, ruling_id in RulingDelivery.objects.filter(digest_id__in=digest_ids).values_list("digest_id", "ruling_id"):
        ruling_ids_of[digest_id].append(ruling_id)
    all_ruling_ids = {ruling_id for ids in ruling_ids_of.values() for ruling_id in ids}
    rulings = {}
    if all_ruling_ids:
        rulings = Ruling.objects.select_related("regulator").prefetch_related(
            Prefetch(
                "flags",
                queryset=Flag.objects.active().select_related("agency").order_by("agency__name", "id"),
                to_attr="active_flags",
            ),
            Prefetch(
                "proceedings",
                queryset=Proceeding.objects.filter(status=Proceeding.Status.PUBLISHED).order_by("decided_on", "id"),
            ),
        ).in_bulk(all_ruling_ids)
    flag_events_of: dict[int, list[FlagDelivery]] = defaultdict(list)
    for delivery in (
        FlagDelivery.objects.filter(digest_id__in=digest_ids)
        .select_related("flag__agency", "flag__ruling__regulator")
        .order_by("event_at", "id")
    ):
        flag_events_of[delivery.digest_id].append(delivery)
    contents = []
    for digest in digests:
        subscription = digest.subscription
        digest_rulings = sorted(
            (rulings[ruling_id] for ruling_id in ruling_ids_of[digest.pk] if ruling_id in rulings),
            key=lambda ruling: (ruling.decided_on, ruling.pk),
            reverse=True,
        )
        contents.append(
            DigestContent(
                digest=digest,
                subscription=subscription,
                since=last_sent.get(subscription.pk) or subscription.confirmed_at or subscription.created_at,
                first=subscription.pk not in last_sent,
                rulings=digest_rulings,
                flag_events=flag_events_of[digest.pk],
            )
        )
    return contents
