"""Subscriptions reveal nothing and their links cannot be turned on another address.

The subscribe form and API answer byte for byte the same whatever the address's state,
so no answer (nor its size) tells whether someone is subscribed. The signed links in the
emails name one subscription each: re-pointing one at another subscription, using one kind
of link as another, or signing with another key is refused and changes nothing.
"""

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.tracker.digests_support import SubscriptionFactory, path_of
from tracker.digests import links
from tracker.models import Subscription

pytestmark = pytest.mark.django_db

STATES = {
    "new": None,
    "pending": {"confirmed_at": None, "confirmation_sent_at": None},
    "confirmed": {},
    "unsubscribed": {"unsubscribed_at": timezone.now()},
}


@pytest.fixture(autouse=True)
def no_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def addresses(db):
    """One address in each state a subscription can be in."""
    for state, fields in STATES.items():
        if fields is not None:
            SubscriptionFactory(email=f"{state}@example.org", **fields)
    return {state: f"{state}@example.org" for state in STATES}


def answer(response) -> tuple:
    """Everything a requester sees: status, headers and body."""
    headers = {name: value for name, value in response.headers.items() if name.lower() not in {"date"}}
    return response.status_code, headers, response.content


def test_the_subscribe_form_answers_identically_for_every_state_of_an_address(client, addresses):
    answers = {}
    for state, email in addresses.items():
        posted = client.post(reverse("digests:subscribe"), {"email": email, "frequency": "weekly"})
        page = client.get(posted["Location"])
        answers[state] = (answer(posted), answer(page))
    assert answers["new"][0][0] == 302
    assert len(set(map(repr, answers.values()))) == 1, answers


def test_the_subscription_api_answers_identically_for_every_state_of_an_address(api_client, addresses):
    answers = {
        state: answer(api_client.post("/api/v1/subscriptions/", {"email": email, "frequency": "daily"}, format="json"))
        for state, email in addresses.items()
    }
    assert answers["new"][0] == 202
    assert len(set(map(repr, answers.values()))) == 1, answers


# --- Signed links -----------------------------------------------------------------------


def repointed(token: str, subscription_id: int) -> str:
    """The token with the subscription it names changed and its signature kept."""
    payload, rest = token.split(":", 1)
    other = signing.b64_encode(signing.JSONSerializer().dumps(subscription_id)).decode()
    assert other != payload
    return f"{other}:{rest}"


def repointed_confirmation(token: str, subscription) -> str:
    payload, rest = token.split(":", 1)
    claim = signing.JSONSerializer().loads(signing.b64_decode(payload.encode()))
    claim.update(s=subscription.pk, e=subscription.email)
    return f"{signing.b64_encode(signing.JSONSerializer().dumps(claim)).decode()}:{rest}"


def test_a_confirmation_link_cannot_be_repointed_at_another_address(client):
    # Given two pending subscriptions, and the first one's confirmation link
    mine = SubscriptionFactory(email="me@example.org", confirmed_at=None)
    victim = SubscriptionFactory(email="victim@example.org", confirmed_at=None)
    token = links.confirm_token(mine)
    # When its claim is rewritten to name the other subscription and address
    response = client.get(reverse("digests:confirm", args=[repointed_confirmation(token, victim)]))
    # Then it is refused and the other address stays unconfirmed
    assert response.status_code == 400 and "not valid" in response.content.decode()
    victim.refresh_from_db()
    assert victim.confirmed_at is None


def test_an_unsubscribe_link_cannot_be_repointed_at_another_subscriber(client):
    mine = SubscriptionFactory(email="me@example.org")
    victim = SubscriptionFactory(email="victim@example.org")
    token = path_of(links.unsubscribe_url(mine)).rstrip("/").rsplit("/", 1)[-1]
    response = client.post(reverse("digests:unsubscribe", args=[repointed(token, victim.pk)]))
    assert response.status_code == 400
    assert Subscription.objects.active().filter(pk__in=[mine.pk, victim.pk]).count() == 2


def test_a_manage_link_cannot_be_repointed_at_another_subscriber(client):
    mine = SubscriptionFactory(email="me@example.org")
    victim = SubscriptionFactory(email="victim@example.org")
    token = path_of(links.manage_url(mine)).rstrip("/").rsplit("/", 1)[-1]
    response = client.post(reverse("digests:manage", args=[repointed(token, victim.pk)]), {"frequency": "weekly"})
    assert response.status_code == 400
    victim.refresh_from_db()
    assert victim.frequency == "daily"


@pytest.mark.parametrize(
    ("issued_as", "used_as"),
    [("manage", "unsubscribe"), ("unsubscribe", "manage"), ("confirm", "unsubscribe"), ("unsubscribe", "confirm")],
)
def test_one_kind_of_link_cannot_be_used_as_another(client, issued_as, used_as):
    subscription = SubscriptionFactory(confirmed_at=None) if "confirm" in (issued_as, used_as) else SubscriptionFactory()
    issued = {
        "manage": links.manage_url,
        "unsubscribe": links.unsubscribe_url,
        "confirm": links.confirm_url,
    }[issued_as](subscription)
    token = path_of(issued).rstrip("/").rsplit("/", 1)[-1]
    response = client.post(reverse(f"digests:{used_as}", args=[token])) if used_as != "confirm" else client.get(
        reverse("digests:confirm", args=[token])
    )
    assert response.status_code == 400
    fresh = Subscription.objects.get(pk=subscription.pk)
    assert (fresh.confirmed_at, fresh.unsubscribed_at, fresh.frequency) == (
        subscription.confirmed_at,
        subscription.unsubscribed_at,
        subscription.frequency,
    )


def test_a_link_signed_with_another_secret_key_is_refused(client):
    # Given links made by a deployment with another secret (or by someone guessing one)
    subscription = SubscriptionFactory(confirmed_at=None)
    with override_settings(SECRET_KEY="not-this-sites-secret"):
        confirm = path_of(links.confirm_url(subscription))
        unsubscribe = path_of(links.unsubscribe_url(subscription))
    # Then neither confirms nor unsubscribes here
    assert client.get(confirm).status_code == 400
    assert client.post(unsubscribe).status_code == 400
    fresh = Subscription.objects.get(pk=subscription.pk)
    assert (fresh.confirmed_at, fresh.unsubscribed_at) == (None, None)
