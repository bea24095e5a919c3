"""Which rulings a subscriber's digest lists: the window since confirmation and the filters."""

import datetime

import pytest
import time_machine
from django.core import mail

from rulings.models import Proceeding, Ruling
from tests.rulings.factories import ProceedingFactory, RegulatorFactory, RulingFactory
from tracker.digests.services import digests_build, digests_dispatch
from tracker.models import Subscription

from .digests_support import SubscriptionFactory, after_confirmation, digests_to

pytestmark = pytest.mark.django_db


def published(regulator_jurisdiction="CA", *, decided_on=datetime.date(2026, 2, 1), regulator=None, **fields):
    """A ruling published an hour after the subscribers confirmed."""
    with time_machine.travel(after_confirmation(hours=1), tick=False):
        return RulingFactory(
            regulator=regulator or RegulatorFactory(jurisdiction=regulator_jurisdiction), decided_on=decided_on, **fields
        )


def run_daily():
    with time_machine.travel(after_confirmation(days=1), tick=False):
        return digests_dispatch(frequency="daily")


def listed(subscription, ruling) -> bool:
    return any(ruling.title in message.body for message in digests_to(subscription.email))


def test_every_matching_ruling_published_since_confirmation_is_listed_once():
    # Given a subscriber with no filters, and two rulings published after confirmation
    subscriber = SubscriptionFactory()
    first, second = published("CA"), published("FR")
    # When the daily run goes
    run_daily()
    # Then one email lists both
    (digest,) = digests_to(subscriber.email)
    assert first.title in digest.body and second.title in digest.body


def test_a_ruling_published_before_confirmation_is_not_sent():
    # Given a ruling published the day before the subscriber confirmed
    with time_machine.travel(after_confirmation(days=-1), tick=False):
        old = RulingFactory()
    subscriber = SubscriptionFactory()
    # When the run goes
    run_daily()
    # Then nothing is sent: there is nothing new for them
    assert not listed(subscriber, old)
    assert digests_to(subscriber.email) == []


def test_drafts_and_withdrawn_rulings_are_not_sent():
    # Given rulings in every status but published
    subscriber = SubscriptionFactory()
    draft = published(status=Ruling.Status.DRAFT)
    withdrawn = published(status=Ruling.Status.WITHDRAWN)
    kept = published()
    # When the run goes
    run_daily()
    # Then only the published one is listed
    assert listed(subscriber, kept)
    assert not any(listed(subscriber, r) for r in (draft, withdrawn))


def test_a_published_ruling_already_set_aside_is_sent_with_its_standing():
    # Given a ruling published after confirmation and set aside by a court before the run:
    # it is still published (on the record), and a subscriber should learn both facts
    subscriber = SubscriptionFactory()
    ruling = published(decided_on=datetime.date(2025, 2, 1))
    with time_machine.travel(after_confirmation(hours=2), tick=False):
        ProceedingFactory(
            ruling=ruling, body="Federal Administrative Court", decided_on=datetime.date(2026, 2, 20),
            effect=Proceeding.Effect.OVERTURNED,
        )
    # When the run goes
    run_daily()
    # Then it is listed, saying where it stands
    (digest,) = digests_to(subscriber.email)
    assert ruling.title in digest.body
    assert "Standing today: set aside by the Federal Administrative Court on 20 February 2026" in digest.body


def test_a_national_filter_keeps_that_countrys_regulators_and_its_regions():
    # Given a subscriber who follows Germany
    subscriber = SubscriptionFactory(countries=["DE"])
    federal, hamburg, french = published("DE"), published("DE-HH"), published("FR")
    # When the run goes
    run_daily()
    # Then the federal and the Hamburg rulings are listed, the French one is not
    assert listed(subscriber, federal) and listed(subscriber, hamburg)
    assert not listed(subscriber, french)


def test_a_bloc_ruling_reaches_a_member_on_the_rulings_date_only():
    # Given a subscriber who follows Sweden (an EU member since 1995-01-01)
    subscriber = SubscriptionFactory(countries=["SE"])
    eu = RegulatorFactory(jurisdiction="EU")
    member = published(regulator=eu, decided_on=datetime.date(2021, 6, 1))
    before_accession = published(regulator=eu, decided_on=datetime.date(1994, 12, 31))
    # When the run goes
    run_daily()
    # Then only the ruling from when Sweden was a member is listed
    assert listed(subscriber, member)
    assert not listed(subscriber, before_accession)


def test_a_country_that_left_the_bloc_gets_rulings_up_to_its_exit_date():
    # Given a subscriber who follows the United Kingdom (left the EU on 2020-01-31)
    subscriber = SubscriptionFactory(countries=["GB"])
    eu = RegulatorFactory(jurisdiction="EU")
    while_member = published(regulator=eu, decided_on=datetime.date(2019, 6, 1))
    on_exit_day = published(regulator=eu, decided_on=datetime.date(2020, 1, 31))
    after_exit = published(regulator=eu, decided_on=datetime.date(2020, 2, 1))
    uk = published("GB")
    # When the run goes
    run_daily()
    # Then the exit date is the last day of membership
    assert listed(subscriber, while_member) and listed(subscriber, on_exit_day) and listed(subscriber, uk)
    assert not listed(subscriber, after_exit)


