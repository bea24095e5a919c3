"""Reading every resource of /api/v1/: what anonymous readers and staff see."""

import datetime

import pytest

from rulings.models import Proceeding, Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.rulings.factories import ProceedingFactory, RegulatorFactory, RulingFactory
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
    regulator = RegulatorFactory(
        name="Hamburg Commissioner", short_name="HmbBfDI", aliases=["HmbBfDI"], jurisdiction="DE-HH", wikidata="Q1630464"
    )

    listed = api_client.get("/api/v1/regulators/").json()["results"]
    detail = api_client.get(f"/api/v1/regulators/{regulator.pk}/").json()

    assert [row["id"] for row in listed] == [regulator.pk]
    assert detail == {
        "id": regulator.pk,
        "name": "Hamburg Commissioner",
        "short_name": "HmbBfDI",
        "aliases": ["HmbBfDI"],
        "jurisdiction": "DE-HH",
        "jurisdiction_level": "subnational",
        "website": "https://regulator.example.org",
        "wikidata": "Q1630464",
    }


def test_an_agency_shows_its_fields_flagged_and_its_active_flags_only(api_client):
    # Given an agency with an active unlawful flag and a cleared one
    agency = AgencyFactory(
        name="Toronto Police Service",
        aliases=["TPS"],
        country=country("CA"),
        subdivision="CA-ON",
        searches=3400,
        searches_qualifier="at_least",
        paid=False,
        wikidata="Q1142546",
        last_verified_on=datetime.date(2025, 11, 3),
    )
    ruling = RulingFactory(title="Joint investigation report")
    active = FlagFactory(
        agency=agency, ruling=ruling, basis=Flag.Basis.VENDOR, under_appeal=True,
        explanation="The OPC found all use in CA unlawful.",
    )
    FlagFactory(agency=agency, active=False, cleared_at=datetime.datetime.now(datetime.UTC))

    # When a reader opens it
    body = api_client.get(f"/api/v1/agencies/{agency.pk}/").json()

    # Then it is flagged, with the one active flag embedded
    assert body["name"] == "Toronto Police Service"
    assert body["aliases"] == ["TPS"]
    assert (body["country"], body["subdivision"], body["kind"], body["searches"]) == ("CA", "CA-ON", "police", 3400)
    assert body["searches_qualifier"] == "at_least"
    assert body["paid"] is False and body["authorized"] is None
    assert (body["wikidata"], body["last_verified_on"]) == ("Q1142546", "2025-11-03")
    assert body["sources"] == [
        {"url": "https://example.org/source", "title": None, "publisher": None, "published_on": None, "kind": None,
         "archived_url": None, "quote": None}
    ]
    assert (body["flagged"], body["status"]) == (True, "flagged")
    assert body["flags"] == [
        {
            "id": active.pk,
            "ruling": ruling.pk,
            "ruling_title": "Joint investigation report",
            "severity": "unlawful",
            "basis": "vendor",
            "timing": "ruled_after_use",
            "under_appeal": True,
            "explanation": "The OPC found all use in CA unlawful.",
            "raised_at": active.raised_at.isoformat().replace("+00:00", "Z"),
        }
    ]


def test_an_agency_under_an_advisory_flag_only_is_not_flagged(api_client):
    agency = AgencyFactory()
    FlagFactory(agency=agency, severity=Flag.Severity.ADVISORY)

    body = api_client.get(f"/api/v1/agencies/{agency.pk}/").json()

    assert (body["flagged"], body["status"]) == (False, "advisory")
    assert [flag["severity"] for flag in body["flags"]] == ["advisory"]


def test_an_agency_with_no_active_flag_has_the_status_none(api_client):
    agency = AgencyFactory()
    FlagFactory(agency=agency, active=False, cleared_at=datetime.datetime.now(datetime.UTC))

    body = api_client.get(f"/api/v1/agencies/{agency.pk}/").json()

    assert (body["flagged"], body["status"], body["flags"]) == (False, "none", [])


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
    overturned = RulingFactory()
    ProceedingFactory(ruling=overturned, effect=Proceeding.Effect.OVERTURNED)
    withdrawn = RulingFactory(status=Ruling.Status.WITHDRAWN)
    draft = RulingFactory(status=Ruling.Status.DRAFT)

    listed = {row["id"]: (row["status"], row["standing"]) for row in api_client.get("/api/v1/rulings/").json()["results"]}

    assert listed == {
        published.pk: ("published", "in_force"),
        overturned.pk: ("published", "overturned"),
        withdrawn.pk: ("withdrawn", "withdrawn"),
    }
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

    assert {"countries", "blocs", "regulators", "agencies", "rulings", "proceedings", "flags"} <= set(body)


