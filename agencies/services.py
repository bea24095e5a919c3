"""Writes to agencies. Every caller (admin, API, seed loader) goes through here."""

from __future__ import annotations

from django.db import transaction

from .models import Agency


@transaction.atomic
def agency_create(**fields) -> Agency:
    """Create an agency after full validation (country required unless international,
    subdivision within the country, source URLs); raises ValidationError by field."""
    agency = Agency(**fields)
    agency.full_clean()
    agency.save()
    return agency


@transaction.atomic
def agency_update(*, agency: Agency, **fields) -> Agency:
    """Change an agency's fields after full validation; raises ValidationError by field."""
    for name, value in fields.items():
        setattr(agency, name, value)
    agency.full_clean()
    agency.save()
    return agency
