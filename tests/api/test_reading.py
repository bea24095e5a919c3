"""Reading every resource of /api/v1/: what anonymous readers and staff see."""

import datetime

import pytest

from rulings.models import Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.rulings.factories import RegulatorFactory, RulingFactory
from tests.tracker.factories import FlagFactory
from tracker.models import Flag

pytestmark = pytest.mark.django_db


def test_countries_show_how_many_agencies_each_has_and_how_many_are_flagged(api_client):
    # Given two Canadian agencies, one under an unlawful flag, and one under an advisory flag only
    flagged = AgencyFactory(country=country("CA"))
    advised = AgencyFactory(country=country("CA"))
    AgencyFactory(country=country("FR"))
    FlagFactory(agency=flagged)
    FlagFactory(agency=advised, severity=Flag.Severity.ADVISORY)

    # When a reader lists countries and opens Canada
    listing = api_client.get("/api/v1/countries/", {"page_size": 1000}).json()
    canada = api_client.get("/api/v1/countries/CA/").json()

    # Then every ISO country is listed and Canada counts two agencies, one flagged
    assert listing["count"] >= 249
    by_code = {row["code"]: row for row in listing["results"]}
    assert by_code["FR"]["agency_count"] == 1 and by_code["FR"]["flagged_agency_count"] == 0
    assert canada == {"code": "CA", "name": "Canada", "notes": "", "agency_count": 2, "flagged_agency_count": 1}


def test_a_cleared_flag_no_longer_counts_a_country_agency_as_flagged(api_client):
    FlagFactory(agency=AgencyFactory(country=country("SE")), active=False, cleared_at=datetime.datetime.now(datetime.UTC))

    sweden = api_client.get("/api/v1/countries/SE/").json()

    assert (sweden["agency_count"], sweden["flagged_agency_count"]) == (1, 0)


def test_a_bloc_lists_its_memberships_with_accession_and_exit_dates(api_client):
    response = api_client.get("/api/v1/blocs/EU/")

    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "EU" and body["name"]
    memberships = {row["country"]: row for row in body["memberships"]}
    assert memberships["SE"] == {"country": "SE", "joined": "1995-01-01", "left": None}
    assert memberships["GB"] == {"country": "GB", "joined": "1973-01-01", "left": "2020-01-31"}
    assert api_client.get("/api/v1/blocs/").json()["results"][0]["code"] == "EU"


def test_regulators_are_listed_and_retrieved_with_their_jurisdiction_code(api_client):
    regulator = RegulatorFactory(name="Hamburg Commissioner", short_name="HmbBfDI", jurisdiction="DE-HH")

    listed = api_client.get("/api/v1/regulators/").json()["results"]
    detail = api_client.get(f"/api/v1/regulators/{regulator.pk}/").json()

    assert [row["id"] for row in listed] == [regulator.pk]
    assert detail == {
        "id": regulator.pk,
        "name": "Hamburg Commissioner",
        "short_name": "HmbBfDI",
        "jurisdiction": "DE-HH",
        "jurisdiction_level": "subnational",
        "website": "https://regulator.example.org",
    }


def test_an_agency_shows_its_fields_flagged_and_its_active_flags_only(api_client):
    # Given an agency with an active unlawful flag and a cleared one
    agency = AgencyFactory(
        name="Toronto Police Service", country=country("CA"), subdivision="CA-ON", searches=3400, paid=False
    )
    ruling = RulingFactory(title="Joint investigation report")
    active = FlagFactory(agency=agency, ruling=ruling, explanation="The OPC found all use in CA unlawful.")
    FlagFactory(agency=agency, active=False, cleared_at=datetime.datetime.now(datetime.UTC))

    # When a reader opens it
    body = api_client.get(f"/api/v1/agencies/{agency.pk}/").json()

    # Then it is flagged, with the one active flag embedded
    assert body["name"] == "Toronto Police Service"
    assert (body["country"], body["subdivision"], body["kind"], body["searches"]) == ("CA", "CA-ON", "police", 3400)
    assert body["paid"] is False and body["authorized"] is None
    assert body["sources"] == ["https://example.org/source"]
    assert body["flagged"] is True
    assert body["flags"] == [
        {
            "id": active.pk,
            "ruling": ruling.pk,
            "ruling_title": "Joint investigation report",
            "severity": "unlawful",
            "timing": "ruled_after_use",
            "explanation": "The OPC found all use in CA unlawful.",
            "raised_at": active.raised_at.isoformat().replace("+00:00", "Z"),
        }
    ]


