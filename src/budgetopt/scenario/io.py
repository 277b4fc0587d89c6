"""Reading and writing instances: a folder of CSV files, an XLSX workbook or a JSON document.

``load_instance`` detects the format, reads untyped cells with the row numbers the user sees and
hands them to ``budgetopt.scenario.validate``; ``write_instance`` writes any of the three formats
so that loading the result gives the same instance back.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import tomllib
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from budgetopt.scenario.dictionary import SCALARS_SHEET, SCENARIO_TABLE, TABLES
from budgetopt.scenario.instance import Instance
from budgetopt.scenario.messages import LANGUAGES
from budgetopt.scenario.validate import (
    Origin,
    Problem,
    RawInstance,
    RawParameter,
    RawTable,
    build_instance,
    is_blank,
)

SCENARIO_FILE = "scenario.toml"
MAX_XLSX_PARTS = 1000
MAX_XLSX_UNPACKED_MB = 500
_DELIMITERS = (",", ";", "\t")


def load_instance(
    path: str | Path,
    *,
    scenario_overrides: Mapping[str, Any] | None = None,
    lang: str = "en",
) -> Instance:
    """Load and validate an instance from a CSV folder, an ``.xlsx`` workbook or a ``.json`` file.

    ``scenario_overrides`` (parameter → value; ``None`` switches a parameter off) are applied on
    top of the file's scenario; an override of ``budget_cut`` drops the file's ``budget_eur``
    and vice versa. Raises ``InstanceError`` listing every problem, its message in ``lang``.
    """
    if lang not in LANGUAGES:
        msg = f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}"
        raise ValueError(msg)
    return build_instance(read_raw(path), scenario_overrides, lang)


def read_raw(path: str | Path) -> RawInstance:
    """The untyped content of an instance file or folder, with any problem reading it."""
    path = Path(path)
    if not path.exists():
        return _failed(path, "not_found")
    if path.is_dir():
        return read_csv_folder(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(path)
    if suffix == ".json":
        return read_json(path)
    return _failed(path, "unsupported_format", found=path.name)


def _failed(path: Path, code: str, *, found: str = "", row: int | None = None) -> RawInstance:
    raw = RawInstance(source=str(path), format="memory", file=path.name, fatal=True)
    raw.problems.append(Problem(code, path.name, row=row, found=found))
    return raw


# ---------------------------------------------------------------------------------------- CSV


def decode(data: bytes) -> str:
    """Text of a file: UTF-8 (BOM or not), UTF-16 with BOM, else Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    """The separator of a CSV text, judged by its header line: ``,``, ``;`` or tab."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse_csv_text(text: str, *, name: str, file: str) -> tuple[RawTable, list[Problem]]:
    """A raw table from CSV text; blank rows are skipped but counted in the row numbers."""
    delimiter = sniff_delimiter(text)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[int] = []
    data: list[list[str]] = []
    problems: list[Problem] = []
    for number, record in enumerate(records, start=1):
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = [cell.strip() for cell in record]
            continue
        if len(record) > len(header) and any(c.strip() for c in record[len(header):]):
            problems.append(Problem("too_many_cells", file, name, number,
                                    expected=str(len(header)), found=str(len(record))))
        rows.append(number)
        data.append(record)
    header = header or []
    cells = [[r[j] if j < len(r) else None for r in data] for j in range(len(header))]
    table = RawTable(name, file, header, cells, rows, dutch=delimiter == ";")
    return table, problems


def read_csv_folder(folder: Path) -> RawInstance:
    """A folder with ``<table>.csv`` files and an optional ``scenario.toml``."""
    raw = RawInstance(source=str(folder), format="csv", file=folder.name)
    for path in sorted(folder.iterdir()):
        name = path.stem.strip().lower()
        if path.suffix.lower() != ".csv" or name not in TABLES or name in raw.tables:
            continue
        try:
            text = decode(path.read_bytes())
        except OSError as error:
            raw.problems.append(Problem("unreadable_file", path.name, name,
                                        found=error.strerror or str(error)))
            continue
        table, problems = parse_csv_text(text, name=name, file=path.name)
        raw.tables[name] = table
        raw.problems.extend(problems)
    scenario = next((p for p in folder.iterdir() if p.name.lower() == SCENARIO_FILE), None)
    if scenario is not None:
        parameters, problems = read_scenario_toml(decode(scenario.read_bytes()), scenario.name)
        raw.parameters.extend(parameters)
        raw.problems.extend(problems)
    return raw


_TOML_LINE = re.compile(r"at line (\d+)")


def read_scenario_toml(text: str, file: str = SCENARIO_FILE
                       ) -> tuple[list[RawParameter], list[Problem]]:
    """Scenario parameters of a TOML text, each with its line number."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = _TOML_LINE.search(str(error))
        return [], [Problem("unreadable_file", file, SCENARIO_TABLE,
                            int(line.group(1)) if line else None, found=str(error))]
    if list(data) == [SCENARIO_TABLE] and isinstance(data[SCENARIO_TABLE], dict):
        data = data[SCENARIO_TABLE]
    lines = text.splitlines()
    parameters = [RawParameter(key, value, Origin(file, None, _line_of(lines, key)))
                  for key, value in data.items()]
    return parameters, []


