"""Money, numbers, shares and dates in Dutch and English."""

from __future__ import annotations

from datetime import UTC, datetime

from budgetopt.reports.formatting import date, millions, money, number, percent


def test_dutch_formats():
    assert money(1234.56, "nl") == "€\xa01.234,56"
    assert money(143628733.85, "nl", 0) == "€\xa0143.628.734"
    assert money(-82545.85, "nl", 0) == "€\xa0-82.546"
    assert millions(136189036.65, "nl", 2) == "€\xa0136,19 mln"
    assert number(14500, "nl") == "14.500"
    assert number(0.66909, "nl", 3) == "0,669"
    assert percent(0.194, "nl", 1) == "19,4%"
    assert percent(1.0, "nl") == "100%"


def test_english_formats():
    assert money(1234.56, "en") == "€1,234.56"
    assert money(-82545.85, "en", 0) == "-€82,546"
    assert number(14500, "en") == "14,500"
    assert percent(0.194, "en", 1) == "19.4%"


def test_dates_in_dutch_local_time():
    winter = datetime(2026, 11, 27, 21, 5, tzinfo=UTC)
    assert date(winter, "nl") == "27 november 2026 22:05"
    assert date(winter, "en") == "27 November 2026 22:05"
    assert date("2026-07-01T10:00:00", "nl", with_time=False) == "1 juli 2026"
    assert date(datetime(2026, 7, 1, 10, 0, tzinfo=UTC), "nl") == "1 juli 2026 12:00"


def test_missing_values_read_as_a_dash():
    for formatter in (money, number, percent):
        assert formatter(None, "nl") == "–"
    assert date(None, "en") == "–"
