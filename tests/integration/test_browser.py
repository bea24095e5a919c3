"""The public site in a real headless Chromium: what a reader does, with mouse or keyboard."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from agencies.models import Agency, Country, Membership
from rulings.models import Proceeding, Regulator, Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.tracker.site_records import build_records, build_uk_case, put_flag
from tracker.seed.loader import seed_load
from tracker.services import flags_recompute
from tracker.models import Flag
from tracker.selectors import AgencyStatus, agency_flag_status_q

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Every record was last touched at this moment, so the pages (and screenshots) are stable.
LAST_UPDATE = datetime.datetime(2021, 11, 3, 16, 45, tzinfo=datetime.UTC)


def newsroom_records():
    """The test records plus more of the agencies the reporting names, flagged as the
    Canadian ruling would flag them."""
    records = build_records()
    more = [
        ("Niagara Regional Police Service", "CA", "CA-ON", Agency.Kind.POLICE, 650),
        ("Timmins Police Service", "CA", "CA-ON", Agency.Kind.POLICE, 120),
        ("Queensland Police Service", "AU", "AU-QLD", Agency.Kind.POLICE, 1000),
        ("Victoria Police", "AU", "AU-VIC", Agency.Kind.POLICE, 10),
        ("National Crime Agency", "GB", None, Agency.Kind.POLICE, 500),
        ("Metropolitan Police Service", "GB", None, Agency.Kind.POLICE, 150),
        ("National Bureau of Investigation", "FI", None, Agency.Kind.POLICE, 120),
        ("Public Ministry of Pernambuco", "BR", "BR-PE", Agency.Kind.PROSECUTOR, 100),
    ]
    for name, code, subdivision, kind, searches in more:
        agency = AgencyFactory(
            name=name, country=country(code), subdivision=subdivision, kind=kind, searches=searches,
            first_used=datetime.date(2019, 11, 4), last_used=datetime.date(2020, 2, 14),
        )
        if code == "CA":
            put_flag(agency, records.rulings.canada)
    # The UK case: a fine of the vendor, under appeal, flagging the UK's agencies
    records.uk = build_uk_case(met=Agency.objects.get(name="Metropolitan Police Service"))
    Agency.objects.update(updated_at=LAST_UPDATE)
    Ruling.objects.update(updated_at=LAST_UPDATE, status_changed_at=LAST_UPDATE)
    Proceeding.objects.update(updated_at=LAST_UPDATE)
    Flag.objects.update(updated_at=LAST_UPDATE, raised_at=LAST_UPDATE - datetime.timedelta(days=200))
    for history in (Regulator.history, Country.history, Membership.history):
        history.update(history_date=LAST_UPDATE)
    return records


@pytest.fixture
def newsroom(transactional_db):
    """The records, written (and what the tests read back from them) before the browser opens."""
    records = newsroom_records()
    uk = records.uk
    return {
        "records": records,
        "toronto_explanation": Flag.objects.get(agency=records.agencies.toronto, ruling=records.rulings.canada).explanation,
        "toronto_url": records.agencies.toronto.get_absolute_url(),
        "uk_ruling_url": uk.ruling.get_absolute_url(),
        "met_url": uk.met.get_absolute_url(),
    }


def row_names(page):
    return page.locator("table.agency-table tbody th[scope=row]")


def test_a_reader_searches_filters_and_reads_why_an_agency_is_flagged(newsroom, browser_page, test_output_dir):
    # Given the agencies of the reporting and the rulings on them
    page = browser_page
    explanation = newsroom["toronto_explanation"]

    # When a reader opens the site
    page.goto("/")

    # Then the table of agencies is there, with the count of flagged ones
    expect(page).to_have_title("Agencies that used the face search · Regulatory-status tracker")
    expect(row_names(page)).to_have_count(16)
    expect(page.locator("#agency-summary")).to_have_text(re.compile(r"16 agencies are on record,\s+8 of them flagged\."))
    page.locator(".table-scroll").screenshot(path=test_output_dir / "agency-table.png")

    # (The README shows the table sorted by status, flagged agencies first.)
    page.set_viewport_size({"width": 1280, "height": 1180})
    page.goto("/?ordering=-status")
    expect(page.get_by_role("columnheader", name=re.compile("^Status"))).to_have_attribute("aria-sort", "descending")
    page.screenshot(path=test_output_dir / "agency-table-by-status.png")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")

    # When they type a search, choose a status and apply the filters
    page.get_by_label("Agency name", exact=True).fill("police")
    page.get_by_label("Status", exact=True).select_option("flagged")
    page.get_by_role("button", name="Apply filters").click()

    # Then only flagged agencies named "police" remain, and the filters stay chosen
    expect(page).to_have_url(re.compile(r"/\?search=police&country=&kind=&status=flagged"))
    expect(row_names(page)).to_have_text(
        ["Metropolitan Police Service", "Niagara Regional Police Service", "Royal Canadian Mounted Police",
         "Swedish Police Authority", "Timmins Police Service", "Toronto Police Service"]
    )
    expect(page.get_by_label("Agency name", exact=True)).to_have_value("police")
    expect(page.get_by_label("Status", exact=True)).to_have_value("flagged")
    csv = page.get_by_role("link", name="Download these 6 agencies as CSV")
    expect(csv).to_have_attribute("href", "/api/v1/agencies/?format=csv&status=flagged&search=police")

    # And the reason for a flag unfolds in the table
    toronto_row = page.locator("tr", has=page.get_by_role("link", name="Toronto Police Service", exact=True))
    expect(toronto_row.locator(".explanation")).to_be_hidden()
    toronto_row.locator("summary").click()
    expect(toronto_row.locator(".explanation")).to_have_text(explanation)

    # When they follow the agency's link
    page.get_by_role("link", name="Toronto Police Service", exact=True).click()

    # Then its page says it is flagged, by which ruling and why
    expect(page).to_have_title("Toronto Police Service (Canada) · Regulatory-status tracker")
    expect(page.get_by_role("heading", level=1)).to_have_text("Toronto Police Service")
    card = page.locator(".flag-card").first
    expect(card.get_by_role("link")).to_have_text("Joint investigation of Clearview AI by Canadian privacy authorities")
    expect(card.locator(".explanation")).to_have_text(explanation)

    # And the card says what the finding is about and where the ruling stands
    expect(card.locator(".flag-card__basis")).to_have_text("A finding about the vendor, not about this agency's own use.")
    expect(card.locator(".flag-card__standing")).to_have_text("The ruling today: In force.")

    # And the ruling's page lists the agency among those it flags
    card.get_by_role("link").click()
    expect(page.get_by_role("table", name=re.compile("Agencies flagged by this ruling"))).to_contain_text("Toronto Police Service")


def test_the_table_can_be_used_from_the_keyboard_alone(newsroom, browser_page):
    page = browser_page
    page.goto("/")

    # The first Tab reaches the skip link, which shows its focus and leads into the page
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Agency name", exact=True)).to_be_focused()

    # Typing a name and pressing Enter submits the search, no script needed
    page.keyboard.type("mounted")
    page.keyboard.press("Enter")
    expect(row_names(page)).to_have_text(["Royal Canadian Mounted Police"])

    # A column header sorts from the keyboard too
    page.goto("/?country=CA")
    page.get_by_role("link", name=re.compile(r"^Searches")).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("columnheader", name=re.compile(r"^Searches"))).to_have_attribute("aria-sort", "descending")
    expect(row_names(page).first).to_have_text("Toronto Police Service")


def test_the_pages_fit_a_phone_screen(newsroom, browser_page, test_output_dir):
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 812})

    for path in ["/", "/countries/CA/", "/rulings/", newsroom["toronto_url"], newsroom["uk_ruling_url"], newsroom["met_url"]]:
        page.goto(path)
        # The page itself never scrolls sideways; a wide table scrolls within its own region
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    page.goto(newsroom["met_url"])
    page.screenshot(path=test_output_dir / "agency-under-appeal-phone.png", full_page=True)
    page.goto("/")
    assert page.evaluate("(() => { const r = document.querySelector('.table-scroll'); return r.scrollWidth > r.clientWidth; })()")
    page.screenshot(path=test_output_dir / "agency-table-phone.png")


# The text that must stay readable, each against its own background.
CONTRAST_SELECTORS = [
    ".lede", ".masthead__brand a", ".masthead__tagline", ".site-nav a", ".filters label", "button",
    ".summary", ".data-table caption", ".data-table thead a", "tbody th a", "td .muted", ".badge--flagged",
    ".badge--advisory", ".badge--none", ".flag-list a", ".site-footer__note", ".site-footer a",
]

_COLOURS_SCRIPT = """
(selectors) => selectors.map((selector) => {
  const element = document.querySelector(selector);
  if (!element) return [selector, null, null];
  const colour = getComputedStyle(element).color;
  let node = element, background = 'rgba(0, 0, 0, 0)';
  while (node && (background === 'rgba(0, 0, 0, 0)' || background === 'transparent')) {
    background = getComputedStyle(node).backgroundColor;
    node = node.parentElement;
  }
  if (background === 'rgba(0, 0, 0, 0)') background = 'rgb(255, 255, 255)';
  return [selector, colour, background];
})
"""


def _luminance(rgb: str) -> float:
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", rgb)[:3])
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_text_contrast_meets_wcag_aa(newsroom, browser_page):
    page = browser_page
    page.goto("/?ordering=-status")

    for selector, colour, background in page.evaluate(_COLOURS_SCRIPT, CONTRAST_SELECTORS):
        assert colour is not None, f"{selector} is on the page"
        lighter, darker = sorted((_luminance(colour), _luminance(background)), reverse=True)
        ratio = (lighter + 0.05) / (darker + 0.05)
        assert ratio >= 4.5, f"{selector}: {colour} on {background} is {ratio:.2f}:1"


@pytest.fixture
def seeded(transactional_db):
    """The seed data set, with the flags the engine computes from it; and what the tests
    read back from it, before the browser opens (the ORM is not used while it runs)."""
    seed_load()
    flags_recompute()
    uk = Ruling.objects.get(regulator__name="Information Commissioner's Office", decided_on=datetime.date(2022, 5, 18))
    return {
        "total": Agency.objects.count(),
        "flagged": Agency.objects.filter(agency_flag_status_q(AgencyStatus.FLAGGED)).count(),
        "uk_title": uk.title,
        "uk_proceedings": uk.proceedings.filter(status="published").count(),
    }


def test_the_seed_data_set_in_the_table(seeded, browser_page, test_output_dir):
    """The README's screenshot (docs/screenshot-table.png) is this page: the seed data set,
    flagged agencies first. It is saved under test-output/, never over the committed one."""
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 1180})

    page.goto("/?ordering=-status")

    # The counts as the data set stands
    expect(page.locator("#agency-summary")).to_have_text(
        re.compile(rf"{seeded['total']} agencies are on record,\s+{seeded['flagged']} of them flagged\.")
    )
    expect(row_names(page).first).to_have_text(re.compile("Police|Mounted|Justice|Ministry"))
    page.screenshot(path=test_output_dir / "seed-table-by-status.png")


def test_a_reader_follows_the_uk_case_through_its_appeals(seeded, browser_page, test_output_dir):
    # Given the seed data set, with the UK regulator's fine of the vendor, set aside by the
    # First-tier Tribunal and that decision set aside by the Upper Tribunal
    page = browser_page

    # When a reader filters the rulings by standing and opens it
    page.goto("/rulings/")
    page.get_by_label("Standing today", exact=True).select_option("under_appeal")
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_role("link", name=seeded["uk_title"], exact=True).click()

    # Then the page says where it stands and why, and lists what happened in order
    expect(page.locator(".notice--appeal")).to_contain_text("under appeal since 6 October 2025")
    timeline = page.locator(".timeline--proceedings > li")
    expect(timeline).to_have_count(1 + seeded["uk_proceedings"])
    expect(timeline.nth(0)).to_contain_text("18 May 2022")
    expect(timeline.nth(1)).to_contain_text("17 October 2023")
    expect(timeline.nth(1)).to_contain_text("set the ruling aside")
    expect(timeline.last).to_contain_text("6 October 2025")
    expect(timeline.last).to_contain_text("sent the case back for a new decision")
    # And a proceeding's sources unfold, each with its kind
    sources = timeline.last.locator("details.timeline__sources")
    expect(sources.locator(".sources")).to_be_hidden()
    sources.locator("summary").click()
    expect(sources.locator(".sources")).to_contain_text("primary source")
    page.screenshot(path=test_output_dir / "ruling-with-proceedings.png", full_page=True)
