"""Template helpers of the public pages: flags, place names, the data's last update."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from agencies.jurisdictions import Level, iso_country_name, level_of, subdivision_record
from tracker.site import selectors

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


@register.simple_tag
def data_last_updated():
    """When the public data last changed (agencies, rulings or flags), or None."""
    return selectors.site_data_last_updated()
