"""Numbers, money, shares and dates in the reader's language (Babel, CLDR data).

Dutch: ``€ 1.234,56``, ``19,4%``, ``27 november 2026``; English: ``€1,234.56``, ``19.4%``,
``27 November 2026``. Pages and reports use these same functions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

LANGUAGES = ("nl", "en")
LOCALES = {"nl": "nl_NL", "en": "en_GB"}
#: The region's clock: dates and times are shown in Dutch local time.
TIMEZONE = ZoneInfo("Europe/Amsterdam")
DASH = "–"


def locale_of(lang: str) -> str:
    """The CLDR locale of a language code (``nl`` → ``nl_NL``); unknown codes read as Dutch."""
    return LOCALES.get(lang, LOCALES["nl"])


def _pattern(lang: str, digits: int) -> str:
    """The locale's currency pattern with ``digits`` decimals."""
    pattern = Locale.parse(locale_of(lang)).currency_formats["standard"].pattern
    fraction = "." + "0" * digits if digits else ""
    return pattern.replace(".00", fraction)


def money(value: float | None, lang: str, digits: int = 2) -> str:
    """An amount in euros, e.g. ``€ 1.234,56`` (nl) or ``€1,234.56`` (en); a dash when unknown."""
    if value is None:
        return DASH
    return format_currency(value, "EUR", format=_pattern(lang, digits), locale=locale_of(lang),
                           currency_digits=False)


def millions(value: float | None, lang: str, digits: int = 1) -> str:
    """An amount in millions of euros, e.g. ``€ 143,6 mln`` (nl) or ``€143.6 M`` (en)."""
    if value is None:
        return DASH
    amount = money(value / 1e6, lang, digits)
    return f"{amount} mln" if lang == "nl" else f"{amount} M"


def number(value: float | None, lang: str, digits: int = 0) -> str:
    """A number with ``digits`` decimals and grouping, e.g. ``14.500`` (nl) or ``0,669``."""
    if value is None:
        return DASH
    fraction = "." + "0" * digits if digits else ""
    return format_decimal(value, format=f"#,##0{fraction}", locale=locale_of(lang))


def setting(value: float | None, lang: str) -> str:
    """A setting as written, up to four decimals without trailing zeros, e.g. ``0,15``, ``60``."""
    if value is None:
        return DASH
    return format_decimal(value, format="#,##0.####", locale=locale_of(lang))


def percent(value: float | None, lang: str, digits: int = 0) -> str:
    """A share (0.194) as a percentage, e.g. ``19,4%`` with ``digits=1``."""
    if value is None:
        return DASH
    fraction = "." + "0" * digits if digits else ""
    return format_percent(value, format=f"#,##0{fraction}%", locale=locale_of(lang))


def date(value: datetime | str | None, lang: str, *, with_time: bool = True) -> str:
    """A moment in Dutch local time, e.g. ``27 november 2026 22:15`` (ISO strings are accepted)."""
    if value is None or value == "":
        return DASH
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not with_time:
        return format_date(value.astimezone(TIMEZONE), format="long", locale=locale_of(lang))
    return format_datetime(value, "d MMMM y HH:mm", tzinfo=TIMEZONE, locale=locale_of(lang))
