"""What a reader sees of the record, in words: dates at their precision, counts with their
qualifier, a ruling's standing and proceedings, what a finding is about, and the sources."""

import datetime
import re
from html import unescape

import pytest
from django.contrib.auth.models import User

from rulings.models import Proceeding
from rulings.standing import StandingResult
from tests.agencies.factories import AgencyFactory, country
from tests.rulings.factories import ProceedingFactory, RegulatorFactory, RulingFactory
from tests.tracker.site_records import build_records, build_uk_case
from tracker.services import flags_recompute
from tracker.site import words

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    return build_records()


@pytest.fixture
def uk(records):
    return build_uk_case()


def text(response) -> str:
    """The page's text with tags stripped and white space collapsed, as a reader sees it."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    collapsed = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()
    return re.sub(r" ([.,;:)])", r"\1", re.sub(r"\( ", "(", collapsed))


# --- Dates at their precision ----------------------------------------------------------


def test_a_month_precision_ruling_reads_as_its_month_everywhere_never_as_its_first_day(client, records):
    # Given the Dutch ruling, known only to the month (March 2021), flagging the Dutch police
    netherlands = records.rulings.netherlands
    pages = {
        "ruling": client.get(netherlands.get_absolute_url()),
        "rulings": client.get("/rulings/"),
        "agency": client.get(records.agencies.dutch_police.get_absolute_url()),
        "country": client.get("/countries/NL/"),
        "home": client.get("/"),
    }

    # Then every page prints the month, and none prints a first day that no source gave
    for name, response in pages.items():
        page = text(response).replace("Flag raised 1 March 2021", "")  # when the flag was raised: a day
        assert "1 March 2021" not in page and "1 Mar 2021" not in page, name
    assert "Decided March 2021 (the sources give the month only)" in text(pages["ruling"])
    assert "Mar 2021 Police use of Clearview likely unlawful" in text(pages["rulings"])
    assert "Dutch Data Protection Authority, decided March 2021" in text(pages["agency"])
    assert "March 2021 Police use of Clearview likely unlawful" in text(pages["country"])
    assert "AP, Mar 2021" in text(pages["home"])
    # And machines read the month too, not a day
    assert '<time datetime="2021-03">March 2021</time>' in pages["ruling"].content.decode()


def test_a_february_ruling_known_to_the_month_reads_february_2021(client, db):
    ruling = RulingFactory(
        regulator=RegulatorFactory(name="Hellenic Data Protection Authority", jurisdiction="GR"),
        decided_on=datetime.date(2021, 2, 1), decided_on_precision="month",
    )
    year = RulingFactory(decided_on=datetime.date(2020, 1, 1), decided_on_precision="year")

    page = text(client.get(ruling.get_absolute_url()))
    assert "Decided February 2021" in page and "1 February 2021" not in page
    assert "Decided 2020 (the sources give the year only)" in text(client.get(year.get_absolute_url()))


def test_a_ruling_made_public_after_its_decision_shows_both_dates(client, records):
    page = text(client.get(records.rulings.canada.get_absolute_url()))

    assert "Decided 2 February 2021" in page
    assert "Made public 3 February 2021" in page


# --- Counts with their qualifier -------------------------------------------------------


@pytest.mark.parametrize(
    ("qualifier", "expected"),
    [("at_least", "at least 3,400"), ("about", "about 3,400"), ("at_most", "at most 3,400"), ("exact", "exactly 3,400")],
)
def test_a_search_count_is_printed_with_its_qualifier_in_words(qualifier, expected):
    assert words.searches_words(3400, qualifier) == expected
    assert words.searches_words(None, qualifier) == ""


def test_the_pages_print_each_agencys_count_as_the_source_stated_it(client, records):
    assert "Searches run About 80" in text(client.get(records.agencies.dutch_police.get_absolute_url()))
    assert "Searches run Exactly 450" in text(client.get(records.agencies.rcmp.get_absolute_url()))
    country = text(client.get("/countries/CA/"))
    assert "Toronto Police Service Ontario Police at least 3,400" in country
    assert "Saskatchewan Ministry of Justice Saskatchewan Prosecutor at most 70" in country


# --- Names and aliases -------------------------------------------------------------------


@pytest.mark.parametrize("search", ["RCMP", "rcmp", "GRC", "Mounted"])
def test_the_table_finds_an_agency_by_its_other_names(client, records, search):
    response = client.get("/", {"search": search})

    names = re.findall(r'<th scope="row" class="col-name"><a href="[^"]+">([^<]+)</a>', response.content.decode())
    assert names == ["Royal Canadian Mounted Police"]


def test_an_alias_with_quotes_or_accents_is_found_too(client, db):
    AgencyFactory(name="Sûreté du Québec", aliases=["SQ", 'La "Sûreté"'], country=country("CA"), subdivision="CA-QC")

    for search in ("SQ", "sûreté", '"Sûreté"'):
        assert "Sûreté du Québec" in unescape(client.get("/", {"search": search}).content.decode()), search


def test_an_agency_page_names_its_aliases(client, records):
    assert "Also known as RCMP, GRC." in text(client.get(records.agencies.rcmp.get_absolute_url()))


# --- Sources -------------------------------------------------------------------------------


def test_sources_show_title_publisher_date_kind_and_archived_copy(client, records):
    response = client.get(records.agencies.toronto.get_absolute_url())

    page = text(response)
    html = response.content.decode()
    assert "Surveillance Nation BuzzFeed News · 6 April 2021 · secondary source · archived copy of Surveillance Nation" in page
    assert "“more than 3,400 searches”" in page or "more than 3,400 searches" in page
    assert "Statement on Clearview AI Toronto Police Service · 13 February 2020 · primary source" in page
    assert "https://www.thestar.com/clearview kind not stated" in page
    assert 'href="https://web.archive.org/web/2021/https://www.buzzfeednews.com/article/clearview"' in html
    assert "Last verified against its sources on 8 March 2024." in page


def test_a_ruling_page_shows_its_sources_and_last_verification(client, records):
    page = text(client.get(records.rulings.sweden.get_absolute_url()))

    assert "Police unlawfully used facial recognition app IMY · 11 February 2021 · primary source · archived copy" in page
    assert "Swedish police fined Reuters · secondary source" in page
    assert "Last verified against its sources on 2 May 2024." in page


# --- What a finding is about -----------------------------------------------------------------


def test_a_vendor_finding_is_never_described_as_one_about_the_agencys_use(client, records, uk):
    # Given the UK fine of the vendor, flagging the Met by the engine
    response = client.get(uk.met.get_absolute_url())

    # Then its flag card says the finding is about the vendor
    page = text(response)
    card = page[page.index("Fine and enforcement notice against Clearview AI") :]
    assert "A finding about the vendor, not about this agency's own use." in card
    assert "A finding about this agency's own use" not in page
    assert "this agency's own use of the technology was unlawful" not in page
    assert uk.flag.explanation in page
    assert "(a finding about the vendor, not about this agency's own use)" in uk.flag.explanation


def test_a_finding_about_the_agencys_own_use_says_so(client, records):
    page = text(client.get(records.agencies.swedish_police.get_absolute_url()))

    assert "A finding about this agency's own use." in page


def test_a_ruling_page_says_what_its_finding_is_about(client, records):
    canada = text(client.get(records.rulings.canada.get_absolute_url()))
    eu = text(client.get(records.rulings.eu_lawful.get_absolute_url()))

    assert (
        "What the finding is about The vendor's own practices in Canada: a finding about the vendor, "
        "not about any agency's own use"
    ) in canada
    assert "What the finding is about All use of the technology by public bodies in the European Union" in eu


def test_the_table_gives_each_flags_basis(client, records, uk):
    html = client.get("/").content.decode()

    toronto = text_of_row(html, "Toronto Police Service")
    assert "OPC, 2 Feb 2021 (a finding about the vendor)" in toronto
    met = text_of_row(html, "Metropolitan Police Service")
    assert "ICO, 18 May 2022 (a finding about the vendor; under appeal)" in met
    swedish = text_of_row(html, "Swedish Police Authority")
    assert "(a finding about its own use)" in swedish


def text_of_row(html: str, name: str) -> str:
    row = html[html.index(f">{name}</a>") :].split("</tr>")[0]
    collapsed = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", row))).strip()
    return re.sub(r" ([.,;:)])", r"\1", re.sub(r"\( ", "(", collapsed))


# --- Standing and proceedings ---------------------------------------------------------------


def test_the_ruling_page_shows_its_proceedings_as_a_timeline_in_order(client, records, uk):
    response = client.get(uk.ruling.get_absolute_url())

    assert response.status_code == 200
    page = text(response)
    timeline = page[page.index("Timeline: the decision and what followed") : page.index("Agencies it flags")]
    decision = timeline.index("18 May 2022 Decided by Information Commissioner's Office")
    tribunal = timeline.index("17 October 2023 First-tier Tribunal (General Regulatory Chamber): overturned")
    upper = timeline.index("6 October 2025 Upper Tribunal (Administrative Appeals Chamber): remitted")
    assert decision < tribunal < upper
    assert "The First-tier Tribunal (General Regulatory Chamber) set the ruling aside." in timeline
    assert "Case reference [2023] UKFTT 819 (GRC)" in timeline
    assert "The Commissioner had no jurisdiction to issue the notices." in timeline
    assert (
        "The Upper Tribunal (Administrative Appeals Chamber) set aside the earlier overturning and sent the case back "
        "for a new decision: the ruling stands again, under appeal."
    ) in timeline
    assert "AWO · secondary source · archived copy" in timeline
    assert "ICO v Clearview AI GOV.UK · primary source" in timeline
    # Each proceeding has an anchor the feed links to
    assert f'id="proceeding-{uk.upper.pk}"' in response.content.decode()
    # A draft proceeding is not public
    assert "Unchecked note of a hearing" not in page
    assert f"proceeding-{uk.draft.pk}" not in response.content.decode()


def test_the_ruling_page_says_under_appeal_since_and_its_fine_in_its_currency(client, records, uk):
    page = text(client.get(uk.ruling.get_absolute_url()))

    assert "<title>Fine and enforcement notice against Clearview AI (under appeal)" in client.get(
        uk.ruling.get_absolute_url()
    ).content.decode().replace("&#x27;", "'")
    assert (
        "Under appeal. This ruling is under appeal since 6 October 2025, when the Upper Tribunal (Administrative "
        "Appeals Chamber) sent the case back for a new decision. It stands while the appeal runs"
    ) in page
    assert "Standing today Under appeal since 6 October 2025" in page
    assert "Fine GBP 7,552,800 Also an enforcement notice to delete the data of UK residents." in page
    assert "1 agency stands flagged by this ruling, while it is under appeal." in page


def test_draft_proceedings_are_shown_as_drafts_to_staff_who_may_change_rulings(client, records, uk, editor):
    client.force_login(editor)

    page = text(client.get(uk.ruling.get_absolute_url()))

    assert "June 2026 First-tier Tribunal (General Regulatory Chamber): upheld Draft" in page
    assert "Unchecked note of a hearing" in page
    # A draft does not count: the ruling is still under appeal
    assert "Standing today Under appeal since 6 October 2025" in page

    client.force_login(User.objects.create_user("reader", password="pw", is_staff=True))
    assert "Unchecked note of a hearing" not in text(client.get(uk.ruling.get_absolute_url()))


def test_the_ruling_list_gives_each_rulings_standing_today(client, records, uk):
    page = text(client.get("/rulings/"))

    assert (
        "Fine and enforcement notice against Clearview AI Information Commissioner's Office 🇬🇧 United Kingdom GB "
        "Unlawful about the vendor Under appeal since 6 October 2025, when the Upper Tribunal"
    ) in page
    assert "Set aside by the Administrative Appeals Tribunal on 4 May 2022" in page


def test_the_ruling_list_filters_by_standing_today(client, records, uk):
    response = client.get("/rulings/", {"standing": "under_appeal"})

    titles = re.findall(r'<th scope="row"><a href="/rulings/\d+/">([^<]+)</a>', response.content.decode())
    assert titles == ["Fine and enforcement notice against Clearview AI"]


def test_a_flag_card_says_under_appeal_since(client, records, uk):
    page = text(client.get(uk.met.get_absolute_url()))

    assert "Unlawful Under appeal Information Commissioner's Office, decided 18 May 2022" in page
    assert "The ruling today: Under appeal since 6 October 2025" in page
    assert uk.flag.under_appeal


def test_a_cleared_flag_gives_its_reason_from_the_engine(client, records, uk):
    # Given the Met flagged under the UK ruling, and the ruling then set aside again
    ProceedingFactory(
        ruling=uk.ruling, body="First-tier Tribunal (General Regulatory Chamber)", decided_on=datetime.date(2026, 3, 2),
        effect=Proceeding.Effect.OVERTURNED, case_reference="[2026] UKFTT 1 (GRC)",
    )
    flags_recompute(ruling_ids=[uk.ruling.pk])

    page = text(client.get(uk.met.get_absolute_url()))

    assert "Cleared flags" in page
    assert (
        "Why the flag was cleared: The First-tier Tribunal (General Regulatory Chamber) set the ruling aside on "
        "2 March 2026 ([2026] UKFTT 1 (GRC))."
    ) in page
    assert "The ruling today: Set aside by the First-tier Tribunal (General Regulatory Chamber) on 2 March 2026." in page


def test_a_proceeding_shows_its_ecli_and_varied_fine(client, records):
    ProceedingFactory(
        ruling=records.rulings.sweden, body="Administrative Court in Stockholm", decided_on=datetime.date(2022, 3, 1),
        effect=Proceeding.Effect.VARIED, fine_amount=1500000, fine_currency="SEK", ecli="ECLI:SE:FST:2022:12",
        case_reference="5533-21",
    )

    page = text(client.get(records.rulings.sweden.get_absolute_url()))

    assert "Administrative Court in Stockholm: varied" in page
    assert "upheld the ruling with a changed fine or order; the fine is now SEK 1,500,000." in page
    assert "Case reference 5533-21 ECLI ECLI:SE:FST:2022:12 Fine as varied SEK 1,500,000" in page
    assert "Standing today In force, varied by the Administrative Court in Stockholm on 1 March 2022" in page


# --- The words themselves ------------------------------------------------------------------


class Step:
    def __init__(self, pk, day, effect, body="Court", precision="day"):
        self.pk, self.id, self.decided_on, self.effect = pk, pk, day, effect
        self.decided_on_precision, self.body, self.status = precision, body, "published"
        self.case_reference, self.fine_amount, self.fine_currency = "", None, None


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (StandingResult("in_force"), "in force"),
        (StandingResult("withdrawn"), "withdrawn"),
        (
            StandingResult("under_appeal", Step(1, datetime.date(2025, 10, 6), "appealed", "Court of Appeal")),
            "under appeal since 6 October 2025",
        ),
        (
            StandingResult("overturned", Step(1, datetime.date(2023, 10, 17), "overturned", "First-tier Tribunal")),
            "set aside by the First-tier Tribunal on 17 October 2023",
        ),
        (
            StandingResult("overturned", Step(1, datetime.date(2023, 10, 1), "overturned", "The Council of State", "month")),
            "set aside by the Council of State in October 2023",
        ),
        (
            StandingResult("in_force", None, Step(1, datetime.date(2026, 2, 18), "upheld", "Court of Appeal")),
            "in force, upheld by the Court of Appeal on 18 February 2026",
        ),
    ],
)
def test_standing_in_words(result, expected):
    assert words.standing_words(result) == expected


def test_update_headlines_name_the_body_and_what_it_did():
    tribunal = Step(1, datetime.date(2023, 10, 17), "overturned", "First-tier Tribunal")
    appeal = Step(2, datetime.date(2023, 11, 1), "appealed", "Upper Tribunal")

    assert words.update_headline(tribunal, "Fine on the vendor") == "Update: the First-tier Tribunal set aside “Fine on the vendor”"
    assert words.update_headline(appeal, "Fine") == "Update: appeal against “Fine” lodged with the Upper Tribunal"
    assert words.effect_words(tribunal, dated=True) == "The First-tier Tribunal set the ruling aside on 17 October 2023."


def test_fines_are_written_in_their_currency():
    assert words.fine_words(2500000, "SEK") == "SEK 2,500,000"
    assert words.fine_words(1234.5, "EUR") == "EUR 1,234.50"
    assert words.fine_words(None, None) == ""


def test_places_are_named_as_sentences_name_them():
    assert words.place_words("GB") == "the United Kingdom"
    assert words.place_words("DE-HH") == "Hamburg, Germany"
    assert words.place_words("EU", {"EU": "European Union"}) == "the European Union"
