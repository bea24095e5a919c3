"""Writing through the API with a token: creation, partial updates, permissions."""

import pytest
from django.contrib.auth.models import Permission, User

from agencies.models import Agency
from rulings.models import Regulator, Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.api.conftest import client_for
from tests.rulings.factories import RegulatorFactory, RulingFactory

pytestmark = pytest.mark.django_db


def ruling_payload(by, **overrides):
    return {
        "regulator": by.pk,
        "title": "Finding on the use of a facial-recognition search",
        "decided_on": "2021-02-02",
        "outcome": "unlawful",
        "scope": "jurisdiction",
        "source_url": "https://regulator.example.org/decision",
        **overrides,
    }


# --- Regulators -----------------------------------------------------------------------


def test_an_editor_adds_a_regulator_of_each_jurisdiction_level(editor_client):
    for code, level in (("SE", "national"), ("DE-HH", "subnational"), ("EU", "supranational")):
        response = editor_client.post(
            "/api/v1/regulators/", {"name": f"Authority of {code}", "jurisdiction": code}, format="json"
        )

        assert response.status_code == 201, response.content
        assert response.json()["jurisdiction_level"] == level
    assert Regulator.objects.count() == 3


def test_an_editor_changes_a_regulator(editor_client):
    regulator = RegulatorFactory(jurisdiction="CA")

    response = editor_client.patch(
        f"/api/v1/regulators/{regulator.pk}/", {"short_name": "OPC", "jurisdiction": "CA-QC"}, format="json"
    )

    assert response.status_code == 200
    regulator.refresh_from_db()
    assert (regulator.short_name, regulator.jurisdiction) == ("OPC", "CA-QC")


@pytest.mark.parametrize(
    ("code", "words"),
    [("ZZ", "neither an ISO 3166-1 country"), ("DE-XX", "not an ISO 3166-2 subdivision"), ("se", "capitals")],
)
def test_an_unknown_jurisdiction_code_is_a_400_naming_it(editor_client, code, words):
    response = editor_client.post("/api/v1/regulators/", {"name": "Somebody", "jurisdiction": code}, format="json")

    assert response.status_code == 400
    assert words in " ".join(response.json()["jurisdiction"])
    assert not Regulator.objects.exists()


# --- Agencies -------------------------------------------------------------------------


def test_a_partner_who_is_not_staff_adds_and_changes_an_agency(partner_client, partner):
    assert not partner.is_staff

    created = partner_client.post(
        "/api/v1/agencies/",
        {
            "name": "Hamburg Police",
            "country": "DE",
            "subdivision": "DE-HH",
            "kind": "police",
            "searches": 12,
            "first_used": "2019-12-01",
            "sources": ["https://example.org/article"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["country"], body["subdivision"], body["flagged"], body["flags"]) == ("DE", "DE-HH", False, [])

    changed = partner_client.patch(f"/api/v1/agencies/{body['id']}/", {"searches": 40, "paid": True}, format="json")

    assert changed.status_code == 200
    agency = Agency.objects.get(pk=body["id"])
    assert (agency.searches, agency.paid, agency.name) == (40, True, "Hamburg Police")


def test_an_international_organisation_is_added_with_no_country(editor_client):
    response = editor_client.post(
        "/api/v1/agencies/",
        {"name": "INTERPOL", "kind": "international", "country": None, "notes": "Seat: Lyon"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["country"] is None


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"name": "X", "kind": "police", "country": "XX"}, "country", "not a known country code"),
        ({"name": "X", "kind": "police"}, "country", "A country is required"),
        ({"name": "X", "kind": "international", "country": "FR"}, "country", "international organisation"),
        ({"name": "X", "kind": "police", "country": "FR", "subdivision": "CA-ON"}, "subdivision", "not of FR"),
        ({"name": "X", "kind": "police", "country": "FR", "subdivision": "FR-99"}, "subdivision", "ISO 3166-2"),
        ({"name": "X", "kind": "sheriff", "country": "FR"}, "kind", "not a valid choice"),
        ({"name": "X", "kind": "police", "country": "FR", "first_used": "2021-31-01"}, "first_used", "Date has wrong format"),
        (
            {"name": "X", "kind": "police", "country": "FR", "first_used": "2021-03-01", "last_used": "2020-01-01"},
            "last_used",
            "cannot come before",
        ),
        ({"name": "X", "kind": "police", "country": "FR", "searches": -1}, "searches", "greater than or equal to 0"),
        ({"name": "X", "kind": "police", "country": "FR", "sources": ["ftp://x.example"]}, "sources", "http(s)"),
        ({"name": "", "kind": "police", "country": "FR"}, "name", "may not be blank"),
    ],
)
def test_a_bad_agency_is_a_400_naming_the_field_in_words(editor_client, payload, field, words):
    response = editor_client.post("/api/v1/agencies/", payload, format="json")

    assert response.status_code == 400
    body = response.json()
    assert field in body, body
    assert words in str(body[field])
    assert not Agency.objects.exists()