@pytest.fixture
def uk_fine():
    """The UK regulator's 2022 fine of the vendor, set aside by the First-tier Tribunal in
    October 2023, that decision set aside and the case sent back by the Upper Tribunal in
    October 2025 — with a draft note of a further step not yet checked."""
    regulator = RegulatorFactory(name="Information Commissioner's Office", short_name="ICO", jurisdiction="GB")
    ruling = RulingFactory(
        regulator=regulator,
        title="Monetary penalty notice and enforcement notice",
        decided_on=datetime.date(2022, 5, 18),
        announced_on=datetime.date(2022, 5, 23),
        concerns=Ruling.Concerns.VENDOR,
        case_reference="COM0801914",
        fine_amount="7552800.00",
        fine_currency="GBP",
        fine_notes="Plus an enforcement notice to delete the data of UK residents.",
        sources=[
            {"url": "https://ico.example.org/penalty", "title": "Penalty notice", "publisher": "ICO", "published_on": "2022-05-23",
             "kind": "primary", "archived_url": "https://archive.example.org/ico", "quote": "The Commissioner has decided"},
            {"url": "https://news.example.org/ico-fine", "title": None, "publisher": None, "published_on": None,
             "kind": "secondary", "archived_url": None, "quote": None},
        ],
        last_verified_on=datetime.date(2025, 11, 1),
    )
    first_tier = ProceedingFactory(
        ruling=ruling,
        body="First-tier Tribunal (General Regulatory Chamber)",
        decided_on=datetime.date(2023, 10, 17),
        effect=Proceeding.Effect.OVERTURNED,
        case_reference="[2023] UKFTT 819 (GRC)",
    )
    upper = ProceedingFactory(
        ruling=ruling,
        body="Upper Tribunal (Administrative Appeals Chamber)",
        decided_on=datetime.date(2025, 10, 6),
        effect=Proceeding.Effect.REMITTED,
        case_reference="[2025] UKUT 319 (AAC)",
    )
    draft = ProceedingFactory(
        ruling=ruling, body="First-tier Tribunal", decided_on=datetime.date(2025, 11, 1), effect=Proceeding.Effect.UPHELD,
        status=Proceeding.Status.DRAFT,
    )
    return {"ruling": ruling, "first_tier": first_tier, "upper": upper, "draft": draft}


def test_a_ruling_shows_what_was_found_about_whom_when_and_on_what_evidence(api_client, uk_fine):
    # When a reader opens the UK fine
    body = api_client.get(f"/api/v1/rulings/{uk_fine['ruling'].pk}/").json()

    # Then it says what was found about whom, when, for how much, and on what evidence
    assert (body["decided_on"], body["decided_on_precision"], body["announced_on"]) == ("2022-05-18", "day", "2022-05-23")
    assert (body["outcome"], body["concerns"], body["scope"]) == ("unlawful", "vendor", "jurisdiction")
    assert (body["case_reference"], body["ecli"]) == ("COM0801914", None)
    assert (body["fine_amount"], body["fine_currency"]) == ("7552800.00", "GBP")
    assert body["fine_notes"].startswith("Plus an enforcement notice")
    assert body["sources"][0] == {
        "url": "https://ico.example.org/penalty", "title": "Penalty notice", "publisher": "ICO",
        "published_on": "2022-05-23", "kind": "primary", "archived_url": "https://archive.example.org/ico",
        "quote": "The Commissioner has decided",
    }
    assert [source["kind"] for source in body["sources"]] == ["primary", "secondary"]
    assert body["source_url"] == "https://ico.example.org/penalty"
    assert body["last_verified_on"] == "2025-11-01"


