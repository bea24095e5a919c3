"""What a digest email says, and the staff digest of flags."""

import datetime
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command

from rulings.models import Ruling
from tests.agencies.factories import AgencyFactory
from tests.rulings.factories import RegulatorFactory, RulingFactory
from tests.tracker.factories import FlagFactory
import tracker.digests.admin  # noqa: F401  (registers the digest admin before the URLs load)
from tracker.digests.links import manage_url, unsubscribe_url
from tracker.digests.services import digests_dispatch
from tracker.models import Flag, Subscription

from .digests_support import SubscriptionFactory, after_confirmation, digests_to, html_part

pytestmark = pytest.mark.django_db


def run_daily(days=1):
    with time_machine.travel(after_confirmation(days=days), tick=False):
        return digests_dispatch(frequency="daily")


@pytest.fixture
def fined_ruling():
    """A Swedish finding with a fine, flagging two agencies (one of them cleared since)."""
    regulator = RegulatorFactory(name="Swedish Authority for Privacy Protection", short_name="IMY", jurisdiction="SE")
    with time_machine.travel(after_confirmation(hours=3), tick=False):
        ruling = RulingFactory(
            regulator=regulator,
            title="Police use of the face search was unlawful",
            decided_on=datetime.date(2021, 2, 10),
            outcome=Ruling.Outcome.UNLAWFUL,
            scope=Ruling.Scope.JURISDICTION,
            fine_amount=Decimal("2500000.00"),
            fine_currency="SEK",
            case_reference="DI-2020-2719",
            summary="The police used the search without a legal basis & without an impact assessment.",
            sources=[
                {"url": "https://news.example.org/sweden", "title": "Swedish police fined", "publisher": "Reuters",
                 "published_on": None, "kind": "secondary", "archived_url": None, "quote": None},
                {"url": "https://www.imy.se/en/decision", "title": "IMY decision", "publisher": "IMY",
                 "published_on": "2021-02-11", "kind": "primary", "archived_url": None, "quote": None},
            ],
        )
        FlagFactory(ruling=ruling, agency=AgencyFactory(name="Swedish Police Authority", country_id="SE"))
        FlagFactory(
            ruling=ruling,
            agency=AgencyFactory(name="Cleared Agency", country_id="SE"),
            active=False,
            cleared_at=after_confirmation(hours=4),
        )
    return ruling


def test_a_digest_has_a_text_and_an_html_part_with_everything_about_each_ruling(fined_ruling):
    # Given a subscriber following Sweden, and a published Swedish ruling with a fine
    subscriber = SubscriptionFactory(email="reader@example.org", countries=["SE"])
    # When the daily run goes
    run_daily()
    # Then the email names the count and period, and each part shows the ruling in full
    (message,) = digests_to(subscriber.email)
    assert message.subject == "Daily digest: 1 new ruling (2 Mar – 3 Mar 2026)"
    ruling_url = f"https://tracker.example.org/rulings/{fined_ruling.pk}/"
    for part in (message.body, html_part(message)):
        assert "Police use of the face search was unlawful" in part
        assert "Swedish Authority for Privacy Protection" in part
        assert "10 February 2021" in part
        assert "unlawful, a finding about the use by public bodies" in part
        assert "all use in the jurisdiction" in part
        assert "in force" in part
        assert "DI-2020-2719" in part
        assert "SEK 2,500,000" in part
        assert "Swedish Police Authority" in part and "Cleared Agency" not in part
        assert ruling_url in part
        # Its summary, and the link of its primary source (not the first listed)
        assert "without a legal basis" in part
        assert "https://www.imy.se/en/decision" in part and "https://news.example.org/sweden" not in part
        # The footer: the filters, a manage link and an unsubscribe link, all absolute
        assert "Sweden (SE)" in part
        assert manage_url(subscriber) in part
        assert unsubscribe_url(subscriber) in part
    assert f'href="{ruling_url}"' in html_part(message)
    assert 'Source: <a href="https://www.imy.se/en/decision">IMY decision</a>, IMY' in html_part(message)
    # Text is escaped once in the HTML part, never in the plain one
    assert "without a legal basis &amp; without" in html_part(message)
    assert "without a legal basis & without" in message.body


