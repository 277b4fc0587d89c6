"""Fixtures for the data-format tests: the valid instance and its variants in every format."""

from __future__ import annotations

import csv
import json
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from budgetopt.scenario.dictionary import TABLES

DATA = Path(__file__).parent / "data"
VALID = DATA / "valid"


def read_rows(path: Path) -> list[list[str]]:
    """Rows of a comma-separated CSV file (header first)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    """Write rows as a comma-separated CSV file."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(folder: Path, table: str, row: int, column: str, value: str) -> None:
    """Change one cell; ``row`` as the user sees it (header = 1)."""
    path = folder / f"{table}.csv"
    rows = read_rows(path)
    rows[row - 1][rows[0].index(column)] = value
    write_rows(path, rows)


def drop_column(folder: Path, table: str, column: str) -> None:
    """Remove a column from a table."""
    path = folder / f"{table}.csv"
    rows = read_rows(path)
    position = rows[0].index(column)
    write_rows(path, [r[:position] + r[position + 1:] for r in rows])


def append_row(folder: Path, table: str, row: list[str]) -> None:
    """Add a data row at the end of a table."""
    path = folder / f"{table}.csv"
    write_rows(path, [*read_rows(path), row])


def delete_row(folder: Path, table: str, row: int) -> None:
    """Remove a row (``row`` as the user sees it)."""
    path = folder / f"{table}.csv"
    rows = read_rows(path)
    del rows[row - 1]
    write_rows(path, rows)


def edit_scenario(folder: Path, edit: Callable[[list[str]], list[str]]) -> None:
    """Rewrite scenario.toml line by line."""
    path = folder / "scenario.toml"
    path.write_text("\n".join(edit(path.read_text(encoding="utf-8").splitlines())) + "\n",
                    encoding="utf-8")


def _dutch_number(text: str) -> str:
    """``87250.75`` → ``87.250,75``; ``0.7`` → ``0,7``."""
    whole, _, fraction = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    grouped = sign + ".".join([digits, *groups])
    return f"{grouped},{fraction}" if fraction else grouped


_DUTCH_FLAGS = {"true": "Ja", "false": "nee"}


def to_dutch_csv(source: Path, target: Path) -> Path:
    """The same instance as Dutch Excel writes it: ``;``, decimal comma, ja/nee, BOM, CRLF."""
    target.mkdir(parents=True, exist_ok=True)
    for path in source.glob("*.csv"):
        table = TABLES[path.stem]
        rows = read_rows(path)
        header = rows[0]
        for row in rows[1:]:
            for j, name in enumerate(header):
                kind = table.column(name).type if name in table.column_names else "str"
                if kind == "float" and row[j]:
                    row[j] = _dutch_number(row[j])
                elif kind == "bool":
                    row[j] = _DUTCH_FLAGS.get(row[j], row[j])
        with (target / path.name).open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle, delimiter=";", lineterminator="\r\n").writerows(rows)
    shutil.copy(source / "scenario.toml", target / "scenario.toml")
    return target


def _typed(value: str, kind: str) -> object:
    if value == "":
        return None
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(value)
    if kind == "bool":
        return value == "true"
    return value


def _typed_records(source: Path) -> dict[str, list[dict[str, object]]]:
    tables = {}
    for path in sorted(source.glob("*.csv")):
        table = TABLES[path.stem]
        header, *rows = read_rows(path)
        kinds = [table.column(n).type if n in table.column_names else "str" for n in header]
        tables[path.stem] = [{n: _typed(v, k) for n, v, k in zip(header, row, kinds, strict=True)}
                             for row in rows]
    return tables


def _scalar_rows(source: Path) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for key, value in tomllib.loads((source / "scenario.toml").read_text()).items():
        if isinstance(value, dict):
            rows += [(f"{key}.{level}", share) for level, share in value.items()]
        else:
            rows.append((key, value))
    return rows


def to_xlsx_by_hand(source: Path, target: Path) -> Path:
    """The instance as a workbook written with openpyxl (numbers as numbers, flags as flags)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, records in _typed_records(source).items():
        sheet = workbook.create_sheet(name)
        header = list(records[0])
        sheet.append(header)
        for record in records:
            sheet.append([record[c] for c in header])
    scalars = workbook.create_sheet("_scalars")
    scalars.append(["parameter", "value", "description"])
    for key, value in _scalar_rows(source):
        scalars.append([key, value, "written by hand"])
    workbook.save(target)
    return target


def to_json_by_hand(source: Path, target: Path) -> Path:
    """The instance as a JSON document (scenario object as parsed from the TOML)."""
    scenario = tomllib.loads((source / "scenario.toml").read_text())
    document = {"tables": _typed_records(source), "scenario": scenario}
    target.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    return target


@pytest.fixture
def valid_dir(tmp_path: Path) -> Path:
    """A private copy of the valid CSV instance, free to be broken."""
    return Path(shutil.copytree(VALID, tmp_path / "valid"))