def test_a_ruling_sent_back_after_being_set_aside_stands_under_appeal_with_its_published_proceedings(api_client, uk_fine):
    # When a reader opens the UK fine
    body = api_client.get(f"/api/v1/rulings/{uk_fine['ruling'].pk}/").json()

    # Then it stands under appeal, and shows its two published proceedings, oldest first
    assert (body["status"], body["standing"]) == ("published", "under_appeal")
    assert [p["id"] for p in body["proceedings"]] == [uk_fine["first_tier"].pk, uk_fine["upper"].pk]
    first_tier = body["proceedings"][0]
    assert first_tier["body"] == "First-tier Tribunal (General Regulatory Chamber)"
    assert (first_tier["decided_on"], first_tier["decided_on_precision"], first_tier["effect"]) == (
        "2023-10-17", "day", "overturned",
    )
    assert (first_tier["case_reference"], first_tier["ecli"], first_tier["status"]) == ("[2023] UKFTT 819 (GRC)", None, "published")
    assert first_tier["published_at"] is not None
    assert first_tier["sources"][0]["url"] == "https://court.example.org/judgment"
    assert {"fine_amount", "fine_currency", "summary"} <= set(first_tier)


def test_editors_also_see_draft_proceedings_which_do_not_change_the_standing(editor_client, uk_fine):
    body = editor_client.get(f"/api/v1/rulings/{uk_fine['ruling'].pk}/").json()

    assert [p["id"] for p in body["proceedings"]] == [uk_fine["first_tier"].pk, uk_fine["upper"].pk, uk_fine["draft"].pk]
    assert body["proceedings"][-1]["status"] == "draft"
    assert body["standing"] == "under_appeal"


@pytest.mark.parametrize(
    ("effects", "standing"),
    [
        ([], "in_force"),
        (["appealed"], "under_appeal"),
        (["appealed", "upheld"], "in_force"),
        (["appealed", "varied"], "in_force"),
        (["appealed", "overturned"], "overturned"),
        (["overturned", "appealed"], "overturned"),
        (["overturned", "restored"], "in_force"),
        (["overturned", "remitted"], "under_appeal"),
    ],
)
def test_the_standing_follows_the_proceedings_in_date_order(api_client, effects, standing):
    ruling = RulingFactory(decided_on=datetime.date(2021, 2, 2))
    for days, effect in enumerate(effects, start=1):
        ProceedingFactory(
            ruling=ruling,
            decided_on=datetime.date(2021, 2, 2) + datetime.timedelta(days=30 * days),
            effect=effect,
            **({"fine_amount": "10.00", "fine_currency": "EUR"} if effect == "varied" else {}),
        )

    assert api_client.get(f"/api/v1/rulings/{ruling.pk}/").json()["standing"] == standing


def test_the_standing_of_a_draft_or_withdrawn_ruling_follows_its_status(editor_client):
    draft = RulingFactory(status=Ruling.Status.DRAFT)
    withdrawn = RulingFactory(status=Ruling.Status.WITHDRAWN)
    ProceedingFactory(ruling=withdrawn, effect=Proceeding.Effect.UPHELD)

    assert editor_client.get(f"/api/v1/rulings/{draft.pk}/").json()["standing"] == "draft"
    assert editor_client.get(f"/api/v1/rulings/{withdrawn.pk}/").json()["standing"] == "withdrawn"


def test_flags_show_their_basis_appeal_state_and_why_they_were_cleared(api_client):
    cleared = FlagFactory(
        basis=Flag.Basis.VENDOR,
        active=False,
        cleared_at=datetime.datetime.now(datetime.UTC),
        cleared_reason="The First-tier Tribunal set the ruling aside on 17 October 2023.",
    )
    appealed = FlagFactory(under_appeal=True)

    cleared_body = api_client.get(f"/api/v1/flags/{cleared.pk}/").json()
    appealed_body = api_client.get(f"/api/v1/flags/{appealed.pk}/").json()

    assert (cleared_body["basis"], cleared_body["under_appeal"]) == ("vendor", False)
    assert cleared_body["cleared_reason"] == "The First-tier Tribunal set the ruling aside on 17 October 2023."
    assert (appealed_body["basis"], appealed_body["under_appeal"], appealed_body["cleared_reason"]) == ("use", True, "")
