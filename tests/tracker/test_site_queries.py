"""Every public page costs a fixed number of queries, however many rows it shows."""

import datetime

import pytest

from tests.rulings.factories import ProceedingFactory, RulingFactory
from tests.tracker.site_records import add_flagged_agencies, build_records, build_uk_case

pytestmark = pytest.mark.django_db

# The most queries each page may issue, at any size of data.
BUDGETS = {
    "home": 8,  # page-cache key, countries for the filter, count, flagged count (+ its cache key), page, flags, last update
    "home_filtered": 6,
    "home_by_status": 8,
    # agency, its flags, their rulings' proceedings, covering rulings, their proceedings,
    # memberships, bloc names, last change
    "agency": 8,
    "agency_under_appeal": 8,
    "country": 10,
    "countries": 5,
    # country and regulator choices, count, page, proceedings, bloc names, last change
    "rulings": 7,
    "rulings_filtered": 8,  # + the standing of the rulings with proceedings
    # ruling, listed agencies, proceedings, flag count, flags page, cleared count, blocs, last change
    "ruling": 8,
    "ruling_with_proceedings": 8,
}


def urls(records):
    return {
        "home": "/",
        "home_filtered": "/?country=CA&kind=police&status=flagged&search=police&ordering=-searches",
        "home_by_status": "/?ordering=-status&page=2",
        "agency": records.agencies.toronto.get_absolute_url(),
        "agency_under_appeal": records.uk.met.get_absolute_url(),
        "country": "/countries/CA/",
        "countries": "/countries/",
        "rulings": "/rulings/",
        "rulings_filtered": "/rulings/?standing=in_force&country=CA&outcome=unlawful&search=a",
        "ruling": records.rulings.canada.get_absolute_url(),
        "ruling_with_proceedings": records.uk.ruling.get_absolute_url(),
    }


@pytest.mark.parametrize("extra_agencies", [0, 80])
@pytest.mark.parametrize("page", sorted(BUDGETS))
def test_page_query_budget_holds_at_two_sizes(client, django_assert_max_num_queries, page, extra_agencies):
    # Given the records, and at the larger size 80 more flagged agencies and 20 more rulings
    # with proceedings (one of them on each ruling the pages show)
    records = build_records()
    records.uk = build_uk_case()
    if extra_agencies:
        add_flagged_agencies(extra_agencies, ruling=records.rulings.canada)
        for ruling in RulingFactory.create_batch(20, regulator=records.regulators.opc):
            ProceedingFactory(ruling=ruling)
        for ruling in (records.rulings.canada, records.rulings.sweden, records.uk.ruling):
            ProceedingFactory(ruling=ruling, effect="upheld", decided_on=datetime.date(2026, 3, 1))

    # When the page is requested, then it stays within its budget
    with django_assert_max_num_queries(BUDGETS[page]):
        response = client.get(urls(records)[page])
    assert response.status_code == 200