# --- Rulings --------------------------------------------------------------------------


def test_an_editor_creates_a_draft_ruling_about_listed_agencies(editor_client):
    agency = AgencyFactory(country=country("CA"))
    regulator = RegulatorFactory(jurisdiction="CA")

    response = editor_client.post(
        "/api/v1/rulings/",
        ruling_payload(regulator, scope="agencies", agencies=[agency.pk], fine_amount="1000.00", fine_currency="CAD"),
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["published_at"], body["agencies"]) == ("draft", None, [agency.pk])
    assert Ruling.objects.get(pk=body["id"]).status == Ruling.Status.DRAFT


def test_an_editor_cannot_create_a_published_ruling(editor_client):
    response = editor_client.post("/api/v1/rulings/", ruling_payload(RegulatorFactory(), status="published"), format="json")

    assert response.status_code == 403
    assert "publish ruling" in response.json()["detail"]
    assert not Ruling.objects.exists()


def test_a_publisher_creates_a_published_ruling_and_published_at_is_set(publisher_client):
    response = publisher_client.post(
        "/api/v1/rulings/", ruling_payload(RegulatorFactory(), status="published"), format="json"
    )

    assert response.status_code == 201
    assert response.json()["published_at"] is not None


def test_an_editor_token_cannot_publish_a_draft_but_may_edit_it(editor_client):
    draft = RulingFactory(status=Ruling.Status.DRAFT)

    refused = editor_client.patch(f"/api/v1/rulings/{draft.pk}/", {"status": "published"}, format="json")
    edited = editor_client.patch(f"/api/v1/rulings/{draft.pk}/", {"summary": "Checked."}, format="json")

    assert refused.status_code == 403
    assert edited.status_code == 200 and edited.json()["summary"] == "Checked."
    draft.refresh_from_db()
    assert draft.status == Ruling.Status.DRAFT


def test_a_publisher_publishes_overturns_and_republishes_a_ruling(publisher_client):
    draft = RulingFactory(status=Ruling.Status.DRAFT)
    url = f"/api/v1/rulings/{draft.pk}/"

    published = publisher_client.patch(url, {"status": "published"}, format="json").json()
    overturned = publisher_client.patch(url, {"status": "overturned"}, format="json").json()
    republished = publisher_client.patch(url, {"status": "published"}, format="json").json()

    assert published["status"] == "published" and published["published_at"] is not None
    assert overturned["status"] == "overturned"
    # published_at is the first publication, kept through later changes of status.
    assert republished["published_at"] == published["published_at"]


def test_published_at_cannot_be_written(publisher_client):
    ruling = RulingFactory()
    before = ruling.published_at

    publisher_client.patch(f"/api/v1/rulings/{ruling.pk}/", {"published_at": "2000-01-01T00:00:00Z"}, format="json")

    ruling.refresh_from_db()
    assert ruling.published_at == before


