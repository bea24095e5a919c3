"""Writing through the API with a token: creation, partial updates, permissions."""

import datetime

import pytest
from django.contrib.auth.models import Permission, User

from agencies.models import Agency
from rulings.models import Proceeding, Regulator, Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.api.conftest import client_for
from tests.rulings.factories import ProceedingFactory, RegulatorFactory, RulingFactory

pytestmark = pytest.mark.django_db


def ruling_payload(by, **overrides):
    return {
        "regulator": by.pk,
        "title": "Finding on the use of a facial-recognition search",
        "decided_on": "2021-02-02",
        "outcome": "unlawful",
        "scope": "jurisdiction",
        "sources": ["https://regulator.example.org/decision"],
        **overrides,
    }


def source(url, **fields):
    """A source as the API shows it: every key, null where not given."""
    return {"url": url, "title": None, "publisher": None, "published_on": None, "kind": None, "archived_url": None,
            "quote": None, **fields}


# --- Regulators -----------------------------------------------------------------------


def test_an_editor_adds_a_regulator_of_each_jurisdiction_level(editor_client):
    for code, level in (("SE", "national"), ("DE-HH", "subnational"), ("EU", "supranational")):
        response = editor_client.post(
            "/api/v1/regulators/", {"name": f"Authority of {code}", "jurisdiction": code}, format="json"
        )

        assert response.status_code == 201, response.content
        assert response.json()["jurisdiction_level"] == level
    assert Regulator.objects.count() == 3