def test_a_regulator_filter_keeps_only_that_regulators_rulings():
    # Given a subscriber who follows one regulator
    followed, other = RegulatorFactory(jurisdiction="SE"), RegulatorFactory(jurisdiction="SE")
    subscriber = SubscriptionFactory(regulators=[followed])
    mine, theirs = published(regulator=followed), published(regulator=other)
    # When the run goes
    run_daily()
    # Then only the followed regulator's ruling is listed
    assert listed(subscriber, mine)
    assert not listed(subscriber, theirs)


def test_country_and_regulator_filters_must_both_match():
    # Given a subscriber who follows Canada and one Canadian regulator
    followed, other_canadian = RegulatorFactory(jurisdiction="CA"), RegulatorFactory(jurisdiction="CA-ON")
    subscriber = SubscriptionFactory(countries=["CA"], regulators=[followed])
    mine, other = published(regulator=followed), published(regulator=other_canadian)
    # When the run goes
    run_daily()
    # Then a Canadian ruling by another regulator is left out
    assert listed(subscriber, mine)
    assert not listed(subscriber, other)


def test_no_matching_ruling_means_no_email():
    # Given a subscriber who follows Japan and only a French ruling
    SubscriptionFactory(countries=["JP"])
    published("FR")
    # When the run goes
    result = run_daily()
    # Then nobody gets an email
    assert mail.outbox == []
    assert result.sent == 0


def test_weekly_subscribers_are_left_to_the_weekly_run():
    # Given a daily and a weekly subscriber
    daily, weekly = SubscriptionFactory(), SubscriptionFactory(frequency="weekly")
    published()
    # When the daily run goes
    run_daily()
    # Then only the daily subscriber heard of it; the weekly run sends the other
    assert len(digests_to(daily.email)) == 1 and digests_to(weekly.email) == []
    with time_machine.travel(after_confirmation(days=7), tick=False):
        digests_dispatch(frequency="weekly")
    assert len(digests_to(weekly.email)) == 1


def test_unconfirmed_and_unsubscribed_addresses_get_no_digest():
    # Given a pending address and an unsubscribed one
    pending = SubscriptionFactory(confirmed_at=None)
    gone = SubscriptionFactory(unsubscribed_at=after_confirmation(minutes=5))
    published()
    # When the run goes
    run_daily()
    # Then neither receives anything
    assert mail.outbox == []
    assert digests_to(pending.email) == digests_to(gone.email) == []


def test_building_a_batch_costs_the_same_number_of_queries_whatever_its_size(django_assert_max_num_queries):
    # Given many subscribers with mixed filters, and rulings at every level
    eu = RegulatorFactory(jurisdiction="EU")
    regulators = [RegulatorFactory(jurisdiction=code) for code in ("CA", "DE-HH", "FR")] + [eu]
    for index in range(40):
        SubscriptionFactory(
            countries=[["DE"], ["FR", "SE"], [], ["GB"]][index % 4],
            regulators=[[], [regulators[index % 4]]][index % 2],
        )
    for regulator in regulators:
        published(regulator=regulator)
    # When one batch of all of them is built and sent
    with time_machine.travel(after_confirmation(days=1), tick=False):
        with django_assert_max_num_queries(16 + 3 * 40):
            result = digests_dispatch(frequency="daily", batch_size=1000)
    # Then every subscriber with something new got one email, and the building took a
    # fixed number of queries (the rest is one lock and one update per email sent)
    assert result.sent == len(mail.outbox) > 0


@pytest.mark.parametrize("subscribers", [5, 60])
def test_selection_queries_do_not_grow_with_the_number_of_subscribers(subscribers, django_assert_max_num_queries):
    # Given subscribers with mixed country and regulator filters and a few new rulings
    regulators = [RegulatorFactory(jurisdiction=code) for code in ("CA", "DE-HH", "EU", "SE")]
    for index in range(subscribers):
        SubscriptionFactory(countries=[["DE"], ["SE", "GB"], []][index % 3], regulators=[[], [regulators[index % 4]]][index % 2])
    for regulator in regulators:
        published(regulator=regulator)
    ids = list(Subscription.objects.values_list("pk", flat=True))
    # When one batch is built (the items each subscriber is owed are recorded)
    with time_machine.travel(after_confirmation(days=1), tick=False):
        with django_assert_max_num_queries(12):
            built = digests_build(subscription_ids=ids, frequency="daily")
    # Then everyone with a match got a digest, in a fixed number of queries
    assert built > 0
