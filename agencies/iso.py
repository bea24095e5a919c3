"""ISO 3166 codes and names, from pycountry. Pure helpers: this module imports no models,
so the models can use it (and :mod:`agencies.jurisdictions` can import the models)."""

from __future__ import annotations

from functools import lru_cache

import pycountry
from django.core.exceptions import ValidationError


@lru_cache(maxsize=None)
def iso_country_name(code: str) -> str | None:
    """The ISO 3166-1 name of an assigned alpha-2 code, or None if it is not assigned."""
    if len(code) != 2 or not code.isalpha() or not code.isupper():
        return None
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name if country else None


def is_assigned_country_code(code: str) -> bool:
    return iso_country_name(code) is not None


@lru_cache(maxsize=None)
def subdivision_record(code: str):
    """The ISO 3166-2 subdivision with this exact code, or None."""
    if "-" not in code:
        return None
    return pycountry.subdivisions.get(code=code)


def validate_subdivision(subdivision: str, country_code: str | None) -> None:
    """Raise ValidationError unless ``subdivision`` is an ISO 3166-2 code of the country."""
    record = subdivision_record(subdivision)
    if record is None or record.code != subdivision:
        raise ValidationError(
            f"“{subdivision}” is not an ISO 3166-2 subdivision code (written in capitals, e.g. “CA-ON”).",
            code="invalid_subdivision",
        )
    if country_code is None:
        raise ValidationError("A subdivision needs a country.", code="subdivision_without_country")
    if record.country_code != country_code:
        raise ValidationError(
            f"“{subdivision}” is a subdivision of {record.country_code}, not of {country_code}.",
            code="subdivision_outside_country",
        )
