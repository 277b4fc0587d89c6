"""The result as a workbook (XlsxWriter: a sheet per table, numbers as numbers with number formats,
no cell ever a formula or a link) and as a zip of CSV files."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import xlsxwriter

from budgetopt.reports import words
from budgetopt.reports.i18n import N_, language, translations
from budgetopt.reports.tables import EXCEL_FORMATS, TABLES, Column, Kind, present_columns, value

#: KPIs of the summary sheet: key, label msgid, kind.
KPIS: tuple[tuple[str, str, Kind], ...] = (
    ("budget_eur", N_("Budget"), "money"),
    ("baseline_cost_eur", N_("Cost today"), "money"),
    ("total_cost_eur", N_("Cost of the plan"), "money"),
    ("care_cost_eur", N_("Cost of care"), "money"),
    ("contract_cost_eur", N_("Cost of contracts"), "money"),
    ("gap_eur", N_("Gap between today's cost and the budget"), "money"),
    ("saving_eur", N_("Saving against today"), "money"),
    ("gap_closed_share", N_("Gap closed"), "share"),
    ("step_down_saving_eur", N_("Saving from lighter care"), "money"),
    ("provider_shift_saving_eur", N_("Saving from other providers"), "money"),
    ("demand_change_cost_eur", N_("Cost of the change in demand"), "money"),
    ("children_total", N_("Children"), "children"),
    ("children_served", N_("Children served"), "children"),
    ("children_unserved", N_("Children waiting (unserved)"), "children"),
    ("children_stepped_down", N_("Children stepped down"), "children"),
    ("children_moved", N_("Children moved to another provider"), "children"),
    ("average_quality", N_("Average quality"), "quality"),
    ("baseline_average_quality", N_("Average quality today"), "quality"),
    ("out_of_home_share", N_("Share in out-of-home care"), "share"),
    ("baseline_out_of_home_share", N_("Share in out-of-home care today"), "share"),
    ("contracted_lots", N_("Contracted lots"), "integer"),
    ("minimal_budget_eur", N_("Smallest budget with a plan"), "money"),
)

ALLOCATION: tuple[Column, ...] = (
    Column("municipality_id", N_("Municipality"), "text"),
    Column("need_id", N_("Support need"), "text"),
    Column("indicated_level", N_("Indicated level"), "integer"),
    Column("level", N_("Level"), "integer"),
    Column("provider_id", N_("Provider"), "text"),
    Column("children", N_("Children"), "children"),
    Column("cost_eur", N_("Cost"), "money"),
    Column("quality", N_("Quality"), "quality"),
)
UNSERVED: tuple[Column, ...] = (
    Column("municipality_id", N_("Municipality"), "text"),
    Column("need_id", N_("Support need"), "text"),
    Column("level", N_("Level"), "integer"),
    Column("children", N_("Children"), "children"),
)
GROUPS: tuple[Column, ...] = (
    Column("family", N_("Code"), "text"),
    Column("label", N_("Rule"), "text"),
    Column("rows", N_("Rows"), "integer"),
    Column("binding", N_("Binding"), "flag"),
    Column("binding_rows", N_("Binding rows"), "integer"),
    Column("effect", N_("What one step changes"), "text"),
)
#: Sheet names (at most 31 characters) per table, as msgids.
SHEETS = {
    "summary": N_("Summary"), "allocation": N_("Allocation"), "municipalities": N_("Municipalities"),
    "providers": N_("Providers"), "levels": N_("Levels"), "needs": N_("Needs"),
    "constraint_groups": N_("Rules"), "unserved": N_("Unserved"),
}
ID_COLUMNS = {"municipality_id": str, "need_id": str, "provider_id": str}


def _table(summary: Mapping[str, Any], files: Mapping[str, bytes], lang: str,
           ) -> list[tuple[str, Sequence[Column], list[dict[str, Any]]]]:
    """Every table of the result: name, columns and rows of raw values."""
    t = translations(lang)
    kpis = {**(summary.get("kpis") or {}), "minimal_budget_eur": summary.get("minimal_budget_eur")}
    summary_rows = [{"key": key, "label": t.gettext(label), "value": kpis.get(key), "kind": kind}
                    for key, label, kind in KPIS if kpis.get(key) is not None]
    tables: list[tuple[str, Sequence[Column], list[dict[str, Any]]]] = [
        ("summary", (Column("key", N_("Code"), "text"), Column("label", N_("Figure"), "text"),
                     Column("value", N_("Value"), "text")), summary_rows)]
    if "allocation.csv" in files:
        tables.append(("allocation", ALLOCATION, _csv_rows(files["allocation.csv"])))
    for spec in TABLES:
        rows = list((summary.get("summaries") or {}).get(spec.source) or [])
        if rows:
            tables.append((spec.name, present_columns(spec, rows), rows))
    objective = str((summary.get("objective") or {}).get("name") or "")
    groups = [{**g, "label": words.family_label(str(g["family"]), t),
               "effect": " ".join(words.shadow_sentences(g, objective, lang, t)) or None}
              for g in summary.get("constraint_groups") or []]
    tables.append(("constraint_groups", GROUPS, groups))
    if "unserved.csv" in files:
        tables.append(("unserved", UNSERVED, _csv_rows(files["unserved.csv"])))
    return tables


def _csv_rows(content: bytes) -> list[dict[str, Any]]:
    frame = pd.read_csv(io.BytesIO(content), dtype=ID_COLUMNS)
    return [{k: (None if pd.isna(v) else v) for k, v in row.items()}
            for row in frame.astype(object).to_dict(orient="records")]


def result_xlsx(summary: Mapping[str, Any], files: Mapping[str, bytes], lang: str) -> bytes:
    """The result as an XLSX workbook in ``lang``: a sheet per table, headers in the reader's
    language, numbers as numbers with number formats; text is always text (never a formula)."""
    lang = language(lang)
    t = translations(lang)
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
               "in_memory": True}
    with xlsxwriter.Workbook(buffer, options) as book:
        book.set_properties({"title": t.gettext("Result"), "created": None})  # type: ignore[dict-item]
        header = book.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
        formats = {kind: book.add_format({"num_format": pattern}) for kind, pattern in EXCEL_FORMATS.items()}
        for name, columns, rows in _table(summary, files, lang):
            sheet = book.add_worksheet(t.gettext(SHEETS[name])[:31])
            for j, column in enumerate(columns):
                sheet.write_string(0, j, t.gettext(column.header), header)
                sheet.set_column(j, j, 14 if column.kind != "text" else 24)
            for i, row in enumerate(rows, start=1):
                for j, column in enumerate(columns):
                    raw = value(row, column)
                    summary_value = name == "summary" and column.key == "value"
                    kind = row.get("kind", "text") if summary_value else column.kind
                    _write(sheet, i, j, raw, kind, formats, t)
            sheet.freeze_panes(1, 0)
            if rows:
                sheet.autofilter(0, 0, len(rows), len(columns) - 1)
    return buffer.getvalue()


def _write(sheet: Any, row: int, col: int, raw: Any, kind: Kind, formats: Mapping[str, Any], t: Any) -> None:
    if raw is None:
        sheet.write_blank(row, col, None)
    elif kind == "flag":
        sheet.write_string(row, col, t.gettext("yes") if raw else t.gettext("no"))
    elif kind == "text" or isinstance(raw, str):
        sheet.write_string(row, col, str(raw))
    else:
        sheet.write_number(row, col, float(raw), formats[kind])


#: First characters that make a spreadsheet read a CSV text cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(raw: Any) -> Any:
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(raw, str) and raw.startswith(FORMULA_START):
        return "'" + raw
    return raw


def result_csv_zip(summary: Mapping[str, Any], files: Mapping[str, bytes]) -> bytes:
    """The result's tables as CSV files (UTF-8, comma, column names as in the API) in a zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, columns, rows in _table(summary, files, "en"):
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\n")
            keys = [c.key for c in columns if c.key not in ("label",) or name != "summary"]
            writer.writerow(keys)
            for row in rows:
                picked = {c.key: c for c in columns}
                writer.writerow([_plain(_csv_text(value(row, picked[k]))) for k in keys])
            info = zipfile.ZipInfo(f"{name}.csv", date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.getvalue().encode("utf-8"))
    return buffer.getvalue()


def _plain(raw: Any) -> Any:
    if raw is None:
        return ""
    if isinstance(raw, float):
        return repr(raw)
    return raw
