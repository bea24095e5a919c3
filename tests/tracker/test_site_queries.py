"""Every public page costs a fixed number of queries, however many rows it shows."""

import pytest

from tests.rulings.factories import RulingFactory
from tests.tracker.site_records import add_flagged_agencies, build_records

pytestmark = pytest.mark.django_db

# The most queries each page may issue, at any size of data.
BUDGETS = {
    "home": 8,  # page-cache key, countries for the filter, count, flagged count (+ its cache key), page, flags, last update
    "home_filtered": 6,
    "home_by_status": 8,
    "agency": 6,  # agency, its flags, covering rulings, memberships, bloc names, last update
    "country": 10,
    "countries": 5,
    "rulings": 4,
    "ruling": 7,  # ruling, listed agencies, flag count, flags page, cleared count, blocs, last update
}


def urls(records):
    return {
        "home": "/",
        "home_filtered": "/?country=CA&kind=police&status=flagged&search=police&ordering=-searches",
        "home_by_status": "/?ordering=-status&page=2",
        "agency": records.agencies.toronto.get_absolute_url(),
        "country": "/countries/CA/",
        "countries": "/countries/",
        "rulings": "/rulings/",
        "ruling": records.rulings.canada.get_absolute_url(),
    }


@pytest.mark.parametrize("extra_agencies", [0, 80])
@pytest.mark.parametrize("page", sorted(BUDGETS))
def test_page_query_budget_holds_at_two_sizes(client, django_assert_max_num_queries, page, extra_agencies):
    # Given the records, and at the larger size 80 more flagged agencies and 20 more rulings
    records = build_records()
    if extra_agencies:
        add_flagged_agencies(extra_agencies, ruling=records.rulings.canada)
        RulingFactory.create_batch(20, regulator=records.regulators.opc)

    # When the page is requested, then it stays within its budget
    with django_assert_max_num_queries(BUDGETS[page]):
        response = client.get(urls(records)[page])
    assert response.status_code == 200
