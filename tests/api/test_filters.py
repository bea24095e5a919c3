"""Every filter of the lists, and the 400 that an unusable filter value gets."""

import datetime

import pytest
import time_machine

from rulings.models import Proceeding, Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.rulings.factories import ProceedingFactory, RegulatorFactory, RulingFactory
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
    rcmp = AgencyFactory(
        name="Royal Canadian Mounted Police", aliases=["RCMP", "Gendarmerie royale du Canada"], country=country("CA"), searches=None
    )
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


@pytest.mark.parametrize("term", ["rcmp", "GENDARMERIE ROYALE", "Mounted"])
def test_agencies_are_found_by_any_of_their_names(api_client, agencies, term):
    assert ids(api_client.get("/api/v1/agencies/", {"search": term})) == [agencies["rcmp"].pk]


def test_agencies_are_found_by_an_alias_written_with_accents(api_client):
    zurich = AgencyFactory(name="Kantonspolizei Zürich", aliases=["Police cantonale de Zürich"], country=country("CH"))

    assert ids(api_client.get("/api/v1/agencies/", {"search": "cantonale de zürich"})) == [zurich.pk]


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
        early = RulingFactory(regulator=canada, decided_on=datetime.date(2021, 2, 2), concerns=Ruling.Concerns.VENDOR)
    with time_machine.travel(datetime.datetime(2022, 6, 1, 12, tzinfo=datetime.UTC), tick=False):
        late = RulingFactory(
            regulator=europe, decided_on=datetime.date(2022, 5, 20), outcome=Ruling.Outcome.LIKELY_UNLAWFUL
        )
        overturned = RulingFactory(regulator=canada, decided_on=datetime.date(2022, 1, 10), outcome=Ruling.Outcome.LAWFUL)
    ProceedingFactory(ruling=overturned, decided_on=datetime.date(2022, 9, 1), effect=Proceeding.Effect.OVERTURNED)
    return {"canada": canada, "europe": europe, "early": early, "late": late, "overturned": overturned}


def test_rulings_by_regulator_and_jurisdiction(api_client, rulings):
    assert set(ids(api_client.get("/api/v1/rulings/", {"regulator": rulings["canada"].pk}))) == {
        rulings["early"].pk,
        rulings["overturned"].pk,
    }
    assert ids(api_client.get("/api/v1/rulings/", {"jurisdiction": "EU"})) == [rulings["late"].pk]


def test_rulings_by_outcome_and_status(api_client, rulings):
    withdrawn = RulingFactory(status=Ruling.Status.WITHDRAWN)

    assert ids(api_client.get("/api/v1/rulings/", {"outcome": "likely_unlawful"})) == [rulings["late"].pk]
    assert ids(api_client.get("/api/v1/rulings/", {"status": "withdrawn"})) == [withdrawn.pk]
    # A ruling set aside on appeal keeps its status; its standing says what became of it.
    assert rulings["overturned"].pk in ids(api_client.get("/api/v1/rulings/", {"status": "published"}))


def test_rulings_by_what_the_finding_concerns(api_client, rulings):
    assert ids(api_client.get("/api/v1/rulings/", {"concerns": "vendor"})) == [rulings["early"].pk]
    assert ids(api_client.get("/api/v1/rulings/", {"concerns": "use"})) == [rulings["late"].pk, rulings["overturned"].pk]


def test_rulings_by_their_standing_today(api_client, editor_client, rulings):
    # Given, besides those three, a ruling under appeal, one appealed then upheld, a withdrawn one and a draft
    appealed = RulingFactory(decided_on=datetime.date(2023, 1, 1))
    ProceedingFactory(ruling=appealed, effect=Proceeding.Effect.APPEALED)
    upheld = RulingFactory(decided_on=datetime.date(2023, 1, 2))
    ProceedingFactory(ruling=upheld, effect=Proceeding.Effect.APPEALED)
    ProceedingFactory(ruling=upheld, effect=Proceeding.Effect.UPHELD, decided_on=datetime.date(2023, 6, 1))
    # (a draft proceeding does not count)
    ProceedingFactory(ruling=upheld, effect=Proceeding.Effect.OVERTURNED, decided_on=datetime.date(2024, 1, 1), status="draft")
    withdrawn = RulingFactory(status=Ruling.Status.WITHDRAWN, decided_on=datetime.date(2020, 1, 1))
    draft = RulingFactory(status=Ruling.Status.DRAFT, decided_on=datetime.date(2020, 1, 2))

    # When readers filter by standing, then each ruling is found under its standing only
    def standing(value, client=api_client):
        return set(ids(client.get("/api/v1/rulings/", {"standing": value})))

    assert standing("in_force") == {rulings["early"].pk, rulings["late"].pk, upheld.pk}
    assert standing("under_appeal") == {appealed.pk}
    assert standing("overturned") == {rulings["overturned"].pk}
    assert standing("withdrawn") == {withdrawn.pk}
    assert standing("draft") == set()
    assert standing("draft", editor_client) == {draft.pk}
    # And the filter combines with the others
    assert ids(api_client.get("/api/v1/rulings/", {"standing": "in_force", "jurisdiction": "EU"})) == [rulings["late"].pk]
    assert ids(api_client.get("/api/v1/rulings/", {"standing": "overturned", "jurisdiction": "EU"})) == []


