"""The ``reports`` message catalog: English msgids, Dutch translations in
``budgetopt/translations/nl/LC_MESSAGES/reports.mo``."""

from __future__ import annotations

import gettext as _gettext
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

from budgetopt.reports.formatting import LANGUAGES

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
DOMAIN = "reports"


def N_(message: str) -> str:
    """Mark a message for the catalog without translating it here."""
    return message


def language(lang: str | None) -> str:
    """``nl`` or ``en``; anything else reads as Dutch, the report's first language."""
    return lang if lang in LANGUAGES else "nl"


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The catalog of ``lang``; English is the source language and needs none."""
    if language(lang) == "en":
        return NullTranslations()
    catalog = Translations.load(str(TRANSLATIONS), locales=["nl"], domain=DOMAIN)
    if not isinstance(catalog, Translations):
        raise FileNotFoundError(f"no compiled {DOMAIN} catalog for nl under {TRANSLATIONS}")
    return catalog
