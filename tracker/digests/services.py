"""Writes for digests: subscribing, confirming, unsubscribing, building and sending.

Exactly-once delivery rests on three things, none of them timing:

1. **The ledger.** Building a digest writes one ``RulingDelivery`` (or ``FlagDelivery``)
   row per item under a unique constraint, in the same transaction that holds the
   subscription's row lock (``select_for_update(skip_locked=True)``): two runs never build
   for one subscriber at once, and an item once recorded is never selected again.
   Selection is by ledger, not by a time watermark, so a ruling whose publishing
   transaction commits late is simply picked up by the next run.
2. **One pending digest per subscription** (a partial unique constraint): new items join
   it, so a subscriber gets one email per run, and a digest built by a run that crashed
   before sending is sent by the next.
3. **Send under lock, record in the same transaction.** Each digest is locked, handed to
   the SMTP server and marked sent before the lock is released; a concurrent run skips it.
   The one duplicate left possible is the email in flight when a worker dies after the
   SMTP server accepted it and before that transaction commits.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from itertools import islice

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from tracker.queue import (
    DIGESTS_SEND_BATCH,
    DIGESTS_SEND_CONFIRMATION,
    enqueue,
    runs_eagerly,
)

from ..models import Digest, FlagDelivery, RulingDelivery, Subscription
from . import emails, links
from .links import InvalidLink
from .selectors import (
    due_subscription_ids,
    flag_events_owed,
    pending_digest_contents,
    rulings_owed,
)

logger = logging.getLogger(__name__)


# --- Subscribing -----------------------------------------------------------------------


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _resend_allowed(subscription: Subscription, now: datetime.datetime) -> bool:
    sent_at = subscription.confirmation_sent_at
    return sent_at is None or now - sent_at >= datetime.timedelta(seconds=settings.DIGESTS_CONFIRM_RESEND_INTERVAL)


def _enqueue_confirmation(subscription_id: int) -> None:
    # robust: a broker or mail server that is down must not turn the request into an error.
    transaction.on_commit(lambda: enqueue(DIGESTS_SEND_CONFIRMATION, subscription_id), robust=True)


@transaction.atomic
def subscription_request(*, email: str, frequency: str, countries=(), regulators=()) -> None:
    """Ask for a digest of new rulings; the caller learns nothing about the address.

    A new, pending or unsubscribed address gets these settings and a confirmation link;
    nothing else is sent to it until the link is followed. A confirmed address keeps its
    settings (a stranger must not change them) and is told how to manage them. Either
    email goes out at most once per DIGESTS_CONFIRM_RESEND_INTERVAL, after commit.
    """
    now = timezone.now()
    subscription, _ = Subscription.objects.get_or_create(
        email=normalize_email(email), kind=Subscription.Kind.RULINGS, defaults={"frequency": frequency}
    )
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if not subscription.is_active:
        subscription.frequency = frequency
        subscription.save(update_fields=["frequency"])
        subscription.countries.set(countries)
        subscription.regulators.set(regulators)
    if _resend_allowed(subscription, now):
        subscription.confirmation_sent_at = now
        subscription.save(update_fields=["confirmation_sent_at"])
        _enqueue_confirmation(subscription.pk)


def subscription_send_confirmation(*, subscription_id: int, connection=None) -> bool:
    """Email the confirmation link, or to a confirmed address the manage link.

    Returns whether an email was sent (nothing for an unknown subscription).
    """
    subscription = Subscription.objects.filter(pk=subscription_id).prefetch_related("countries", "regulators").first()
    if subscription is None:
        return False
    if subscription.is_active:
        message = emails.already_subscribed_message(subscription)
    else:
        message = emails.confirmation_message(subscription)
    if connection is not None:
        message.connection = connection
    return bool(message.send(fail_silently=False))


@transaction.atomic
def subscription_confirm(*, token: str) -> Subscription:
    """Confirm the address a confirmation link names; InvalidLink when it is not valid.

    Digests then cover what becomes published from now on. A link issued before the
    address was unsubscribed cannot subscribe it again.
    """
    claim = links.read_confirm_token(token)
    subscription = (
        Subscription.objects.select_for_update().filter(pk=claim.subscription_id, email=claim.email).first()
    )
    if subscription is None:
        raise InvalidLink("invalid")
    if subscription.unsubscribed_at is not None and subscription.unsubscribed_at > claim.issued_at:
        raise InvalidLink("superseded")
    if not subscription.is_active:
        subscription.confirmed_at = timezone.now()
        subscription.unsubscribed_at = None
        subscription.save(update_fields=["confirmed_at", "unsubscribed_at"])
    return subscription


@transaction.atomic
def subscription_update(*, subscription: Subscription, frequency: str, countries=(), regulators=()) -> Subscription:
    """Change an active subscription's frequency and filters (from its manage link)."""
    subscription.frequency = frequency
    subscription.save(update_fields=["frequency"])
    if subscription.kind == Subscription.Kind.RULINGS:
        subscription.countries.set(countries)
        subscription.regulators.set(regulators)
    return subscription


