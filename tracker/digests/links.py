"""Signed links in digest emails: confirm (expiring), manage and unsubscribe (lasting).

Each kind of link has its own salt, so a manage link cannot be replayed as a
confirmation. Links are absolute, under ``settings.SITE_URL``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

CONFIRM_SALT = "tracker.digests.confirm"
MANAGE_SALT = "tracker.digests.manage"
UNSUBSCRIBE_SALT = "tracker.digests.unsubscribe"


class InvalidLink(Exception):
    """A link that was forged, altered, expired or superseded; ``reason`` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ConfirmClaim:
    subscription_id: int
    email: str
    issued_at: datetime.datetime


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def confirm_token(subscription) -> str:
    """A token that confirms this subscription's address until DIGESTS_CONFIRM_MAX_AGE passes."""
    payload = {"s": subscription.pk, "e": subscription.email, "t": int(timezone.now().timestamp())}
    return signing.dumps(payload, salt=CONFIRM_SALT)


def read_confirm_token(token: str) -> ConfirmClaim:
    """The claim a confirmation token carries, or InvalidLink (``expired`` or ``invalid``)."""
    try:
        payload = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.DIGESTS_CONFIRM_MAX_AGE)
    except signing.SignatureExpired as error:
        raise InvalidLink("expired") from error
    except signing.BadSignature as error:
        raise InvalidLink("invalid") from error
    try:
        issued_at = datetime.datetime.fromtimestamp(int(payload["t"]), tz=datetime.timezone.utc)
        return ConfirmClaim(int(payload["s"]), str(payload["e"]), issued_at)
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidLink("invalid") from error


def _lasting_token(subscription_id: int, salt: str) -> str:
    return signing.Signer(salt=salt).sign_object(subscription_id)


def _read_lasting_token(token: str, salt: str) -> int:
    try:
        return int(signing.Signer(salt=salt).unsign_object(token))
    except (signing.BadSignature, TypeError, ValueError) as error:
        raise InvalidLink("invalid") from error


def read_manage_token(token: str) -> int:
    """The subscription id a manage link names, or InvalidLink."""
    return _read_lasting_token(token, MANAGE_SALT)


def read_unsubscribe_token(token: str) -> int:
    """The subscription id an unsubscribe link names, or InvalidLink."""
    return _read_lasting_token(token, UNSUBSCRIBE_SALT)


def confirm_url(subscription) -> str:
    return absolute(reverse("digests:confirm", kwargs={"token": confirm_token(subscription)}))


def manage_url(subscription) -> str:
    return absolute(reverse("digests:manage", kwargs={"token": _lasting_token(subscription.pk, MANAGE_SALT)}))


def unsubscribe_url(subscription) -> str:
    """The RFC 8058 one-click target: a POST here unsubscribes, a GET asks first."""
    return absolute(reverse("digests:unsubscribe", kwargs={"token": _lasting_token(subscription.pk, UNSUBSCRIBE_SALT)}))


def subscribe_url() -> str:
    return absolute(reverse("digests:subscribe"))
