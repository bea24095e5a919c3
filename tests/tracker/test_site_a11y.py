"""Accessibility basics every public page must meet, checked on the rendered markup."""

from html.parser import HTMLParser

import pytest

from tests.tracker.site_records import build_records, build_uk_case

pytestmark = pytest.mark.django_db


class PageStructure(HTMLParser):
    """Collects what the checks need: labels, form controls, tables, headings, links."""

    def __init__(self):
        super().__init__()
        self.html_lang = None
        self.title = ""
        self._in_title = False
        self.label_targets = set()
        self.controls = []
        self.ids = []
        self.tables = []
        self.h1_count = 0
        self.links_without_href = 0
        self.has_main = False
        self.nav_labels = []
        self.has_viewport = False
        self.tabindex_positive = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if attrs.get("tabindex") not in (None, "0", "-1"):
            self.tabindex_positive.append((tag, attrs))
        if tag == "html":
            self.html_lang = attrs.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "meta" and attrs.get("name") == "viewport":
            self.has_viewport = True
        elif tag == "label" and attrs.get("for"):
            self.label_targets.add(attrs["for"])
        elif tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.controls.append(attrs)
        elif tag == "table":
            self.tables.append({"caption": False, "th": []})
        elif tag == "caption" and self.tables:
            self.tables[-1]["caption"] = True
        elif tag == "th" and self.tables:
            self.tables[-1]["th"].append(attrs.get("scope"))
        elif tag == "h1":
            self.h1_count += 1
        elif tag == "a" and "href" not in attrs:
            self.links_without_href += 1
        elif tag == "main":
            self.has_main = True
        elif tag == "nav":
            self.nav_labels.append(attrs.get("aria-label"))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


@pytest.fixture
def records():
    records = build_records()
    records.uk = build_uk_case()
    return records


def page_urls(records):
    return [
        "/",
        "/?country=CA&status=flagged",
        "/?kind=spies",
        "/countries/",
        "/countries/CA/",
        "/countries/SE/",
        records.agencies.toronto.get_absolute_url(),
        records.agencies.interpol.get_absolute_url(),
        "/rulings/",
        records.rulings.sweden.get_absolute_url(),
        records.rulings.australia_overturned.get_absolute_url(),
        records.uk.ruling.get_absolute_url(),
        records.uk.met.get_absolute_url(),
        records.agencies.afp.get_absolute_url(),
        "/rulings/?standing=draft",
    ]


def structure(client, url) -> PageStructure:
    response = client.get(url)
    assert response.status_code in (200, 400)
    parser = PageStructure()
    parser.feed(response.content.decode())
    return parser


def test_every_page_has_a_language_a_clear_title_one_heading_and_landmarks(client, records):
    titles = set()
    for url in page_urls(records):
        page = structure(client, url)
        assert page.html_lang == "en", url
        assert page.title.strip().endswith("· Regulatory-status tracker"), url
        assert len(page.title.split("·")[0].strip()) > 3, url
        titles.add(page.title)
        assert page.h1_count == 1, url
        assert page.has_main, url
        assert "Main" in page.nav_labels, url
        assert page.has_viewport, url
        assert "main" in page.ids, f"{url}: the skip link needs its target"
    assert len(titles) >= len(page_urls(records)) - 1, "pages are told apart by their titles"


def test_every_form_control_has_a_label(client, records):
    for url in ["/", "/?kind=spies", "/rulings/", "/rulings/?standing=draft"]:
        page = structure(client, url)
        assert page.controls, url
        for control in page.controls:
            assert control.get("id") in page.label_targets, f"{url}: {control} has no label"


def test_every_table_has_a_caption_and_scoped_headers(client, records):
    for url in page_urls(records):
        page = structure(client, url)
        for table in page.tables:
            assert table["caption"], f"{url}: a table without caption"
            assert table["th"], f"{url}: a table without header cells"
            assert all(scope in ("col", "row") for scope in table["th"]), f"{url}: {table['th']}"


def test_ids_are_unique_and_the_tab_order_is_the_reading_order(client, records):
    for url in page_urls(records):
        page = structure(client, url)
        assert len(page.ids) == len(set(page.ids)), url
        assert not page.tabindex_positive, url
        assert page.links_without_href == 0, url


def test_the_sorted_column_is_announced(client, records):
    html = client.get("/", {"ordering": "-searches"}).content.decode()

    assert 'aria-sort="descending"' in html
    assert html.count("aria-sort=") == 1


def test_status_is_told_in_words_not_only_colour(client, records):
    html = client.get("/").content.decode()

    assert '<strong class="badge badge--flagged">Flagged</strong>' in html
    assert '<span class="badge badge--advisory">Advisory</span>' in html
    assert '<span class="badge badge--none">No ruling yet</span>' in html


def test_a_bad_filter_is_reported_at_the_top_and_beside_its_field(client, records):
    html = client.get("/", {"kind": "spies"}).content.decode()

    assert 'class="error-summary" role="alert"' in html
    assert '<a href="#id_kind">Kind: Select a valid choice.' in html
    assert 'class="field__error" id="id_kind-error"' in html
    assert 'aria-describedby="id_kind-error"' in html and 'aria-invalid="true"' in html


def test_a_field_with_a_hint_is_described_by_it_and_by_its_error(client, records):
    html = client.get("/", {"search": "x" * 201}).content.decode()

    assert 'id="id_search-hint"' in html
    assert 'aria-describedby="id_search-error id_search-hint"' in html
    assert 'aria-describedby="id_search-hint"' in client.get("/").content.decode()