def _line_of(lines: list[str], key: str) -> int | None:
    pattern = re.compile(rf"""^\s*(\[\s*)?(["']?){re.escape(key)}\2\s*[=.\]]""")
    for number, line in enumerate(lines, start=1):
        if pattern.match(line):
            return number
    return None


# --------------------------------------------------------------------------------------- XLSX


def read_xlsx(path: Path) -> RawInstance:
    """A workbook with a sheet per table and the scenario in a ``_scalars`` sheet."""
    from openpyxl import load_workbook

    raw = RawInstance(source=str(path), format="xlsx", file=path.name)
    workbook = None
    try:
        reason = _oversize(path)
        if not reason:
            workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
        reason = str(error) or type(error).__name__
    if workbook is None:
        raw.problems.append(Problem("unreadable_file", path.name, found=reason))
        raw.fatal = True
        return raw
    try:
        for sheet in workbook.worksheets:
            name = sheet.title.strip().lower()
            values = [list(r) for r in sheet.iter_rows(min_row=1, values_only=True)]
            if name in TABLES and name not in raw.tables:
                raw.tables[name] = _sheet_table(values, name, path.name, sheet.title)
            elif name == SCALARS_SHEET:
                raw.parameters, problems = _sheet_parameters(values, path.name, sheet.title)
                raw.problems.extend(problems)
    finally:
        workbook.close()
    return raw


def _oversize(path: Path) -> str:
    """Why a workbook is too big to open safely (a zip bomb), or ``""``."""
    with zipfile.ZipFile(path) as archive:
        parts = archive.infolist()
    unpacked = sum(p.file_size for p in parts) / 1e6
    if len(parts) > MAX_XLSX_PARTS:
        return f"{len(parts)} parts > {MAX_XLSX_PARTS}"
    if unpacked > MAX_XLSX_UNPACKED_MB:
        return f"{unpacked:.0f} MB unpacked > {MAX_XLSX_UNPACKED_MB} MB"
    return ""


def _sheet_rows(values: list[list[Any]]) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    """(header, [(row number, cells)]) of a sheet; blank rows skipped."""
    numbered = [(i, r) for i, r in enumerate(values, start=1)
                if any(not is_blank(c) for c in r)]
    if not numbered:
        return [], []
    return numbered[0][1], numbered[1:]


def _sheet_table(values: list[list[Any]], name: str, file: str, sheet: str) -> RawTable:
    header, body = _sheet_rows(values)
    header_row = next((i for i, r in enumerate(values, start=1) if r is header), 1)
    columns = ["" if is_blank(h) else str(h).strip() for h in header]
    cells = [[r[j] if j < len(r) else None for _, r in body] for j in range(len(columns))]
    return RawTable(name, file, columns, cells, [i for i, _ in body], sheet, header_row)


