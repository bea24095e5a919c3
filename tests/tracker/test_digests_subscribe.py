"""Subscribing: the form and the API, double opt-in, no enumeration, throttled re-sends."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.rulings.factories import RegulatorFactory, RulingFactory
from tracker.digests.links import confirm_url, manage_url
from tracker.digests.services import digests_dispatch
from tracker.models import Subscription

from .digests_support import SubscriptionFactory, digests_to, first_link, path_of

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
API = "/api/v1/subscriptions/"


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def subscribe(client, django_capture_on_commit_callbacks):
    """POST the public form, running what is queued after commit (the confirmation email)."""

    def post(email="reader@example.org", frequency="daily", countries=(), regulators=(), **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("digests:subscribe"),
                {"email": email, "frequency": frequency, "countries": list(countries), "regulators": list(regulators)},
                **extra,
            )

    return post


@pytest.fixture
def api_subscribe(api_client, django_capture_on_commit_callbacks):
    def post(payload):
        with django_capture_on_commit_callbacks(execute=True):
            return api_client.post(API, payload, format="json")

    return post


def test_the_form_works_without_javascript_and_carries_a_csrf_token(client, django_assert_max_num_queries):
    # Given a reader on the subscription page
    RegulatorFactory(name="Office of the Privacy Commissioner", jurisdiction="CA")
    # When it loads
    with django_assert_max_num_queries(8):
        response = client.get(reverse("digests:subscribe"))
    # Then it is a plain HTML form posting to itself, with every field
    page = response.content.decode()
    assert response.status_code == 200
    assert 'method="post"' in page and "csrfmiddlewaretoken" in page
    for name in ("email", "frequency", "countries", "regulators"):
        assert f'name="{name}"' in page
    assert "Office of the Privacy Commissioner (CA)" in page and "Sweden (SE)" in page


def test_a_new_address_gets_a_confirmation_link_and_nothing_else_until_it_is_followed(subscribe, client):
    # Given a reader who subscribes with filters
    regulator = RegulatorFactory(jurisdiction="SE")
    with time_machine.travel(NOW, tick=False):
        response = subscribe("Reader@Example.org", "weekly", countries=["SE"], regulators=[regulator.pk])
    # Then they are sent to a "check your inbox" page and get one confirmation email
    assert response.status_code == 302 and response["Location"] == reverse("digests:requested")
    (confirmation,) = mail.outbox
    assert confirmation.to == ["reader@example.org"]
    assert "Confirm your subscription" in confirmation.subject
    subscription = Subscription.objects.get()
    assert subscription.confirmed_at is None
    assert [c.code for c in subscription.countries.all()] == ["SE"] and list(subscription.regulators.all()) == [regulator]
    # And no digest reaches the unconfirmed address
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        before = RulingFactory(regulator=regulator)
    with time_machine.travel(NOW + datetime.timedelta(hours=2), tick=False):
        digests_dispatch(frequency="weekly")
    assert len(mail.outbox) == 1
    # When the link is followed the next day
    link = first_link(confirmation.body, "/subscriptions/confirm/")
    assert link.startswith("https://tracker.example.org/")
    assert link in confirmation.alternatives[0][0]
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        page = client.get(path_of(link))
    # Then the subscription is confirmed, and digests cover what is published from then on
    assert page.status_code == 200 and "Subscription confirmed" in page.content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed_at == NOW + datetime.timedelta(days=1)
    with time_machine.travel(NOW + datetime.timedelta(days=2), tick=False):
        later = RulingFactory(regulator=regulator)
    with time_machine.travel(NOW + datetime.timedelta(days=7), tick=False):
        digests_dispatch(frequency="weekly")
    (digest,) = digests_to("reader@example.org")
    assert later.title in digest.body and before.title not in digest.body


def test_the_answer_is_the_same_for_new_pending_and_known_addresses(subscribe, api_subscribe):
    # Given a confirmed subscriber and a pending one
    SubscriptionFactory(email="known@example.org")
    SubscriptionFactory(email="pending@example.org", confirmed_at=None, confirmation_sent_at=None)
    # When each address, and a new one, is submitted through the form and the API
    forms = [subscribe(email) for email in ("new@example.org", "pending@example.org", "known@example.org")]
    apis = [
        api_subscribe({"email": email, "frequency": "daily"})
        for email in ("new2@example.org", "pending@example.org", "known@example.org")
    ]
    # Then every answer is the same
    assert {(r.status_code, r["Location"]) for r in forms} == {(302, reverse("digests:requested"))}
    assert {r.status_code for r in apis} == {202}
    assert len({r.content for r in apis}) == 1


def test_a_known_address_keeps_its_settings_and_is_told_how_to_manage_them(subscribe):
    # Given a confirmed subscriber of the daily digest with no filters
    known = SubscriptionFactory(email="known@example.org")
    # When someone submits that address with other settings
    with time_machine.travel(NOW, tick=False):
        subscribe("known@example.org", "weekly", countries=["FR"])
    # Then nothing changes, and the owner gets a manage link rather than a confirmation
    known.refresh_from_db()
    assert known.frequency == "daily" and not known.countries.exists()
    (message,) = mail.outbox
    assert "already subscribed" in message.subject
    assert manage_url(known) in message.body


def test_a_repeated_request_resends_at_most_once_an_hour(subscribe):
    # Given a request for a new address
    with time_machine.travel(NOW, tick=False):
        subscribe("reader@example.org")
    # When it is repeated after 30 and 59 minutes, then after an hour
    with time_machine.travel(NOW + datetime.timedelta(minutes=30), tick=False):
        subscribe("reader@example.org")
    with time_machine.travel(NOW + datetime.timedelta(minutes=59), tick=False):
        subscribe("reader@example.org")
    assert len(mail.outbox) == 1
    with time_machine.travel(NOW + datetime.timedelta(minutes=60), tick=False):
        subscribe("reader@example.org")
    # Then a second email went only after the hour
    assert len(mail.outbox) == 2
    assert Subscription.objects.count() == 1


def test_an_expired_confirmation_link_is_refused(client, settings):
    # Given a link sent three days ago, valid for three days
    with time_machine.travel(NOW, tick=False):
        subscription = SubscriptionFactory(confirmed_at=None)
        link = confirm_url(subscription)
    # When it is followed a minute too late
    with time_machine.travel(NOW + datetime.timedelta(seconds=settings.DIGESTS_CONFIRM_MAX_AGE + 60), tick=False):
        response = client.get(path_of(link))
    # Then the page says it expired, and nothing is confirmed
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None


@pytest.mark.parametrize("tamper", ["signature", "other_kind_of_link", "garbage"])
def test_a_forged_confirmation_link_is_refused(client, tamper):
    # Given a pending subscription and a link that was not issued to confirm it
    subscription = SubscriptionFactory(confirmed_at=None)
    real = path_of(confirm_url(subscription))
    forged = {
        "signature": real[:-3] + ("A" if real[-3] != "A" else "B") + real[-2:],
        "other_kind_of_link": path_of(manage_url(subscription)).replace("/manage/", "/confirm/"),
        "garbage": "/subscriptions/confirm/not-a-token/",
    }[tamper]
    # When it is followed
    response = client.get(forged)
    # Then it is refused with a clear page, and nothing is confirmed
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None


def test_a_confirmation_link_from_before_an_unsubscribe_cannot_resubscribe(client):
    # Given a subscriber who confirmed, then unsubscribed
    with time_machine.travel(NOW, tick=False):
        subscription = SubscriptionFactory(confirmed_at=None)
        link = confirm_url(subscription)
        client.get(path_of(link))
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        Subscription.objects.filter(pk=subscription.pk).update(unsubscribed_at=NOW + datetime.timedelta(hours=1))
    # When the old confirmation link is followed again
    with time_machine.travel(NOW + datetime.timedelta(hours=2), tick=False):
        response = client.get(path_of(link))
    # Then it is refused: the address stays unsubscribed
    assert response.status_code == 400
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None


def test_the_form_names_each_bad_field(subscribe):
    # When the form is sent with a bad address, an unknown frequency and an unknown country
    response = subscribe("not-an-address", "hourly", countries=["XX"])
    # Then the form comes back with an error on each, and nothing is stored
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"email", "frequency", "countries"}
    assert Subscription.objects.count() == 0 and mail.outbox == []


def test_the_form_refuses_a_post_without_its_csrf_token():
    # Given a browser that did not load the form (no CSRF cookie or token)
    client = Client(enforce_csrf_checks=True)
    # When it posts
    response = client.post(reverse("digests:subscribe"), {"email": "reader@example.org", "frequency": "daily"})
    # Then the request is refused
    assert response.status_code == 403
    assert Subscription.objects.count() == 0


def test_the_api_accepts_filters_and_answers_202(api_subscribe):
    # Given a regulator
    regulator = RegulatorFactory(jurisdiction="DE-HH")
    # When a program subscribes with filters
    response = api_subscribe(
        {"email": "bot@example.org", "frequency": "weekly", "countries": ["de", "GB"], "regulators": [regulator.pk]}
    )
    # Then the answer is 202 and the confirmation goes out
    assert response.status_code == 202
    assert "confirmation link" in response.json()["detail"]
    subscription = Subscription.objects.get(email="bot@example.org")
    assert sorted(c.code for c in subscription.countries.all()) == ["DE", "GB"]
    assert len(mail.outbox) == 1


def test_the_api_names_each_bad_field_in_a_400(api_subscribe):
    # When a request has a bad email, frequency, country code and regulator id
    response = api_subscribe({"email": "nope", "frequency": "hourly", "countries": ["ZZ"], "regulators": [999999]})
    # Then the 400 names every one of them
    assert response.status_code == 400
    assert set(response.json()) >= {"email", "frequency", "countries", "regulators"}
    assert Subscription.objects.count() == 0


def test_the_api_refuses_a_body_without_the_required_fields(api_subscribe):
    response = api_subscribe({})
    assert response.status_code == 400
    assert set(response.json()) >= {"email", "frequency"}


def test_too_many_requests_from_one_address_are_refused(settings, subscribe, api_subscribe):
    # Given a limit of three requests an hour per client
    settings.DIGESTS_SUBSCRIBE_RATE = 3
    # When one client sends five, through the form and the API
    with time_machine.travel(NOW, tick=False):
        answers = [subscribe(f"reader{n}@example.org").status_code for n in range(3)]
        form_over = subscribe("reader9@example.org")
        api_over = api_subscribe({"email": "bot@example.org", "frequency": "daily"})
        other_client = subscribe("other@example.org", REMOTE_ADDR="192.0.2.77")
    # Then the fourth and fifth are refused with 429 and a Retry-After, other clients are not
    assert answers == [302, 302, 302]
    assert form_over.status_code == 429 and int(form_over["Retry-After"]) > 0
    assert "Too many" in form_over.content.decode()
    assert api_over.status_code == 429 and int(api_over["Retry-After"]) > 0
    assert other_client.status_code == 302
    # And the next hour is a new window
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        assert subscribe("later@example.org").status_code == 302

