"""The report formatting (``budgetopt.reports.formatting``: Dutch ``€ 1.234,56``, ``15,3%``) as Jinja
filters in the page's language; a missing or non-numeric value shows as a dash."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import get_locale
from jinja2 import Undefined

from budgetopt.reports import formatting

DASH = formatting.DASH


def lang() -> str:
    """The page's language: ``nl`` or ``en``."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "nl"


def _real(value: Any) -> float | None:
    if value is None or isinstance(value, bool | Undefined):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def money(value: Any, language: str | None = None, digits: int = 0) -> str:
    """An amount [EUR], whole euros unless ``digits`` says otherwise: ``€ 1.234.567``."""
    return formatting.money(_real(value), language or lang(), digits)


def number(value: Any, language: str | None = None, digits: int = 0) -> str:
    """A number with grouping and ``digits`` decimals: ``14.500``, ``0,669``."""
    return formatting.number(_real(value), language or lang(), digits)


def setting(value: Any, language: str | None = None) -> str:
    """A value as written, up to four decimals without trailing zeros: ``0,15``, ``7.702``."""
    return formatting.setting(_real(value), language or lang())


def percent(value: Any, language: str | None = None, digits: int = 1) -> str:
    """A fraction as a percentage: 0.153 → ``15,3%``."""
    return formatting.percent(_real(value), language or lang(), digits)


def date(value: datetime | None, language: str | None = None) -> str:
    """A moment in the region's local time, in the page's language."""
    if value is None or isinstance(value, Undefined):
        return DASH
    return formatting.date(value, language or lang())


FILTERS = {"money": money, "number": number, "setting": setting, "percent": percent, "date": date}
