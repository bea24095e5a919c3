"""CSV export: ?format=csv streams every matching row, with spreadsheet formulas defused."""

import csv
import datetime
import io

import pytest

from agencies.models import Agency
from rulings.models import Proceeding, Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.rulings.factories import ProceedingFactory, RegulatorFactory, RulingFactory
from tests.tracker.factories import FlagFactory
from tracker.models import Flag

pytestmark = pytest.mark.django_db


def read_csv(response):
    assert response.status_code == 200
    assert response.streaming, "an export is streamed, not built in memory"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_agencies_export_holds_every_matching_row_not_one_page(api_client):
    Agency.objects.bulk_create(Agency(name=f"Police {n}", country_id="CA", kind="police") for n in range(1203))
    Agency.objects.bulk_create(Agency(name=f"Police {n}", country_id="FR", kind="police") for n in range(7))

    everything = read_csv(api_client.get("/api/v1/agencies/", {"format": "csv"}))
    french = read_csv(api_client.get("/api/v1/agencies/", {"format": "csv", "country": "FR"}))

    assert len(everything) == 1210
    assert len(french) == 7 and {row["country"] for row in french} == {"FR"}
    assert response_attachment(api_client.get("/api/v1/agencies/?format=csv")) == "agencies.csv"


def response_attachment(response):
    return response["Content-Disposition"].split('filename="')[1].rstrip('"')


def test_the_agencies_export_shows_flag_status_and_the_flagging_rulings(api_client):
    agency = AgencyFactory(
        name="Toronto Police Service", aliases=["TPS"], sources=[{"url": "https://a.example"}, {"url": "https://b.example"}]
    )
    flag = FlagFactory(agency=agency)
    AgencyFactory(name="Quiet Police")

    rows = read_csv(api_client.get("/api/v1/agencies/", {"format": "csv", "flagged": "true"}))

    assert len(rows) == 1
    assert rows[0]["name"] == "Toronto Police Service"
    assert (rows[0]["flagged"], rows[0]["status"], rows[0]["aliases"]) == ("true", "flagged", "TPS")
    assert rows[0]["flag_rulings"] == str(flag.ruling_id)
    assert rows[0]["sources"] == "https://a.example https://b.example"


@pytest.mark.parametrize(
    "dangerous",
    ["=HYPERLINK(\"https://evil.example\")", "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"],
)
def test_cells_that_a_spreadsheet_would_run_as_formulas_are_escaped(api_client, dangerous):
    AgencyFactory(name=dangerous, notes=dangerous)

    row = read_csv(api_client.get("/api/v1/agencies/", {"format": "csv"}))[0]

    assert row["name"] == "'" + dangerous
    assert row["notes"] == "'" + dangerous


def test_ordinary_text_and_numbers_are_left_alone(api_client):
    AgencyFactory(name="Ministry of Justice", searches=120, notes="Paid trial; 2019 - 2020")

    row = read_csv(api_client.get("/api/v1/agencies/", {"format": "csv"}))[0]

    assert (row["name"], row["searches"], row["notes"]) == ("Ministry of Justice", "120", "Paid trial; 2019 - 2020")


def test_the_rulings_export_applies_the_filters_and_hides_drafts(api_client):
    europe = RegulatorFactory(jurisdiction="EU")
    RulingFactory(regulator=europe, title="=cmd|' /C calc'!A0")
    RulingFactory(regulator=europe, status=Ruling.Status.DRAFT)
    RulingFactory(regulator=RegulatorFactory(jurisdiction="CA"))

    rows = read_csv(api_client.get("/api/v1/rulings/", {"format": "csv", "jurisdiction": "EU"}))

    assert len(rows) == 1
    assert rows[0]["title"] == "'=cmd|' /C calc'!A0"
    assert (rows[0]["jurisdiction"], rows[0]["status"]) == ("EU", "published")


