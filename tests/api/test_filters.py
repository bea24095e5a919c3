"""Every filter of the lists, and the 400 that an unusable filter value gets."""

import datetime

import pytest
import time_machine

from rulings.models import Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.rulings.factories import RegulatorFactory, RulingFactory
from tests.tracker.factories import FlagFactory
from tracker.models import Flag

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def agencies():
    """Agencies in three places and three flag states."""
    toronto = AgencyFactory(name="Toronto Police Service", country=country("CA"), subdivision="CA-ON", searches=3400)
    rcmp = AgencyFactory(name="Royal Canadian Mounted Police", country=country("CA"), searches=None)
    hamburg = AgencyFactory(
        name="Hamburg Police", country=country("DE"), subdivision="DE-HH", kind="police", searches=12
    )
    ministry = AgencyFactory(name="Ministry of Justice", country=country("FR"), kind="ministry", searches=90)
    FlagFactory(agency=toronto)
    FlagFactory(agency=hamburg, severity=Flag.Severity.ADVISORY)
    FlagFactory(agency=ministry, active=False, cleared_at=datetime.datetime.now(datetime.UTC))
    return {"toronto": toronto, "rcmp": rcmp, "hamburg": hamburg, "ministry": ministry}


def test_agencies_by_country_subdivision_and_kind(api_client, agencies):
    assert set(ids(api_client.get("/api/v1/agencies/", {"country": "CA"}))) == {
        agencies["toronto"].pk,
        agencies["rcmp"].pk,
    }
    assert ids(api_client.get("/api/v1/agencies/", {"subdivision": "DE-HH"})) == [agencies["hamburg"].pk]
    assert ids(api_client.get("/api/v1/agencies/", {"kind": "ministry"})) == [agencies["ministry"].pk]
    assert ids(api_client.get("/api/v1/agencies/", {"country": "CA", "subdivision": "CA-ON"})) == [
        agencies["toronto"].pk
    ]


def test_agencies_by_flagged(api_client, agencies):
    assert ids(api_client.get("/api/v1/agencies/", {"flagged": "true"})) == [agencies["toronto"].pk]
    assert set(ids(api_client.get("/api/v1/agencies/", {"flagged": "false"}))) == {
        agencies["rcmp"].pk,
        agencies["hamburg"].pk,
        agencies["ministry"].pk,
    }


def test_agencies_by_flag_status(api_client, agencies):
    assert ids(api_client.get("/api/v1/agencies/", {"status": "flagged"})) == [agencies["toronto"].pk]
    assert ids(api_client.get("/api/v1/agencies/", {"status": "advisory"})) == [agencies["hamburg"].pk]
    # A cleared flag leaves an agency with no active flag.
    assert set(ids(api_client.get("/api/v1/agencies/", {"status": "none"}))) == {
        agencies["rcmp"].pk,
        agencies["ministry"].pk,
    }


def test_an_agency_with_both_unlawful_and_advisory_flags_is_flagged_not_advisory(api_client, agencies):
    FlagFactory(agency=agencies["toronto"], severity=Flag.Severity.ADVISORY)

    assert agencies["toronto"].pk in ids(api_client.get("/api/v1/agencies/", {"status": "flagged"}))
    assert agencies["toronto"].pk not in ids(api_client.get("/api/v1/agencies/", {"status": "advisory"}))


def test_agencies_by_name_search_in_any_case(api_client, agencies):
    assert ids(api_client.get("/api/v1/agencies/", {"search": "POLICE"})) == [
        agencies["hamburg"].pk,
        agencies["rcmp"].pk,
        agencies["toronto"].pk,
    ]


def test_agencies_ordering_by_name_and_searches_with_unknown_counts_last(api_client, agencies):
    by_name = ids(api_client.get("/api/v1/agencies/", {"ordering": "name"}))
    most_first = ids(api_client.get("/api/v1/agencies/", {"ordering": "-searches"}))
    least_first = ids(api_client.get("/api/v1/agencies/", {"ordering": "searches"}))

    assert by_name == [agencies[k].pk for k in ("hamburg", "ministry", "rcmp", "toronto")]
    assert most_first == [agencies[k].pk for k in ("toronto", "ministry", "hamburg", "rcmp")]
    assert least_first == [agencies[k].pk for k in ("hamburg", "ministry", "toronto", "rcmp")]