def test_a_regulator_is_added_with_its_other_names_and_wikidata_item(editor_client):
    response = editor_client.post(
        "/api/v1/regulators/",
        {"name": "Swedish Authority for Privacy Protection", "short_name": "IMY", "aliases": ["Datainspektionen"],
         "jurisdiction": "SE", "wikidata": "Q10494627"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert (response.json()["aliases"], response.json()["wikidata"]) == (["Datainspektionen"], "Q10494627")


@pytest.mark.parametrize(("payload", "field"), [({"wikidata": "Q"}, "wikidata"), ({"aliases": ["IMY", "IMY "]}, "aliases")])
def test_a_bad_regulator_name_or_item_is_a_400_naming_it(editor_client, payload, field):
    response = editor_client.post("/api/v1/regulators/", {"name": "IMY", "jurisdiction": "SE", **payload}, format="json")

    assert response.status_code == 400 and field in response.json()
    assert not Regulator.objects.exists()


def test_an_editor_changes_a_regulator(editor_client):
    regulator = RegulatorFactory(jurisdiction="CA")

    response = editor_client.patch(
        f"/api/v1/regulators/{regulator.pk}/", {"short_name": "OPC", "jurisdiction": "CA-QC"}, format="json"
    )

    assert response.status_code == 200
    regulator.refresh_from_db()
    assert (regulator.short_name, regulator.jurisdiction) == ("OPC", "CA-QC")


def test_an_editor_cannot_move_a_regulator_whose_rulings_are_published(editor_client):
    # Given a regulator with a published ruling covering Canada
    regulator = RegulatorFactory(jurisdiction="CA")
    RulingFactory(regulator=regulator)

    # When an editor moves it to Italy
    response = editor_client.patch(f"/api/v1/regulators/{regulator.pk}/", {"jurisdiction": "IT"}, format="json")

    # Then it is refused, and the ruling still covers Canada only
    assert response.status_code == 403
    assert "publish ruling" in response.json()["detail"]
    regulator.refresh_from_db()
    assert regulator.jurisdiction == "CA"


def test_a_publisher_may_move_a_regulator_with_published_rulings(publisher_client):
    regulator = RegulatorFactory(jurisdiction="CA")
    RulingFactory(regulator=regulator)

    response = publisher_client.patch(f"/api/v1/regulators/{regulator.pk}/", {"jurisdiction": "CA-QC"}, format="json")

    assert response.status_code == 200
    assert response.json()["jurisdiction"] == "CA-QC"


def test_a_regulator_cannot_move_away_from_the_agencies_its_rulings_list(publisher_client):
    # Given a Swedish ruling about the Swedish police
    regulator = RegulatorFactory(jurisdiction="SE")
    police = AgencyFactory(name="Swedish Police Authority", country=country("SE"))
    RulingFactory(regulator=regulator, scope=Ruling.Scope.AGENCIES, agencies=[police])

    # When its regulator is moved to the United Kingdom
    response = publisher_client.patch(f"/api/v1/regulators/{regulator.pk}/", {"jurisdiction": "GB"}, format="json")

    # Then it is a 400 naming the jurisdiction and the agency left outside, and nothing moved
    assert response.status_code == 400
    assert "Swedish Police Authority" in " ".join(response.json()["jurisdiction"])
    regulator.refresh_from_db()
    assert regulator.jurisdiction == "SE"


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


def test_an_agency_is_added_with_aliases_a_qualified_count_sources_and_its_wikidata_item(editor_client):
    # Given sources written both ways: a bare URL and a source object
    payload = {
        "name": "Royal Canadian Mounted Police",
        "aliases": ["RCMP", "GRC"],
        "country": "CA",
        "kind": "police",
        "searches": 120,
        "searches_qualifier": "at_most",
        "sources": [
            "https://www.priv.gc.ca/report",
            {"url": "https://news.example.org/rcmp", "publisher": "The Star", "kind": "secondary", "published_on": "2020-02-27"},
        ],
        "wikidata": "Q1143866",
        "last_verified_on": "2025-11-03",
    }

    # When an editor adds the agency
    response = editor_client.post("/api/v1/agencies/", payload, format="json")

    # Then it is stored and shown with every source as an object
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["aliases"], body["searches"], body["searches_qualifier"]) == (["RCMP", "GRC"], 120, "at_most")
    assert body["sources"] == [
        source("https://www.priv.gc.ca/report"),
        source("https://news.example.org/rcmp", publisher="The Star", kind="secondary", published_on="2020-02-27"),
    ]
    assert (body["wikidata"], body["last_verified_on"], body["status"]) == ("Q1143866", "2025-11-03", "none")
    assert Agency.objects.get(pk=body["id"]).sources[0]["url"] == "https://www.priv.gc.ca/report"


def test_an_agency_count_is_at_least_unless_told_otherwise(editor_client):
    response = editor_client.post("/api/v1/agencies/", {"name": "X Police", "country": "FR", "kind": "police", "searches": 10}, format="json")

    assert response.json()["searches_qualifier"] == "at_least"


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
        ({"name": "X", "kind": "police", "country": "FR", "sources": ["ftp://x.example"]}, "sources", "not an http or https URL"),
        ({"name": "", "kind": "police", "country": "FR"}, "name", "may not be blank"),
        ({"name": "X", "kind": "police", "country": "FR", "sources": ["javascript:alert(1)"]}, "sources", "not an http or https URL"),
        (
            {"name": "X", "kind": "police", "country": "FR", "sources": [{"url": "https://x.example", "archived_url": "javascript:x"}]},
            "sources",
            "not an http or https URL",
        ),
        ({"name": "X", "kind": "police", "country": "FR", "sources": [42]}, "sources", "source 1"),
        ({"name": "X", "kind": "police", "country": "FR", "sources": {"url": "https://x.example"}}, "sources", "list of sources"),
        ({"name": "X", "kind": "police", "country": "FR", "wikidata": "Q0123"}, "wikidata", "Wikidata item id"),
        ({"name": "X", "kind": "police", "country": "FR", "wikidata": "wd:Q42"}, "wikidata", "Wikidata item id"),
        ({"name": "X", "kind": "police", "country": "FR", "wikidata": " Q42"}, "wikidata", "Wikidata item id"),
        ({"name": "X", "kind": "police", "country": "FR", "aliases": ["PP", "pp"]}, "aliases", "listed twice"),
        ({"name": "X", "kind": "police", "country": "FR", "aliases": [""]}, "aliases", "may not be blank"),
        ({"name": "X", "kind": "police", "country": "FR", "aliases": "PP"}, "aliases", "list"),
        ({"name": "X", "kind": "police", "country": "FR", "searches_qualifier": "roughly"}, "searches_qualifier", "not a valid choice"),
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


def test_a_publisher_publishes_withdraws_and_republishes_a_ruling(publisher_client):
    draft = RulingFactory(status=Ruling.Status.DRAFT)
    url = f"/api/v1/rulings/{draft.pk}/"

    published = publisher_client.patch(url, {"status": "published"}, format="json").json()
    withdrawn = publisher_client.patch(url, {"status": "withdrawn"}, format="json").json()
    republished = publisher_client.patch(url, {"status": "published"}, format="json").json()

    assert (published["status"], published["standing"]) == ("published", "in_force")
    assert published["published_at"] is not None
    assert (withdrawn["status"], withdrawn["standing"]) == ("withdrawn", "withdrawn")
    # published_at is the first publication, kept through later changes of status.
    assert republished["published_at"] == published["published_at"]


def test_overturned_is_no_longer_a_status_and_the_answer_says_what_replaced_it(publisher_client):
    ruling = RulingFactory()

    response = publisher_client.patch(f"/api/v1/rulings/{ruling.pk}/", {"status": "overturned"}, format="json")

    assert response.status_code == 400
    message = " ".join(response.json()["status"])
    assert "no longer a status" in message and "/api/v1/proceedings/" in message
    ruling.refresh_from_db()
    assert ruling.status == Ruling.Status.PUBLISHED


def test_a_ruling_is_recorded_with_what_the_decision_states(editor_client):
    # Given a fine known to a month, in the currency written in lower case
    regulator = RegulatorFactory(jurisdiction="GB")
    payload = ruling_payload(
        regulator,
        decided_on="2022-05-18",
        decided_on_precision="month",
        announced_on="2022-05-23",
        concerns="vendor",
        case_reference="COM0801914",
        ecli=None,
        fine_amount="7552800.00",
        fine_currency="gbp",
        fine_notes="Plus an enforcement notice.",
        sources=[{"url": "https://ico.example.org/penalty", "kind": "primary", "quote": "The Commissioner has decided"}],
        last_verified_on="2025-11-01",
    )

    # When an editor records it
    response = editor_client.post("/api/v1/rulings/", payload, format="json")

    # Then the date is stored as the first day of its month and the currency in capitals
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["decided_on"], body["decided_on_precision"], body["announced_on"]) == ("2022-05-01", "month", "2022-05-23")
    assert (body["concerns"], body["case_reference"], body["ecli"]) == ("vendor", "COM0801914", None)
    assert (body["fine_amount"], body["fine_currency"], body["fine_notes"]) == ("7552800.00", "GBP", "Plus an enforcement notice.")
    assert body["sources"] == [source("https://ico.example.org/penalty", kind="primary", quote="The Commissioner has decided")]
    assert body["source_url"] == "https://ico.example.org/penalty"
    assert (body["status"], body["standing"], body["proceedings"]) == ("draft", "draft", [])
    assert body["last_verified_on"] == "2025-11-01"
    assert Ruling.objects.get(pk=body["id"]).fine_currency == "GBP"


