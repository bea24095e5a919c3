"""Digests end to end: HTTP, a real Celery worker on Redis, and a real SMTP server.

A reader subscribes through the public form over HTTP, receives the confirmation over
SMTP, follows the link, gets a digest built and sent by a worker, and unsubscribes with
the one-click POST of RFC 8058; afterwards nothing more reaches them.
"""

import datetime
import re
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command
from django.utils import timezone

from tests.rulings.factories import RegulatorFactory, RulingFactory
from tracker.digests.tasks import digests_send_confirmation_task
from tracker.models import Digest, RulingDelivery, Subscription

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def digest_worker():
    """A Celery worker in this process, consuming the real Redis broker (not eager)."""
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.control.purge()
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", concurrency=1, loglevel="WARNING", shutdown_timeout=30):
            yield app
    finally:
        app.conf.task_always_eager = eager


class Browser:
    """A minimal cookie-keeping HTTP client for the live server."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def local(self, url):
        """The live-server address of an absolute link from an email (SITE_URL differs)."""
        parts = urllib.parse.urlsplit(url)
        return self.base_url + parts.path

    def get(self, path):
        with self.opener.open(self.base_url + path if path.startswith("/") else path, timeout=15) as response:
            return response.status, response.read().decode()

    def post(self, url, data: bytes, content_type="application/x-www-form-urlencoded"):
        request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": content_type})
        with self.opener.open(request, timeout=15) as response:
            return response.status, response.read().decode()


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message):
    return message.get_body(preferencelist=("html",)).get_content()


def link_in(text, fragment):
    match = re.search(rf"https?://\S*{re.escape(fragment)}\S*", text)
    assert match, f"no {fragment} link in {text}"
    return match.group(0)


def test_subscribe_confirm_receive_and_unsubscribe_over_real_services(live_server, smtp_settings, digest_worker):
    smtp = smtp_settings
    browser = Browser(live_server.url)
    regulator = RegulatorFactory(name="Office of the Privacy Commissioner", jurisdiction="CA")

    # Given a reader who subscribes through the HTML form, with its CSRF token
    status, page = browser.get("/subscriptions/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "email": "reader@example.org", "frequency": "daily", "countries": "CA"}
    ).encode()
    status, page = browser.post(live_server.url + "/subscriptions/", form)
    assert status == 200 and "Check your inbox" in page

    # Then the worker emails a confirmation link over SMTP, and following it confirms
    (confirmation,) = smtp.wait_for(1)
    assert confirmation["To"] == "reader@example.org"
    status, page = browser.get(browser.local(link_in(text_of(confirmation), "/subscriptions/confirm/")))
    assert status == 200 and "Subscription confirmed" in page
    assert Subscription.objects.active().filter(email="reader@example.org").exists()

    # Given a ruling published afterwards, one in another country, and a second subscriber
    confirmed("witness@example.org")
    canadian = RulingFactory(regulator=regulator, title="Police use in Canada was unlawful")
    RulingFactory(regulator=RegulatorFactory(jurisdiction="FR"), title="A French finding")

    # When the daily run is started and the worker sends the batches
    call_command("send_digests", "--frequency", "daily", "--batch-size", "1")
    messages = smtp.wait_for(3)

    # Then the reader got one digest with the Canadian ruling, absolute links and RFC 8058 headers
    digests = [m for m in messages if m["To"] == "reader@example.org" and "digest:" in m["Subject"]]
    assert len(digests) == 1
    digest = digests[0]
    assert digest["Subject"].startswith("Daily digest: 1 new ruling")
    assert canadian.title in text_of(digest) and "A French finding" not in text_of(digest)
    assert f"https://tracker.example.org/rulings/{canadian.pk}/" in html_of(digest)
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = digest["List-Unsubscribe"].strip().strip("<>")  # the header may be folded
    assert unsubscribe.startswith("https://tracker.example.org/subscriptions/unsubscribe/")

    # When their mail client makes the one-click POST (no cookie, no CSRF token)
    status, page = Browser(live_server.url).post(browser.local(unsubscribe), b"List-Unsubscribe=One-Click")
    assert status == 200 and "You are unsubscribed" in page

    # Then a later run sends the witness their digest and the reader nothing
    RulingFactory(regulator=regulator, title="A second Canadian finding")
    call_command("send_digests", "--frequency", "daily", "--batch-size", "1")
    after = smtp.wait_for(4)
    assert after[-1]["To"] == "witness@example.org"
    assert [m["To"] for m in after].count("reader@example.org") == 2  # the confirmation and one digest


def test_runs_started_twice_over_the_broker_send_each_email_once(smtp_settings, digest_worker):
    # Given twelve subscribers and two new rulings
    for index in range(12):
        confirmed(f"reader{index}@example.org")
    RulingFactory()
    RulingFactory()
    # When the run is started twice, so every batch is queued twice
    call_command("send_digests", "--frequency", "daily", "--batch-size", "5")
    call_command("send_digests", "--frequency", "daily", "--batch-size", "5")
    # And a confirmation is queued behind them: the worker takes tasks in order, one at a
    # time, so when it arrives every batch has been handled
    sentinel = Subscription.objects.create(email="sentinel@example.org", frequency="daily")
    digests_send_confirmation_task.delay(sentinel.pk)
    messages = smtp_settings.wait_for(13, timeout=60)
    # Then each subscriber has exactly one email
    assert messages[-1]["To"] == "sentinel@example.org"
    received = sorted(m["To"] for m in messages[:-1])
    assert received == sorted(f"reader{index}@example.org" for index in range(12))
    assert RulingDelivery.objects.count() == 24
    assert set(Digest.objects.values_list("status", flat=True)) == {Digest.Status.SENT}


def confirmed(email):
    """A subscriber confirmed a moment ago, with no filters."""
    return Subscription.objects.create(email=email, frequency="daily", confirmed_at=timezone.now() - datetime.timedelta(seconds=1))
