"""Load the seed data set (``seed.yaml``) into the database, idempotently.

The data lives in a reviewable YAML file beside this module; this module only reads it,
checks its shape, and makes the database agree with it. Every record has a natural key
(a country by code, a regulator by name, an agency by name and country, a ruling by
regulator and title, a proceeding by body, date and effect within its ruling): a record
that exists is updated in place, one that matches is left untouched (no save, so no new
history row), and only a missing one is created. Records the file does not name are left
alone.

Values are compared in the form the models store them — sources normalized by
:func:`agencies.sources.normalize_sources`, a month- or year-precision date as the first
day of its period, a currency in capitals — so a second load finds nothing to change.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import models, transaction

from agencies.models import Agency, Country
from agencies.services import agency_create, agency_update
from agencies.sources import normalize_sources
from rulings.dates import Precision, period_start
from rulings.models import Proceeding, Regulator, Ruling
from rulings.services import (
    SYSTEM,
    proceeding_create,
    proceeding_update,
    regulator_create,
    regulator_update,
    ruling_create,
    ruling_update,
)

SEED_PATH = Path(__file__).with_name("seed.yaml")
# Shown in each record's history, so staff can tell seeded changes from their own.
CHANGE_REASON = "Seed data (load_seed)"

SECTIONS = ("countries", "regulators", "agencies", "rulings")
# Tallies reported by a load: the file's sections, and the proceedings nested in rulings.
TALLIES = (*SECTIONS, "proceedings")
# The top-level ``article`` key only anchors the source that records cite.
TOP_LEVEL_KEYS = {*SECTIONS, "article"}

# Field name -> required.
COUNTRY_FIELDS = {"code": True, "notes": False}
REGULATOR_FIELDS = {
    "name": True,
    "short_name": False,
    "aliases": False,
    "jurisdiction": True,
    "website": False,
    "wikidata": False,
}
AGENCY_FIELDS = {
    "name": True,
    "aliases": False,
    "country": True,
    "subdivision": False,
    "kind": True,
    "searches": False,
    "searches_qualifier": False,
    "first_used": False,
    "last_used": False,
    "authorized": False,
    "paid": False,
    "notes": False,
    "sources": True,
    "wikidata": False,
    "last_verified_on": False,
}
RULING_FIELDS = {
    "regulator": True,
    "title": True,
    "decided_on": True,
    "decided_on_precision": False,
    "announced_on": False,
    "outcome": True,
    "concerns": False,
    "scope": True,
    "agencies": False,
    "case_reference": False,
    "ecli": False,
    "fine_amount": False,
    "fine_currency": False,
    "fine_notes": False,
    "summary": False,
    "sources": True,
    "status": True,
    "last_verified_on": False,
    "proceedings": False,
}
PROCEEDING_FIELDS = {
    "body": True,
    "decided_on": True,
    "decided_on_precision": False,
    "effect": True,
    "case_reference": False,
    "ecli": False,
    "fine_amount": False,
    "fine_currency": False,
    "summary": False,
    "sources": True,
    "status": True,
}
AGENCY_KEY_FIELDS = {"name": True, "country": True}


@dataclass
class Tally:
    """How many records of one kind a load created, updated and left unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def seed_load(*, path: Path | str | None = None) -> dict[str, Tally]:
    """Make the database agree with the seed data set, in one transaction.

    Reads ``path`` (the bundled ``seed.yaml`` by default), checks each record's shape, and
    writes through the apps' services (:mod:`agencies.services`, :mod:`rulings.services`,
    acting as the system), which validate with ``full_clean``; a country's notes, which
    have no service, are validated with ``full_clean`` here. It creates what is missing
    and updates only what differs, so a second run with the same file creates and
    changes nothing and adds no history rows. Returns a :class:`Tally` per kind of record
    (``countries``, ``regulators``, ``agencies``, ``rulings``, ``proceedings``). Raises
    ``ValidationError`` naming the faulty record; nothing is written then.
    """
    data = _read(Path(path) if path else SEED_PATH)
    with transaction.atomic():
        counts = {"countries": _load_countries(data["countries"])}
        regulators, counts["regulators"] = _load_regulators(data["regulators"])
        agencies, counts["agencies"] = _load_agencies(data["agencies"])
        counts["rulings"], counts["proceedings"] = _load_rulings(data["rulings"], regulators=regulators, agencies=agencies)
    return counts