@pytest.fixture
def rulings():
    canada = RegulatorFactory(jurisdiction="CA")
    europe = RegulatorFactory(jurisdiction="EU")
    with time_machine.travel(datetime.datetime(2021, 3, 1, 12, tzinfo=datetime.UTC), tick=False):
        early = RulingFactory(regulator=canada, decided_on=datetime.date(2021, 2, 2))
    with time_machine.travel(datetime.datetime(2022, 6, 1, 12, tzinfo=datetime.UTC), tick=False):
        late = RulingFactory(
            regulator=europe, decided_on=datetime.date(2022, 5, 20), outcome=Ruling.Outcome.LIKELY_UNLAWFUL
        )
        overturned = RulingFactory(
            regulator=canada, decided_on=datetime.date(2022, 1, 10), status=Ruling.Status.OVERTURNED,
            outcome=Ruling.Outcome.LAWFUL,
        )
    return {"canada": canada, "europe": europe, "early": early, "late": late, "overturned": overturned}


def test_rulings_by_regulator_and_jurisdiction(api_client, rulings):
    assert set(ids(api_client.get("/api/v1/rulings/", {"regulator": rulings["canada"].pk}))) == {
        rulings["early"].pk,
        rulings["overturned"].pk,
    }
    assert ids(api_client.get("/api/v1/rulings/", {"jurisdiction": "EU"})) == [rulings["late"].pk]


def test_rulings_by_outcome_and_status(api_client, rulings):
    assert ids(api_client.get("/api/v1/rulings/", {"outcome": "likely_unlawful"})) == [rulings["late"].pk]
    assert ids(api_client.get("/api/v1/rulings/", {"status": "overturned"})) == [rulings["overturned"].pk]


def test_rulings_published_after_an_iso_datetime_inclusive(api_client, rulings):
    assert set(ids(api_client.get("/api/v1/rulings/", {"published_after": "2022-01-01T00:00:00Z"}))) == {
        rulings["late"].pk,
        rulings["overturned"].pk,
    }
    assert rulings["early"].pk in ids(api_client.get("/api/v1/rulings/", {"published_after": "2021-03-01T12:00:00+00:00"}))
    assert ids(api_client.get("/api/v1/rulings/", {"published_after": "2021-03-01T12:00:01Z"})) == [
        rulings["late"].pk,
        rulings["overturned"].pk,
    ]


def test_rulings_decided_between_inclusive_dates(api_client, rulings):
    within = ids(api_client.get("/api/v1/rulings/", {"decided_after": "2021-02-02", "decided_before": "2022-01-10"}))
    assert within == [rulings["overturned"].pk, rulings["early"].pk]
    assert ids(api_client.get("/api/v1/rulings/", {"decided_after": "2022-05-20"})) == [rulings["late"].pk]
    assert ids(api_client.get("/api/v1/rulings/", {"decided_before": "2021-02-02"})) == [rulings["early"].pk]


def test_regulators_by_jurisdiction(api_client):
    hamburg = RegulatorFactory(jurisdiction="DE-HH")
    RegulatorFactory(jurisdiction="CA")

    assert ids(api_client.get("/api/v1/regulators/", {"jurisdiction": "DE-HH"})) == [hamburg.pk]


def test_flags_by_agency_ruling_active_severity_and_country(api_client):
    canadian = AgencyFactory(country=country("CA"))
    french = AgencyFactory(country=country("FR"))
    ruling = RulingFactory()
    unlawful = FlagFactory(agency=canadian, ruling=ruling)
    advisory = FlagFactory(agency=french, severity=Flag.Severity.ADVISORY)
    cleared = FlagFactory(agency=canadian, active=False, cleared_at=datetime.datetime.now(datetime.UTC))

    assert set(ids(api_client.get("/api/v1/flags/", {"agency": canadian.pk}))) == {unlawful.pk, cleared.pk}
    assert ids(api_client.get("/api/v1/flags/", {"ruling": ruling.pk})) == [unlawful.pk]
    assert ids(api_client.get("/api/v1/flags/", {"active": "false"})) == [cleared.pk]
    assert set(ids(api_client.get("/api/v1/flags/", {"active": "true"}))) == {unlawful.pk, advisory.pk}
    assert ids(api_client.get("/api/v1/flags/", {"severity": "advisory"})) == [advisory.pk]
    assert ids(api_client.get("/api/v1/flags/", {"country": "FR"})) == [advisory.pk]


