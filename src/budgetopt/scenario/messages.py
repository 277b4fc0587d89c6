"""Problem messages in English and Dutch: one template per problem code and language.

A message is a location (``demand.csv, row 7, column children``) and a body built from the
problem's ``expected``, ``found`` and ``detail`` fields, which are language-neutral text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

LANGUAGES = ("en", "nl")
MAX_FOUND = 80


class Located(Protocol):
    """What a message is made from (the ``Problem`` of ``budgetopt.scenario.validate``)."""

    code: str
    file: str
    table: str | None
    row: int | None
    column: str | None
    expected: str
    found: str
    sheet: str | None
    detail: Mapping[str, str]


_WORDS: dict[str, dict[str, str]] = {
    "en": {"sheet": "sheet", "table": "table", "row": "row", "record": "record", "line": "line",
           "column": "column", "field": "field", "parameter": "parameter"},
    "nl": {"sheet": "blad", "table": "tabel", "row": "rij", "record": "record", "line": "regel",
           "column": "kolom", "field": "veld", "parameter": "parameter"},
}

TEMPLATES: dict[str, dict[str, str]] = {
    "not_found": {
        "en": "no such file or folder",
        "nl": "bestand of map bestaat niet",
    },
    "unsupported_format": {
        "en": 'expected a folder of CSV files, an .xlsx workbook or a .json document, '
              'found "{found}"',
        "nl": 'verwacht een map met CSV-bestanden, een .xlsx-werkmap of een .json-document, '
              'gevonden "{found}"',
    },
    "unreadable_file": {
        "en": "cannot read the file: {found}",
        "nl": "kan het bestand niet lezen: {found}",
    },
    "bad_structure": {
        "en": "expected {expected}, found {found}",
        "nl": "verwacht {expected}, gevonden {found}",
    },
    "unknown_table": {
        "en": 'unknown table "{found}"; the tables are {expected}',
        "nl": 'onbekende tabel "{found}"; de tabellen zijn {expected}',
    },
    "missing_table": {
        "en": "the required table {table} is missing",
        "nl": "de verplichte tabel {table} ontbreekt",
    },
    "empty_table": {
        "en": "the required table {table} has no rows",
        "nl": "de verplichte tabel {table} heeft geen rijen",
    },
    "missing_column": {
        "en": "the required column {column} is missing",
        "nl": "de verplichte kolom {column} ontbreekt",
    },
    "too_many_cells": {
        "en": "expected at most {expected} cells as in the header row, found {found} "
              "(a decimal comma in a comma-separated file?)",
        "nl": "verwacht hoogstens {expected} cellen zoals in de kopregel, gevonden {found} "
              "(een decimale komma in een bestand met komma als scheidingsteken?)",
    },
    "duplicate_column": {
        "en": "the column {column} appears more than once",
        "nl": "de kolom {column} komt meer dan eens voor",
    },
    "empty_cell": {
        "en": "expected a value, found an empty cell",
        "nl": "verwacht een waarde, gevonden een lege cel",
    },
    "bad_number": {
        "en": 'expected a number, found "{found}"',
        "nl": 'verwacht een getal, gevonden "{found}"',
    },
    "bad_integer": {
        "en": 'expected a whole number, found "{found}"',
        "nl": 'verwacht een geheel getal, gevonden "{found}"',
    },
    "bad_bool": {
        "en": 'expected true/false, yes/no or 1/0, found "{found}"',
        "nl": 'verwacht ja/nee, waar/onwaar of 1/0, gevonden "{found}"',
    },
    "bad_choice": {
        "en": 'expected one of {expected}, found "{found}"',
        "nl": 'verwacht een van {expected}, gevonden "{found}"',
    },
    "negative": {
        "en": 'expected a number {expected}, found "{found}"',
        "nl": 'verwacht een getal {expected}, gevonden "{found}"',
    },
    "out_of_range": {
        "en": 'expected a number {expected}, found "{found}"',
        "nl": 'verwacht een getal {expected}, gevonden "{found}"',
    },
    "duplicate_key": {
        "en": "the key ({found}) appears more than once, first in {row_word} {expected}",
        "nl": "de sleutel ({found}) komt meer dan eens voor, eerst in {row_word} {expected}",
    },
    "unknown_id": {
        "en": 'expected a {column} listed in {expected}, found "{found}"',
        "nl": 'verwacht een {column} uit {expected}, gevonden "{found}"',
    },
    "unknown_level": {
        "en": 'expected a level listed in levels ({expected}), found "{found}"',
        "nl": 'verwacht een niveau uit levels ({expected}), gevonden "{found}"',
    },
    "unknown_region": {
        "en": 'expected a region used in municipalities ({expected}), found "{found}"',
        "nl": 'verwacht een regio uit municipalities ({expected}), gevonden "{found}"',
    },
    "residential_not_out_of_home": {
        "en": "a residential level is also out of home: expected out_of_home = true",
        "nl": "een residentieel niveau is ook zorg met verblijf: verwacht out_of_home = waar",
    },
    "both_targets": {
        "en": "give municipality_id or region, not both",
        "nl": "vul municipality_id of region in, niet allebei",
    },
    "no_target": {
        "en": "give municipality_id or region",
        "nl": "vul municipality_id of region in",
    },
    "unservable_demand": {
        "en": "{found} children of {municipality} with need {need} at level {level} cannot be "
              "served: no provider with access offers this need at level {expected}",
        "nl": "{found} kinderen van {municipality} met behoefte {need} op niveau {level} kunnen "
              "niet geholpen worden: geen bereikbare aanbieder biedt deze behoefte aan op "
              "niveau {expected}",
    },
    "baseline_not_offered": {
        "en": "provider {found} does not offer need {need} at level {level} (no row in offers)",
        "nl": "aanbieder {found} biedt behoefte {need} niet aan op niveau {level} "
              "(geen rij in offers)",
    },
    "baseline_no_access": {
        "en": "provider {found} has no access to municipality {municipality} "
              "(no row in access)",
        "nl": "aanbieder {found} heeft geen toegang tot gemeente {municipality} "
              "(geen rij in access)",
    },
    "baseline_mismatch": {
        "en": "the baseline children of ({key}) add up to {found}, expected the demand, "
              "{expected}",
        "nl": "de kinderen in baseline voor ({key}) tellen op tot {found}, verwacht de vraag, "
              "{expected}",
    },
    "unknown_parameter": {
        "en": 'unknown parameter "{found}"',
        "nl": 'onbekende parameter "{found}"',
    },
    "duplicate_parameter": {
        "en": "the parameter {column} is given more than once",
        "nl": "de parameter {column} staat er meer dan eens",
    },
    "budget_conflict": {
        "en": "give budget_eur or budget_cut, not both",
        "nl": "geef budget_eur of budget_cut, niet allebei",
    },
    "needs_baseline": {
        "en": "the parameter {column} needs the baseline table, which is missing or empty",
        "nl": "de parameter {column} heeft de tabel baseline nodig, die ontbreekt of leeg is",
    },
    "needs_municipality_budgets": {
        "en": "municipality_budget_tolerance needs budget_eur for every municipality; "
              "missing for {found}",
        "nl": "municipality_budget_tolerance heeft budget_eur nodig voor elke gemeente; "
              "ontbreekt voor {found}",
    },
    "bad_value": {
        "en": 'invalid value "{found}" ({expected})',
        "nl": 'ongeldige waarde "{found}" ({expected})',
    },
}

CODES: tuple[str, ...] = tuple(TEMPLATES)


def _style(file: str, table: str | None) -> tuple[str, str]:
    """(row word, column word) for a file: rows and columns, lines, or records and fields."""
    if table == "scenario":
        return ("line" if file.endswith(".toml") else "row"), "parameter"
    if file.endswith(".toml"):
        return "line", "parameter"
    if file.endswith(".json") or not file:
        return "record", "field"
    return "row", "column"


def location(problem: Located, lang: str = "en") -> str:
    """Where a problem is, as the user sees it: ``demand.csv, row 7, column children``."""
    words = _WORDS[_language(lang)]
    row_word, column_word = _style(problem.file, problem.table)
    parts = [problem.file] if problem.file else []
    if problem.sheet:
        parts.append(f"{words['sheet']} {problem.sheet}")
    elif problem.table and (problem.file.endswith(".json") or not problem.file):
        parts.append(problem.table if problem.table == "scenario"
                     else f"{words['table']} {problem.table}")
    if problem.row is not None:
        parts.append(f"{words[row_word]} {problem.row}")
    if problem.column:
        parts.append(f"{words[column_word]} {problem.column}")
    return ", ".join(parts)


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_FOUND else text[: MAX_FOUND - 1] + "…"


def render(problem: Located, lang: str = "en") -> str:
    """The full message of a problem in ``lang`` (``en`` or ``nl``)."""
    lang = _language(lang)
    template = TEMPLATES.get(problem.code, TEMPLATES["bad_value"])[lang]
    row_word, _ = _style(problem.file, problem.table)
    fields = {
        "table": problem.table or "",
        "column": problem.column or "",
        "expected": problem.expected,
        "found": _shorten(problem.found),
        "row_word": _WORDS[lang][row_word],
        **problem.detail,
    }
    body = template.format_map(_Missing(fields))
    where = location(problem, lang)
    return f"{where}: {body}" if where else body


def _language(lang: str) -> str:
    if lang not in LANGUAGES:
        msg = f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}"
        raise ValueError(msg)
    return lang


class _Missing(dict):
    """Leaves unknown placeholders visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
