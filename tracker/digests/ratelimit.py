"""A fixed-window counter of subscription requests per client, kept in the cache."""

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

WINDOW_SECONDS = 3600


def client_ip(request) -> str:
    """The address the request came from (the proxy in front is expected to set it)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def subscribe_attempt(ip: str) -> int | None:
    """Count one request from ``ip``; None when allowed, else seconds until the next window."""
    now = int(timezone.now().timestamp())
    window = now // WINDOW_SECONDS
    key = f"digests:subscribe:{ip}:{window}"
    if cache.add(key, 1, timeout=WINDOW_SECONDS):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=WINDOW_SECONDS)
            count = 1
    if count > settings.DIGESTS_SUBSCRIBE_RATE:
        return (window + 1) * WINDOW_SECONDS - now
    return None