def test_a_draft_cannot_go_straight_to_withdrawn(publisher_client):
    draft = RulingFactory(status=Ruling.Status.DRAFT)

    response = publisher_client.patch(f"/api/v1/rulings/{draft.pk}/", {"status": "withdrawn"}, format="json")

    assert response.status_code == 400
    assert "never in force" in " ".join(response.json()["status"])


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"regulator": 987654}, "regulator", "No regulator has the id 987654"),
        ({"decided_on": "02/31/2021x"}, "decided_on", "Date has wrong format"),
        ({"outcome": "illegal"}, "outcome", "not a valid choice"),
        ({"scope": "agencies"}, "agencies", "at least one agency"),
        ({"agencies": [424242], "scope": "agencies"}, "agencies", "No agency has the id 424242"),
        ({"fine_amount": "100.00"}, "fine_currency", "together"),
        ({"fine_amount": "100.00", "fine_currency": "XYZ"}, "fine_currency", "ISO 4217"),
        ({"source_url": "not a url"}, "source_url", "valid URL"),
        ({"title": ""}, "title", "may not be blank"),
    ],
)
def test_a_bad_ruling_is_a_400_naming_the_field(editor_client, overrides, field, words):
    response = editor_client.post("/api/v1/rulings/", ruling_payload(RegulatorFactory(), **overrides), format="json")

    assert response.status_code == 400
    body = response.json()
    assert field in body, body
    assert words in " ".join(body[field])


def test_agencies_outside_the_regulators_jurisdiction_are_a_400_naming_them(editor_client):
    french = AgencyFactory(name="Paris Prefecture of Police", country=country("FR"))
    regulator = RegulatorFactory(jurisdiction="CA")

    response = editor_client.post(
        "/api/v1/rulings/", ruling_payload(regulator, scope="agencies", agencies=[french.pk]), format="json"
    )

    assert response.status_code == 400
    assert "Paris Prefecture of Police" in " ".join(response.json()["agencies"])


def test_a_jurisdiction_wide_ruling_listing_agencies_is_a_400(editor_client):
    response = editor_client.post(
        "/api/v1/rulings/", ruling_payload(RegulatorFactory(), agencies=[AgencyFactory().pk]), format="json"
    )

    assert response.status_code == 400 and "lists no agencies" in " ".join(response.json()["agencies"])


# --- Who may write --------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/regulators/", "/api/v1/agencies/", "/api/v1/rulings/"])
def test_writing_without_a_token_is_a_401(api_client, url):
    response = api_client.post(url, {"name": "x"}, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_patching_without_a_token_is_a_401(api_client):
    agency = AgencyFactory()

    assert api_client.patch(f"/api/v1/agencies/{agency.pk}/", {"name": "y"}, format="json").status_code == 401
    agency.refresh_from_db()
    assert agency.name != "y"


def test_a_bad_token_is_a_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

    assert api_client.get("/api/v1/agencies/").status_code == 401


@pytest.mark.parametrize("url", ["/api/v1/regulators/", "/api/v1/agencies/", "/api/v1/rulings/"])
def test_writing_with_a_token_but_no_permission_is_a_403(reader_client, url):
    response = reader_client.post(url, {"name": "x"}, format="json")

    assert response.status_code == 403


def test_a_partner_with_agency_permissions_may_not_write_rulings(partner_client):
    response = partner_client.post("/api/v1/rulings/", ruling_payload(RegulatorFactory()), format="json")

    assert response.status_code == 403


def test_a_user_who_may_add_but_not_change_cannot_patch(db):
    user = User.objects.create_user("adder", "a@example.org", "pw")
    user.user_permissions.add(Permission.objects.get(codename="add_agency"))
    agency = AgencyFactory()

    response = client_for(user).patch(f"/api/v1/agencies/{agency.pk}/", {"name": "y"}, format="json")

    assert response.status_code == 403
