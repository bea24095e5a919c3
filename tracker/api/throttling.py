"""Rate limits for anonymous clients and users, read from settings at each request.

DRF's own classes copy the rates once at import; reading them per request lets the rates
follow ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (``API_THROTTLE_ANON`` and
``API_THROTTLE_USER``) wherever they are set.
"""

from rest_framework import throttling
from rest_framework.settings import api_settings


class _RatesFromSettings:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonRateThrottle(_RatesFromSettings, throttling.AnonRateThrottle):
    """Requests per anonymous client, by IP address."""


class UserRateThrottle(_RatesFromSettings, throttling.UserRateThrottle):
    """Requests per authenticated user."""
