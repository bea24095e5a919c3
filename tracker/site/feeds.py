"""The Atom feed of rulings and of what happened to them after: ``/rulings/feed/``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join

from agencies.sources import primary_source
from rulings.dates import format_date
from rulings.models import Proceeding, Ruling
from rulings.standing import Standing

from . import selectors, words


def absolute_url(path: str) -> str:
    """``path`` under ``SITE_URL``, the public address of the service."""
    return f"{settings.SITE_URL}{path}"


def _entry_updated(item):
    if isinstance(item, Proceeding):
        return item.updated_at or item.published_at
    return getattr(item, "feed_updated_at", None) or item.status_changed_at or item.published_at or item.updated_at


def _paragraphs(*texts) -> str:
    # The summary is HTML (Atom ``type="html"``): each text is escaped here, once, and the
    # XML writer escapes the HTML for the feed, as that type requires.
    return format_html_join("", "<p>{}</p>", ((text,) for text in texts if text))


def _source_html(sources) -> str:
    source = primary_source(sources)
    if source is None:
        return ""
    return format_html('<p>Source: <a href="{}">{}</a></p>', source["url"], source.get("title") or source["url"])


class RulingFeed(Feed):
    """Every ruling but drafts, and every published proceeding of one ("Update: the
    First-tier Tribunal set aside …"). A ruling's entry is updated whenever its status
    changes or a proceeding is published on it, and its title says its standing when that
    is not "in force"."""

    feed_type = Atom1Feed
    title = "Rulings on police use of face search — Regulatory-status tracker"
    subtitle = (
        "Regulators' rulings on public agencies' use of a facial-recognition search built on "
        "scraped photos, and on its vendor; and the appeals and later decisions on them."
    )
    author_name = "Regulatory-status tracker"

    def link(self):
        return absolute_url(reverse("tracker:rulings"))

    def feed_url(self):
        return absolute_url(reverse("tracker:ruling-feed"))

    def feed_guid(self):
        return self.feed_url()

    def items(self):
        entries = [*selectors.site_feed_rulings(), *selectors.site_feed_proceedings()]
        entries.sort(key=lambda item: (_entry_updated(item), item.pk), reverse=True)
        return entries[: selectors.FEED_LENGTH]

    # Every text below is plain: the Atom writer escapes titles once, as it should.

    def item_title(self, item):
        if isinstance(item, Proceeding):
            return words.update_headline(item, item.ruling.title)
        standing = words.describe_standing(item)
        if standing.code == Standing.IN_FORCE:
            return item.title
        return f"{item.title} ({standing.label.lower()})"

    def item_description(self, item):
        if isinstance(item, Proceeding):
            return self._proceeding_description(item)
        return self._ruling_description(item)

    def _ruling_description(self, ruling: Ruling) -> str:
        regulator = ruling.regulator
        fine = words.fine_words(ruling.fine_amount, ruling.fine_currency)
        opening = (
            f"{regulator.name} ({regulator.jurisdiction}), "
            f"{format_date(ruling.decided_on, ruling.decided_on_precision)}: {ruling.get_outcome_display()}, "
            f"a finding about {'the vendor' if ruling.concerns == 'vendor' else 'the use by public bodies'}, "
            f"concerning {ruling.get_scope_display()}."
        )
        details = [
            f"Made public {format_date(ruling.announced_on)}." if ruling.announced_on else "",
            f"Standing today: {words.describe_standing(ruling).words}.",
            f"Case reference: {ruling.case_reference}." if ruling.case_reference else "",
            f"Fine: {fine}." if fine else "",
            ruling.fine_notes,
        ]
        return _paragraphs(opening, " ".join(part for part in details if part), ruling.summary) + _source_html(ruling.sources)

    def _proceeding_description(self, proceeding: Proceeding) -> str:
        ruling = proceeding.ruling
        effect = words.effect_words(proceeding, dated=True)
        reference = f" Case reference: {proceeding.case_reference}." if proceeding.case_reference else ""
        about = (
            f"The ruling: “{ruling.title}”, by {ruling.regulator.name} ({ruling.regulator.jurisdiction}), "
            f"{format_date(ruling.decided_on, ruling.decided_on_precision)}. "
            f"Standing today: {words.describe_standing(ruling).words}."
        )
        return _paragraphs(f"{effect}{reference}", proceeding.summary, about) + _source_html(proceeding.sources)

    def item_link(self, item):
        return absolute_url(item.get_absolute_url())

    def item_guid(self, item):
        return self.item_link(item)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return _entry_updated(item)

    def item_author_name(self, item):
        if isinstance(item, Proceeding):
            return item.body
        return item.regulator.name

    def item_author_link(self, item):
        if isinstance(item, Proceeding):
            return None
        return item.regulator.website or None

    def item_categories(self, item):
        if isinstance(item, Proceeding):
            return ["update", item.get_effect_display()]
        return [item.get_outcome_display(), words.describe_standing(item).label.lower()]
