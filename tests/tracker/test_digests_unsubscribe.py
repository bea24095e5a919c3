"""One-click unsubscribe (RFC 8058) and the manage page, both reached from links in the email."""

import pytest
import time_machine
from django.core import mail
from django.test import Client

from tests.rulings.factories import RegulatorFactory, RulingFactory
from tracker.digests.links import manage_url, unsubscribe_url
from tracker.digests.services import digests_dispatch
from tracker.models import Subscription

from .digests_support import SubscriptionFactory, after_confirmation, digests_to, path_of

pytestmark = pytest.mark.django_db


def new_ruling_and_run(days=1, **fields):
    with time_machine.travel(after_confirmation(days=days - 1, hours=1), tick=False):
        RulingFactory(**fields)
    with time_machine.travel(after_confirmation(days=days), tick=False):
        digests_dispatch(frequency="daily")


def test_a_one_click_post_unsubscribes_at_once_without_login_or_csrf_token(django_assert_max_num_queries):
    # Given a subscriber who received a digest
    subscriber = SubscriptionFactory()
    new_ruling_and_run()
    (digest,) = digests_to(subscriber.email)
    target = digest.message()["List-Unsubscribe"].strip("<>")
    # When their mail client POSTs to the List-Unsubscribe URL, as RFC 8058 says
    client = Client(enforce_csrf_checks=True)
    with django_assert_max_num_queries(6):
        response = client.post(
            path_of(target), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        )
    # Then they are unsubscribed at once
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is not None
    # And no email is sent to that address afterwards
    new_ruling_and_run(days=2)
    assert len(digests_to(subscriber.email)) == 1


def test_the_unsubscribe_link_opened_in_a_browser_asks_first(client):
    # Given a subscriber
    subscriber = SubscriptionFactory(email="reader@example.org")
    # When the link is opened (a GET, as a link scanner would too)
    response = client.get(path_of(unsubscribe_url(subscriber)))
    # Then a page with a button asks to confirm, and nothing changes yet
    page = response.content.decode()
    assert response.status_code == 200
    assert "Stop every digest to reader@example.org?" in page
    assert '<form method="post">' in page and '<button type="submit"' in page
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is None
    # When the button is pressed
    client.post(path_of(unsubscribe_url(subscriber)))
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is not None
    # Then opening the link again says so
    assert "already unsubscribed" in client.get(path_of(unsubscribe_url(subscriber))).content.decode()


def test_unsubscribing_stops_every_digest_to_that_address():
    # Given a staff member with both the rulings and the flags digest at one address
    from django.contrib.auth.models import User

    user = User.objects.create_user("curator", "curator@example.org", "pw", is_staff=True)
    rulings = SubscriptionFactory(email="curator@example.org")
    flags = SubscriptionFactory(email="curator@example.org", kind="flags", user=user)
    # When they unsubscribe from one
    Client().post(path_of(unsubscribe_url(rulings)))
    # Then neither is sent any more
    assert not Subscription.objects.active().filter(pk__in=[rulings.pk, flags.pk]).exists()


def test_a_forged_unsubscribe_link_changes_nothing(client):
    # Given a subscriber, and their unsubscribe link with its signature altered
    subscriber = SubscriptionFactory()
    real = path_of(unsubscribe_url(subscriber))
    forged = real[:-5] + ("xxxx" if real[-5:-1] != "xxxx" else "yyyy") + "/"
    # When it is posted
    response = client.post(forged)
    # Then it is refused and nobody is unsubscribed
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert not Subscription.objects.filter(unsubscribed_at__isnull=False).exists()


def test_the_manage_link_changes_frequency_and_filters(client):
    # Given a daily subscriber with no filters
    regulator = RegulatorFactory(name="Hamburg Commissioner", jurisdiction="DE-HH")
    subscriber = SubscriptionFactory()
    link = path_of(manage_url(subscriber))
    # When they open the manage link, and switch to weekly for Germany and one regulator
    page = client.get(link)
    assert page.status_code == 200 and "Hamburg Commissioner (DE-HH)" in page.content.decode()
    response = client.post(link, {"frequency": "weekly", "countries": ["DE"], "regulators": [regulator.pk]})
    # Then the change is saved and shown
    assert response.status_code == 200 and "Your changes are saved" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.frequency == "weekly"
    assert [c.code for c in subscriber.countries.all()] == ["DE"] and list(subscriber.regulators.all()) == [regulator]
    # And the daily run no longer sends to them
    new_ruling_and_run(regulator=regulator)
    assert mail.outbox == []


def test_the_manage_page_names_a_bad_value(client):
    subscriber = SubscriptionFactory()
    response = client.post(path_of(manage_url(subscriber)), {"frequency": "hourly"})
    assert response.status_code == 400
    assert "frequency" in response.context["form"].errors