def _sheet_parameters(values: list[list[Any]], file: str, sheet: str
                      ) -> tuple[list[RawParameter], list[Problem]]:
    header, body = _sheet_rows(values)
    names = ["" if is_blank(h) else str(h).strip().lower() for h in header]
    missing = [c for c in ("parameter", "value") if c not in names]
    if missing:
        return [], [Problem("missing_column", file, SCENARIO_TABLE, 1, c, sheet=sheet)
                    for c in missing]
    key, value = names.index("parameter"), names.index("value")
    parameters = [
        RawParameter(str(r[key]).strip(), r[value] if value < len(r) else None,
                     Origin(file, sheet, number))
        for number, r in body if key < len(r) and not is_blank(r[key])
    ]
    return parameters, []


# --------------------------------------------------------------------------------------- JSON


def read_json(path: Path) -> RawInstance:
    """A document ``{"tables": {name: [records]}, "scenario": {...}}``."""
    raw = RawInstance(source=str(path), format="json", file=path.name)
    try:
        document = json.loads(decode(path.read_bytes()))
    except json.JSONDecodeError as error:
        raw.problems.append(Problem("unreadable_file", path.name, row=error.lineno,
                                    found=error.msg))
        raw.fatal = True
        return raw
    if not isinstance(document, dict) or not isinstance(document.get("tables"), dict):
        raw.problems.append(Problem("bad_structure", path.name,
                                    expected='{"tables": {...}, "scenario": {...}}',
                                    found=_json_type(document)))
        raw.fatal = True
        return raw
    for name, records in document["tables"].items():
        _json_table(raw, str(name), records)
    scenario = document.get(SCENARIO_TABLE, {})
    if isinstance(scenario, dict):
        origin = Origin(path.name)
        raw.parameters = [RawParameter(str(k), v, origin) for k, v in scenario.items()]
    else:
        raw.problems.append(Problem("bad_structure", path.name, SCENARIO_TABLE,
                                    expected="{...}", found=_json_type(scenario)))
    return raw


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def _json_table(raw: RawInstance, name: str, records: Any) -> None:
    table = name.strip().lower()
    if table not in TABLES:
        raw.problems.append(Problem("unknown_table", raw.file, found=name,
                                    expected=", ".join(TABLES)))
        return
    if not isinstance(records, list):
        raw.problems.append(Problem("bad_structure", raw.file, table, expected="[{...}, ...]",
                                    found=_json_type(records)))
        return
    columns: dict[str, None] = {}
    rows: list[int] = []
    kept: list[dict[str, Any]] = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raw.problems.append(Problem("bad_structure", raw.file, table, number,
                                        expected="{...}", found=_json_type(record)))
            continue
        columns.update(dict.fromkeys(str(k).strip() for k in record))
        rows.append(number)
        kept.append({str(k).strip(): v for k, v in record.items()})
    header = list(columns)
    cells = [[r.get(c) for r in kept] for c in header]
    raw.tables[table] = RawTable(table, raw.file, header, cells, rows, header_row=None)


# -------------------------------------------------------------------------------------- write


def write_instance(instance: Instance, path: str | Path) -> Path:
    """Write an instance: ``.xlsx`` workbook, ``.json`` document, else a folder of CSV files."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        write_xlsx(instance, path)
    elif suffix == ".json":
        write_json(instance, path)
    else:
        write_csv_folder(instance, path)
    return path


def _ordered_tables(instance: Instance) -> list[tuple[str, pd.DataFrame]]:
    return [(name, instance.tables[name]) for name in TABLES if name in instance.tables]


def scenario_data(instance: Instance) -> dict[str, Any]:
    """The scenario as plain data: every parameter that is set, level keys as text."""
    return instance.scenario.model_dump(mode="json", exclude_none=True)


def _cell_text(value: Any) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
    return str(value)


def write_csv_folder(instance: Instance, folder: Path) -> None:
    """One ``<table>.csv`` per table (``,`` separator, ``.`` decimals, UTF-8) + scenario.toml."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in _ordered_tables(instance):
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([str(c) for c in frame.columns])
            columns = [frame[c].tolist() for c in frame.columns]
            writer.writerows([_cell_text(v) for v in row] for row in zip(*columns, strict=True))
    (folder / SCENARIO_FILE).write_text(to_toml(scenario_data(instance)), encoding="utf-8")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Mapping):
        items = ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def to_toml(data: Mapping[str, Any]) -> str:
    """Flat TOML for scenario parameters (a mapping value becomes an inline table)."""
    lines = ["# budgetopt scenario: a parameter left out switches its constraint off"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in data.items()]
    return "\n".join(lines) + "\n"


