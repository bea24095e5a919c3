"""Exactly-once delivery: repeated runs, late rulings, crashes, failures and concurrent runs."""

import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection

from rulings.models import Ruling
from rulings.services import ruling_change_status
from tests.rulings.factories import RulingFactory
from tracker.digests.services import digests_build, digests_dispatch, digests_send_pending
from tracker.models import Digest, RulingDelivery, Subscription

from .digests_support import SubscriptionFactory, after_confirmation, digests_to


def publish_at(moment, **fields):
    with time_machine.travel(moment, tick=False):
        return RulingFactory(**fields)


def run_at(moment, frequency="daily", **kwargs):
    with time_machine.travel(moment, tick=False):
        return digests_dispatch(frequency=frequency, **kwargs)


@pytest.mark.django_db
def test_a_second_run_sends_nothing_new():
    # Given a subscriber who received a digest of two rulings
    subscriber = SubscriptionFactory()
    publish_at(after_confirmation(hours=1))
    publish_at(after_confirmation(hours=2))
    first = run_at(after_confirmation(days=1))
    # When the run is repeated, at once and the next day
    again = run_at(after_confirmation(days=1, minutes=5))
    next_day = run_at(after_confirmation(days=2))
    # Then there was one email and never another
    assert first.sent == 1 and again.sent == 0 and next_day.sent == 0
    assert len(digests_to(subscriber.email)) == 1
    assert RulingDelivery.objects.filter(subscription=subscriber).count() == 2


@pytest.mark.django_db
def test_a_ruling_published_between_runs_goes_out_in_the_next_run_alone():
    # Given a first digest already sent
    subscriber = SubscriptionFactory()
    old = publish_at(after_confirmation(hours=1))
    run_at(after_confirmation(days=1))
    # When a ruling is published and the next run goes
    new = publish_at(after_confirmation(days=1, hours=3))
    run_at(after_confirmation(days=2))
    # Then the second digest lists the new ruling only
    first, second = digests_to(subscriber.email)
    assert old.title in first.body
    assert new.title in second.body and old.title not in second.body
    assert "1 new ruling" in second.subject


@pytest.mark.django_db
def test_a_ruling_published_while_a_batch_is_being_sent_goes_out_next_time():
    # Given a batch whose digests are built but not yet sent
    subscriber = SubscriptionFactory()
    publish_at(after_confirmation(hours=1))
    with time_machine.travel(after_confirmation(days=1), tick=False):
        digests_build(subscription_ids=[subscriber.pk], frequency="daily")
    # When a ruling is published meanwhile, then the batch sends
    during = publish_at(after_confirmation(days=1, seconds=30))
    with time_machine.travel(after_confirmation(days=1, minutes=1), tick=False):
        digests_send_pending(subscription_ids=[subscriber.pk])
    # Then that email does not list it, and the next run does
    (first,) = digests_to(subscriber.email)
    assert during.title not in first.body
    run_at(after_confirmation(days=2))
    assert during.title in digests_to(subscriber.email)[1].body


@pytest.mark.django_db
def test_a_ruling_whose_publication_committed_late_is_still_sent():
    # Given a run at 07:00, and a ruling stamped as published at 06:59 whose transaction
    # committed only after the run had read the rulings
    subscriber = SubscriptionFactory()
    run_at(after_confirmation(days=1))
    late = publish_at(after_confirmation(days=1, minutes=-1))
    # When the next run goes
    run_at(after_confirmation(days=2))
    # Then it is not lost: the ledger, not a time watermark, says what is owed
    (digest,) = digests_to(subscriber.email)
    assert late.title in digest.body


@pytest.mark.django_db
def test_a_ruling_withdrawn_before_the_digest_is_built_is_not_sent(publisher):
    # Given a ruling published, then withdrawn by its regulator before the run
    subscriber = SubscriptionFactory()
    kept = publish_at(after_confirmation(hours=1))
    withdrawn = publish_at(after_confirmation(hours=2))
    with time_machine.travel(after_confirmation(hours=5), tick=False):
        ruling_change_status(ruling=withdrawn, status=Ruling.Status.WITHDRAWN, user=publisher)
    # When the run goes
    run_at(after_confirmation(days=1))
    # Then only the ruling still published is listed
    (digest,) = digests_to(subscriber.email)
    assert kept.title in digest.body and withdrawn.title not in digest.body


@pytest.mark.django_db
def test_a_rerun_after_a_crash_sends_only_what_was_not_sent():
    # Given a run that built every digest and crashed after sending the first two
    subscribers = [SubscriptionFactory() for _ in range(5)]
    publish_at(after_confirmation(hours=1))
    ids = [s.pk for s in subscribers]
    with time_machine.travel(after_confirmation(days=1), tick=False):
        digests_build(subscription_ids=ids, frequency="daily")
        digests_send_pending(subscription_ids=ids[:2])
    assert len(mail.outbox) == 2
    # When the run is started again
    rerun = run_at(after_confirmation(days=1, minutes=10))
    # Then the three others get theirs, and nobody gets two
    assert rerun.sent == 3
    assert [len(digests_to(s.email)) for s in subscribers] == [1] * 5


