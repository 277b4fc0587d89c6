"""The empty XLSX template and ``docs/data-format.md``, both generated from the data dictionary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from budgetopt.scenario.dictionary import (
    BOOLEAN_WORDS,
    DICTIONARY_SHEET,
    FILE_FORMATS,
    PARAMETERS,
    SCALARS_SHEET,
    TABLES,
    Column,
    Parameter,
    Table,
)
from budgetopt.scenario.io import xlsx_workbook
from budgetopt.scenario.messages import TEMPLATES

TYPE_NAMES = {"id": "id (text)", "str": "text", "int": "integer", "float": "number",
              "bool": "true/false"}
KIND_NAMES = {"str": "text", "float": "number", "int": "integer", "bool": "true/false",
              "choice": "one of", "share_map": "number, or one per level"}
TEMPLATE_ROWS = 5000


def parameter_type(parameter: Parameter) -> str:
    """How a parameter is written, e.g. ``one of min_cost, max_quality, min_disruption``."""
    if parameter.kind == "choice":
        return f"one of {', '.join(parameter.choices)}"
    return KIND_NAMES[parameter.kind]


# ------------------------------------------------------------------------------------ template


def _header_formats(workbook: Any) -> dict[str, Any]:
    return {
        "required": workbook.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1}),
        "optional": workbook.add_format({"bold": True, "italic": True, "bg_color": "#F2F2F2",
                                         "border": 1}),
        "text": workbook.add_format({"num_format": "@"}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
    }


def _validation(column: Column) -> dict[str, Any] | None:
    """An Excel data validation that mirrors the column's type and bounds."""
    if column.type == "bool":
        return {"validate": "list", "source": ["true", "false", "ja", "nee"]}
    if column.type not in ("int", "float"):
        return None
    rule: dict[str, Any] = {"validate": "integer" if column.type == "int" else "decimal",
                            "error_message": f"{column.name}: {column.bounds.text()}"}
    bounds = column.bounds
    if bounds.lo is not None and bounds.hi is not None:
        rule |= {"criteria": "between", "minimum": bounds.lo, "maximum": bounds.hi}
    elif bounds.lo is not None:
        rule |= {"criteria": ">" if bounds.lo_open else ">=", "value": bounds.lo}
    else:
        rule |= {"criteria": "between", "minimum": -1e300, "maximum": 1e300}
    return rule


def _column_note(column: Column) -> str:
    unit = "" if column.unit == "-" else f" [{column.unit}]"
    default = f"; default {column.default_text}" if column.default_text else ""
    return (f"{TYPE_NAMES[column.type]}{unit}, {column.required_text}{default}\n"
            f"EN: {column.description['en']}\nNL: {column.description['nl']}")


def _table_sheet(workbook: Any, table: Table, formats: dict[str, Any]) -> None:
    sheet = workbook.add_worksheet(table.name)
    for position, column in enumerate(table.columns):
        style = formats["required" if column.required else "optional"]
        sheet.write_string(0, position, column.name, style)
        sheet.write_comment(0, position, _column_note(column), {"x_scale": 2.5, "y_scale": 2})
        text = formats["text"] if column.type in ("id", "str") else None
        sheet.set_column(position, position, max(14, len(column.name) + 3), text)
        rule = _validation(column)
        if rule is not None:
            sheet.data_validation(1, position, TEMPLATE_ROWS, position, rule)
    sheet.freeze_panes(1, 0)


def _rows_sheet(workbook: Any, name: str, header: list[str], rows: list[list[str]],
                widths: list[int], formats: dict[str, Any]) -> None:
    sheet = workbook.add_worksheet(name)
    for position, (title, width) in enumerate(zip(header, widths, strict=True)):
        sheet.write_string(0, position, title, formats["required"])
        sheet.set_column(position, position, width, formats["wrap"] if width > 30 else None)
    for row, values in enumerate(rows, start=1):
        for position, value in enumerate(values):
            if value:
                sheet.write_string(row, position, value)
    sheet.freeze_panes(1, 0)


def scalars_rows() -> list[list[str]]:
    """One row per scenario parameter: parameter, value (blank), default, unit, type, texts."""
    return [[p.name, "", p.default_text, p.unit, parameter_type(p), p.bounds.text(),
             p.description["en"], p.description["nl"]] for p in PARAMETERS.values()]


def dictionary_rows() -> list[list[str]]:
    """One row per table and per column of the data dictionary."""
    rows = []
    for table in TABLES.values():
        rows.append([table.name, "", "table", "", "required" if table.required else "optional",
                     "", "", ", ".join(table.key), table.description["nl"],
                     table.description["en"]])
        rows += [[table.name, c.name, TYPE_NAMES[c.type], c.unit, c.required_text,
                  c.default_text, c.bounds.text(), "key" if c.name in table.key else "",
                  c.description["nl"], c.description["en"]] for c in table.columns]
    return rows