# --- Reading and shape ---------------------------------------------------------------


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ValidationError(f"Cannot read the seed data set {path.name}: {error}") from error
    if not isinstance(data, dict):
        raise ValidationError(f"{path.name} must be a mapping with the sections {', '.join(SECTIONS)}.")
    unknown = set(data) - TOP_LEVEL_KEYS
    if unknown:
        raise ValidationError(f"{path.name}: unknown section(s) {', '.join(sorted(unknown))}.")
    for section in SECTIONS:
        records = data.setdefault(section, [])
        if records is None:
            data[section] = []
        elif not isinstance(records, list):
            raise ValidationError(f"{path.name}: “{section}” must be a list.")
    return data


def _label(section: str, index: int, record) -> str:
    if isinstance(record, dict):
        name = record.get("name") or record.get("title") or record.get("code") or record.get("body")
    else:
        name = None
    return f"{section}[{index}]" + (f" ({name})" if name else "")


def _check_shape(record, fields: dict[str, bool], label: str) -> None:
    if not isinstance(record, dict):
        raise ValidationError(f"{label}: a record must be a mapping of fields.")
    unknown = set(record) - set(fields)
    if unknown:
        raise ValidationError(f"{label}: unknown field(s) {', '.join(sorted(unknown))}.")
    missing = [name for name, required in fields.items() if required and name not in record]
    if missing:
        raise ValidationError(f"{label}: missing field(s) {', '.join(missing)}.")


