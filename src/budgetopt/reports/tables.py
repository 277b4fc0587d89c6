"""The report's tables: columns with headers from the ``reports`` catalog, cells as numbers and as text."""

from __future__ import annotations

import gettext
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from budgetopt.reports.formatting import money, number, percent
from budgetopt.reports.i18n import N_

Kind = Literal["text", "money", "children", "quality", "share", "integer", "flag"]


@dataclass(frozen=True)
class Column:
    """One column: the key in the summary rows, its header (an English msgid) and the kind of value."""

    key: str
    header: str
    kind: Kind
    in_report: bool = True


@dataclass(frozen=True)
class TableSpec:
    """A table of the result: a name for files and sheets, its caption and its columns."""

    name: str
    caption: str
    columns: tuple[Column, ...]
    source: str


def _share_change(row: Mapping[str, Any], new: str, old: str) -> float | None:
    before, after = row.get(old), row.get(new)
    if before in (None, 0) or after is None:
        return None
    return float(after) / float(before) - 1


#: Computed columns: key -> function of the summary row.
DERIVED: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "revenue_change": lambda r: _share_change(r, "revenue_eur", "baseline_revenue_eur"),
    "cost_change": lambda r: _share_change(r, "cost_eur", "baseline_cost_eur"),
}

TABLES: tuple[TableSpec, ...] = (
    TableSpec("municipalities", N_("Per municipality: cost against its share of the budget"), (
        Column("name", N_("Municipality"), "text"),
        Column("municipality_id", N_("Code"), "text", in_report=False),
        Column("children", N_("Children"), "children"),
        Column("baseline_cost_eur", N_("Cost today"), "money"),
        Column("cost_eur", N_("Cost in the plan"), "money"),
        Column("budget_share_eur", N_("Share of the budget"), "money"),
        Column("solidarity_eur", N_("Solidarity contribution"), "money"),
        Column("stepped_down", N_("Stepped down"), "children"),
        Column("average_quality", N_("Quality"), "quality"),
    ), "municipality"),
    TableSpec("providers", N_("Per provider: volume and revenue against today"), (
        Column("name", N_("Provider"), "text"),
        Column("alliance", N_("Alliance"), "flag"),
        Column("baseline_children", N_("Children today"), "children"),
        Column("children", N_("Children in the plan"), "children"),
        Column("baseline_revenue_eur", N_("Revenue today"), "money"),
        Column("revenue_eur", N_("Revenue in the plan"), "money"),
        Column("revenue_change", N_("Change"), "share"),
        Column("average_quality", N_("Quality"), "quality"),
    ), "provider"),
    TableSpec("levels", N_("Per care level: children and cost against today"), (
        Column("level", N_("Level"), "integer"),
        Column("name", N_("Care level"), "text"),
        Column("baseline_children", N_("Children today"), "children"),
        Column("children", N_("Children in the plan"), "children"),
        Column("stepped_down", N_("Of whom stepped down to this level"), "children"),
        Column("baseline_cost_eur", N_("Cost today"), "money"),
        Column("cost_eur", N_("Cost in the plan"), "money"),
        Column("average_quality", N_("Quality"), "quality"),
    ), "level"),
    TableSpec("needs", N_("Per support need: children and cost against today"), (
        Column("name", N_("Support need"), "text"),
        Column("children", N_("Children"), "children"),
        Column("stepped_down", N_("Stepped down"), "children"),
        Column("baseline_cost_eur", N_("Cost today"), "money"),
        Column("cost_eur", N_("Cost in the plan"), "money"),
        Column("cost_change", N_("Change"), "share"),
        Column("average_quality", N_("Quality"), "quality"),
    ), "need"),
)

#: Number formats of each kind in a spreadsheet (Excel shows them in the reader's locale).
EXCEL_FORMATS: dict[Kind, str] = {
    "money": "€ #,##0;€ -#,##0", "children": "#,##0.0", "quality": "0.000", "share": "0.0%",
    "integer": "0", "text": "@", "flag": "@",
}


def value(row: Mapping[str, Any], column: Column) -> Any:
    """The raw value of a cell (numbers as numbers; ``None`` when absent)."""
    if column.key in DERIVED:
        return DERIVED[column.key](row)
    return row.get(column.key)


def cell_text(raw: Any, kind: Kind, lang: str, t: gettext.NullTranslations) -> str:
    """A cell as the reader sees it."""
    if raw is None:
        return "–"
    if kind == "money":
        return money(float(raw), lang, 0)
    if kind == "children":
        return number(float(raw), lang, 1)
    if kind == "quality":
        return number(float(raw), lang, 3)
    if kind == "share":
        return percent(float(raw), lang, 1)
    if kind == "integer":
        return number(float(raw), lang)
    if kind == "flag":
        return t.gettext("yes") if raw else t.gettext("no")
    return str(raw)


def present_columns(spec: TableSpec, rows: Sequence[Mapping[str, Any]], *,
                    report: bool = False) -> tuple[Column, ...]:
    """The columns that hold a value in at least one row (``report``: only those the report shows)."""
    return tuple(c for c in spec.columns
                 if (c.in_report or not report)
                 and (any(value(r, c) is not None for r in rows) if c.key in DERIVED
                      else any(c.key in r for r in rows)))
