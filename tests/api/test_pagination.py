"""Lists come in pages of {count, next, previous, results}; page_size is capped at 1000."""

import pytest

from agencies.models import Agency

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_agencies():
    Agency.objects.bulk_create(
        Agency(name=f"Police Service {n:04d}", country_id="CA", kind="police") for n in range(1205)
    )


def test_a_list_is_paginated_with_count_next_and_previous(api_client, many_agencies):
    first = api_client.get("/api/v1/agencies/", {"page_size": 100}).json()
    second = api_client.get(first["next"]).json()

    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 1205 and len(first["results"]) == 100
    assert first["previous"] is None
    assert "page=2" in first["next"] and "page_size=100" in first["next"]
    assert second["results"][0]["name"] == "Police Service 0100"
    assert second["previous"] is not None


def test_the_default_page_has_fifty_rows(api_client, many_agencies):
    assert len(api_client.get("/api/v1/agencies/").json()["results"]) == 50


def test_a_page_size_above_1000_is_capped_not_refused(api_client, many_agencies):
    response = api_client.get("/api/v1/agencies/", {"page_size": 5000})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1000


def test_the_last_page_holds_the_rest(api_client, many_agencies):
    last = api_client.get("/api/v1/agencies/", {"page_size": 1000, "page": 2}).json()

    assert len(last["results"]) == 205 and last["next"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [({"page": "abc"}, "page"), ({"page": "0"}, "page"), ({"page_size": "0"}, "page_size"), ({"page_size": "lots"}, "page_size")],
)
def test_a_page_or_page_size_that_is_not_a_positive_number_is_a_400(api_client, params, field):
    response = api_client.get("/api/v1/agencies/", params)

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "url",
    ["/api/v1/countries/", "/api/v1/blocs/", "/api/v1/regulators/", "/api/v1/rulings/", "/api/v1/proceedings/", "/api/v1/flags/"],
)
def test_every_list_is_paginated_the_same_way(api_client, url):
    body = api_client.get(url, {"page_size": 1}).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert len(body["results"]) <= 1