def test_a_digest_prints_dates_at_their_precision_and_a_vendor_findings_subject():
    subscriber = SubscriptionFactory()
    with time_machine.travel(after_confirmation(hours=1), tick=False):
        RulingFactory(
            title="Order against the vendor", decided_on=datetime.date(2021, 2, 1), decided_on_precision="month",
            announced_on=datetime.date(2021, 2, 3), concerns=Ruling.Concerns.VENDOR,
        )
    run_daily()
    (message,) = digests_to(subscriber.email)
    for part in (message.body, unescape(html_part(message))):
        assert "February 2021 (made public 3 February 2021)" in part
        assert "1 February 2021" not in part
        assert "a finding about the vendor's own practices" in part


def test_a_digest_carries_the_one_click_unsubscribe_headers(fined_ruling):
    subscriber = SubscriptionFactory()
    run_daily()
    (message,) = digests_to(subscriber.email)
    headers = message.message()
    assert headers["List-Unsubscribe"] == f"<{unsubscribe_url(subscriber)}>"
    assert headers["List-Unsubscribe"].startswith("<https://tracker.example.org/subscriptions/unsubscribe/")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_subject_counts_several_rulings_and_marks_the_weekly_period():
    # Given a weekly subscriber and three rulings, one of them without a fine
    subscriber = SubscriptionFactory(frequency="weekly")
    for hours in (1, 2, 3):
        with time_machine.travel(after_confirmation(hours=hours), tick=False):
            RulingFactory()
    # When the weekly run goes
    with time_machine.travel(after_confirmation(days=7), tick=False):
        digests_dispatch(frequency="weekly")
    # Then the subject says so
    (message,) = digests_to(subscriber.email)
    assert message.subject == "Weekly digest: 3 new rulings (2 Mar – 9 Mar 2026)"
    assert "Fine: none" in message.body
    assert "Your filters: countries: all; regulators: all." in message.body


def staff_user(username="curator", email="curator@example.org", is_staff=True):
    return User.objects.create_user(username, email, "pw", is_staff=is_staff)


