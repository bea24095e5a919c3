"""The emails of the digests: plain text and HTML from templates, links absolute."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from agencies.sources import primary_source
from rulings.dates import format_date

from ..models import FlagDelivery, Subscription
from ..site import words
from . import links
from .selectors import DigestContent


def _message(*, subject: str, template: str, context: dict, to: str, headers=None, connection=None) -> EmailMultiAlternatives:
    context = {"site_url": settings.SITE_URL, **context}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers or {},
        connection=connection,
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message


def _day(moment: datetime.datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


def period_label(since: datetime.datetime, until: datetime.datetime) -> str:
    """``3 Mar – 10 Mar 2026``, or one day when both fall on it."""
    if since.date() == until.date():
        return _day(until)
    start = f"{since.day} {since:%b}" if since.year == until.year else _day(since)
    return f"{start} – {_day(until)}"


def filters_description(subscription: Subscription) -> dict:
    """The subscriber's filters, for the footer: names of countries and regulators."""
    return {
        "countries": [f"{country.name} ({country.code})" for country in subscription.countries.all()],
        "regulators": [str(regulator) for regulator in subscription.regulators.all()],
    }


def unsubscribe_headers(subscription: Subscription) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe headers (RFC 2369 List-Unsubscribe)."""
    return {
        "List-Unsubscribe": f"<{links.unsubscribe_url(subscription)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def digest_message(content: DigestContent, *, connection=None) -> EmailMultiAlternatives:
    """The email of one digest, rulings or flags, addressed to its subscriber."""
    subscription = content.subscription
    now = timezone.now()
    period = period_label(content.since, now)
    frequency = subscription.get_frequency_display().capitalize()
    context = {
        "subscription": subscription,
        "period": period,
        "since_words": "since you subscribed" if content.first else "since your last digest",
        "filters": filters_description(subscription),
        "manage_url": links.manage_url(subscription),
        "unsubscribe_url": links.unsubscribe_url(subscription),
    }
    if subscription.kind == Subscription.Kind.FLAGS:
        raised = [event for event in content.flag_events if event.event == FlagDelivery.Event.RAISED]
        cleared = [event for event in content.flag_events if event.event == FlagDelivery.Event.CLEARED]
        subject = f"{frequency} flags digest: {len(raised)} raised, {len(cleared)} cleared ({period})"
        template = "digest_flags"
        context.update(
            raised=[_flag_item(event) for event in raised], cleared=[_flag_item(event) for event in cleared]
        )
    else:
        count = len(content.rulings)
        noun = "ruling" if count == 1 else "rulings"
        subject = f"{frequency} digest: {count} new {noun} ({period})"
        template = "digest_rulings"
        context["rulings"] = [_ruling_item(ruling) for ruling in content.rulings]
    context["subject"] = subject
    return _message(
        subject=subject,
        template=template,
        context=context,
        to=subscription.email,
        headers=unsubscribe_headers(subscription),
        connection=connection,
    )


def _ruling_item(ruling) -> dict:
    """What the emails print of one ruling, in the words the pages use: the date at its
    precision, what the finding is about, its standing today, the fine in its currency,
    the source to open first and the absolute link to its page."""
    return {
        "ruling": ruling,
        "url": links.absolute(ruling.get_absolute_url()),
        "flags": getattr(ruling, "active_flags", []),
        "decided": format_date(ruling.decided_on, ruling.decided_on_precision),
        "announced": format_date(ruling.announced_on) if ruling.announced_on else "",
        "about": "the vendor's own practices" if ruling.concerns == "vendor" else "the use by public bodies",
        "standing": words.describe_standing(ruling).words,
        "fine": words.fine_words(ruling.fine_amount, ruling.fine_currency),
        "source": primary_source(ruling.sources),
    }


def _flag_item(delivery: FlagDelivery) -> dict:
    flag = delivery.flag
    ruling = flag.ruling
    return {
        "flag": flag,
        "at": delivery.event_at,
        "decided": format_date(ruling.decided_on, ruling.decided_on_precision),
        "basis": words.basis_short(flag),
        "agency_url": links.absolute(flag.agency.get_absolute_url()),
        "ruling_url": links.absolute(ruling.get_absolute_url()),
    }


def confirmation_message(subscription: Subscription) -> EmailMultiAlternatives:
    """Asks the address's owner to confirm by following a signed, expiring link."""
    hours = settings.DIGESTS_CONFIRM_MAX_AGE // 3600
    return _message(
        subject="Confirm your subscription to the regulatory-status digest",
        template="digest_confirm",
        context={
            "subscription": subscription,
            "confirm_url": links.confirm_url(subscription),
            "valid_for": f"{hours} hours" if hours < 48 else f"{hours // 24} days",
            "filters": filters_description(subscription),
        },
        to=subscription.email,
    )


def already_subscribed_message(subscription: Subscription) -> EmailMultiAlternatives:
    """Tells a confirmed subscriber who asked again how to change their subscription."""
    return _message(
        subject="You are already subscribed to the regulatory-status digest",
        template="digest_already_subscribed",
        context={
            "subscription": subscription,
            "manage_url": links.manage_url(subscription),
            "unsubscribe_url": links.unsubscribe_url(subscription),
            "filters": filters_description(subscription),
        },
        to=subscription.email,
        headers=unsubscribe_headers(subscription),
    )
