"""Factories and helpers shared by the digest tests."""

import datetime
import re

import factory
from django.core import mail
from django.utils import timezone

from tracker.models import Subscription

# A fixed origin for the clock: subscriptions are confirmed here, rulings published after.
CONFIRMED = datetime.datetime(2026, 3, 2, 7, 0, tzinfo=datetime.UTC)


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """A confirmed subscriber to the daily digest of rulings, with no filters."""

    class Meta:
        model = Subscription
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    kind = Subscription.Kind.RULINGS
    frequency = Subscription.Frequency.DAILY
    confirmed_at = CONFIRMED
    confirmation_sent_at = CONFIRMED

    @factory.post_generation
    def countries(self, create, extracted, **kwargs):
        if create and extracted:
            self.countries.set(extracted)

    @factory.post_generation
    def regulators(self, create, extracted, **kwargs):
        if create and extracted:
            self.regulators.set(extracted)


def after_confirmation(**delta) -> datetime.datetime:
    return CONFIRMED + datetime.timedelta(**delta)


def digests_to(address: str, outbox=None):
    """Digest emails (not confirmations) sent to ``address``."""
    return [m for m in (mail.outbox if outbox is None else outbox) if address in m.to and "digest:" in m.subject]


def html_part(message) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


def first_link(text: str, path_fragment: str) -> str:
    """The first absolute link in ``text`` whose path contains ``path_fragment``."""
    match = re.search(rf"https?://[^\s\"<>]*{re.escape(path_fragment)}[^\s\"<>]*", text)
    assert match, f"no link containing {path_fragment!r} in:\n{text}"
    return match.group(0)


def path_of(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


def now():
    return timezone.now()
