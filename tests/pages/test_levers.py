"""Numbers typed in the scenario form, the Dutch or the English way, and shown back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgetopt.web.pages.levers import LeverError, parse_number, show_number


@pytest.mark.parametrize(("text", "language", "value"), [
    ("0,15", "nl", "0.15"), ("0.15", "nl", "0.15"), ("1.234", "nl", "1234"), ("1,234", "nl", "1.234"),
    ("1.234.567,89", "nl", "1234567.89"), ("€ 1.234.567", "nl", "1234567"), ("12,5 %", "nl", "12.5"),
    ("1,234", "en", "1234"), ("1.234", "en", "1.234"), ("1,234,567.89", "en", "1234567.89"),
    ("1.234,5", "en", "1234.5"), ("-2,5", "nl", "-2.5"), ("1e3", "en", "1000"), ("", "nl", None),
    ("  ", "en", None),
])
def test_typed_numbers(text, language, value):
    parsed = parse_number(text, language)
    assert parsed == (None if value is None else Decimal(value))


@pytest.mark.parametrize("text", ["veel", "1,2,3.4.5", "nan", "inf", "1..2"])
def test_not_numbers(text):
    with pytest.raises(LeverError):
        parse_number(text, "nl")


@given(st.floats(min_value=0, max_value=1, allow_nan=False), st.sampled_from(["nl", "en"]))
def test_shares_shown_as_percentages_read_back_exactly(share, language):
    shown = show_number(share, "percent", language)
    assert float(parse_number(shown, language) / 100) == pytest.approx(share, rel=1e-12, abs=1e-15)


@given(st.floats(min_value=0, max_value=1e10, allow_nan=False), st.sampled_from(["nl", "en"]))
def test_amounts_shown_read_back_exactly(amount, language):
    assert float(parse_number(show_number(amount, "eur", language), language)) == amount
