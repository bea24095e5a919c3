"""The public pages, read through Django's test client as a visitor without JavaScript."""

import csv
import datetime
import io
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, Country, Membership
from rulings.models import Proceeding, Regulator, Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.rulings.factories import ProceedingFactory
from tests.tracker.site_records import add_flagged_agencies, build_records, put_flag
from tracker.models import Flag
from tracker.seed.loader import seed_load
from tracker.services import flags_recompute
from tracker.site.selectors import site_data_last_updated

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    return build_records()


def row_names(response) -> list[str]:
    """The agency names of the table rows, in the order shown."""
    html = response.content.decode()
    return [unescape(name) for name in re.findall(r'<th scope="row" class="col-name"><a href="[^"]+">([^<]+)</a>', html)]


def text(response) -> str:
    """The page's text with tags stripped and white space collapsed, as a reader sees it."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    words = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()
    return re.sub(r" ([.,;])", r"\1", words)


def csv_link(response) -> dict:
    match = re.search(r'<p class="download"><a href="([^"]+)"', response.content.decode())
    assert match, "the page offers a CSV download"
    url = urlsplit(unescape(match.group(1)))
    assert url.path == "/api/v1/agencies/"
    return {key: values[0] for key, values in parse_qs(url.query).items()}


# --- The agency table ------------------------------------------------------------------


def test_home_lists_every_agency_with_its_country_kind_searches_and_status(client, records):
    # When a visitor opens the home page
    response = client.get("/")

    # Then every agency is in the table, by name, with its place, kind, searches and status
    assert response.status_code == 200
    assert row_names(response) == sorted(row_names(response))
    assert set(row_names(response)) == {agency.name for agency in vars(records.agencies).values()}
    page = text(response)
    assert "Toronto Police Service 🇨🇦 Canada Ontario Police at least 3,400 Oct 2019 Feb 2020 Flagged" in page
    assert "Royal Canadian Mounted Police 🇨🇦 Canada — unknown Police exactly 450" in page
    assert "Saskatchewan Ministry of Justice 🇨🇦 Canada Saskatchewan Prosecutor at most 70" in page
    assert "Netherlands National Police 🇳🇱 Netherlands — unknown Police about 80" in page
    assert "INTERPOL International" in page
    assert "Netherlands National Police 🇳🇱 Netherlands" in page
    assert "8 agencies are on record, 5 of them flagged" not in page  # the draft's flag does not count
    assert "8 agencies are on record, 4 of them flagged." in page


def test_flagged_agency_links_to_each_ruling_that_flags_it_with_the_explanation(client, records):
    response = client.get("/")

    html = response.content.decode()
    row = html[html.index("Toronto Police Service</a>") :].split("</tr>")[0]
    assert f'href="{records.rulings.canada.get_absolute_url()}"' in row
    assert "OPC, 2 Feb 2021" in row
    assert unescape(records.flags.toronto.explanation) in unescape(row)
    advisory_row = html[html.index("Netherlands National Police</a>") :].split("</tr>")[0]
    assert "Advisory" in advisory_row and f'href="{records.rulings.netherlands.get_absolute_url()}"' in advisory_row


def test_no_draft_ruling_or_its_flag_reaches_the_table(client, records):
    response = client.get("/")

    html = response.content.decode()
    hamburg_row = html[html.index("Hamburg Police</a>") :].split("</tr>")[0]
    assert "No ruling yet" in hamburg_row
    assert "Secret draft explanation" not in html
    assert records.rulings.hamburg_draft.get_absolute_url() not in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"country": "CA"}, {"Toronto Police Service", "Royal Canadian Mounted Police", "Saskatchewan Ministry of Justice"}),
        ({"country": "FR"}, set()),
        ({"kind": "prosecutor"}, {"Saskatchewan Ministry of Justice"}),
        ({"kind": "international"}, {"INTERPOL"}),
        (
            {"status": "flagged"},
            {"Toronto Police Service", "Royal Canadian Mounted Police", "Saskatchewan Ministry of Justice", "Swedish Police Authority"},
        ),
        ({"status": "advisory"}, {"Netherlands National Police"}),
        ({"status": "none"}, {"Hamburg Police", "Australian Federal Police", "INTERPOL"}),
        ({"search": "police"}, {"Toronto Police Service", "Royal Canadian Mounted Police", "Swedish Police Authority",
                                "Netherlands National Police", "Hamburg Police", "Australian Federal Police"}),
        ({"search": "MOUNTED"}, {"Royal Canadian Mounted Police"}),
        ({"country": "CA", "kind": "police", "status": "flagged", "search": "toronto"}, {"Toronto Police Service"}),
    ],
)
def test_each_filter_narrows_the_table(client, records, query, expected):
    # When the visitor filters the table
    response = client.get("/", query)

    # Then only the matching agencies remain, and the line above the table says how many
    assert response.status_code == 200
    assert set(row_names(response)) == expected
    page = text(response)
    if not expected:
        assert "No agency matches your filters." in page
    elif len(expected) == 1:
        assert "1 agency matches your filters;" in page
    else:
        assert f"{len(expected)} agencies match your filters," in page


def test_the_summary_counts_flagged_agencies_among_the_matches(client, records):
    response = client.get("/", {"search": "police"})

    assert "6 agencies match your filters, 3 of them flagged." in text(response)


def test_filters_are_kept_in_the_form_after_applying_them(client, records):
    response = client.get("/", {"country": "CA", "kind": "police", "status": "flagged", "search": "toronto"})

    html = response.content.decode()
    assert re.search(r'<option value="CA" selected>Canada</option>', html)
    assert re.search(r'<option value="police" selected>Police</option>', html)
    assert re.search(r'<option value="flagged" selected>', html)
    assert 'value="toronto"' in html
    assert "Agencies in Canada matching your filters" in text(response)


def test_the_country_filter_offers_the_countries_that_have_agencies(client, records):
    response = client.get("/")

    html = response.content.decode()
    select = html[html.index('<select name="country"') : html.index("</select>", html.index('<select name="country"'))]
    assert re.findall(r'<option value="([A-Z]{2})"', select) == ["AU", "CA", "DE", "NL", "SE"]


def _sort_key(ordering):
    def missing_last(value, descending):
        return (value is None, value) if not descending else (value is None, _Reversed(value))

    descending = ordering.startswith("-")
    field = ordering.lstrip("-")
    status_rank = {"flagged": 2, "advisory": 1, "none": 0}

    def key(agency):
        if field == "name":
            value = agency.name
        elif field == "country":
            value = agency.country.name if agency.country else None
        elif field == "status":
            value = status_rank[agency.expected_status]
        else:
            value = getattr(agency, field)
        return (missing_last(value, descending), agency.name)

    return key


class _Reversed:
    def __init__(self, value):
        self.value = value

    def __lt__(self, other):
        return self.value > other.value

    def __eq__(self, other):
        return self.value == other.value


@pytest.mark.parametrize(
    "ordering",
    ["name", "-name", "country", "-country", "subdivision", "-subdivision", "kind", "-kind", "searches", "-searches",
     "first_used", "-first_used", "last_used", "-last_used", "status", "-status"],
)
def test_every_column_sorts_both_ways_with_unknown_values_last(client, records, ordering):
    # Given the agencies and the status each should show
    agencies = list(Agency.objects.select_related("country"))
    expected_status = {
        "Toronto Police Service": "flagged", "Royal Canadian Mounted Police": "flagged",
        "Saskatchewan Ministry of Justice": "flagged", "Swedish Police Authority": "flagged",
        "Netherlands National Police": "advisory",
    }
    for agency in agencies:
        agency.expected_status = expected_status.get(agency.name, "none")

    # When the visitor sorts by a column
    response = client.get("/", {"ordering": ordering})

    # Then the rows come in that order; a missing value sorts last either way
    assert response.status_code == 200
    names = row_names(response)
    if ordering.lstrip("-") == "name":
        expected = sorted((a.name for a in agencies), reverse=ordering.startswith("-"))
    else:
        expected = [a.name for a in sorted(agencies, key=_sort_key(ordering))]
    assert names == expected


def test_column_headers_toggle_the_sort_and_say_which_is_current(client, records):
    response = client.get("/", {"ordering": "-searches", "country": "CA", "page": "1"})

    html = unescape(response.content.decode())
    header = re.search(r'<th scope="col" class="col-searches num" aria-sort="descending">\s*<a href="\?([^"]+)"', html)
    assert header, "the sorted column is marked with aria-sort"
    assert parse_qs(header.group(1)) == {"ordering": ["searches"], "country": ["CA"]}  # page dropped, filter kept
    name_header = re.search(r'<th scope="col" class="col-name">\s*<a href="\?([^"]+)"', html)
    assert parse_qs(name_header.group(1)) == {"ordering": ["name"], "country": ["CA"]}
    assert "sorted by searches (descending)" in text(response)


def test_pagination_shows_fifty_rows_a_page_and_keeps_the_filters(client, records):
    # Given 57 flagged Canadian police services besides the rest
    add_flagged_agencies(57, ruling=records.rulings.canada)

    # When the visitor filters by country and follows the link to page 2
    first = client.get("/", {"country": "CA", "ordering": "-name"})
    html = unescape(first.content.decode())
    next_link = re.search(r'<a href="\?([^"]+)" rel="next">', html)
    assert next_link
    assert parse_qs(next_link.group(1)) == {"country": ["CA"], "ordering": ["-name"], "page": ["2"]}
    second = client.get("/?" + next_link.group(1))

    # Then page 1 held 50 rows and page 2 the other 10, still Canadian and still sorted
    assert len(row_names(first)) == 50
    assert len(row_names(second)) == 10
    assert row_names(first)[0] == "Toronto Police Service"
    assert row_names(second)[-1] == "Regional Police 000"
    assert "60 agencies match your filters, 60 of them flagged." in text(second)
    assert "page 2 of 2" in text(second)
    assert re.search(r'aria-current="page"><span class="visually-hidden">Page </span>2</a>', second.content.decode())
    assert "<title>Agencies matching your filters, page 2 · " in second.content.decode()


@pytest.mark.parametrize(("page", "expected_first"), [("abc", "Australian Federal Police"), ("99", "Regional Police 046")])
def test_a_page_number_that_is_junk_or_past_the_end_shows_the_first_or_last_page(client, records, page, expected_first):
    add_flagged_agencies(55, ruling=records.rulings.canada)

    response = client.get("/", {"page": page})

    assert response.status_code == 200
    assert row_names(response)[0] == expected_first


def test_csv_download_link_asks_the_api_for_exactly_the_rows_shown(client, records):
    response = client.get("/", {"country": "CA", "kind": "police", "status": "flagged", "search": "Police", "ordering": "-searches", "page": "1"})

    assert csv_link(response) == {
        "format": "csv", "country": "CA", "kind": "police", "status": "flagged", "search": "Police", "ordering": "-searches",
    }
    assert "Download these 2 agencies as CSV" in text(response)


@pytest.mark.parametrize(
    "query",
    [
        {"country": "CA", "status": "flagged", "search": "police", "ordering": "-searches"},
        {"status": "none", "ordering": "-name"},
        {"kind": "international"},
        {"status": "advisory"},
        {},
    ],
)
def test_the_csv_download_holds_exactly_the_agencies_shown(client, records, query):
    # Given the table as filtered and sorted by the visitor
    page = client.get("/", query)
    link = re.search(r'<p class="download"><a href="([^"]+)"', page.content.decode()).group(1)

    # When they follow the download link
    response = client.get(unescape(link))

    # Then the file lists the same agencies, in the same order
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row["name"] for row in rows] == row_names(page)


def test_csv_download_link_leaves_out_a_sort_the_api_does_not_offer(client, records):
    response = client.get("/", {"ordering": "country"})

    assert csv_link(response) == {"format": "csv"}


@pytest.mark.parametrize(
    ("query", "field_message"),
    [
        ({"kind": "spies"}, "Kind: Select a valid choice. spies is not one of the available choices."),
        ({"status": "maybe"}, "Status: Select a valid choice."),
        ({"country": "ZZ"}, "Country: Select a valid choice. ZZ is not one of the available choices."),
        ({"ordering": "password"}, "Sort by: Select a valid choice."),
        ({"search": "x" * 201}, "Agency name: Ensure this value has at most 200 characters"),
    ],
)
def test_bad_filters_are_a_400_naming_the_field(client, records, query, field_message):
    response = client.get("/", query)

    assert response.status_code == 400
    page = text(response)
    assert "These filters could not be applied" in page
    assert field_message in page
    assert "<title>Filters could not be applied" in response.content.decode()


# --- One agency ------------------------------------------------------------------------


def test_agency_page_shows_every_field_and_its_sources_as_links(client, records):
    toronto = records.agencies.toronto

    response = client.get(toronto.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Toronto Police Service (Canada) · Regulatory-status tracker</title>" in html
    page = text(response)
    for fact in ("Country 🇨🇦 Canada", "Subdivision Ontario CA-ON", "Kind Police", "Searches run At least 3,400",
                 "First use 1 October 2019", "Last use 1 February 2020", "Did leadership know or approve? No",
                 "Contract Free trial", "Last verified 8 March 2024", "Listed as having run more than 3,400 searches."):
        assert fact in page
    for source in toronto.sources:
        assert f'<a href="{source["url"]}" rel="noopener noreferrer" class="source__title">' in html


def test_agency_page_shows_active_flags_with_explanation_and_date(client, records):
    response = client.get(records.agencies.toronto.get_absolute_url())

    page = text(response)
    assert "Flagged This agency stands under at least one published ruling in force" in page
    assert "Joint investigation of Clearview AI by Canadian privacy authorities" in page
    assert records.flags.toronto.explanation in page
    assert "The ruling today: In force." in page
    assert "Flag raised 1 March 2021." in page


def test_agency_page_shows_cleared_flags_with_both_dates(client, records):
    response = client.get(records.agencies.afp.get_absolute_url())

    page = text(response)
    assert "No ruling in force covers this agency yet." in page
    assert "Cleared flags" in page
    assert "Clearview AI breached Australians' privacy" in page
    assert "Raised 1 March 2021, cleared 4 May 2022." in page
    assert "The ruling today: Set aside by the Administrative Appeals Tribunal on 4 May 2022." in page
    assert "Why the flag was cleared: The Administrative Appeals Tribunal set the ruling aside on 4 May 2022 ([2022] AATA 1234)." in page


def test_agency_page_never_shows_the_flag_of_a_draft(client, records):
    response = client.get(records.agencies.hamburg.get_absolute_url())

    html = response.content.decode()
    assert "Secret draft explanation" not in html
    assert "Draft order against Clearview AI" not in html
    assert "No ruling in force flags this agency." in text(response)


def test_agency_page_lists_the_rulings_that_cover_its_jurisdiction(client, records):
    # Sweden joined the EU in 1995, so the EU ruling of 2020 covers its police
    response = client.get(records.agencies.swedish_police.get_absolute_url())

    page = text(response)
    assert "Rulings that cover its jurisdiction" in page
    assert "Police use of Clearview AI violated the Criminal Data Act" in page
    assert "Statement on facial-recognition services in the EU" in page
    assert "Joint investigation of Clearview AI" not in page  # Canada's ruling covers Canada only


def test_agency_in_a_subdivision_is_covered_by_national_rulings_only_when_no_local_one_exists(client, records):
    response = client.get(records.agencies.saskatchewan.get_absolute_url())

    page = text(response)
    assert "Joint investigation of Clearview AI by Canadian privacy authorities" in page
    assert "Québec" not in page  # the Québec regulator covers CA-QC only


def test_an_international_organisation_is_covered_by_no_jurisdiction(client, records):
    response = client.get(records.agencies.interpol.get_absolute_url())

    page = text(response)
    assert response.status_code == 200
    assert "Country None: international organisation" in page
    assert "No jurisdiction covers an international organisation." in page


def test_unknown_agency_is_a_404(client, records):
    assert client.get("/agencies/999999/").status_code == 404


# --- Countries -------------------------------------------------------------------------


def test_country_page_shows_agencies_regulators_blocs_and_ruling_timeline(client, records):
    response = client.get("/countries/SE/")

    assert response.status_code == 200
    page = text(response)
    assert "<title>Sweden · Regulatory-status tracker</title>" in response.content.decode()
    assert "1 agency on record, 1 flagged." in page
    assert "Swedish Police Authority" in page
    assert "Swedish Authority for Privacy Protection (IMY)" in page
    assert "European Union EU 1 January 1995 Still a member" in page
    # The timeline runs newest first and includes the bloc's ruling
    assert page.index("Police use of Clearview AI violated") < page.index("Statement on facial-recognition services")


def test_country_page_separates_national_and_subnational_regulators(client, records):
    response = client.get("/countries/CA/")

    page = text(response)
    national = page[page.index("National") : page.index("Subnational")]
    assert "Office of the Privacy Commissioner of Canada (OPC)" in national
    assert "Commission d'accès à l'information du Québec (CAI) — Quebec CA-QC" in page
    assert "3 agencies on record, 3 flagged." in page


def test_country_page_shows_left_blocs_and_hides_drafts(client, records):
    gb = client.get("/countries/GB/")
    de = client.get("/countries/DE/")

    assert "European Union EU 1 January 1973 31 January 2020" in text(gb)
    # Germany's timeline has the EU's ruling, but not the Hamburg draft
    assert "Statement on facial-recognition services in the EU" in text(de)
    assert "Draft order against Clearview AI" not in de.content.decode()


def test_country_code_in_lower_case_redirects_and_unknown_code_is_a_404(client, records):
    response = client.get("/countries/se/")

    assert response.status_code == 301
    assert response["Location"] == "/countries/SE/"
    assert client.get("/countries/ZZ/").status_code == 404


def test_country_list_counts_agencies_and_flagged_ones(client, records):
    response = client.get(reverse("tracker:countries"))

    page = text(response)
    assert "5 countries have agencies on record: 7 in all, 4 of them flagged." in page
    assert "🇨🇦 Canada 3 3" in page
    assert "🇩🇪 Germany 1 0" in page
    assert "1 international organisation answers to no country" in page


# --- Rulings ---------------------------------------------------------------------------


def test_rulings_list_shows_every_ruling_but_drafts_newest_first_with_status(client, records):
    response = client.get("/rulings/")

    assert response.status_code == 200
    html = response.content.decode()
    titles = [unescape(t) for t in re.findall(r'<th scope="row"><a href="/rulings/\d+/">([^<]+)</a>', html)]
    assert titles == [
        "Clearview AI breached Australians' privacy",
        "Police use of Clearview likely unlawful",
        "Police use of Clearview AI violated the Criminal Data Act",
        "Joint investigation of Clearview AI by Canadian privacy authorities",
        "Statement on facial-recognition services in the EU",
    ]
    assert "Draft order" not in html
    page = text(response)
    assert (
        "Clearview AI breached Australians' privacy Office of the Australian Information Commissioner 🇦🇺 Australia AU "
        "Unlawful about the use by public bodies Set aside by the Administrative Appeals Tribunal on 4 May 2022 0"
    ) in page
    assert "European Union (EU) No finding about the use by public bodies In force 0" in page
    assert (
        "Joint investigation of Clearview AI by Canadian privacy authorities Office of the Privacy Commissioner of Canada "
        "· PIPEDA-2021-001 🇨🇦 Canada CA Unlawful about the vendor In force 3"
    ) in page
    assert "Mar 2021 Police use of Clearview likely unlawful" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"standing": "overturned"}, ["Clearview AI breached Australians' privacy"]),
        ({"outcome": "likely_unlawful"}, ["Police use of Clearview likely unlawful"]),
        ({"standing": "in_force", "outcome": "no_finding"}, ["Statement on facial-recognition services in the EU"]),
        ({"standing": "withdrawn"}, []),
        ({"country": "SE"}, ["Police use of Clearview AI violated the Criminal Data Act",
                             "Statement on facial-recognition services in the EU"]),
        ({"country": "FR"}, ["Statement on facial-recognition services in the EU"]),
        ({"country": "GB"}, []),  # no longer in the EU in June 2020
        ({"search": "pipeda-2021"}, ["Joint investigation of Clearview AI by Canadian privacy authorities"]),
        ({"search": "OAIC"}, ["Clearview AI breached Australians' privacy"]),
    ],
)
def test_rulings_list_filters_by_standing_outcome_country_and_words(client, records, query, expected):
    response = client.get("/rulings/", query)

    titles = [unescape(t) for t in re.findall(r'<th scope="row"><a href="/rulings/\d+/">([^<]+)</a>', response.content.decode())]
    assert titles == expected


def test_rulings_list_filters_by_regulator(client, records):
    response = client.get("/rulings/", {"regulator": records.regulators.imy.pk})

    titles = [unescape(t) for t in re.findall(r'<th scope="row"><a href="/rulings/\d+/">([^<]+)</a>', response.content.decode())]
    assert titles == ["Police use of Clearview AI violated the Criminal Data Act"]
    assert "1 ruling matches your filters." in text(response)


def test_rulings_list_refuses_drafts_as_a_filter(client, records):
    response = client.get("/rulings/", {"standing": "draft"})

    assert response.status_code == 400
    assert "Standing today: Select a valid choice. draft is not one of the available choices." in text(response)


def test_ruling_page_shows_its_facts_and_the_agencies_it_flags(client, records):
    response = client.get(records.rulings.sweden.get_absolute_url())

    assert response.status_code == 200
    page = text(response)
    for fact in ("Regulator Swedish Authority for Privacy Protection (IMY)", "Jurisdiction 🇸🇪 Sweden SE",
                 "Decided 10 February 2021", "Outcome Unlawful",
                 "What the finding is about The use of the technology by the agencies it names: a finding about their own use",
                 "Scope The use by the agencies it names", "Standing today In force", "Case reference DI-2020-2719",
                 "Fine SEK 2,500,000 An administrative fine under the Criminal Data Act.", "Status Published",
                 "Last verified 2 May 2024"):
        assert fact in page
    assert f'<a href="{records.rulings.sweden.source_url}" rel="noopener noreferrer" class="source__title">' in response.content.decode()
    assert "No appeal, review or later decision is on record for this ruling." in page
    assert "Agencies the ruling names Swedish Police Authority" in page
    assert "1 agency stands flagged by this ruling." in page
    assert records.flags.swedish_police.explanation in page


def test_overturned_ruling_page_says_so_and_counts_cleared_flags(client, records):
    response = client.get(records.rulings.australia_overturned.get_absolute_url())

    page = text(response)
    assert "<title>Clearview AI breached Australians&#x27; privacy (overturned)" in response.content.decode()
    assert "Overturned. This ruling was set aside by the Administrative Appeals Tribunal on 4 May 2022. It no longer flags any agency." in page
    assert "Standing today Set aside by the Administrative Appeals Tribunal on 4 May 2022" in page
    assert "This ruling flags no agency: it is not in force. 1 agency was flagged by it once." in page


def test_draft_ruling_is_a_404_for_the_public_and_for_staff_without_the_permission(client, records):
    draft_url = records.rulings.hamburg_draft.get_absolute_url()
    assert client.get(draft_url).status_code == 404

    client.force_login(User.objects.create_user("reader", password="pw", is_staff=True))
    assert client.get(draft_url).status_code == 404


def test_draft_ruling_can_be_previewed_by_an_editor(client, records, editor):
    client.force_login(editor)

    response = client.get(records.rulings.hamburg_draft.get_absolute_url())

    assert response.status_code == 200
    assert "Draft. Only staff who may change rulings see this page" in text(response)


def test_unknown_ruling_is_a_404(client, records):
    assert client.get("/rulings/999999/").status_code == 404


# --- Every page ------------------------------------------------------------------------


def all_public_records_last_changed_at(moment):
    """Give every record the pages show the same last change time."""
    Agency.objects.update(updated_at=moment)
    Ruling.objects.update(updated_at=moment, status_changed_at=moment)
    Proceeding.objects.update(updated_at=moment)
    Flag.objects.update(updated_at=moment)
    Regulator.history.update(history_date=moment)
    Country.history.update(history_date=moment)
    Membership.history.update(history_date=moment)


def test_footer_shows_when_the_data_last_changed_and_links_the_api(client, records):
    # Given data last touched at a known moment, an agency the latest
    moment = datetime.datetime(2024, 6, 5, 14, 30, tzinfo=datetime.UTC)
    all_public_records_last_changed_at(moment - datetime.timedelta(days=2))
    Agency.objects.filter(pk=records.agencies.rcmp.pk).update(updated_at=moment)

    response = client.get("/rulings/")

    html = response.content.decode()
    assert 'Data last changed: <time datetime="2024-06-05T14:30:00+00:00">5 June 2024, 14:30 UTC</time>' in re.sub(r"\s+", " ", html)
    assert '<a href="/api/docs/">API documentation</a>' in html
    assert '<a href="/subscriptions/">Subscribe to email digests</a>' in html


def test_the_last_change_ignores_edits_to_drafts(records):
    # Given every public record last changed at a known moment
    moment = datetime.datetime(2024, 6, 5, 14, 30, tzinfo=datetime.UTC)
    draft_proceeding = ProceedingFactory(ruling=records.rulings.sweden, status=Proceeding.Status.DRAFT)
    all_public_records_last_changed_at(moment)

    # When a draft ruling, its flag and a draft proceeding are edited later
    later = moment + datetime.timedelta(days=30)
    Ruling.objects.filter(status="draft").update(updated_at=later, status_changed_at=later)
    Flag.objects.filter(ruling__status="draft").update(updated_at=later)
    Proceeding.objects.filter(pk=draft_proceeding.pk).update(updated_at=later)

    # Then the public data did not change
    assert site_data_last_updated() == moment


@pytest.mark.parametrize(
    "change",
    [
        "agency edited",
        "ruling edited",
        "proceeding published",
        "ruling unpublished",
        "regulator edited",
        "country notes edited",
        "membership edited",
        "flag rewritten",
    ],
)
def test_the_last_change_moves_with_every_kind_of_public_record(records, change):
    moment = datetime.datetime(2024, 6, 5, 14, 30, tzinfo=datetime.UTC)
    all_public_records_last_changed_at(moment)
    later = datetime.datetime(2025, 1, 2, 3, 4, tzinfo=datetime.UTC)

    for record in (*vars(records.agencies).values(), *vars(records.rulings).values(), *vars(records.regulators).values()):
        record.refresh_from_db()

    with time_machine.travel(later, tick=False):
        if change == "agency edited":
            records.agencies.toronto.notes = "Corrected."
            records.agencies.toronto.save()
        elif change == "ruling edited":
            records.rulings.sweden.summary = "Corrected."
            records.rulings.sweden.save()
        elif change == "proceeding published":
            ProceedingFactory(ruling=records.rulings.sweden)
        elif change == "ruling unpublished":
            records.rulings.eu_lawful.status = Ruling.Status.DRAFT
            records.rulings.eu_lawful.save()
        elif change == "regulator edited":
            records.regulators.imy.website = "https://www.imy.se/en/"
            records.regulators.imy.save()
        elif change == "country notes edited":
            sweden = Country.objects.get(code="SE")
            sweden.notes = "Two more agencies were counted."
            sweden.save()
        elif change == "membership edited":
            membership = Membership.objects.get(bloc_id="EU", country_id="SE")
            membership.save()
        elif change == "flag rewritten":
            Flag.objects.filter(pk=records.flags.rcmp.pk).update(updated_at=later)

    assert site_data_last_updated() == later


def footer_time(response) -> str:
    html = re.sub(r"\s+", " ", response.content.decode())
    return re.search(r"Data last changed: <time[^>]*>[^<]*</time>", html).group(0)


def test_a_seed_load_that_changes_nothing_does_not_move_the_last_change(client, db):
    # Given the seed data set loaded, its flags computed, and the footer read
    seed_load()
    flags_recompute()
    before = site_data_last_updated()
    footer = footer_time(client.get("/rulings/"))

    # When it is loaded again, and the flags recomputed, a day later
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        seed_load()
        flags_recompute()
        cache.clear()
        after_footer = footer_time(client.get("/rulings/"))

    # Then nothing changed, and the footer says so
    assert site_data_last_updated() == before
    assert after_footer == footer


def test_stylesheet_is_served_by_the_app_itself(client, records):
    response = client.get("/")

    assert '<link rel="stylesheet" href="/static/tracker/site.css">' in response.content.decode()
    assert "http://" not in re.sub(r'href="https?://[^"]+"', "", response.content.decode()).split("<main")[0]


@pytest.mark.parametrize("path", ["/", "/countries/", "/countries/CA/", "/rulings/"])
def test_every_page_links_the_others_in_its_navigation(client, records, path):
    response = client.get(path)

    html = response.content.decode()
    for href in ('href="/"', 'href="/countries/"', 'href="/rulings/"', 'href="/subscriptions/"', 'href="/api/docs/"'):
        assert href in html


def test_pages_link_to_each_other(client, records):
    toronto = records.agencies.toronto

    home = client.get("/").content.decode()
    agency = client.get(toronto.get_absolute_url()).content.decode()
    ruling = client.get(records.rulings.canada.get_absolute_url()).content.decode()

    assert f'href="{toronto.get_absolute_url()}"' in home
    assert 'href="/countries/CA/"' in home
    assert f'href="{records.rulings.canada.get_absolute_url()}"' in agency
    assert f'href="{toronto.get_absolute_url()}"' in ruling


def test_an_agency_without_flags_or_dates_still_reads_well(client, db):
    AgencyFactory(name="Lonely Agency", country=country("FI"), searches=None, first_used=None, last_used=None, sources=[])

    response = client.get("/")

    page = text(response)
    assert "1 agency is on record; it is not flagged." in page
    assert "Lonely Agency 🇫🇮 Finland — unknown Police — unknown — unknown — unknown No ruling yet" in page


def test_with_no_data_at_all_the_pages_still_answer(client, db):
    assert "No agency is on record yet." in text(client.get("/"))
    assert "no data yet" in text(client.get("/"))
    assert client.get("/rulings/").status_code == 200
    assert client.get("/countries/").status_code == 200


def test_a_flag_of_a_ruling_that_is_no_longer_in_force_does_not_flag(client, records):
    # Given the Canadian ruling's flag on the RCMP cleared (e.g. after an edit of scope)
    put_flag(records.agencies.rcmp, records.rulings.canada, active=False)

    response = client.get("/", {"status": "flagged"})

    assert "Royal Canadian Mounted Police" not in row_names(response)
