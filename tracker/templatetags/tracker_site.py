"""Template helpers of the public pages and emails: dates at their precision, counts and
standings in words (see :mod:`tracker.site.words`), flags, place names, the data's last change."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from agencies.iso import iso_country_name, subdivision_record
from agencies.jurisdictions import Level, level_of
from rulings.dates import Precision, format_date
from tracker.site import selectors, words

register = template.Library()

_REGIONAL_INDICATOR_A = 0x1F1E6


@register.filter
def flag_emoji(country_code: str | None) -> str:
    """The flag emoji of an ISO 3166-1 alpha-2 code (two regional indicator symbols)."""
    if not country_code or len(country_code) != 2 or not country_code.isalpha():
        return ""
    return "".join(chr(_REGIONAL_INDICATOR_A + ord(letter) - ord("A")) for letter in country_code.upper())


@register.filter
def subdivision_name(code: str | None) -> str:
    """The ISO 3166-2 name of a subdivision code, e.g. “Ontario” for “CA-ON”."""
    if not code:
        return ""
    record = subdivision_record(code)
    return record.name if record else code


@register.simple_tag
def jurisdiction(code: str, bloc_names: dict | None = None):
    """A jurisdiction spelled out, linking to its country's page when it has one."""
    level = level_of(code)
    if level is Level.SUPRANATIONAL:
        name = (bloc_names or {}).get(code)
        return format_html("{} ({})", name, code) if name else code
    if level is Level.NATIONAL:
        country_code, label = code, iso_country_name(code) or code
    else:
        country_code = code.split("-", 1)[0]
        label = f"{subdivision_name(code)}, {iso_country_name(country_code) or country_code}"
    return format_html(
        '<a href="{}"><span aria-hidden="true">{}</span> {}</a> <span class="code">{}</span>',
        reverse("tracker:country-detail", kwargs={"code": country_code}),
        flag_emoji(country_code),
        label,
        code,
    )


# --- Dates ---------------------------------------------------------------------------


@register.filter
def precise_date(day, precision: str = Precision.DAY) -> str:
    """A date at its precision: "3 February 2021", "February 2021" or "2021"."""
    return format_date(day, precision or Precision.DAY)


@register.filter
def precise_date_short(day, precision: str = Precision.DAY) -> str:
    """The same with the month abbreviated, for tables: "3 Feb 2021", "Feb 2021"."""
    return format_date(day, precision or Precision.DAY, abbreviated=True)


@register.simple_tag
def time_at_precision(day, precision=Precision.DAY, short=False):
    """``<time>`` element of a date at its precision, e.g. ``<time datetime="2021-02">February 2021</time>``."""
    if day is None:
        return ""
    precision = precision or Precision.DAY
    text = format_date(day, precision, abbreviated=bool(short))
    return format_html('<time datetime="{}">{}</time>', words.iso_period(day, precision), text)


@register.filter
def as_sources(value) -> list[dict]:
    """A record's sources as objects; a bare URL (as written before sources were objects)
    stands for ``{"url": …}``, and anything else unreadable is left out."""
    sources = []
    for item in value or ():
        if isinstance(item, str) and item:
            sources.append({"url": item})
        elif isinstance(item, dict) and item.get("url"):
            sources.append(item)
    return sources


@register.filter
def source_date(value) -> str:
    """A source's ``published_on`` (ISO text) as "3 February 2021"; "" when absent or unreadable."""
    return format_date(words.parse_iso_date(value), Precision.DAY)


@register.filter
def source_iso_date(value) -> str:
    day = words.parse_iso_date(value)
    return day.isoformat() if day else ""


# --- Numbers and words ---------------------------------------------------------------


@register.filter
def searches_words(agency) -> str:
    """The agency's search count with its qualifier: "at least 3,400"; "" when unknown."""
    return words.searches_words(agency.searches, agency.searches_qualifier)


@register.filter
def fine_words(record) -> str:
    """A ruling's or proceeding's fine in its own currency: "SEK 2,500,000"; "" when none."""
    return words.fine_words(record.fine_amount, record.fine_currency)


@register.simple_tag
def concerns_words(ruling, bloc_names: dict | None = None) -> str:
    """What a ruling's finding is about, in a sentence."""
    return words.concerns_words(ruling, bloc_names)


@register.filter
def basis_words(flag) -> str:
    """What the finding behind a flag is about, from the agency's side."""
    return words.basis_words(flag)


@register.filter
def basis_short(flag) -> str:
    return words.basis_short(flag)


@register.filter
def effect_words(proceeding) -> str:
    """What a proceeding did, as a sentence."""
    return words.effect_words(proceeding)


@register.simple_tag
def standing_of(ruling):
    """The ruling's standing today, from its proceedings as loaded (prefetch them)."""
    return words.describe_standing(ruling)


@register.simple_tag
def data_last_updated():
    """When a public record last changed, or None."""
    return selectors.site_data_last_updated()
