"""Dates known to a day, a month or a year, and how every page, feed and email prints them.

The date stored is the first day of its period; it is printed at its precision —
"3 February 2021", "February 2021" or "2021", never "1 February 2021" for a month. The
words are built here, not by the database or the locale, so they are the same everywhere.

Pure helpers: this module imports no models.
"""

from __future__ import annotations

import calendar
import datetime

from django.db import models

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


class Precision(models.TextChoices):
    DAY = "day", "day"
    MONTH = "month", "month"
    YEAR = "year", "year"


def period_start(day: datetime.date, precision: str) -> datetime.date:
    """The first day of the period ``day`` falls in."""
    if precision == Precision.YEAR:
        return day.replace(month=1, day=1)
    if precision == Precision.MONTH:
        return day.replace(day=1)
    return day


def period_end(day: datetime.date, precision: str) -> datetime.date:
    """The last day of the period that starts on ``day``."""
    if precision == Precision.YEAR:
        return day.replace(month=12, day=31)
    if precision == Precision.MONTH:
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day


def format_date(day: datetime.date | None, precision: str = Precision.DAY, *, abbreviated: bool = False) -> str:
    """``day`` in words at its precision: "3 February 2021", "February 2021", "2021"."""
    if day is None:
        return ""
    month = MONTHS[day.month - 1][:3] if abbreviated else MONTHS[day.month - 1]
    if precision == Precision.YEAR:
        return str(day.year)
    if precision == Precision.MONTH:
        return f"{month} {day.year}"
    return f"{day.day} {month} {day.year}"


def date_phrase(day: datetime.date, precision: str = Precision.DAY) -> str:
    """``day`` with its preposition: "on 3 February 2021", "in February 2021", "in 2021"."""
    return ("on " if precision == Precision.DAY else "in ") + format_date(day, precision)