@transaction.atomic
def subscription_unsubscribe(*, subscription: Subscription, whole_address: bool = True) -> int:
    """Stop every digest to this subscription's address (or only this one) at once.

    Returns how many subscriptions stopped. Digests built but not yet sent are never
    sent: sending checks the subscription under the digest's lock.
    """
    subscriptions = Subscription.objects.filter(unsubscribed_at__isnull=True)
    if whole_address:
        subscriptions = subscriptions.filter(email=subscription.email)
    else:
        subscriptions = subscriptions.filter(pk=subscription.pk)
    return subscriptions.update(unsubscribed_at=timezone.now())


@transaction.atomic
def subscription_create_for_staff(*, user, frequency: str) -> Subscription:
    """Subscribe a staff member to the digest of flags raised and cleared, confirmed at once.

    Raises ValidationError for a user who is not active staff or has no email address.
    """
    if not (user.is_staff and user.is_active):
        raise ValidationError({"user": "Only active staff members can receive the digest of flags."})
    if not user.email:
        raise ValidationError({"user": f"{user.get_username()} has no email address."})
    if frequency not in Subscription.Frequency.values:
        raise ValidationError({"frequency": f"Choose one of: {', '.join(Subscription.Frequency.values)}."})
    now = timezone.now()
    subscription, created = Subscription.objects.select_for_update().get_or_create(
        email=normalize_email(user.email),
        kind=Subscription.Kind.FLAGS,
        defaults={"user": user, "frequency": frequency, "confirmed_at": now},
    )
    if not created:
        subscription.user = user
        subscription.frequency = frequency
        if not subscription.is_active:
            subscription.confirmed_at = now
            subscription.unsubscribed_at = None
        subscription.save()
    return subscription


# --- Sending ---------------------------------------------------------------------------


@dataclass
class DispatchResult:
    subscriptions: int = 0
    batches: int = 0
    # Batches handed to workers, and emails sent by batches that ran in this process.
    queued: int = 0
    sent: int = 0


@dataclass
class BatchResult:
    built: int = 0
    sent: int = 0
    failed_subscription_ids: list[int] = field(default_factory=list)


def _chunks(iterable, size: int):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def digests_dispatch(*, frequency: str, batch_size: int | None = None) -> DispatchResult:
    """Fan a digest run out: one batch task per DIGESTS_BATCH_SIZE active subscriptions.

    The command ``send_digests`` and Celery beat both call this. Without a broker (or in
    eager mode) the batches run here, one after another.
    """
    if frequency not in Subscription.Frequency.values:
        raise ValueError(f"Unknown frequency {frequency!r}.")
    result = DispatchResult()
    eager = runs_eagerly()
    for chunk in _chunks(due_subscription_ids(frequency=frequency), batch_size or settings.DIGESTS_BATCH_SIZE):
        outcome = enqueue(DIGESTS_SEND_BATCH, chunk, frequency)
        result.subscriptions += len(chunk)
        result.batches += 1
        if eager:
            result.sent += (outcome.result or {}).get("sent", 0)
        else:
            result.queued += 1
    return result


def digests_send_batch(*, subscription_ids: list[int], frequency: str) -> BatchResult:
    """Build what these subscribers are owed, then send every pending digest of theirs.

    Sends over one SMTP connection. A failed send is recorded on its digest and left
    pending for a retry; it never stops the others.
    """
    built = digests_build(subscription_ids=subscription_ids, frequency=frequency)
    result = digests_send_pending(subscription_ids=subscription_ids)
    result.built = built
    return result


@transaction.atomic
def digests_build(*, subscription_ids: list[int], frequency: str) -> int:
    """Record, for each subscriber not locked by another run, the items it is owed now.

    Items join the subscriber's pending digest (created if needed). Returns how many
    subscribers got new items. A fixed number of queries, whatever the batch size.
    """
    subscriptions = list(
        Subscription.objects.due(frequency)
        .filter(pk__in=subscription_ids)
        .select_for_update(skip_locked=True, of=("self",))
        .prefetch_related("countries", "regulators")
    )
    if subscriptions:
        _without_jit()
    rulings = rulings_owed(subscriptions=subscriptions)
    flag_events = flag_events_owed(subscriptions=subscriptions)
    owed_ids = set(rulings) | set(flag_events)
    if not owed_ids:
        return 0
    # Wait for any send of these digests in progress: once it commits, a sent digest no
    # longer matches and the new items start a new one.
    digest_of = dict(
        Digest.objects.select_for_update(of=("self",))
        .filter(subscription_id__in=owed_ids, status=Digest.Status.PENDING)
        .values_list("subscription_id", "pk")
    )
    Digest.objects.filter(pk__in=digest_of.values()).update(revision=F("revision") + 1)
    new_digests = Digest.objects.bulk_create(
        [Digest(subscription_id=subscription_id) for subscription_id in sorted(owed_ids - set(digest_of))]
    )
    digest_of.update({digest.subscription_id: digest.pk for digest in new_digests})
    RulingDelivery.objects.bulk_create(
        RulingDelivery(digest_id=digest_of[subscription_id], subscription_id=subscription_id, ruling_id=ruling_id)
        for subscription_id, ruling_ids in rulings.items()
        for ruling_id in ruling_ids
    )
    FlagDelivery.objects.bulk_create(
        FlagDelivery(
            digest_id=digest_of[subscription_id],
            subscription_id=subscription_id,
            flag_id=event.flag_id,
            event=event.event,
            event_at=event.event_at,
        )
        for subscription_id, events in flag_events.items()
        for event in events
    )
    return len(owed_ids)


