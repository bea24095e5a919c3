"""The Atom feed of rulings and their proceedings, parsed as a feed reader would."""

import datetime
import re
import xml.etree.ElementTree as ET
from html import unescape

import pytest
import time_machine

from rulings.models import Proceeding, Ruling
from tests.rulings.factories import ProceedingFactory, RegulatorFactory, RulingFactory

pytestmark = pytest.mark.django_db

ATOM = {"atom": "http://www.w3.org/2005/Atom"}
SITE = "https://tracker.example.org"


def parse_feed(client):
    response = client.get("/rulings/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)


def entries_by_title(feed):
    return {entry.findtext("atom:title", namespaces=ATOM): entry for entry in feed.findall("atom:entry", ATOM)}


@pytest.fixture
def rulings():
    regulator = RegulatorFactory(name="Swedish Authority for Privacy Protection", jurisdiction="SE")
    with time_machine.travel(datetime.datetime(2021, 2, 11, 9, 0, tzinfo=datetime.UTC), tick=False):
        published = RulingFactory(regulator=regulator, title="Police use of Clearview AI violated the Criminal Data Act")
        overturned = RulingFactory(regulator=regulator, title="Fine on the police & the vendor", case_reference="DI-1")
        withdrawn = RulingFactory(regulator=regulator, title="Statement on scraping")
        draft = RulingFactory(regulator=regulator, title="Unfinished draft", status=Ruling.Status.DRAFT)
    with time_machine.travel(datetime.datetime(2022, 6, 1, 8, 30, tzinfo=datetime.UTC), tick=False):
        set_aside = ProceedingFactory(
            ruling=overturned, body="Administrative Court in Stockholm", decided_on=datetime.date(2022, 5, 1),
            decided_on_precision="month", effect=Proceeding.Effect.OVERTURNED, case_reference="1234-21",
            summary="The court found no legal basis <for> the fine & the order.",
        )
        ProceedingFactory(ruling=overturned, status=Proceeding.Status.DRAFT, body="Secret draft court")
        ProceedingFactory(ruling=draft, body="Court of a draft")
    with time_machine.travel(datetime.datetime(2022, 7, 1, 8, 30, tzinfo=datetime.UTC), tick=False):
        withdrawn.status = Ruling.Status.WITHDRAWN
        withdrawn.save()
    return {"published": published, "overturned": overturned, "withdrawn": withdrawn, "draft": draft, "set_aside": set_aside}


UPDATE_TITLE = "Update: the Administrative Court in Stockholm set aside “Fine on the police & the vendor”"


def test_feed_has_every_ruling_but_drafts_with_its_standing_in_the_title_and_published_proceedings(client, rulings):
    # When a feed reader fetches the feed
    feed = parse_feed(client)

    # Then it has one entry per public ruling, its standing added to the title unless in
    # force, and one per published proceeding of a public ruling
    assert set(entries_by_title(feed)) == {
        "Police use of Clearview AI violated the Criminal Data Act",
        "Fine on the police & the vendor (overturned)",
        "Statement on scraping (withdrawn)",
        UPDATE_TITLE,
    }


def test_feed_entry_is_updated_when_its_ruling_changes_status_or_standing(client, rulings):
    feed = parse_feed(client)

    entries = entries_by_title(feed)
    assert entries["Fine on the police & the vendor (overturned)"].findtext("atom:updated", namespaces=ATOM) == "2022-06-01T08:30:00+00:00"
    assert entries["Fine on the police & the vendor (overturned)"].findtext("atom:published", namespaces=ATOM) == "2021-02-11T09:00:00+00:00"
    assert entries["Police use of Clearview AI violated the Criminal Data Act"].findtext("atom:updated", namespaces=ATOM) == "2021-02-11T09:00:00+00:00"
    assert entries["Police use of Clearview AI violated the Criminal Data Act"].findtext("atom:published", namespaces=ATOM) == "2021-02-11T09:00:00+00:00"
    assert entries[UPDATE_TITLE].findtext("atom:published", namespaces=ATOM) == "2022-06-01T08:30:00+00:00"
    # The feed itself was updated at its latest entry, and the latest change comes first
    assert feed.findtext("atom:updated", namespaces=ATOM) == "2022-07-01T08:30:00+00:00"
    assert feed.find("atom:entry", ATOM).findtext("atom:title", namespaces=ATOM) == "Statement on scraping (withdrawn)"


def test_a_proceeding_entry_says_who_did_what_when_and_where_the_ruling_stands(client, rulings):
    entry = entries_by_title(parse_feed(client))[UPDATE_TITLE]

    assert entry.findtext("atom:author/atom:name", namespaces=ATOM) == "Administrative Court in Stockholm"
    link = f"{SITE}{rulings['overturned'].get_absolute_url()}#proceeding-{rulings['set_aside'].pk}"
    assert entry.find("atom:link", ATOM).get("href") == link
    assert entry.findtext("atom:id", namespaces=ATOM) == link
    summary = unescape(re.sub(r"<[^>]+>", " ", entry.findtext("atom:summary", namespaces=ATOM)))
    assert "The Administrative Court in Stockholm set the ruling aside in May 2022. Case reference: 1234-21." in summary
    assert "The court found no legal basis <for> the fine & the order." in summary
    assert "Standing today: set aside by the Administrative Court in Stockholm in May 2022." in summary
    assert "1 May 2022" not in summary


def test_text_is_escaped_exactly_once(client, rulings):
    response = client.get("/rulings/feed/")
    raw = response.content.decode()

    # The title is text: one escape for XML, read back as written
    assert "<title>Fine on the police &amp; the vendor (overturned)</title>" in raw
    assert "&amp;amp;amp;" not in raw
    # The summary is HTML: escaped once as HTML, once more by the XML writer, as Atom wants
    entry = entries_by_title(ET.fromstring(response.content))[UPDATE_TITLE]
    html = entry.findtext("atom:summary", namespaces=ATOM)
    assert "no legal basis &lt;for&gt; the fine &amp; the order" in html
    assert "&amp;amp;" not in html


def test_feed_never_shows_a_draft_proceeding_or_a_proceeding_of_a_draft(client, rulings):
    raw = client.get("/rulings/feed/").content.decode()

    assert "Secret draft court" not in raw
    assert "Court of a draft" not in raw
    assert "Unfinished draft" not in raw


def test_feed_links_are_absolute(client, rulings):
    feed = parse_feed(client)

    assert feed.find("atom:link[@rel='alternate']", ATOM).get("href") == f"{SITE}/rulings/"
    assert feed.find("atom:link[@rel='self']", ATOM).get("href") == f"{SITE}/rulings/feed/"
    entry = entries_by_title(feed)["Police use of Clearview AI violated the Criminal Data Act"]
    link = f"{SITE}{rulings['published'].get_absolute_url()}"
    assert entry.find("atom:link", ATOM).get("href") == link
    assert entry.findtext("atom:id", namespaces=ATOM) == link


def test_feed_entry_says_who_ruled_what(client, rulings):
    entry = entries_by_title(parse_feed(client))["Statement on scraping (withdrawn)"]

    assert entry.findtext("atom:author/atom:name", namespaces=ATOM) == "Swedish Authority for Privacy Protection"
    summary = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", entry.findtext("atom:summary", namespaces=ATOM))))
    assert summary.startswith("Swedish Authority for Privacy Protection (SE), 2 February 2021: unlawful")
    assert "Standing today: withdrawn." in summary
    assert "Source: Decision" in summary


def test_feed_is_announced_by_every_page(client, rulings):
    html = client.get("/rulings/").content.decode()

    assert '<link rel="alternate" type="application/atom+xml" title="Rulings (Atom feed)" href="/rulings/feed/">' in html


def test_a_month_precision_ruling_reads_as_its_month(client, db):
    RulingFactory(title="Known to the month", decided_on=datetime.date(2021, 2, 1), decided_on_precision="month")

    entry = entries_by_title(parse_feed(client))["Known to the month"]

    summary = entry.findtext("atom:summary", namespaces=ATOM)
    assert "February 2021: unlawful" in summary and "1 February 2021" not in summary


@pytest.mark.parametrize("extra", [0, 30])
def test_feed_costs_the_same_queries_whatever_its_length(client, django_assert_max_num_queries, rulings, extra):
    for ruling in RulingFactory.create_batch(extra):
        ProceedingFactory(ruling=ruling)

    # rulings, their proceedings; proceedings, their rulings' proceedings
    with django_assert_max_num_queries(4):
        client.get("/rulings/feed/")