def test_a_proceeding_decided_after_today_does_not_count_yet(api_client):
    ruling = RulingFactory()
    # Written directly: the API refuses a decision date in the future.
    ProceedingFactory(ruling=ruling, effect=Proceeding.Effect.OVERTURNED, decided_on=datetime.date.today() + datetime.timedelta(days=3))

    assert ids(api_client.get("/api/v1/rulings/", {"standing": "in_force"})) == [ruling.pk]
    assert api_client.get(f"/api/v1/rulings/{ruling.pk}/").json()["standing"] == "in_force"


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


def test_flags_by_basis_and_appeal_state(api_client):
    vendor = FlagFactory(basis=Flag.Basis.VENDOR, under_appeal=True)
    use = FlagFactory(basis=Flag.Basis.USE)

    assert ids(api_client.get("/api/v1/flags/", {"basis": "vendor"})) == [vendor.pk]
    assert ids(api_client.get("/api/v1/flags/", {"basis": "use"})) == [use.pk]
    assert ids(api_client.get("/api/v1/flags/", {"under_appeal": "true"})) == [vendor.pk]
    assert ids(api_client.get("/api/v1/flags/", {"under_appeal": "false"})) == [use.pk]


def test_proceedings_by_ruling_effect_and_status(api_client, editor_client):
    ruling = RulingFactory()
    appeal = ProceedingFactory(ruling=ruling, effect=Proceeding.Effect.APPEALED)
    judgment = ProceedingFactory(ruling=ruling, effect=Proceeding.Effect.UPHELD, decided_on=datetime.date(2021, 9, 1))
    elsewhere = ProceedingFactory(effect=Proceeding.Effect.APPEALED)
    draft = ProceedingFactory(ruling=ruling, effect=Proceeding.Effect.OVERTURNED, decided_on=datetime.date(2022, 1, 1), status="draft")

    assert ids(api_client.get("/api/v1/proceedings/", {"ruling": ruling.pk})) == [appeal.pk, judgment.pk]
    assert set(ids(api_client.get("/api/v1/proceedings/", {"effect": "appealed"}))) == {appeal.pk, elsewhere.pk}
    assert ids(api_client.get("/api/v1/proceedings/", {"status": "draft"})) == []
    assert ids(editor_client.get("/api/v1/proceedings/", {"status": "draft"})) == [draft.pk]


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
        ("/api/v1/rulings/", {"status": "overturned"}, "status", "“overturned” is not one of: draft, published, withdrawn"),
        ("/api/v1/rulings/", {"standing": "appealed"}, "standing", "“appealed” is not one of"),
        ("/api/v1/rulings/", {"concerns": "people"}, "concerns", "“people” is not one of: use, vendor"),
        ("/api/v1/rulings/", {"published_after": "yesterday"}, "published_after", "valid date/time"),
        ("/api/v1/rulings/", {"decided_after": "2021-13-45"}, "decided_after", "valid date"),
        ("/api/v1/rulings/", {"decided_before": "soon"}, "decided_before", "valid date"),
        ("/api/v1/regulators/", {"jurisdiction": "XX-99"}, "jurisdiction", "not an ISO 3166-2 subdivision"),
        ("/api/v1/flags/", {"agency": "0"}, "agency", "No agency has the id"),
        ("/api/v1/flags/", {"ruling": "424242"}, "ruling", "No ruling has the id"),
        ("/api/v1/flags/", {"active": "yes please"}, "active", "not a boolean"),
        ("/api/v1/flags/", {"severity": "fatal"}, "severity", "“fatal” is not one of"),
        ("/api/v1/flags/", {"basis": "rumour"}, "basis", "“rumour” is not one of"),
        ("/api/v1/flags/", {"under_appeal": "perhaps"}, "under_appeal", "not a boolean"),
        ("/api/v1/proceedings/", {"ruling": "424242"}, "ruling", "No ruling has the id"),
        ("/api/v1/proceedings/", {"effect": "quashed"}, "effect", "“quashed” is not one of"),
        ("/api/v1/proceedings/", {"status": "withdrawn"}, "status", "“withdrawn” is not one of: draft, published"),
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


@pytest.mark.parametrize("url", ["/api/v1/flags/", "/api/v1/proceedings/"])
def test_a_draft_ruling_cannot_be_probed_through_a_ruling_filter(api_client, url):
    draft = RulingFactory(status=Ruling.Status.DRAFT)

    response = api_client.get(url, {"ruling": draft.pk})

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
