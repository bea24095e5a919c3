"""The Atom feed of rulings, parsed as a feed reader would."""

import datetime
import xml.etree.ElementTree as ET

import pytest
import time_machine

from rulings.models import Ruling
from tests.rulings.factories import RegulatorFactory, RulingFactory

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
        overturned = RulingFactory(regulator=regulator, title="Fine on the police & the vendor")
        withdrawn = RulingFactory(regulator=regulator, title="Statement on scraping")
        draft = RulingFactory(regulator=regulator, title="Unfinished draft", status=Ruling.Status.DRAFT)
    with time_machine.travel(datetime.datetime(2022, 6, 1, 8, 30, tzinfo=datetime.UTC), tick=False):
        overturned.status = Ruling.Status.OVERTURNED
        overturned.save()
    with time_machine.travel(datetime.datetime(2022, 7, 1, 8, 30, tzinfo=datetime.UTC), tick=False):
        withdrawn.status = Ruling.Status.WITHDRAWN
        withdrawn.save()
    return {"published": published, "overturned": overturned, "withdrawn": withdrawn, "draft": draft}


def test_feed_has_every_ruling_but_drafts_with_the_status_in_the_title(client, rulings):
    # When a feed reader fetches the feed
    feed = parse_feed(client)

    # Then it has one entry per public ruling, the status added to the title unless published
    assert set(entries_by_title(feed)) == {
        "Police use of Clearview AI violated the Criminal Data Act",
        "Fine on the police & the vendor (overturned)",
        "Statement on scraping (withdrawn)",
    }


def test_feed_entry_is_updated_when_its_ruling_changes_status(client, rulings):
    feed = parse_feed(client)

    entries = entries_by_title(feed)
    assert entries["Fine on the police & the vendor (overturned)"].findtext("atom:updated", namespaces=ATOM) == "2022-06-01T08:30:00+00:00"
    assert entries["Police use of Clearview AI violated the Criminal Data Act"].findtext("atom:updated", namespaces=ATOM) == "2021-02-11T09:00:00+00:00"
    assert entries["Police use of Clearview AI violated the Criminal Data Act"].findtext("atom:published", namespaces=ATOM) == "2021-02-11T09:00:00+00:00"
    # The feed itself was updated at its latest entry, and the latest change comes first
    assert feed.findtext("atom:updated", namespaces=ATOM) == "2022-07-01T08:30:00+00:00"
    assert feed.find("atom:entry", ATOM).findtext("atom:title", namespaces=ATOM) == "Statement on scraping (withdrawn)"


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
    summary = entry.findtext("atom:summary", namespaces=ATOM)
    assert summary.startswith("Swedish Authority for Privacy Protection (SE), 2 February 2021: unlawful")
    assert "Status: withdrawn." in summary


def test_feed_is_announced_by_every_page(client, rulings):
    html = client.get("/rulings/").content.decode()

    assert '<link rel="alternate" type="application/atom+xml" title="Rulings (Atom feed)" href="/rulings/feed/">' in html


@pytest.mark.parametrize("extra", [0, 30])
def test_feed_costs_the_same_queries_whatever_its_length(client, django_assert_max_num_queries, rulings, extra):
    RulingFactory.create_batch(extra)

    with django_assert_max_num_queries(1):
        client.get("/rulings/feed/")