def _date(value, label: str, field: str) -> datetime.date | None:
    if value is None or (isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationError(f"{label}: {field} must be a date written YYYY-MM-DD, not {value!r}.")


def _decision_date(record: dict, label: str) -> tuple[datetime.date, str]:
    """The decision date as stored (the first day of its period) and its precision."""
    precision = record.get("decided_on_precision") or Precision.DAY
    if precision not in Precision.values:
        raise ValidationError(f"{label}: decided_on_precision must be one of {', '.join(Precision.values)}, not {precision!r}.")
    day = _date(record["decided_on"], label, "decided_on")
    if day is None:
        raise ValidationError(f"{label}: decided_on is required.")
    return period_start(day, precision), precision


def _decimal(value, label: str, field: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{label}: {field} must be a number, not {value!r}.")
    try:
        return Decimal(str(value))
    except InvalidOperation as error:
        raise ValidationError(f"{label}: {field} must be a number, not {value!r}.") from error


def _currency(value) -> str | None:
    return value.strip().upper() or None if isinstance(value, str) else value


def _text(value) -> str:
    return (value or "").strip()


def _aliases(record: dict, label: str) -> list[str]:
    aliases = record.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(alias, str) for alias in aliases):
        raise ValidationError(f"{label}: aliases must be a list of names.")
    return [alias.strip() for alias in aliases]


def _sources(record: dict, label: str) -> list[dict]:
    try:
        return normalize_sources(record.get("sources"), required=True)
    except ValidationError as error:
        raise ValidationError(f"{label}: sources: {' '.join(error.messages)}") from error


def _with_label(error: ValidationError, label: str) -> ValidationError:
    if hasattr(error, "error_dict"):
        details = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    else:
        details = " ".join(error.messages)
    return ValidationError(f"{label}: {details}")


# --- Writing -------------------------------------------------------------------------


def _differences(instance: models.Model, wanted: dict) -> dict:
    return {field: value for field, value in wanted.items() if getattr(instance, field) != value}


def _mark_created(model, instance: models.Model) -> None:
    # The record was born in this transaction, so every history row it has is ours.
    model.history.filter(id=instance.pk).update(history_change_reason=CHANGE_REASON)


def _upsert(model, lookup: dict, wanted: dict, tally: Tally, label: str, *, create, update) -> models.Model:
    """Create the record through ``create``, or change what differs through ``update``."""
    matches = list(model.objects.filter(**lookup)[:2])
    if len(matches) > 1:
        raise ValidationError(f"{label}: more than one {model._meta.verbose_name} matches {lookup}; merge them first.")
    try:
        if not matches:
            instance = create(**lookup, **wanted)
            _mark_created(model, instance)
            tally.created += 1
            return instance
        instance = matches[0]
        changes = _differences(instance, wanted)
        if not changes:
            tally.unchanged += 1
            return instance
        instance._change_reason = CHANGE_REASON
        update(instance, **changes)
        tally.updated += 1
        return instance
    except ValidationError as error:
        raise _with_label(error, label) from error


def _load_countries(records: list) -> Tally:
    tally = Tally()
    for index, record in enumerate(records):
        _check_shape(record, COUNTRY_FIELDS, _label("countries", index, record))
    _unique([record["code"] for record in records], "countries")
    for index, record in enumerate(records):
        label = _label("countries", index, record)
        country = Country.objects.filter(code=record["code"]).first()
        if country is None:
            raise ValidationError(f"{label}: “{record['code']}” is not an ISO 3166-1 country code.")
        notes = _text(record.get("notes"))
        if country.notes == notes:
            tally.unchanged += 1
            continue
        country.notes = notes
        try:
            country.full_clean()
        except ValidationError as error:
            raise _with_label(error, label) from error
        country._change_reason = CHANGE_REASON
        country.save()
        tally.updated += 1
    return tally


def _unique(keys: list, section: str) -> None:
    seen = set()
    for key in keys:
        if key in seen:
            raise ValidationError(f"{section}: {key!r} appears twice; every record needs its own natural key.")
        seen.add(key)


def _load_regulators(records: list) -> tuple[dict[str, Regulator], Tally]:
    tally = Tally()
    regulators = {}
    for index, record in enumerate(records):
        label = _label("regulators", index, record)
        _check_shape(record, REGULATOR_FIELDS, label)
        if record["name"] in regulators:
            raise ValidationError(f"{label}: the name appears twice; a regulator is known by its name.")
        wanted = {
            "short_name": _text(record.get("short_name")),
            "aliases": _aliases(record, label),
            "jurisdiction": record["jurisdiction"],
            "website": _text(record.get("website")),
            "wikidata": record.get("wikidata") or None,
        }
        regulators[record["name"]] = _upsert(
            Regulator,
            {"name": record["name"]},
            wanted,
            tally,
            label,
            create=regulator_create,
            update=lambda regulator, **changes: regulator_update(regulator=regulator, user=SYSTEM, **changes),
        )
    return regulators, tally


def _load_agencies(records: list) -> tuple[dict[tuple[str, str | None], Agency], Tally]:
    tally = Tally()
    agencies = {}
    for index, record in enumerate(records):
        label = _label("agencies", index, record)
        _check_shape(record, AGENCY_FIELDS, label)
        key = (record["name"], record["country"])
        if key in agencies:
            raise ValidationError(f"{label}: the same name and country appear twice.")
        country = record["country"]
        if country is not None and not Country.objects.filter(code=country).exists():
            raise ValidationError(f"{label}: “{country}” is not an ISO 3166-1 country code.")
        wanted = {
            "aliases": _aliases(record, label),
            "subdivision": record.get("subdivision") or None,
            "kind": record["kind"],
            "searches": record.get("searches"),
            "searches_qualifier": record.get("searches_qualifier") or Agency.SearchesQualifier.AT_LEAST,
            "first_used": _date(record.get("first_used"), label, "first_used"),
            "last_used": _date(record.get("last_used"), label, "last_used"),
            "authorized": record.get("authorized"),
            "paid": record.get("paid"),
            "notes": _text(record.get("notes")),
            "sources": _sources(record, label),
            "wikidata": record.get("wikidata") or None,
            "last_verified_on": _date(record.get("last_verified_on"), label, "last_verified_on"),
        }
        for field in ("authorized", "paid"):
            if wanted[field] not in (None, True, False):
                raise ValidationError(f"{label}: {field} must be true, false or null.")
        if wanted["searches"] is not None and (isinstance(wanted["searches"], bool) or not isinstance(wanted["searches"], int)):
            raise ValidationError(f"{label}: searches must be a whole number or null.")
        agencies[key] = _upsert(
            Agency,
            {"name": record["name"], "country_id": country},
            wanted,
            tally,
            label,
            create=agency_create,
            update=lambda agency, **changes: agency_update(agency=agency, **changes),
        )
    return agencies, tally


def _ruling_agencies(record: dict, agencies: dict, label: str) -> list[Agency]:
    listed = []
    for reference in record.get("agencies") or []:
        _check_shape(reference, AGENCY_KEY_FIELDS, f"{label}, agencies")
        agency = agencies.get((reference["name"], reference["country"]))
        if agency is None:
            raise ValidationError(
                f"{label}: lists the agency {reference['name']!r} ({reference['country']}), which the seed data does not hold."
            )
        listed.append(agency)
    return listed


def _load_rulings(records: list, *, regulators: dict[str, Regulator], agencies: dict) -> tuple[Tally, Tally]:
    tally, proceedings_tally = Tally(), Tally()
    seen = set()
    for index, record in enumerate(records):
        label = _label("rulings", index, record)
        _check_shape(record, RULING_FIELDS, label)
        regulator = regulators.get(record["regulator"])
        if regulator is None:
            raise ValidationError(f"{label}: the regulator {record['regulator']!r} is not among the seed's regulators.")
        key = (record["regulator"], record["title"])
        if key in seen:
            raise ValidationError(f"{label}: the same regulator and title appear twice.")
        seen.add(key)
        listed = _ruling_agencies(record, agencies, label)
        decided_on, precision = _decision_date(record, label)
        wanted = {
            "decided_on": decided_on,
            "decided_on_precision": precision,
            "announced_on": _date(record.get("announced_on"), label, "announced_on"),
            "outcome": record["outcome"],
            "concerns": record.get("concerns") or Ruling.Concerns.USE,
            "scope": record["scope"],
            "case_reference": _text(record.get("case_reference")),
            "ecli": record.get("ecli") or None,
            "fine_amount": _decimal(record.get("fine_amount"), label, "fine_amount"),
            "fine_currency": _currency(record.get("fine_currency")),
            "fine_notes": _text(record.get("fine_notes")),
            "summary": _text(record.get("summary")),
            "sources": _sources(record, label),
            "status": record["status"],
            "last_verified_on": _date(record.get("last_verified_on"), label, "last_verified_on"),
        }
        ruling = Ruling.objects.filter(regulator=regulator, title=record["title"]).first()
        try:
            if ruling is None:
                ruling = ruling_create(user=SYSTEM, agencies=listed, regulator=regulator, title=record["title"], **wanted)
                _mark_created(Ruling, ruling)
                tally.created += 1
            else:
                changes = _differences(ruling, wanted)
                same_agencies = {agency.pk for agency in listed} == set(ruling.agencies.values_list("pk", flat=True))
                if not changes and same_agencies:
                    tally.unchanged += 1
                else:
                    ruling._change_reason = CHANGE_REASON
                    ruling_update(ruling=ruling, user=SYSTEM, agencies=listed, **changes)
                    tally.updated += 1
        except ValidationError as error:
            raise _with_label(error, label) from error
        _load_proceedings(record.get("proceedings"), ruling=ruling, tally=proceedings_tally, label=label)
    return tally, proceedings_tally


def _load_proceedings(records, *, ruling: Ruling, tally: Tally, label: str) -> None:
    """The ruling's proceedings in the file, each found by (body, decided_on, effect)."""
    if records is None:
        return
    if not isinstance(records, list):
        raise ValidationError(f"{label}: proceedings must be a list.")
    seen = set()
    for index, record in enumerate(records):
        proceeding_label = f"{label}, {_label('proceedings', index, record)}"
        _check_shape(record, PROCEEDING_FIELDS, proceeding_label)
        decided_on, precision = _decision_date(record, proceeding_label)
        lookup = {"body": _text(record["body"]), "decided_on": decided_on, "effect": record["effect"]}
        key = tuple(lookup.values())
        if key in seen:
            raise ValidationError(f"{proceeding_label}: the same body, date and effect appear twice.")
        seen.add(key)
        wanted = {
            "decided_on_precision": precision,
            "case_reference": _text(record.get("case_reference")),
            "ecli": record.get("ecli") or None,
            "fine_amount": _decimal(record.get("fine_amount"), proceeding_label, "fine_amount"),
            "fine_currency": _currency(record.get("fine_currency")),
            "summary": _text(record.get("summary")),
            "sources": _sources(record, proceeding_label),
            "status": record["status"],
        }
        _upsert(
            Proceeding,
            {"ruling": ruling, **lookup},
            wanted,
            tally,
            proceeding_label,
            create=lambda **fields: proceeding_create(user=SYSTEM, **fields),
            update=lambda proceeding, **changes: proceeding_update(proceeding=proceeding, user=SYSTEM, **changes),
        )