def _xlsx_number(sheet: Any, row: int, col: int, value: float) -> None:
    if float(f"{value:.16G}") == value:
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, repr(value))


def _xlsx_cell(sheet: Any, row: int, col: int, value: Any) -> None:
    if is_blank(value):
        return
    if isinstance(value, (bool, np.bool_)):
        sheet.write_boolean(row, col, bool(value))
    elif isinstance(value, (int, np.integer)):
        sheet.write_number(row, col, int(value))
    elif isinstance(value, (float, np.floating)):
        _xlsx_number(sheet, row, col, float(value))
    else:
        sheet.write_string(row, col, str(value))


def xlsx_workbook(path: Path) -> Any:
    """An XlsxWriter workbook that never turns text into formulas, links or numbers."""
    import xlsxwriter

    return xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                           "strings_to_urls": False,
                                           "strings_to_numbers": False})


def write_frame(workbook: Any, name: str, frame: pd.DataFrame) -> Any:
    """A sheet ``name`` with a bold header row and the frame's cells, typed."""
    sheet = workbook.add_worksheet(name)
    bold = workbook.add_format({"bold": True})
    for col, column in enumerate(frame.columns):
        sheet.write_string(0, col, str(column), bold)
        sheet.set_column(col, col, max(12, len(str(column)) + 2))
        for row, value in enumerate(frame[column].tolist(), start=1):
            _xlsx_cell(sheet, row, col, value)
    sheet.freeze_panes(1, 0)
    return sheet


def _scalar_rows(data: Mapping[str, Any]) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            rows += [(f"{key}.{level}", share) for level, share in value.items()]
        else:
            rows.append((key, value))
    return rows


def write_xlsx(instance: Instance, path: Path) -> None:
    """A workbook with a sheet per table and a ``_scalars`` sheet (parameter, value)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsx_workbook(path)
    for name, frame in _ordered_tables(instance):
        write_frame(workbook, name, frame)
    scalars = pd.DataFrame(_scalar_rows(scenario_data(instance)), columns=["parameter", "value"],
                           dtype=object)
    write_frame(workbook, SCALARS_SHEET, scalars)
    workbook.close()


def _json_cell(value: Any) -> Any:
    if is_blank(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return str(value)


def instance_document(instance: Instance) -> dict[str, Any]:
    """The JSON document of an instance."""
    tables = {}
    for name, frame in _ordered_tables(instance):
        columns = [str(c) for c in frame.columns]
        values = [frame[c].tolist() for c in frame.columns]
        tables[name] = [{c: _json_cell(v) for c, v in zip(columns, row, strict=True)}
                        for row in zip(*values, strict=True)]
    return {"tables": tables, SCENARIO_TABLE: scenario_data(instance)}


def write_json(instance: Instance, path: Path) -> None:
    """One JSON document ``{"tables": {...}, "scenario": {...}}``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_json_text(instance_document(instance)), encoding="utf-8")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def to_json_text(document: Mapping[str, Any]) -> str:
    """JSON text with one record per line, easy to read and to diff."""
    tables = []
    for name, records in document["tables"].items():
        body = ",\n".join(f"      {_dumps(record)}" for record in records)
        tables.append(f"    {_dumps(name)}: [\n{body}\n    ]" if records else
                      f"    {_dumps(name)}: []")
    scenario = _dumps(document.get(SCENARIO_TABLE, {}))
    return ('{\n  "tables": {\n' + ",\n".join(tables) + '\n  },\n  "scenario": '
            + scenario + "\n}\n")