def test_a_finding_concerns_the_use_of_the_technology_unless_told_otherwise(editor_client):
    response = editor_client.post("/api/v1/rulings/", ruling_payload(RegulatorFactory()), format="json")

    assert response.status_code == 201 and response.json()["concerns"] == "use"


def test_a_ruling_with_an_ecli_keeps_it(editor_client):
    response = editor_client.post(
        "/api/v1/rulings/", ruling_payload(RegulatorFactory(jurisdiction="NL"), ecli="ECLI:NL:RBDHA:2023:1234"), format="json"
    )

    assert response.status_code == 201 and response.json()["ecli"] == "ECLI:NL:RBDHA:2023:1234"


def test_source_url_is_still_accepted_as_shorthand_for_one_source(editor_client):
    payload = ruling_payload(RegulatorFactory())
    del payload["sources"]

    response = editor_client.post("/api/v1/rulings/", {**payload, "source_url": "https://regulator.example.org/d"}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["sources"] == [source("https://regulator.example.org/d")]
    assert response.json()["source_url"] == "https://regulator.example.org/d"


def test_patching_source_url_replaces_the_first_source_only(editor_client):
    ruling = RulingFactory(
        status=Ruling.Status.DRAFT,
        sources=[source("https://old.example.org/decision", title="Decision"), source("https://news.example.org/story")],
    )

    response = editor_client.patch(f"/api/v1/rulings/{ruling.pk}/", {"source_url": "https://new.example.org/decision"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["sources"] == [source("https://new.example.org/decision"), source("https://news.example.org/story")]


def test_patching_source_url_to_the_first_source_changes_nothing(editor_client):
    first = source("https://old.example.org/decision", title="Decision")
    ruling = RulingFactory(status=Ruling.Status.DRAFT, sources=[first])

    response = editor_client.patch(f"/api/v1/rulings/{ruling.pk}/", {"source_url": first["url"]}, format="json")

    assert response.json()["sources"] == [first]


def test_sources_and_a_different_source_url_together_are_a_400(editor_client):
    payload = ruling_payload(RegulatorFactory(), source_url="https://elsewhere.example.org/")

    response = editor_client.post("/api/v1/rulings/", payload, format="json")

    assert response.status_code == 400 and "not both" in " ".join(response.json()["source_url"])
    assert not Ruling.objects.exists()


def test_a_ruling_with_no_source_is_a_400(editor_client):
    payload = ruling_payload(RegulatorFactory())
    del payload["sources"]

    response = editor_client.post("/api/v1/rulings/", payload, format="json")

    assert response.status_code == 400 and "At least one source" in " ".join(response.json()["sources"])


def test_a_finding_about_the_vendor_cannot_be_about_listed_agencies(editor_client):
    agency = AgencyFactory(country=country("CA"))

    response = editor_client.post(
        "/api/v1/rulings/",
        ruling_payload(RegulatorFactory(jurisdiction="CA"), concerns="vendor", scope="agencies", agencies=[agency.pk]),
        format="json",
    )

    assert response.status_code == 400
    assert "vendor's own practices" in " ".join(response.json()["scope"])
    assert not Ruling.objects.exists() and not Ruling.agencies.through.objects.exists()


def test_a_ruling_cannot_be_moved_after_its_own_proceedings(publisher_client):
    ruling = RulingFactory(decided_on=datetime.date(2022, 5, 18))
    ProceedingFactory(ruling=ruling, decided_on=datetime.date(2023, 10, 17), effect=Proceeding.Effect.OVERTURNED)

    response = publisher_client.patch(f"/api/v1/rulings/{ruling.pk}/", {"decided_on": "2024-01-01"}, format="json")

    assert response.status_code == 400 and "precede its ruling" in " ".join(response.json()["decided_on"])
    ruling.refresh_from_db()
    assert ruling.decided_on == datetime.date(2022, 5, 18)


def test_a_published_ruling_with_proceedings_answers_a_change_with_its_standing(publisher_client):
    ruling = RulingFactory()
    ProceedingFactory(ruling=ruling, effect=Proceeding.Effect.APPEALED)

    response = publisher_client.patch(f"/api/v1/rulings/{ruling.pk}/", {"summary": "Under appeal."}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["standing"], len(response.json()["proceedings"])) == ("under_appeal", 1)


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
        ({"fine_amount": "100.00"}, "fine_currency", "needs its currency"),
        ({"fine_currency": "SEK"}, "fine_amount", "without an amount"),
        ({"fine_amount": "100.00", "fine_currency": "XYZ"}, "fine_currency", "“XYZ” is not an ISO 4217 currency code"),
        ({"fine_amount": "100.00", "fine_currency": "EURO"}, "fine_currency", "“EURO” is not an ISO 4217 currency code"),
        ({"fine_amount": "100.00", "fine_currency": "eu"}, "fine_currency", "not an ISO 4217 currency code"),
        ({"sources": [], "source_url": None}, "sources", "At least one source"),
        ({"sources": ["javascript:alert(1)"]}, "sources", "not an http or https URL"),
        ({"sources": [{"url": "https://x.example", "quote": "q" * 1001}]}, "sources", "longer than 1000"),
        ({"sources": [{"url": "https://x.example", "kind": "tertiary"}]}, "sources", "“kind” must be"),
        ({"sources": [{"href": "https://x.example"}]}, "sources", "unknown field"),
        ({"sources": "https://x.example"}, "sources", "Give a list of sources"),
        ({"source_url": "not a url"}, "source_url", "valid URL"),
        ({"source_url": "ftp://x.example/decision", "sources": None}, "source_url", "not an http or https URL"),
        ({"title": ""}, "title", "may not be blank"),
        ({"decided_on": "2999-01-01"}, "decided_on", "cannot lie in the future"),
        ({"decided_on_precision": "week"}, "decided_on_precision", "not a valid choice"),
        ({"announced_on": "2021-01-01"}, "announced_on", "before it was decided"),
        ({"ecli": "ECLI:nl:HR:2023:1234"}, "ecli", "European Case Law Identifier"),
        ({"ecli": "NL:HR:2023:1234"}, "ecli", "European Case Law Identifier"),
        ({"ecli": ""}, "ecli", "or null"),
        ({"concerns": "people"}, "concerns", "not a valid choice"),
    ],
)
def test_a_bad_ruling_is_a_400_naming_the_field(editor_client, overrides, field, words):
    payload = {key: value for key, value in ruling_payload(RegulatorFactory(), **overrides).items() if value is not None}

    response = editor_client.post("/api/v1/rulings/", payload, format="json")

    assert response.status_code == 400
    body = response.json()
    assert field in body, body
    assert words in " ".join(body[field])
    assert not Ruling.objects.exists()


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


@pytest.mark.parametrize("url", ["/api/v1/regulators/", "/api/v1/agencies/", "/api/v1/rulings/", "/api/v1/proceedings/"])
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


@pytest.mark.parametrize("url", ["/api/v1/regulators/", "/api/v1/agencies/", "/api/v1/rulings/", "/api/v1/proceedings/"])
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