def test_the_flags_export_applies_the_filters(api_client):
    FlagFactory(agency=AgencyFactory(country=country("FR")), severity=Flag.Severity.ADVISORY)
    FlagFactory(agency=AgencyFactory(country=country("CA")))
    FlagFactory(agency=AgencyFactory(country=country("CA")), active=False, cleared_at=datetime.datetime.now(datetime.UTC))

    rows = read_csv(api_client.get("/api/v1/flags/", {"format": "csv", "country": "CA", "active": "true"}))

    assert len(rows) == 1
    assert (rows[0]["country"], rows[0]["severity"], rows[0]["active"]) == ("CA", "unlawful", "true")
    assert list(rows[0]) == [
        "id", "agency", "agency_name", "country", "ruling", "ruling_title", "severity", "basis", "timing",
        "under_appeal", "active", "raised_at", "cleared_at", "cleared_reason", "explanation",
    ]


def test_the_rulings_export_shows_the_standing_the_date_at_its_precision_and_every_source(api_client):
    # Given a ruling known to a month, with two sources, under appeal
    ruling = RulingFactory(
        decided_on=datetime.date(2021, 2, 1),
        decided_on_precision="month",
        concerns=Ruling.Concerns.VENDOR,
        sources=[{"url": "https://regulator.example.org/decision"}, {"url": "https://news.example.org/story"}],
    )
    ProceedingFactory(ruling=ruling, effect=Proceeding.Effect.APPEALED)

    # When the rulings are exported
    row = read_csv(api_client.get("/api/v1/rulings/", {"format": "csv"}))[0]

    # Then the row says so in its own columns
    assert (row["decided_on"], row["decided_on_precision"], row["decided"]) == ("2021-02-01", "month", "February 2021")
    assert (row["concerns"], row["standing"]) == ("vendor", "under_appeal")
    assert row["source_url"] == "https://regulator.example.org/decision"
    assert row["sources"] == "https://regulator.example.org/decision https://news.example.org/story"


def test_the_proceedings_export_hides_drafts_and_applies_the_filters(api_client):
    appeal = ProceedingFactory(body="First-tier Tribunal", effect=Proceeding.Effect.APPEALED)
    ProceedingFactory(ruling=appeal.ruling, effect=Proceeding.Effect.OVERTURNED)
    ProceedingFactory(ruling=appeal.ruling, effect=Proceeding.Effect.APPEALED, status=Proceeding.Status.DRAFT)

    rows = read_csv(api_client.get("/api/v1/proceedings/", {"format": "csv", "effect": "appealed"}))

    assert [row["id"] for row in rows] == [str(appeal.pk)]
    assert (rows[0]["ruling"], rows[0]["ruling_title"], rows[0]["body"]) == (
        str(appeal.ruling_id), appeal.ruling.title, "First-tier Tribunal",
    )
    assert response_attachment(api_client.get("/api/v1/proceedings/?format=csv")) == "proceedings.csv"


def test_a_detail_has_no_csv_form(api_client):
    agency = AgencyFactory()

    response = api_client.get(f"/api/v1/agencies/{agency.pk}/", {"format": "csv"})

    assert response.status_code == 400 and "format" in response.json()


def test_an_export_takes_a_constant_number_of_queries(api_client, django_assert_max_num_queries):
    Agency.objects.bulk_create(Agency(name=f"Police {n}", country_id="CA", kind="police") for n in range(1500))

    with django_assert_max_num_queries(3):
        rows = read_csv(api_client.get("/api/v1/agencies/", {"format": "csv"}))

    assert len(rows) == 1500


def test_the_rulings_export_with_standings_takes_a_constant_number_of_queries(api_client, django_assert_max_num_queries):
    regulator = RegulatorFactory()
    now = datetime.datetime.now(datetime.UTC)
    rulings = Ruling.objects.bulk_create(
        Ruling(regulator=regulator, title=f"Finding {n}", decided_on=datetime.date(2021, 1, 1), outcome="unlawful",
               scope="jurisdiction", sources=[{"url": "https://example.org"}], status="published", published_at=now)
        for n in range(1500)
    )
    Proceeding.objects.bulk_create(
        Proceeding(ruling=ruling, body="Court", decided_on=datetime.date(2021, 6, 1), effect="appealed",
                   sources=[{"url": "https://example.org"}], status="published", published_at=now)
        for ruling in rulings
    )

    # The rulings, their agencies and their proceedings, a chunk at a time.
    with django_assert_max_num_queries(3):
        rows = read_csv(api_client.get("/api/v1/rulings/", {"format": "csv"}))

    assert len(rows) == 1500 and {row["standing"] for row in rows} == {"under_appeal"}
