"""Sources as records cite them: the documents behind every statement (SPEC §2).

A source is a small object — ``url`` (required, http or https), ``title``, ``publisher``,
``published_on``, ``kind`` (``primary``: the regulator's, court's or agency's own document;
``secondary``: reporting about it; null when not stated), ``archived_url`` and ``quote``
(the passage that supports the record). On write a bare URL string stands for
``{"url": …}``. The service never fetches a source: URLs are checked by their form only.

Pure helpers: this module imports no models, so every app can use it.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models

SOURCE_KEYS = ("url", "title", "publisher", "published_on", "kind", "archived_url", "quote")
QUOTE_MAX_LENGTH = 1000
TEXT_MAX_LENGTH = 500
URL_MAX_LENGTH = 2000

_validate_url = URLValidator(schemes=["http", "https"])


class SourceKind(models.TextChoices):
    PRIMARY = "primary", "primary"
    SECONDARY = "secondary", "secondary"


def _no_nul(value: str, *, where: str, field: str) -> None:
    # PostgreSQL stores no NUL character in text; refuse it here, with a message.
    if "\x00" in value:
        raise ValidationError(f"{where}: “{field}” contains a NUL character.")


def _url(value, *, where: str, field: str, required: bool) -> str | None:
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{where}: “{field}” must be an http or https URL.")
    _no_nul(value, where=where, field=field)
    if len(value) > URL_MAX_LENGTH:
        raise ValidationError(f"{where}: “{field}” is longer than {URL_MAX_LENGTH} characters.")
    try:
        _validate_url(value)
    except ValidationError:
        raise ValidationError(f"{where}: “{value}” is not an http or https URL.") from None
    return value


def _text(value, *, where: str, field: str, limit: int) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{where}: “{field}” must be text.")
    _no_nul(value, where=where, field=field)
    value = value.strip()
    if len(value) > limit:
        raise ValidationError(f"{where}: “{field}” is longer than {limit} characters ({len(value)}).")
    return value or None


def _date(value, *, where: str) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValidationError(f"{where}: “published_on” must be a date written YYYY-MM-DD, not {value!r}.")


def normalize_source(value, *, where: str = "source") -> dict:
    """One source as stored: a dict with every key of :data:`SOURCE_KEYS`; raises
    ValidationError naming what is wrong."""
    if isinstance(value, str):
        value = {"url": value}
    if not isinstance(value, dict):
        raise ValidationError(f"{where}: give a URL or an object with at least a “url”.")
    unknown = sorted(set(value) - set(SOURCE_KEYS))
    if unknown:
        raise ValidationError(f"{where}: unknown field(s) {', '.join(map(str, unknown))}; a source has {', '.join(SOURCE_KEYS)}.")
    kind = value.get("kind")
    if kind in ("", None):
        kind = None
    elif kind not in SourceKind.values:
        raise ValidationError(f"{where}: “kind” must be “primary”, “secondary” or null, not {kind!r}.")
    return {
        "url": _url(value.get("url"), where=where, field="url", required=True),
        "title": _text(value.get("title"), where=where, field="title", limit=TEXT_MAX_LENGTH),
        "publisher": _text(value.get("publisher"), where=where, field="publisher", limit=TEXT_MAX_LENGTH),
        "published_on": _date(value.get("published_on"), where=where),
        "kind": kind,
        "archived_url": _url(value.get("archived_url"), where=where, field="archived_url", required=False),
        "quote": _text(value.get("quote"), where=where, field="quote", limit=QUOTE_MAX_LENGTH),
    }


def normalize_sources(value, *, required: bool = False) -> list[dict]:
    """A list of sources as stored, from URLs and/or source objects; raises ValidationError
    (one message naming the first faulty item) when any is wrong."""
    if value in (None, ""):
        value = []
    if not isinstance(value, (list, tuple)):
        raise ValidationError("Sources must be a list of URLs or source objects.")
    sources = [normalize_source(item, where=f"source {index + 1}") for index, item in enumerate(value)]
    if required and not sources:
        raise ValidationError("At least one source is required.")
    return sources


def primary_source(sources) -> dict | None:
    """The source a reader should open first: the first marked primary, else the first."""
    for source in sources or ():
        if isinstance(source, dict) and source.get("kind") == SourceKind.PRIMARY:
            return source
    first = (sources or [None])[0]
    return first if isinstance(first, dict) else None
