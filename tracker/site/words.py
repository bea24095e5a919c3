"""What the pages, the feed and the emails say about a record, in words a journalist can quote.

One module writes every phrase, so a page, an Atom entry and a digest never disagree:
dates at their precision ("February 2021", never "1 February 2021" for a month), search
counts with their qualifier ("at least 3,400"), a ruling's standing today ("under appeal
since 6 October 2025", "set aside by the First-tier Tribunal on 17 October 2023"), what a
finding is about (the vendor, or the use by public bodies) and what each proceeding did.

Nothing here reads the database: callers pass records with what they need already loaded
(a ruling's proceedings prefetched, the names of blocs in a dict).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from agencies.jurisdictions import place_in_sentence
from rulings.dates import Precision, date_phrase, format_date
from rulings.names import body_in_sentence
from rulings.standing import Effect, Standing, StandingResult, standing_on

# --- Dates ---------------------------------------------------------------------------


def iso_period(day: datetime.date | None, precision: str = Precision.DAY) -> str:
    """A date at its precision as HTML's ``<time datetime>`` wants it: "2021-02-03",
    "2021-02" (a month) or "2021" (a year), so machines read no false day either."""
    if day is None:
        return ""
    if precision == Precision.YEAR:
        return f"{day.year:04d}"
    if precision == Precision.MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def parse_iso_date(value) -> datetime.date | None:
    """A source's ``published_on`` (stored as ``YYYY-MM-DD`` text) as a date; None if unreadable."""
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


# --- Numbers -------------------------------------------------------------------------

QUALIFIER_WORDS = {"at_least": "at least", "about": "about", "at_most": "at most", "exact": "exactly"}


def searches_words(searches: int | None, qualifier: str | None) -> str:
    """A search count as the source stated it: "at least 3,400", "about 30", "at most 120",
    "exactly 12"; "" when the count is not known."""
    if searches is None:
        return ""
    words = QUALIFIER_WORDS.get(qualifier or "at_least", "at least")
    return f"{words} {searches:,}"


def amount_words(amount: Decimal | int | None) -> str:
    """2500000 → "2,500,000"; cents only when there are any ("1,234.50")."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return f"{amount:,.2f}"


def fine_words(amount, currency: str | None) -> str:
    """A fine in the decision's own currency: "SEK 2,500,000"; "" when there is none."""
    if amount is None:
        return ""
    return f"{currency} {amount_words(amount)}".strip()


# --- Places and bodies ---------------------------------------------------------------


def place_words(code: str, bloc_names: dict[str, str] | None = None) -> str:
    """Where a jurisdiction is, as a sentence says it: "Canada", "the United Kingdom",
    "Hamburg, Germany", "the European Union" (a bloc's name from ``bloc_names``)."""
    return place_in_sentence(code, bloc_name=(bloc_names or {}).get(code))


def body_words(name: str) -> str:
    """A body's name inside a sentence: "the First-tier Tribunal (General Regulatory Chamber)"."""
    return body_in_sentence(name, opening=False)


def capitalised(sentence: str) -> str:
    """The sentence with its first letter in capitals (the rest as written)."""
    return sentence[:1].upper() + sentence[1:]


# --- What a ruling is about ------------------------------------------------------------


def concerns_words(ruling, bloc_names: dict[str, str] | None = None) -> str:
    """What the finding is about, for the ruling's own page and the emails."""
    place = place_words(ruling.regulator.jurisdiction, bloc_names)
    if ruling.concerns == "vendor":
        return f"The vendor's own practices in {place}: a finding about the vendor, not about any agency's own use"
    if ruling.scope == "agencies":
        return "The use of the technology by the agencies it names: a finding about their own use"
    return f"All use of the technology by public bodies in {place}"


def basis_words(flag) -> str:
    """What the finding behind a flag is about, from the agency's side. A finding about the
    vendor is never described as one about the agency's use."""
    if flag.basis == "vendor":
        return "A finding about the vendor, not about this agency's own use"
    if flag.ruling.scope == "agencies":
        return "A finding about this agency's own use"
    return "A finding about all use by public bodies there, this agency's own use included"


def basis_short(flag) -> str:
    """The basis in a few words, for a table cell: "a finding about the vendor"."""
    if flag.basis == "vendor":
        return "a finding about the vendor"
    if flag.ruling.scope == "agencies":
        return "a finding about its own use"
    return "a finding about all public use there"


# --- Standing ----------------------------------------------------------------------------


def ruling_standing(ruling, day: datetime.date | None = None) -> StandingResult:
    """The ruling's :class:`~rulings.standing.StandingResult` today (or on ``day``), from
    its proceedings as loaded (drafts among them are ignored: only published ones count)."""
    return standing_on(status=ruling.status, proceedings=ruling.proceedings.all(), day=day or timezone.localdate())


