"""Dates known to a day, a month or a year, and how they are printed (SPEC §2, Dates)."""

import datetime

import pytest

from rulings.dates import Precision, date_phrase, format_date, period_end, period_start


@pytest.mark.parametrize(
    ("day", "precision", "words"),
    [
        (datetime.date(2021, 2, 3), Precision.DAY, "3 February 2021"),
        (datetime.date(2021, 2, 1), Precision.DAY, "1 February 2021"),
        (datetime.date(2021, 2, 1), Precision.MONTH, "February 2021"),
        (datetime.date(2021, 1, 1), Precision.YEAR, "2021"),
        (datetime.date(2023, 10, 17), Precision.DAY, "17 October 2023"),
        (datetime.date(2025, 12, 1), Precision.MONTH, "December 2025"),
    ],
)
def test_a_date_is_printed_at_its_precision(day, precision, words):
    assert format_date(day, precision) == words


def test_a_month_is_never_printed_as_its_first_day():
    words = format_date(datetime.date(2021, 2, 1), Precision.MONTH)

    assert words == "February 2021"
    assert "1 February" not in words


def test_the_default_precision_is_the_day():
    assert format_date(datetime.date(2022, 5, 18)) == "18 May 2022"


@pytest.mark.parametrize(
    ("precision", "words"),
    [(Precision.DAY, "3 Feb 2021"), (Precision.MONTH, "Feb 2021"), (Precision.YEAR, "2021")],
)
def test_abbreviated_month_names(precision, words):
    assert format_date(datetime.date(2021, 2, 3) if precision == Precision.DAY else datetime.date(2021, 2, 1), precision, abbreviated=True) == words


def test_no_date_prints_as_nothing():
    assert format_date(None, Precision.MONTH) == ""


@pytest.mark.parametrize(
    ("day", "precision", "phrase"),
    [
        (datetime.date(2022, 5, 18), Precision.DAY, "on 18 May 2022"),
        (datetime.date(2021, 2, 1), Precision.MONTH, "in February 2021"),
        (datetime.date(2021, 1, 1), Precision.YEAR, "in 2021"),
    ],
)
def test_a_date_phrase_takes_the_preposition_of_its_precision(day, precision, phrase):
    assert date_phrase(day, precision) == phrase


@pytest.mark.parametrize(
    ("day", "precision", "end"),
    [
        (datetime.date(2021, 2, 3), Precision.DAY, datetime.date(2021, 2, 3)),
        (datetime.date(2021, 2, 1), Precision.MONTH, datetime.date(2021, 2, 28)),
        (datetime.date(2024, 2, 1), Precision.MONTH, datetime.date(2024, 2, 29)),  # a leap year
        (datetime.date(2000, 2, 1), Precision.MONTH, datetime.date(2000, 2, 29)),  # divisible by 400
        (datetime.date(1900, 2, 1), Precision.MONTH, datetime.date(1900, 2, 28)),  # divisible by 100 only
        (datetime.date(2021, 4, 1), Precision.MONTH, datetime.date(2021, 4, 30)),
        (datetime.date(2021, 12, 1), Precision.MONTH, datetime.date(2021, 12, 31)),
        (datetime.date(2021, 1, 1), Precision.YEAR, datetime.date(2021, 12, 31)),
    ],
)
def test_period_end_is_the_last_day_of_the_period(day, precision, end):
    assert period_end(day, precision) == end


@pytest.mark.parametrize(
    ("day", "precision", "start"),
    [
        (datetime.date(2021, 2, 17), Precision.DAY, datetime.date(2021, 2, 17)),
        (datetime.date(2021, 2, 17), Precision.MONTH, datetime.date(2021, 2, 1)),
        (datetime.date(2021, 2, 17), Precision.YEAR, datetime.date(2021, 1, 1)),
    ],
)
def test_period_start_is_the_first_day_of_the_period(day, precision, start):
    assert period_start(day, precision) == start