def _without_jit() -> None:
    """Turn PostgreSQL's JIT compiler off for the rest of this transaction.

    The selection tests each ruling against every country the batch's filters name; the
    planner's estimate for that many tests passes ``jit_above_cost``, and compiling the
    query then takes seconds for an execution of milliseconds.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def digests_send_pending(*, subscription_ids: list[int]) -> BatchResult:
    """Send the pending digests of these subscriptions, each at most once, over one connection.

    Each digest is locked (skipping any another run holds), sent and marked sent in one
    transaction. A failure adds an attempt; after DIGESTS_MAX_SEND_ATTEMPTS the digest is
    marked failed and its items are not offered again.
    """
    result = BatchResult()
    contents = pending_digest_contents(subscription_ids=subscription_ids)
    if not contents:
        return result
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as error:  # the server is unreachable: every digest waits for the retry
        logger.warning("Cannot open the mail connection: %s", error)
        for content in contents:
            _record_failure(content.digest.pk, error)
        result.failed_subscription_ids = [content.subscription.pk for content in contents]
        return result
    try:
        for content in contents:
            try:
                if _send_one(content, connection):
                    result.sent += 1
            except Exception as error:
                logger.warning("Digest %s to subscription %s not sent: %s", content.digest.pk, content.subscription.pk, error)
                _record_failure(content.digest.pk, error)
                result.failed_subscription_ids.append(content.subscription.pk)
                _reconnect(connection)
    finally:
        connection.close()
    return result


def digests_send_abandoned(*, older_than: datetime.timedelta | None = None) -> BatchResult:
    """Send the digests a batch built and never tried to send (its worker died mid-batch).

    A digest counts as abandoned once it is pending, was never tried, and was built more
    than ``older_than`` (DIGESTS_SWEEP_AFTER seconds) ago; the broker would redeliver its
    batch only after the visibility timeout. A batch still running is not disturbed: each
    digest is sent under its own lock and once. Digests that were tried and failed are
    left to their batch's retries and the next run, so an SMTP outage spends no extra
    attempts.
    """
    if older_than is None:
        older_than = datetime.timedelta(seconds=settings.DIGESTS_SWEEP_AFTER)
    subscription_ids = list(
        Digest.objects.filter(
            status=Digest.Status.PENDING,
            attempts=0,
            created_at__lt=timezone.now() - older_than,
            subscription__in=Subscription.objects.active(),
        )
        .order_by("subscription_id")
        .values_list("subscription_id", flat=True)
    )
    result = BatchResult()
    for chunk in _chunks(subscription_ids, settings.DIGESTS_BATCH_SIZE):
        outcome = digests_send_pending(subscription_ids=chunk)
        result.sent += outcome.sent
        result.failed_subscription_ids += outcome.failed_subscription_ids
    return result


def _send_one(content, connection) -> bool:
    with transaction.atomic():
        # Skip a digest another run is sending or building, one already sent, one whose
        # items changed since they were read (the run that changed it sends it), and
        # one whose address has unsubscribed.
        locked = list(
            Digest.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                pk=content.digest.pk,
                status=Digest.Status.PENDING,
                revision=content.digest.revision,
                subscription__confirmed_at__isnull=False,
                subscription__unsubscribed_at__isnull=True,
            )
            .values_list("pk", flat=True)
        )
        if not locked:
            return False
        message = emails.digest_message(content, connection=connection)
        if connection.send_messages([message]) != 1:
            raise RuntimeError("The mail backend did not accept the message.")
        Digest.objects.filter(pk=content.digest.pk).update(
            status=Digest.Status.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
        )
    return True


def _record_failure(digest_id: int, error: Exception) -> None:
    Digest.objects.filter(pk=digest_id, status=Digest.Status.PENDING).update(
        attempts=F("attempts") + 1,
        last_error=f"{type(error).__name__}: {error}"[:2000],
        status=Case(
            When(attempts__gte=settings.DIGESTS_MAX_SEND_ATTEMPTS - 1, then=Value(Digest.Status.FAILED)),
            default=Value(Digest.Status.PENDING),
        ),
    )


def _reconnect(connection) -> None:
    """After a failed send the SMTP session may be broken: start a fresh one."""
    try:
        connection.close()
        connection.open()
    except Exception as error:
        logger.warning("Cannot reopen the mail connection: %s", error)
