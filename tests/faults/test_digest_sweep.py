"""The sweep of abandoned digests: what a batch built and never tried to send goes out; the
rest is left to the batch and its retries."""

import datetime

import pytest
import time_machine
from django.core import mail

from tests.rulings.factories import RulingFactory
from tests.tracker.digests_support import SubscriptionFactory, after_confirmation, digests_to
from tracker.digests.services import digests_build, digests_send_abandoned
from tracker.digests.tasks import digests_sweep_pending_task
from tracker.models import Digest

BUILT = after_confirmation(days=1)


def build_digest_for(subscriber) -> Digest:
    """A digest built by a batch whose worker then died: pending, never tried."""
    with time_machine.travel(after_confirmation(hours=1), tick=False):
        RulingFactory()
    with time_machine.travel(BUILT, tick=False):
        digests_build(subscription_ids=[subscriber.pk], frequency="daily")
    return Digest.objects.get(subscription=subscriber)


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return digests_sweep_pending_task.delay().result


@pytest.mark.django_db
def test_a_digest_abandoned_by_its_batch_is_sent_once_by_the_sweep(settings):
    settings.DIGESTS_SWEEP_AFTER = 60
    subscriber = SubscriptionFactory()
    digest = build_digest_for(subscriber)
    # Not while its batch may still be sending it
    assert sweep_at(BUILT + datetime.timedelta(seconds=30))["sent"] == 0
    assert digests_to(subscriber.email) == []
    # Once abandoned, sent; and never again
    assert sweep_at(BUILT + datetime.timedelta(seconds=61))["sent"] == 1
    assert sweep_at(BUILT + datetime.timedelta(seconds=200))["sent"] == 0
    assert len(digests_to(subscriber.email)) == 1
    digest.refresh_from_db()
    assert digest.status == Digest.Status.SENT


@pytest.mark.django_db
def test_a_digest_that_failed_is_left_to_its_retries(settings):
    settings.DIGESTS_SWEEP_AFTER = 60
    subscriber = SubscriptionFactory()
    digest = build_digest_for(subscriber)
    Digest.objects.filter(pk=digest.pk).update(attempts=1, last_error="SMTPServerDisconnected")
    # An SMTP outage spends no extra attempts through the sweep
    assert sweep_at(BUILT + datetime.timedelta(hours=1))["sent"] == 0
    digest.refresh_from_db()
    assert digest.attempts == 1 and digest.status == Digest.Status.PENDING
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_unsubscribed_address_gets_nothing_from_the_sweep():
    subscriber = SubscriptionFactory()
    build_digest_for(subscriber)
    subscriber.unsubscribed_at = BUILT
    subscriber.save()
    with time_machine.travel(BUILT + datetime.timedelta(hours=1), tick=False):
        assert digests_send_abandoned().sent == 0
    assert mail.outbox == []