@pytest.mark.parametrize(
    ("url", "params", "field", "words"),
    [
        ("/api/v1/agencies/", {"country": "XX"}, "country", "not a known country code"),
        ("/api/v1/agencies/", {"subdivision": "CA-ZZ"}, "subdivision", "not an ISO 3166-2 subdivision"),
        ("/api/v1/agencies/", {"country": "FR", "subdivision": "CA-ON"}, "subdivision", "not of FR"),
        ("/api/v1/agencies/", {"kind": "sheriff"}, "kind", "“sheriff” is not one of"),
        ("/api/v1/agencies/", {"flagged": "maybe"}, "flagged", "not a boolean"),
        ("/api/v1/agencies/", {"status": "red"}, "status", "“red” is not one of"),
        ("/api/v1/agencies/", {"ordering": "budget"}, "ordering", "“budget” is not one of"),
        ("/api/v1/rulings/", {"regulator": "999999"}, "regulator", "No regulator has the id"),
        ("/api/v1/rulings/", {"regulator": "abc"}, "regulator", "No regulator has the id"),
        ("/api/v1/rulings/", {"jurisdiction": "ZZ"}, "jurisdiction", "neither an ISO 3166-1 country"),
        ("/api/v1/rulings/", {"jurisdiction": "ca"}, "jurisdiction", "capitals"),
        ("/api/v1/rulings/", {"outcome": "illegal"}, "outcome", "“illegal” is not one of"),
        ("/api/v1/rulings/", {"status": "secret"}, "status", "“secret” is not one of"),
        ("/api/v1/rulings/", {"published_after": "yesterday"}, "published_after", "valid date/time"),
        ("/api/v1/rulings/", {"decided_after": "2021-13-45"}, "decided_after", "valid date"),
        ("/api/v1/rulings/", {"decided_before": "soon"}, "decided_before", "valid date"),
        ("/api/v1/regulators/", {"jurisdiction": "XX-99"}, "jurisdiction", "not an ISO 3166-2 subdivision"),
        ("/api/v1/flags/", {"agency": "0"}, "agency", "No agency has the id"),
        ("/api/v1/flags/", {"ruling": "424242"}, "ruling", "No ruling has the id"),
        ("/api/v1/flags/", {"active": "yes please"}, "active", "not a boolean"),
        ("/api/v1/flags/", {"severity": "fatal"}, "severity", "“fatal” is not one of"),
        ("/api/v1/flags/", {"country": "Canada"}, "country", "not a known country code"),
        ("/api/v1/agencies/", {"format": "xml"}, "format", "“xml” is not offered"),
    ],
)
def test_an_unusable_filter_value_is_a_400_naming_the_parameter(api_client, url, params, field, words):
    response = api_client.get(url, params)

    assert response.status_code == 400
    body = response.json()
    assert field in body, body
    assert words in " ".join(body[field])


def test_a_draft_ruling_cannot_be_probed_through_the_flags_filter(api_client):
    draft = RulingFactory(status=Ruling.Status.DRAFT)

    response = api_client.get("/api/v1/flags/", {"ruling": draft.pk})

    assert response.status_code == 400 and "ruling" in response.json()


def test_published_after_accepts_any_utc_offset(api_client, rulings):
    # 2022-06-01T12:00Z is 2022-06-02T06:38+18:38, an offset PostgreSQL itself refuses.
    response = api_client.get("/api/v1/rulings/", {"published_after": "2022-06-02T06:38:00+18:38"})

    assert set(ids(response)) == {rulings["late"].pk, rulings["overturned"].pk}


@pytest.mark.parametrize(
    "params",
    [
        {"jurisdiction": "%s%d%(x)s"},
        {"country": "FR", "subdivision": "%s-%d"},
        {"decided_before": "100%"},
        {"regulator": "%(value)s%"},
    ],
)
def test_percent_signs_in_a_bad_value_are_quoted_not_interpreted(api_client, params):
    response = api_client.get("/api/v1/rulings/" if "subdivision" not in params else "/api/v1/agencies/", params)

    assert response.status_code == 400
