"""Sources as records cite them (SPEC §2, Sources): their shape, shorthand and limits."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from agencies.sources import SOURCE_KEYS, normalize_sources, primary_source


def refused(value, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        normalize_sources(value, **kwargs)
    return " ".join(caught.value.messages)


def test_a_bare_url_stands_for_a_source_with_only_that_url():
    assert normalize_sources(["https://www.ico.org.uk/decision"]) == [
        {
            "url": "https://www.ico.org.uk/decision",
            "title": None,
            "publisher": None,
            "published_on": None,
            "kind": None,
            "archived_url": None,
            "quote": None,
        }
    ]


def test_every_stored_source_has_all_seven_keys():
    sources = normalize_sources(["https://a.example.org", {"url": "http://b.example.org", "title": "Decision"}])

    assert [tuple(source) for source in sources] == [SOURCE_KEYS, SOURCE_KEYS]
    assert set(SOURCE_KEYS) == {"url", "title", "publisher", "published_on", "kind", "archived_url", "quote"}


def test_a_complete_source_is_kept_as_given():
    source = {
        "url": "https://ico.org.uk/media/action-weve-taken/mpns/4020436/clearview-ai-inc-mpn-20220518.pdf",
        "title": "Monetary penalty notice",
        "publisher": "Information Commissioner's Office",
        "published_on": "2022-05-23",
        "kind": "primary",
        "archived_url": "https://web.archive.org/web/2022/https://ico.org.uk/",
        "quote": "The Commissioner has decided to issue a monetary penalty.",
    }

    assert normalize_sources([source]) == [source]


def test_a_publication_date_given_as_a_date_is_stored_as_iso_text():
    [source] = normalize_sources([{"url": "https://example.org", "published_on": datetime.date(2021, 2, 3)}])

    assert source["published_on"] == "2021-02-03"


@pytest.mark.parametrize("kind", ["primary", "secondary", None, ""])
def test_kind_is_primary_secondary_or_not_stated(kind):
    [source] = normalize_sources([{"url": "https://example.org", "kind": kind}])

    assert source["kind"] == (kind or None)


@pytest.mark.parametrize("kind", ["tertiary", "Primary", 1])
def test_any_other_kind_is_refused(kind):
    assert "kind" in refused([{"url": "https://example.org", "kind": kind}])


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/file",
        "file:///etc/passwd",
        "example.org/decision",
        "not a url",
    ],
)
def test_only_http_and_https_urls_are_accepted(url):
    assert "http or https" in refused([url])


def test_a_javascript_archive_url_is_refused_too():
    assert "http or https" in refused([{"url": "https://example.org", "archived_url": "javascript:alert(1)"}])


def test_a_source_needs_a_url():
    assert "url" in refused([{"title": "A decision without a link"}])


def test_a_quote_of_up_to_1000_characters_is_kept():
    [source] = normalize_sources([{"url": "https://example.org", "quote": "q" * 1000}])

    assert len(source["quote"]) == 1000


def test_a_quote_longer_than_1000_characters_is_refused():
    message = refused([{"url": "https://example.org", "quote": "q" * 1001}])

    assert "quote" in message and "1000" in message


def test_an_unknown_key_is_refused_by_name():
    message = refused([{"url": "https://example.org", "author": "Someone"}])

    assert "author" in message


@pytest.mark.parametrize("published_on", ["3 February 2021", "2021-02-30", 20210203])
def test_a_publication_date_that_is_not_a_date_is_refused(published_on):
    assert "published_on" in refused([{"url": "https://example.org", "published_on": published_on}])


def test_the_error_names_the_faulty_item():
    message = refused(["https://example.org/fine", "javascript:alert(1)"])

    assert "source 2" in message and "javascript:alert(1)" in message


@pytest.mark.parametrize("value", ["https://example.org", {"url": "https://example.org"}, 42])
def test_sources_must_be_a_list(value):
    assert refused(value)


def test_no_sources_is_an_empty_list_unless_one_is_required():
    assert normalize_sources(None) == [] and normalize_sources([]) == []
    assert "At least one source" in refused([], required=True)


def test_the_primary_source_is_the_first_marked_primary_else_the_first():
    report = {"url": "https://news.example.org", "kind": "secondary"}
    decision = {"url": "https://regulator.example.org", "kind": "primary"}

    assert primary_source([report, decision]) == decision
    assert primary_source([report, {"url": "https://other.example.org", "kind": None}]) == report
    assert primary_source([]) is None