def test_staff_receive_a_digest_of_flags_raised_and_cleared():
    # Given a staff member subscribed to the daily digest of flags
    user = staff_user()
    with time_machine.travel(after_confirmation(), tick=False):
        call_command("subscribe_flag_digest", "curator", "--frequency", "daily")
    raised = FlagFactory(
        raised_at=after_confirmation(hours=2), agency=AgencyFactory(name="Raised Police"), basis=Flag.Basis.VENDOR,
        under_appeal=True,
    )
    FlagFactory(
        raised_at=after_confirmation(hours=1),
        cleared_at=after_confirmation(hours=5),
        active=False,
        agency=AgencyFactory(name="Cleared Police"),
        cleared_reason="The Federal Court set the ruling aside on 3 March 2026.",
    )
    FlagFactory(raised_at=after_confirmation(days=-3), agency=AgencyFactory(name="Old Police"))
    # When the daily run goes
    run_daily()
    # Then one email lists the new and the cleared flags since the subscription, not older ones
    (message,) = [m for m in mail.outbox if m.to == [user.email]]
    assert message.subject == "Daily flags digest: 2 raised, 1 cleared (2 Mar – 3 Mar 2026)"
    raised_section, cleared_section = message.body.split("Flags cleared:")
    assert "Raised Police" in raised_section and "Cleared Police" in cleared_section
    assert "Raised Police (unlawful, under appeal; a finding about the vendor)" in raised_section
    assert "decided 2 February 2021" in raised_section
    assert "Why: The Federal Court set the ruling aside on 3 March 2026." in cleared_section
    assert "Old Police" not in message.body
    assert f"https://tracker.example.org/agencies/{raised.agency_id}/" in message.body
    assert message.message()["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # And when that flag is cleared later, the next digest reports only that
    Flag.objects.filter(pk=raised.pk).update(active=False, cleared_at=after_confirmation(days=1, hours=2))
    run_daily(days=2)
    latest = [m for m in mail.outbox if m.to == [user.email]][-1]
    assert latest.subject.startswith("Daily flags digest: 0 raised, 1 cleared")
    assert "Raised Police" in latest.body and "Cleared Police" not in latest.body
    # And a third run has nothing to say
    run_daily(days=3)
    assert len([m for m in mail.outbox if m.to == [user.email]]) == 2


def test_only_staff_can_have_the_flags_digest_and_it_stops_with_staff_status():
    # Given a user who is not staff
    staff_user("visitor", "visitor@example.org", is_staff=False)
    # When they are subscribed to the flags digest, it is refused
    with pytest.raises(CommandError, match="staff"):
        call_command("subscribe_flag_digest", "visitor")
    # And a staff member who loses staff status stops receiving it
    user = staff_user()
    with time_machine.travel(after_confirmation(), tick=False):
        call_command("subscribe_flag_digest", "curator")
    FlagFactory(raised_at=after_confirmation(hours=2))
    User.objects.filter(pk=user.pk).update(is_staff=False)
    run_daily()
    assert mail.outbox == []
    assert Subscription.objects.filter(kind="flags").count() == 1


def test_an_admin_gives_a_staff_member_the_flags_digest(client):
    # Given an administrator and a curator on the staff
    admin = User.objects.create_superuser("admin", "admin@example.org", "pw")
    curator = staff_user()
    client.force_login(admin)
    # When the administrator adds a subscription for the curator in the admin
    response = client.post("/admin/tracker/subscription/add/", {"user": curator.pk, "frequency": "weekly"})
    # Then the curator has a confirmed weekly digest of flags at their address
    assert response.status_code == 302
    subscription = Subscription.objects.get(kind="flags")
    assert (subscription.email, subscription.frequency, subscription.user) == ("curator@example.org", "weekly", curator)
    assert subscription.is_active
    assert client.get(f"/admin/tracker/subscription/{subscription.pk}/change/").status_code == 200
    assert "curator@example.org" in client.get("/admin/tracker/subscription/").content.decode()
    # And a user who is not staff is refused, with the reason on the form
    visitor = staff_user("visitor", "visitor@example.org", is_staff=False)
    response = client.post("/admin/tracker/subscription/add/", {"user": visitor.pk, "frequency": "daily"})
    assert response.status_code == 200
    assert "Only active staff members" in response.content.decode()


def test_send_digests_command_runs_the_same_delivery(capsys):
    # Given a subscriber with one new ruling
    subscriber = SubscriptionFactory()
    with time_machine.travel(after_confirmation(hours=1), tick=False):
        RulingFactory()
    # When the command runs, twice
    with time_machine.travel(after_confirmation(days=1), tick=False):
        call_command("send_digests", "--frequency", "daily")
        call_command("send_digests", "--frequency", "daily")
    # Then one email went, and the output says what happened
    assert len(digests_to(subscriber.email)) == 1
    out = capsys.readouterr().out
    assert "daily digests: 1 subscriber(s) in 1 batch(es); 1 email(s) sent here" in out
    assert "0 email(s) sent here" in out


def test_send_digests_needs_a_known_frequency():
    with pytest.raises(CommandError, match="frequency"):
        call_command("send_digests", "--frequency", "hourly")


def test_beat_sends_daily_at_seven_and_weekly_on_monday_at_seven_utc():
    from config.celery import app

    app.finalize()
    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    daily, weekly = schedule["digests-daily"], schedule["digests-weekly"]
    assert daily["task"] == weekly["task"] == "tracker.digests.tasks.digests_dispatch_task"
    assert daily["args"] == ("daily",) and weekly["args"] == ("weekly",)
    assert daily["schedule"].hour == {7} and daily["schedule"].minute == {0}
    assert len(daily["schedule"].day_of_week) == 7
    assert weekly["schedule"].hour == {7} and weekly["schedule"].day_of_week == {1}
