"""Every list costs the same number of queries whatever the page size (no N+1)."""

import datetime

import pytest
from django.utils import timezone

from agencies.models import Agency, Bloc, Membership
from rulings.models import Proceeding, Regulator, Ruling
from tracker.models import Flag

pytestmark = pytest.mark.django_db

ROWS = 520


@pytest.fixture
def plenty():
    """Over 500 rows of every kind, each agency flagged by two rulings, each ruling listing
    agencies and carrying proceedings (so that its standing is computed from them)."""
    regulators = Regulator.objects.bulk_create(
        Regulator(name=f"Authority {n}", jurisdiction="CA") for n in range(ROWS)
    )
    agencies = Agency.objects.bulk_create(Agency(name=f"Police {n}", country_id="CA", kind="police") for n in range(ROWS))
    now = timezone.now()
    rulings = Ruling.objects.bulk_create(
        Ruling(
            regulator=regulators[n],
            title=f"Finding {n}",
            decided_on=datetime.date(2021, 1, 1),
            outcome="unlawful",
            scope="agencies",
            sources=[{"url": "https://example.org"}],
            status="published",
            published_at=now,
        )
        for n in range(ROWS)
    )
    Ruling.agencies.through.objects.bulk_create(
        Ruling.agencies.through(ruling=ruling, agency=agencies[(n + shift) % ROWS])
        for n, ruling in enumerate(rulings)
        for shift in (0, 1)
    )
    Proceeding.objects.bulk_create(
        Proceeding(
            ruling=ruling,
            body="Administrative Court",
            decided_on=datetime.date(2021, 6, 1) + datetime.timedelta(days=step),
            effect=effect,
            sources=[{"url": "https://court.example.org"}],
            status="published",
            published_at=now,
        )
        for n, ruling in enumerate(rulings)
        for step, effect in enumerate(["appealed", "upheld" if n % 2 else "overturned"])
    )
    Flag.objects.bulk_create(
        Flag(
            agency=agencies[n],
            ruling=rulings[(n + shift) % ROWS],
            severity="unlawful",
            timing="ruled_after_use",
            raised_at=now,
            explanation="Because.",
            updated_at=now,
        )
        for n in range(ROWS)
        for shift in (0, 1)
    )
    blocs = Bloc.objects.bulk_create(Bloc(code=f"B{chr(65 + n // 26)}{chr(65 + n % 26)}", name=f"Bloc {n}") for n in range(ROWS))
    Membership.objects.bulk_create(
        Membership(bloc=bloc, country_id=code, joined=datetime.date(2000, 1, 1)) for bloc in blocs for code in ("FR", "DE")
    )


# Queries for an anonymous list: count, page, and one per prefetched relation.
BUDGETS = {
    "/api/v1/countries/": 2,
    "/api/v1/blocs/": 3,
    "/api/v1/regulators/": 2,
    "/api/v1/agencies/": 3,
    "/api/v1/rulings/": 4,
    "/api/v1/proceedings/": 2,
    "/api/v1/flags/": 2,
}
# An authenticated user adds the token lookup and the permission lookups.
AUTHENTICATED_EXTRA = 3


@pytest.mark.parametrize("page_size", [1, 500])
@pytest.mark.parametrize("url", list(BUDGETS))
def test_anonymous_list_query_budget(api_client, plenty, django_assert_max_num_queries, url, page_size):
    with django_assert_max_num_queries(BUDGETS[url]):
        response = api_client.get(url, {"page_size": page_size})

    assert response.status_code == 200
    assert len(response.json()["results"]) == min(page_size, response.json()["count"])


@pytest.mark.parametrize("page_size", [1, 500])
@pytest.mark.parametrize("url", list(BUDGETS))
def test_staff_list_query_budget(editor_client, plenty, django_assert_max_num_queries, url, page_size):
    with django_assert_max_num_queries(BUDGETS[url] + AUTHENTICATED_EXTRA):
        response = editor_client.get(url, {"page_size": page_size})

    assert response.status_code == 200


@pytest.mark.parametrize("page_size", [1, 500])
def test_filtered_agency_list_query_budget(api_client, plenty, django_assert_max_num_queries, page_size):
    # The country filter looks its code up once.
    with django_assert_max_num_queries(BUDGETS["/api/v1/agencies/"] + 1):
        response = api_client.get(
            "/api/v1/agencies/", {"page_size": page_size, "country": "CA", "status": "flagged", "ordering": "-searches"}
        )

    assert response.json()["count"] == ROWS
    assert all(len(row["flags"]) == 2 for row in response.json()["results"])


@pytest.mark.parametrize("page_size", [1, 500])
def test_rulings_filtered_by_standing_cost_one_query_more(api_client, plenty, django_assert_max_num_queries, page_size):
    # The standing of every candidate ruling is computed from one read of their proceedings.
    with django_assert_max_num_queries(BUDGETS["/api/v1/rulings/"] + 1):
        response = api_client.get("/api/v1/rulings/", {"page_size": page_size, "standing": "overturned"})

    assert response.json()["count"] == ROWS // 2
    assert {row["standing"] for row in response.json()["results"]} == {"overturned"}
    assert all(len(row["proceedings"]) == 2 for row in response.json()["results"])
