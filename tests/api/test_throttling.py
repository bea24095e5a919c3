"""Rate limits from settings: past the rate, a 429 with Retry-After."""

import pytest
from django.conf import settings
from django.test import override_settings

pytestmark = pytest.mark.django_db


def rates(anon, user):
    return {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": anon, "user": user}}


def test_an_anonymous_client_past_its_rate_gets_a_429(api_client):
    with override_settings(REST_FRAMEWORK=rates("3/minute", "100/minute")):
        statuses = [api_client.get("/api/v1/countries/").status_code for _ in range(4)]
        refused = api_client.get("/api/v1/agencies/")

    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "throttled" in refused.json()["detail"]


def test_a_user_has_its_own_rate(editor_client, api_client):
    with override_settings(REST_FRAMEWORK=rates("1/minute", "5/minute")):
        user_statuses = [editor_client.get("/api/v1/agencies/").status_code for _ in range(6)]
        anonymous_statuses = [api_client.get("/api/v1/agencies/").status_code for _ in range(2)]

    assert user_statuses == [200] * 5 + [429]
    assert anonymous_statuses == [200, 429]