def write_template(path: str | Path) -> Path:
    """An empty, documented workbook: a sheet per table, ``_scalars`` and ``_dictionary``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsx_workbook(path)
    formats = _header_formats(workbook)
    for table in TABLES.values():
        _table_sheet(workbook, table, formats)
    _rows_sheet(workbook, SCALARS_SHEET,
                ["parameter", "value", "default", "unit", "type", "allowed", "description",
                 "beschrijving"], scalars_rows(), [34, 14, 12, 14, 22, 12, 60, 60], formats)
    _rows_sheet(workbook, DICTIONARY_SHEET,
                ["table", "column", "type", "unit", "required", "default", "allowed", "key",
                 "beschrijving", "description"], dictionary_rows(),
                [16, 20, 12, 16, 10, 9, 10, 6, 60, 60], formats)
    workbook.close()
    return path


# ---------------------------------------------------------------------------------------- docs


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or " "


def _markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def _table_section(table: Table) -> list[str]:
    need = "required" if table.required else "optional"
    rows = [[f"`{c.name}`" + (" (key)" if c.name in table.key else ""), TYPE_NAMES[c.type],
             c.unit, c.required_text, c.default_text, c.bounds.text(), c.description["en"],
             c.description["nl"]] for c in table.columns]
    return [
        f"### {table.name} ({need})", "",
        f"{table.description['en']}  ",
        f"*{table.description['nl']}*", "",
        *_markdown_table(["column", "type", "unit", "required", "default", "allowed",
                          "description", "beschrijving"], rows),
        "",
    ]


def data_format_markdown() -> str:
    """The text of ``docs/data-format.md``."""
    words = ", ".join(f"`{w}`" for w in BOOLEAN_WORDS)
    lines = [
        "# The budgetopt data format", "",
        "<!-- Generated by budgetopt.scenario.template.write_data_format_doc from the data "
        "dictionary (src/budgetopt/scenario/dictionary.py); do not edit by hand. -->", "",
        "An instance is a folder of CSV files, one XLSX workbook or one JSON document. The table "
        "and column names below are a contract: they do not change; columns may be added.",
        "Unknown columns are kept as text; unknown files and sheets are ignored.", "",
        "## Files", "",
        *[f"- **{kind.upper()}**: {text['en']}  \n  *{text['nl']}*"
          for kind, text in FILE_FORMATS.items()],
        "",
        f"Flags (true/false columns) accept {words} in any case. Numbers accept a decimal "
        "point or a decimal comma; `.` or `,` as thousands separator is read when the other "
        "mark is the decimal (`1.234,56`, `1,234.56`). A lone `1.500` is fifteen hundred in a "
        "`;`-separated file and one and a half elsewhere, unless other cells of the column "
        "show which mark is the decimal (`0.75` or `0,75`). Spaces and a euro sign are "
        "ignored; `72%` is 0.72.",
        "An empty optional table (header only) counts as absent. Blank cells of an optional "
        "column take the default, or stay empty (no value: e.g. unlimited capacity).", "",
        "## Tables", "",
        *_markdown_table(["table", "required", "key", "description"],
                         [[f"`{t.name}`", "required" if t.required else "optional",
                           ", ".join(t.key), t.description["en"]] for t in TABLES.values()]),
        "",
    ]
    for table in TABLES.values():
        lines += _table_section(table)
    lines += [
        "## Scenario parameters", "",
        "In `scenario.toml` (`budget_cut = 0.1`; per-level shares as "
        '`step_down_share = { "3" = 0.2 }`), in the `_scalars` sheet (columns `parameter`, '
        "`value`; per-level shares as rows `step_down_share.3`), or in the JSON `scenario` "
        "object. A parameter left out (or left blank) switches its constraint off.", "",
        *_markdown_table(
            ["parameter", "type", "unit", "default", "allowed", "description", "beschrijving"],
            [[f"`{p.name}`", parameter_type(p), p.unit, p.default_text, p.bounds.text(),
              p.description["en"], p.description["nl"]] for p in PARAMETERS.values()]),
        "",
        "## Problems", "",
        "Loading reports every problem at once, each with a stable code, the file (and sheet), "
        "the row as the user sees it (header = row 1, so the first data row is 2; JSON: record "
        "number from 1; TOML: line), the column or parameter, and a message in English and "
        "Dutch.", "",
        *_markdown_table(["code", "message", "melding"],
                         [[f"`{code}`", text["en"], text["nl"]]
                          for code, text in TEMPLATES.items()]),
        "",
    ]
    return "\n".join(lines)


def write_data_format_doc(path: str | Path) -> Path:
    """Write ``docs/data-format.md`` (or any path) from the data dictionary."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data_format_markdown(), encoding="utf-8")
    return path