@pytest.mark.django_db
def test_new_items_join_a_digest_left_pending_so_one_run_sends_one_email():
    # Given a digest built yesterday but never sent (its run crashed before sending)
    subscriber = SubscriptionFactory()
    yesterday = publish_at(after_confirmation(hours=1))
    with time_machine.travel(after_confirmation(days=1), tick=False):
        digests_build(subscription_ids=[subscriber.pk], frequency="daily")
    today = publish_at(after_confirmation(days=1, hours=2))
    # When today's run goes
    run_at(after_confirmation(days=2))
    # Then one email carries both rulings
    (digest,) = digests_to(subscriber.email)
    assert yesterday.title in digest.body and today.title in digest.body
    assert "2 new rulings" in digest.subject


@pytest.mark.django_db
def test_an_address_unsubscribed_after_the_build_gets_nothing():
    # Given a digest built for a subscriber, who then unsubscribes
    subscriber = SubscriptionFactory()
    publish_at(after_confirmation(hours=1))
    with time_machine.travel(after_confirmation(days=1), tick=False):
        digests_build(subscription_ids=[subscriber.pk], frequency="daily")
    Subscription.objects.filter(pk=subscriber.pk).update(unsubscribed_at=after_confirmation(days=1, seconds=1))
    # When the batch sends
    with time_machine.travel(after_confirmation(days=1, minutes=1), tick=False):
        digests_send_pending(subscription_ids=[subscriber.pk])
    # Then nothing is sent to that address
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_refused_send_is_retried_without_holding_up_the_others(smtp_settings):
    # Given three subscribers, and an SMTP server that refuses the first message (451)
    subscribers = [SubscriptionFactory() for _ in range(3)]
    publish_at(after_confirmation(hours=1))
    smtp_settings.fail_next(1)
    # When the batch runs (its task retries the one that failed)
    result = run_at(after_confirmation(days=1))
    # Then each subscriber received exactly one digest, over real SMTP
    assert result.sent == 3
    received = [m["To"] for m in smtp_settings.messages]
    assert sorted(received) == sorted(s.email for s in subscribers)
    assert Digest.objects.filter(status=Digest.Status.SENT).count() == 3
    assert Digest.objects.get(subscription=subscribers[0]).attempts == 2


@pytest.mark.django_db
def test_a_digest_refused_too_often_is_given_up_but_its_rulings_are_never_resent(settings, smtp_settings):
    # Given an SMTP server that keeps refusing one subscriber's digest
    settings.DIGESTS_MAX_SEND_ATTEMPTS = 2
    subscriber = SubscriptionFactory()
    publish_at(after_confirmation(hours=1))
    with time_machine.travel(after_confirmation(days=1), tick=False):
        digests_build(subscription_ids=[subscriber.pk], frequency="daily")
        smtp_settings.fail_next(2)
        first = digests_send_pending(subscription_ids=[subscriber.pk])
        second = digests_send_pending(subscription_ids=[subscriber.pk])
    # Then after the allowed attempts the digest is marked failed, with the reason
    digest = Digest.objects.get(subscription=subscriber)
    assert first.failed_subscription_ids == second.failed_subscription_ids == [subscriber.pk]
    assert digest.status == Digest.Status.FAILED and "451" in digest.last_error
    # And a later run neither retries it nor sends its ruling again
    run_at(after_confirmation(days=2))
    assert smtp_settings.messages == []


@pytest.mark.django_db
def test_one_smtp_connection_serves_a_whole_batch(smtp_settings):
    # Given ten subscribers in one batch
    for _ in range(10):
        SubscriptionFactory()
    publish_at(after_confirmation(hours=1))
    # When the run goes
    run_at(after_confirmation(days=1), batch_size=100)
    # Then ten messages travelled over a single SMTP session
    assert len(smtp_settings.messages) == 10
    assert smtp_settings.connections == 1


@pytest.mark.django_db
def test_sending_a_batch_costs_a_fixed_number_of_queries_plus_two_per_email(django_assert_max_num_queries):
    # Given twenty subscribers owed a digest
    subscribers = [SubscriptionFactory() for _ in range(20)]
    publish_at(after_confirmation(hours=1))
    publish_at(after_confirmation(hours=2))
    ids = [s.pk for s in subscribers]
    with time_machine.travel(after_confirmation(days=1), tick=False):
        digests_build(subscription_ids=ids, frequency="daily")
        # When the batch is sent
        with django_assert_max_num_queries(10 + 4 * 20):
            result = digests_send_pending(subscription_ids=ids)
    # Then all twenty went out: each email costs its lock and its record, nothing more
    assert result.sent == 20


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_started_at_once_send_each_email_once(smtp_settings):
    # Given thirty subscribers and two new rulings
    subscribers = [SubscriptionFactory() for _ in range(30)]
    publish_at(after_confirmation(hours=1))
    publish_at(after_confirmation(hours=2))
    start = threading.Barrier(2)
    errors = []

    def run():
        try:
            start.wait(timeout=10)
            digests_dispatch(frequency="daily", batch_size=4)
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    # When two runs start at the same moment, in two threads with their own connections
    with time_machine.travel(after_confirmation(days=1), tick=True):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    # Then every subscriber received exactly one email
    assert errors == []
    received = sorted(m["To"] for m in smtp_settings.messages)
    assert received == sorted(s.email for s in subscribers)
    assert RulingDelivery.objects.count() == 60