def test_an_agency_under_an_advisory_flag_only_is_not_flagged(api_client):
    agency = AgencyFactory()
    FlagFactory(agency=agency, severity=Flag.Severity.ADVISORY)

    body = api_client.get(f"/api/v1/agencies/{agency.pk}/").json()

    assert body["flagged"] is False
    assert [flag["severity"] for flag in body["flags"]] == ["advisory"]


def test_an_international_organisation_has_no_country(api_client):
    agency = AgencyFactory(name="INTERPOL", kind="international", country=None, notes="Seat: Lyon, France")

    body = api_client.get(f"/api/v1/agencies/{agency.pk}/").json()

    assert (body["country"], body["kind"]) == (None, "international")


def test_a_ruling_shows_its_fields_and_read_only_published_at(api_client):
    agency = AgencyFactory()
    ruling = RulingFactory(
        scope=Ruling.Scope.AGENCIES, agencies=[agency], fine_amount="250000.00", fine_currency="SEK", summary="Fined."
    )

    body = api_client.get(f"/api/v1/rulings/{ruling.pk}/").json()

    assert body["regulator"] == ruling.regulator_id
    assert body["jurisdiction"] == "CA"
    assert (body["decided_on"], body["outcome"], body["scope"], body["status"]) == (
        "2021-02-02",
        "unlawful",
        "agencies",
        "published",
    )
    assert body["agencies"] == [agency.pk]
    assert (body["fine_amount"], body["fine_currency"]) == ("250000.00", "SEK")
    assert body["published_at"] is not None


def test_anonymous_readers_see_overturned_and_withdrawn_rulings_but_never_drafts(api_client):
    published = RulingFactory()
    overturned = RulingFactory(status=Ruling.Status.OVERTURNED)
    withdrawn = RulingFactory(status=Ruling.Status.WITHDRAWN)
    draft = RulingFactory(status=Ruling.Status.DRAFT)

    listed = {row["id"]: row["status"] for row in api_client.get("/api/v1/rulings/").json()["results"]}

    assert listed == {published.pk: "published", overturned.pk: "overturned", withdrawn.pk: "withdrawn"}
    assert api_client.get(f"/api/v1/rulings/{draft.pk}/").status_code == 404
    assert api_client.get("/api/v1/rulings/", {"status": "draft"}).json()["count"] == 0


def test_users_who_may_change_rulings_see_drafts(editor_client):
    draft = RulingFactory(status=Ruling.Status.DRAFT)

    assert editor_client.get(f"/api/v1/rulings/{draft.pk}/").json()["status"] == "draft"
    assert [row["id"] for row in editor_client.get("/api/v1/rulings/").json()["results"]] == [draft.pk]


def test_a_token_without_permissions_does_not_open_drafts(reader_client):
    draft = RulingFactory(status=Ruling.Status.DRAFT)

    assert reader_client.get(f"/api/v1/rulings/{draft.pk}/").status_code == 404


def test_flags_are_public_active_or_cleared_except_those_of_drafts(api_client, editor_client):
    # Given an active flag, a cleared flag and a flag of a draft ruling
    active = FlagFactory()
    cleared = FlagFactory(active=False, cleared_at=datetime.datetime.now(datetime.UTC))
    of_draft = FlagFactory(ruling=RulingFactory(status=Ruling.Status.DRAFT))

    # When anonymous readers and an editor list flags
    public = {row["id"] for row in api_client.get("/api/v1/flags/").json()["results"]}
    staff = {row["id"] for row in editor_client.get("/api/v1/flags/").json()["results"]}

    # Then only the editor sees the flag of the draft
    assert public == {active.pk, cleared.pk}
    assert staff == {active.pk, cleared.pk, of_draft.pk}
    assert api_client.get(f"/api/v1/flags/{of_draft.pk}/").status_code == 404
    detail = api_client.get(f"/api/v1/flags/{cleared.pk}/").json()
    assert detail["active"] is False and detail["cleared_at"] is not None
    assert detail["agency"] == cleared.agency_id and detail["country"] == "CA"
    assert detail["ruling_title"] == cleared.ruling.title


def test_an_agency_does_not_show_the_flags_of_drafts_to_anonymous_readers(api_client):
    agency = AgencyFactory()
    FlagFactory(agency=agency, ruling=RulingFactory(status=Ruling.Status.DRAFT))

    body = api_client.get(f"/api/v1/agencies/{agency.pk}/").json()

    assert body["flagged"] is False and body["flags"] == []


def test_the_api_root_lists_the_endpoints(api_client):
    body = api_client.get("/api/v1/").json()

    assert {"countries", "blocs", "regulators", "agencies", "rulings", "flags"} <= set(body)