def _on(proceeding) -> str:
    return date_phrase(proceeding.decided_on, proceeding.decided_on_precision)


def standing_words(result: StandingResult) -> str:
    """A ruling's standing in words: "in force", "in force, upheld by the Court of Appeal on
    18 February 2026", "under appeal since 6 October 2025", "set aside by the First-tier
    Tribunal on 17 October 2023", "withdrawn", "draft"."""
    standing, since, last = result.standing, result.since, result.last
    if standing == Standing.DRAFT:
        return "draft, not public"
    if standing == Standing.WITHDRAWN:
        return "withdrawn"
    if standing == Standing.OVERTURNED:
        if since is None:
            return "set aside"
        return f"set aside by {body_words(since.body)} {_on(since)}"
    if standing == Standing.UNDER_APPEAL:
        if since is None:
            return "under appeal"
        words = f"under appeal since {format_date(since.decided_on, since.decided_on_precision)}"
        if since.effect == Effect.REMITTED:
            words += f", when {body_words(since.body)} sent the case back for a new decision"
        return words
    if last is not None and last.effect in (Effect.UPHELD, Effect.VARIED, Effect.RESTORED):
        verb = {Effect.UPHELD: "upheld", Effect.VARIED: "varied", Effect.RESTORED: "restored"}[last.effect]
        return f"in force, {verb} by {body_words(last.body)} {_on(last)}"
    return "in force"


def standing_label(standing: str) -> str:
    """The standing's short name for a badge: "In force", "Under appeal", "Overturned"…"""
    return Standing(standing).label.capitalize() if standing in Standing.values else standing


class StandingWords:
    """A ruling's standing as pages print it: ``code`` (``in_force``…), ``label`` ("Under
    appeal"), ``words`` ("under appeal since 6 October 2025") and ``in_effect`` (whether the
    finding still counts)."""

    def __init__(self, result: StandingResult):
        self.result = result
        self.code = str(result.standing)
        self.label = standing_label(result.standing)
        self.words = standing_words(result)
        self.in_effect = result.in_effect
        self.since = result.since

    def __str__(self):
        return self.words


def describe_standing(ruling, day: datetime.date | None = None) -> StandingWords:
    """:class:`StandingWords` of the ruling today (or on ``day``), from its loaded proceedings."""
    return StandingWords(ruling_standing(ruling, day))


# --- Proceedings ---------------------------------------------------------------------------


def effect_words(proceeding, *, dated: bool = False) -> str:
    """What a proceeding did, as a sentence: "The First-tier Tribunal set the ruling aside."
    (with ``dated``: "… set the ruling aside on 17 October 2023.")."""
    body = body_words(proceeding.body)
    when = f" {_on(proceeding)}" if dated else ""
    effect = proceeding.effect
    if effect == Effect.APPEALED:
        return f"An appeal or review against the ruling was lodged with {body}{when}."
    if effect == Effect.UPHELD:
        return f"{capitalised(body)} upheld the ruling{when}."
    if effect == Effect.VARIED:
        fine = fine_words(proceeding.fine_amount, proceeding.fine_currency)
        changed = f"; the fine is now {fine}" if fine else ""
        return f"{capitalised(body)} upheld the ruling with a changed fine or order{when}{changed}."
    if effect == Effect.OVERTURNED:
        return f"{capitalised(body)} set the ruling aside{when}."
    if effect == Effect.RESTORED:
        return f"{capitalised(body)} set aside the earlier overturning{when}: the ruling stands again."
    if effect == Effect.REMITTED:
        return (
            f"{capitalised(body)} set aside the earlier overturning{when} and sent the case back for a new "
            "decision: the ruling stands again, under appeal."
        )
    return f"{capitalised(body)}: {effect}{when}."


def update_headline(proceeding, ruling_title: str) -> str:
    """The headline of a proceeding as news about its ruling: "Update: the First-tier
    Tribunal set aside “Fine on the vendor”" (plain text, not escaped)."""
    body = body_words(proceeding.body)
    title = f"“{ruling_title}”"
    effect = proceeding.effect
    if effect == Effect.APPEALED:
        return f"Update: appeal against {title} lodged with {body}"
    if effect == Effect.REMITTED:
        return f"Update: {body} set aside the overturning of {title} and sent the case back"
    verb = {
        Effect.UPHELD: "upheld",
        Effect.VARIED: "varied",
        Effect.OVERTURNED: "set aside",
        Effect.RESTORED: "restored",
    }.get(effect, effect)
    return f"Update: {body} {verb} {title}"
