"""Load the seed data set (``seed.yaml``) into the database, idempotently.

The data lives in a reviewable YAML file beside this module; this module only reads it,
checks its shape, and makes the database agree with it. Every record has a natural key
(a country by code, a regulator by name, an agency by name and country, a ruling by
regulator and title): a record that exists is updated in place, one that matches is left
untouched (no save, so no new history row), and only a missing one is created.
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
from rulings.models import Regulator, Ruling
from rulings.services import SYSTEM, regulator_create, regulator_update, ruling_create, ruling_update

SEED_PATH = Path(__file__).with_name("seed.yaml")
# Shown in each record's history, so staff can tell seeded changes from their own.
CHANGE_REASON = "Seed data (load_seed)"

SECTIONS = ("countries", "regulators", "agencies", "rulings")
# The top-level ``article`` key only anchors the URL that records cite.
TOP_LEVEL_KEYS = {*SECTIONS, "article"}

COUNTRY_FIELDS = {"code": True, "notes": False}
REGULATOR_FIELDS = {"name": True, "short_name": False, "jurisdiction": True, "website": False}
AGENCY_FIELDS = {
    "name": True,
    "country": True,
    "subdivision": False,
    "kind": True,
    "searches": False,
    "first_used": False,
    "last_used": False,
    "authorized": False,
    "paid": False,
    "notes": False,
    "sources": True,
}
RULING_FIELDS = {
    "regulator": True,
    "title": True,
    "decided_on": True,
    "outcome": True,
    "scope": True,
    "agencies": False,
    "fine_amount": False,
    "fine_currency": False,
    "summary": False,
    "source_url": True,
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
    changes nothing and adds no history rows. Returns a :class:`Tally` per section
    (``countries``, ``regulators``, ``agencies``, ``rulings``). Raises ``ValidationError``
    naming the faulty record; nothing is written then.
    """
    data = _read(Path(path) if path else SEED_PATH)
    with transaction.atomic():
        counts = {"countries": _load_countries(data["countries"])}
        regulators, counts["regulators"] = _load_regulators(data["regulators"])
        agencies, counts["agencies"] = _load_agencies(data["agencies"])
        counts["rulings"] = _load_rulings(data["rulings"], regulators=regulators, agencies=agencies)
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
    name = record.get("name") or record.get("title") or record.get("code") if isinstance(record, dict) else None
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


def _decimal(value, label: str, field: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{label}: {field} must be a number, not {value!r}.")
    try:
        return Decimal(str(value))
    except InvalidOperation as error:
        raise ValidationError(f"{label}: {field} must be a number, not {value!r}.") from error


def _with_label(error: ValidationError, label: str) -> ValidationError:
    if hasattr(error, "error_dict"):
        details = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    else:
        details = " ".join(error.messages)
    return ValidationError(f"{label}: {details}")


def _unique(keys: list, section: str) -> None:
    seen = set()
    for key in keys:
        if key in seen:
            raise ValidationError(f"{section}: {key!r} appears twice; every record needs its own natural key.")
        seen.add(key)


# --- Writing -------------------------------------------------------------------------


def _apply(instance: models.Model, wanted: dict) -> bool:
    """Set the wanted field values on ``instance``; whether any of them differed."""
    changed = False
    for field, value in wanted.items():
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed = True
    return changed


def _save(instance: models.Model, label: str) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        raise _with_label(error, label) from error
    instance._change_reason = CHANGE_REASON
    instance.save()


def _upsert(model, lookup: dict, wanted: dict, tally: Tally, label: str, *, create, update) -> models.Model:
    """Create the record through ``create``, or change what differs through ``update``."""
    matches = list(model.objects.filter(**lookup)[:2])
    if len(matches) > 1:
        raise ValidationError(f"{label}: more than one {model._meta.verbose_name} matches {lookup}; merge them first.")
    try:
        if not matches:
            instance = create(**lookup, **wanted)
            # The record was born in this transaction, so every history row it has is ours.
            model.history.filter(id=instance.pk).update(history_change_reason=CHANGE_REASON)
            tally.created += 1
            return instance
        instance = matches[0]
        changes = {field: value for field, value in wanted.items() if getattr(instance, field) != value}
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
        if _apply(country, {"notes": (record.get("notes") or "").strip()}):
            _save(country, label)
            tally.updated += 1
        else:
            tally.unchanged += 1
    return tally


def _load_regulators(records: list) -> tuple[dict[str, Regulator], Tally]:
    tally = Tally()
    regulators = {}
    for index, record in enumerate(records):
        label = _label("regulators", index, record)
        _check_shape(record, REGULATOR_FIELDS, label)
        if record["name"] in regulators:
            raise ValidationError(f"{label}: the name appears twice; a regulator is known by its name.")
        wanted = {
            "short_name": record.get("short_name") or "",
            "jurisdiction": record["jurisdiction"],
            "website": record.get("website") or "",
        }
        regulators[record["name"]] = _upsert(
            Regulator,
            {"name": record["name"]},
            wanted,
            tally,
            label,
            create=regulator_create,
            update=lambda regulator, **changes: regulator_update(regulator=regulator, **changes),
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
            "subdivision": record.get("subdivision") or None,
            "kind": record["kind"],
            "searches": record.get("searches"),
            "first_used": _date(record.get("first_used"), label, "first_used"),
            "last_used": _date(record.get("last_used"), label, "last_used"),
            "authorized": record.get("authorized"),
            "paid": record.get("paid"),
            "notes": (record.get("notes") or "").strip(),
            "sources": list(record["sources"] or []),
        }
        for field in ("authorized", "paid"):
            if wanted[field] not in (None, True, False):
                raise ValidationError(f"{label}: {field} must be true, false or null.")
        if wanted["searches"] is not None and (isinstance(wanted["searches"], bool) or not isinstance(wanted["searches"], int)):
            raise ValidationError(f"{label}: searches must be a whole number or null.")
        lookup = {"name": record["name"], "country_id": country}
        agencies[key] = _upsert(
            Agency,
            lookup,
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


def _load_rulings(records: list, *, regulators: dict[str, Regulator], agencies: dict) -> Tally:
    tally = Tally()
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
        wanted = {
            "decided_on": _date(record["decided_on"], label, "decided_on"),
            "outcome": record["outcome"],
            "scope": record["scope"],
            "fine_amount": _decimal(record.get("fine_amount"), label, "fine_amount"),
            "fine_currency": record.get("fine_currency") or None,
            "summary": (record.get("summary") or "").strip(),
            "source_url": record["source_url"],
            "status": record["status"],
        }
        ruling = Ruling.objects.filter(regulator=regulator, title=record["title"]).first()
        try:
            if ruling is None:
                ruling = ruling_create(user=SYSTEM, agencies=listed, regulator=regulator, title=record["title"], **wanted)
                # The ruling was born in this transaction, so every history row it has is ours.
                Ruling.history.filter(id=ruling.pk).update(history_change_reason=CHANGE_REASON)
                tally.created += 1
                continue
            changes = {field: value for field, value in wanted.items() if getattr(ruling, field) != value}
            same_agencies = {agency.pk for agency in listed} == set(ruling.agencies.values_list("pk", flat=True))
            if not changes and same_agencies:
                tally.unchanged += 1
                continue
            ruling._change_reason = CHANGE_REASON
            ruling_update(ruling=ruling, user=SYSTEM, agencies=listed, **changes)
            tally.updated += 1
        except ValidationError as error:
            raise _with_label(error, label) from error
    return tally
