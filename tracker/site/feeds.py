"""The Atom feed of rulings: ``/rulings/feed/``."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from rulings.models import Ruling

from . import selectors


def absolute_url(path: str) -> str:
    """``path`` under ``SITE_URL``, the public address of the service."""
    return f"{settings.SITE_URL}{path}"


class RulingFeed(Feed):
    """Every ruling but drafts; an entry is updated whenever its ruling changes status, and
    its title says the status when that is not ``published``."""

    feed_type = Atom1Feed
    title = "Rulings on police use of face search — Regulatory-status tracker"
    subtitle = (
        "Regulators' rulings on public agencies' use of a facial-recognition search built on "
        "scraped photos: published, overturned and withdrawn."
    )
    author_name = "Regulatory-status tracker"

    def link(self):
        return absolute_url(reverse("tracker:rulings"))

    def feed_url(self):
        return absolute_url(reverse("tracker:ruling-feed"))

    def feed_guid(self):
        return self.feed_url()

    def items(self):
        return selectors.site_feed_rulings()

    def item_title(self, ruling):
        # Plain text: the Atom writer escapes it once, as it should be.
        if ruling.status == Ruling.Status.PUBLISHED:
            return ruling.title
        return f"{ruling.title} ({ruling.get_status_display()})"

    def item_description(self, ruling):
        fine = ""
        if ruling.fine_amount is not None:
            fine = f" Fine: {ruling.fine_amount:,.2f} {ruling.fine_currency}."
        summary = f" {ruling.summary}" if ruling.summary else ""
        return (
            f"{ruling.regulator.name} ({ruling.regulator.jurisdiction}), {ruling.decided_on:%-d %B %Y}: "
            f"{ruling.get_outcome_display()}, concerning {ruling.get_scope_display()}. "
            f"Status: {ruling.get_status_display()}.{fine}{summary}"
        )

    def item_link(self, ruling):
        return absolute_url(ruling.get_absolute_url())

    def item_pubdate(self, ruling):
        return ruling.published_at

    def item_updateddate(self, ruling):
        return ruling.status_changed_at or ruling.published_at or ruling.updated_at

    def item_author_name(self, ruling):
        return ruling.regulator.name

    def item_author_link(self, ruling):
        return ruling.regulator.website or None

    def item_categories(self, ruling):
        return [ruling.get_outcome_display(), ruling.get_status_display()]
