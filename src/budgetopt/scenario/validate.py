"""Validation: from raw cells to a typed ``Instance``, collecting every problem on the way.

Loaders (``budgetopt.scenario.io``) read files into a ``RawInstance`` of untyped cells with the row
numbers the user sees. ``build_instance`` parses every cell by the data dictionary, checks keys,
references and the cross-table rules, and either returns a complete ``Instance`` or raises one
``InstanceError`` listing every ``Problem``; it never stops at the first.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import ValidationError

from budgetopt.errors import InstanceError
from budgetopt.scenario.dictionary import (
    BOOLEAN_WORDS,
    PARAMETERS,
    SCENARIO_TABLE,
    TABLES,
    Bounds,
    Column,
    Parameter,
    Table,
)
from budgetopt.scenario.instance import Instance
from budgetopt.scenario.messages import render
from budgetopt.scenario.params import BUDGET_FORMS, Scenario

OVERRIDES_FILE = "scenario_overrides"
_PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3
BASELINE_TOLERANCE = 1e-6
Format = Literal["csv", "xlsx", "json", "memory"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as the user sees it.

    ``file`` is the file name (``demand.csv``, ``scenario.toml``, the workbook or the JSON
    document); ``sheet`` the XLSX sheet; ``row`` the row (header = row 1, first data row = 2),
    the JSON record number (from 1) or the TOML line; ``column`` the column, JSON field or
    scenario parameter. ``expected``, ``found`` and ``detail`` are language-neutral text.
    """

    code: str
    file: str
    table: str | None = None
    row: int | None = None
    column: str | None = None
    expected: str = ""
    found: str = ""
    sheet: str | None = None
    detail: Mapping[str, str] = field(default_factory=dict, hash=False)

    def message(self, lang: str = "en") -> str:
        """The problem in words, in English (``en``) or Dutch (``nl``)."""
        return render(self, lang)

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """A JSON-ready record, with the message when ``lang`` is given."""
        record = asdict(self)
        record["detail"] = dict(self.detail)
        if lang is not None:
            record["message"] = self.message(lang)
        return record


@dataclass(frozen=True)
class Origin:
    """Where a scenario parameter was given."""

    file: str
    sheet: str | None = None
    row: int | None = None


@dataclass
class RawTable:
    """One table as read: header names and column-major cells, with user row numbers."""

    name: str
    file: str
    columns: list[str]
    cells: list[list[Any]]
    rows: list[int]
    sheet: str | None = None
    header_row: int | None = 1
    dutch: bool = False


@dataclass
class RawParameter:
    """One scenario parameter as read (``step_down_share.3`` names one level's share)."""

    name: str
    value: Any
    origin: Origin


@dataclass
class RawInstance:
    """Everything a loader read, before any parsing or checking."""

    source: str
    format: Format
    file: str = ""
    tables: dict[str, RawTable] = field(default_factory=dict)
    parameters: list[RawParameter] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    fatal: bool = False

    def table_location(self, name: str) -> tuple[str, str | None]:
        """(file, sheet) where the table ``name`` is expected."""
        if self.format == "csv":
            return f"{name}.csv", None
        if self.format == "xlsx":
            return self.file, name
        return self.file, None


# --------------------------------------------------------------------------------------- cells


_PLAIN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_COMMA_DECIMAL = re.compile(r"[+-]?[\d.]*\d,\d+")
_DOT_DECIMAL = re.compile(r"[+-]?[\d,]*\d\.\d+")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def _compact(text: str) -> str:
    """Text of a number without spaces, a euro sign or a percent sign."""
    return _SPACES.sub("", text).strip("€").removesuffix("%").strip("€")


def _grouped(text: str, sep: str) -> bool:
    return re.fullmatch(rf"[+-]?[1-9]\d{{0,2}}(\{sep}\d{{3}})+", text) is not None


def is_blank(value: Any) -> bool:
    """Whether a cell is empty (None, NaN or only whitespace)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    return value is pd.NA or value is pd.NaT


def text_of(value: Any) -> str:
    """A cell as text: ``12.0`` → ``"12"``, ``True`` → ``"true"``, strings stripped."""
    if is_blank(value):
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value).strip()


def decimal_style(texts: Iterable[str], *, dutch: bool) -> str:
    """``comma`` or ``dot``: the decimal mark a column of number texts uses.

    Evidence in the column wins (``0,75`` → comma; ``0.75`` → dot); without evidence a
    ``;``-separated file (``dutch``) uses the comma, anything else the dot.
    """
    comma = dot = False
    for text in texts:
        compact = _compact(text)
        if _COMMA_DECIMAL.fullmatch(compact) and compact.count(",") == 1:
            comma = comma or not (_grouped(compact, ",") and "." not in compact)
        elif _DOT_DECIMAL.fullmatch(compact) and compact.count(".") == 1:
            dot = dot or not (_grouped(compact, ".") and "," not in compact)
        if comma and dot:
            break
    if comma != dot:
        return "comma" if comma else "dot"
    return "comma" if dutch else "dot"


def parse_number(text: str, style: str = "dot") -> float | None:
    """A number from text in English or Dutch notation; ``None`` when it is not one.

    ``1.234,56``, ``1,234.56``, ``0,75``, ``1e-3``, ``€ 780`` and ``72%`` (0.72) are read.
    With ``style="comma"`` a lone ``1.500`` is fifteen hundred and ``1,500`` one and a half;
    with ``style="dot"`` the other way round.
    """
    percent = text.strip().endswith("%")
    s = _compact(text)
    if not s:
        return None
    if "." in s and "," in s:
        decimal = "," if s.rfind(",") > s.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        whole, _, fraction = s.rpartition(decimal)
        if not _grouped(whole, thousands):
            return None
        s = whole.replace(thousands, "") + "." + fraction
    elif "," in s:
        if s.count(",") > 1 or (style == "dot" and _grouped(s, ",")):
            s = s.replace(",", "") if _grouped(s, ",") else "x"
        else:
            s = s.replace(",", ".")
    elif s.count(".") > 1 or (style == "comma" and _grouped(s, ".")):
        s = s.replace(".", "") if _grouped(s, ".") else "x"
    if not _PLAIN.fullmatch(s):
        return None
    return float(s) / 100 if percent else float(s)


def parse_bool(value: Any) -> bool | None:
    """A flag from ``true/false``, ``1/0``, ``yes/no``, ``ja/nee``, ``waar/onwaar``."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return bool(value) if value in (0, 1) else None
    return BOOLEAN_WORDS.get(text_of(value).lower())


def _number(value: Any, style: str) -> float | None:
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, str):
        number = parse_number(value, style)
        return number if number is not None and math.isfinite(number) else None
    return None


_BAD_CODE = {"int": "bad_integer", "float": "bad_number", "bool": "bad_bool"}


def _parse_cell(value: Any, kind: str, style: str) -> tuple[Any, str | None]:
    """(parsed value, problem code or None) for a non-blank cell."""
    if kind in ("id", "str"):
        return text_of(value), None
    if kind == "bool":
        flag = parse_bool(value)
        return (flag, None) if flag is not None else (None, "bad_bool")
    number = _number(value, style)
    if number is None or (kind == "int" and not number.is_integer()):
        return None, _BAD_CODE[kind]
    return (int(number) if kind == "int" else number), None


def _range_code(bounds: Bounds, value: float) -> str | None:
    if bounds.contains(value):
        return None
    return "negative" if bounds.is_non_negative else "out_of_range"


# -------------------------------------------------------------------------------------- tables


@dataclass
class ParsedTable:
    """A table with every cell parsed (``None`` where blank or unreadable)."""

    spec: Table
    file: str
    sheet: str | None
    rows: np.ndarray
    values: dict[str, list[Any]]
    extras: dict[str, list[Any]]
    missing: set[str] = field(default_factory=set)
    invalid: dict[str, set[int]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The dictionary name of the table."""
        return self.spec.name

    def __len__(self) -> int:
        return len(self.rows)

    def problem(self, code: str, index: int | None, column: str | None = None, *,
                expected: str = "", found: str = "", **detail: str) -> Problem:
        """A problem at data row ``index`` (0-based) of this table."""
        row = int(self.rows[index]) if index is not None else None
        return Problem(code, self.file, self.name, row, column, expected, found, self.sheet,
                       detail)

    def mark(self, column: str, index: int) -> None:
        """Record that a cell is unusable (already reported)."""
        self.invalid.setdefault(column, set()).add(index)

    def usable(self, index: int, columns: Iterable[str]) -> bool:
        """Whether the cells of ``columns`` in row ``index`` are given and valid."""
        return all(
            self.values[c][index] is not None and index not in self.invalid.get(c, ())
            for c in columns
        )

    def usable_rows(self, columns: Iterable[str]) -> list[int]:
        """Indices of the rows whose ``columns`` are all given and valid."""
        mask = np.ones(len(self), dtype=bool)
        for c in columns:
            mask &= np.fromiter((v is not None for v in self.values[c]), bool, len(self))
            bad = self.invalid.get(c)
            if bad:
                mask[list(bad)] = False
        return np.flatnonzero(mask).tolist()

    def ids(self, column: str) -> set[Any]:
        """The usable values of a column."""
        return {v for i, v in enumerate(self.values[column])
                if v is not None and i not in self.invalid.get(column, ())}


def _match_header(raw: RawTable, spec: Table, problems: list[Problem]) -> dict[str, int]:
    """Position of each header name (dictionary columns canonically named, extras as given)."""
    known = {c.name.lower(): c.name for c in spec.columns}
    positions: dict[str, int] = {}
    for position, header in enumerate(raw.columns):
        name = known.get(header.strip().lower(), header.strip())
        if not name:
            continue
        if name in positions:
            problems.append(Problem("duplicate_column", raw.file, spec.name, raw.header_row,
                                    name, sheet=raw.sheet))
            continue
        positions[name] = position
    return positions


def _judge_cell(cell: Any, column: Column, style: str) -> tuple[Any, str | None]:
    """(value, problem code) of one cell; blank cells give the code ``blank``."""
    if is_blank(cell):
        return column.default, "blank"
    value, code = _parse_cell(cell, column.type, style)
    if code is None and column.type in ("int", "float"):
        code = _range_code(column.bounds, value)
    return (None if code and code.startswith("bad_") else value), code


def _parse_column(table: ParsedTable, column: Column, cells: list[Any], dutch: bool,
                  problems: list[Problem]) -> list[Any]:
    texts = {c for c in cells if isinstance(c, str)}
    style = decimal_style(texts, dutch=dutch) if column.type in ("int", "float") else "dot"
    seen: dict[tuple[type, Any], tuple[Any, str | None]] = {}
    parsed: list[Any] = []
    for index, cell in enumerate(cells):
        key = (type(cell), cell)
        try:
            value, code = seen[key]
        except KeyError:
            value, code = seen[key] = _judge_cell(cell, column, style)
        except TypeError:
            value, code = _judge_cell(cell, column, style)
        parsed.append(value)
        if code is None or (code == "blank" and not column.required):
            continue
        if code == "blank":
            problems.append(table.problem("empty_cell", index, column.name))
        else:
            expected = column.bounds.text() if code in ("negative", "out_of_range") else ""
            problems.append(table.problem(code, index, column.name, expected=expected,
                                          found=text_of(cell)))
        table.mark(column.name, index)
    return parsed


def parse_table(raw: RawTable, spec: Table, problems: list[Problem]) -> ParsedTable:
    """Parse every cell of a raw table by the dictionary; problems are appended."""
    positions = _match_header(raw, spec, problems)
    table = ParsedTable(spec, raw.file, raw.sheet, np.asarray(raw.rows, dtype=np.int64), {}, {})
    n_rows = len(raw.rows)
    for column in spec.columns:
        if column.name not in positions:
            if column.required:
                problems.append(Problem("missing_column", raw.file, spec.name, raw.header_row,
                                        column.name, sheet=raw.sheet))
                table.missing.add(column.name)
                table.invalid[column.name] = set(range(n_rows))
            table.values[column.name] = [None if column.required else column.default] * n_rows
            continue
        cells = raw.cells[positions[column.name]]
        table.values[column.name] = _parse_column(table, column, cells, raw.dutch, problems)
    known = set(spec.column_names)
    for name, position in positions.items():
        if name not in known:
            table.extras[name] = [text_of(c) or None for c in raw.cells[position]]
    return table


def _check_keys(table: ParsedTable, problems: list[Problem]) -> None:
    key = table.spec.key
    if any(c in table.missing for c in key):
        return
    required = [c for c in key if table.spec.column(c).required]
    first: dict[tuple[Any, ...], int] = {}
    columns = [table.values[c] for c in key]
    for index in table.usable_rows(required):
        value = tuple(col[index] for col in columns)
        if value in first:
            found = ", ".join(text_of(v) for v in value if v is not None)
            problems.append(table.problem("duplicate_key", index, ", ".join(key),
                                          expected=str(int(table.rows[first[value]])),
                                          found=found))
        else:
            first[value] = index


def _listing(values: Iterable[Any], limit: int = 12) -> str:
    items = sorted(values, key=lambda v: (str(type(v)), v))
    text = ", ".join(text_of(v) for v in items[:limit])
    return text + (", …" if len(items) > limit else "") if items else "-"


def _check_references(table: ParsedTable, parsed: dict[str, ParsedTable],
                      problems: list[Problem]) -> None:
    for column in table.spec.columns:
        if column.references is None or column.name in table.missing:
            continue
        target_table, target_column = column.references.split(".")
        target = parsed.get(target_table)
        if target is None or target.invalid.get(target_column):
            continue
        allowed = target.ids(target_column)
        if target_column == "level":
            code, expected = "unknown_level", _listing(allowed)
        elif target_column == "region":
            code, expected = "unknown_region", _listing(allowed)
        else:
            code, expected = "unknown_id", target_table
        for index, value in enumerate(table.values[column.name]):
            if value is None or index in table.invalid.get(column.name, ()):
                continue
            if value not in allowed:
                problems.append(table.problem(code, index, column.name, expected=expected,
                                              found=text_of(value)))
                table.mark(column.name, index)


def _check_levels(table: ParsedTable, problems: list[Problem]) -> None:
    residential, out_of_home = table.values["residential"], table.values["out_of_home"]
    for index in range(len(table)):
        if residential[index] is True and out_of_home[index] is False:
            problems.append(table.problem("residential_not_out_of_home", index, "residential",
                                          expected="true", found="false"))


def _check_targets(table: ParsedTable, problems: list[Problem]) -> None:
    municipality, region = table.values["municipality_id"], table.values["region"]
    for index in range(len(table)):
        given = (municipality[index] is not None, region[index] is not None)
        if all(given):
            problems.append(table.problem("both_targets", index, "region",
                                          found=f"{municipality[index]}, {region[index]}"))
        elif not any(given):
            problems.append(table.problem("no_target", index, "municipality_id"))
        else:
            continue
        table.mark("municipality_id", index)


# --------------------------------------------------------------------------- cross-table rules


class _Taint:
    """Keys that must not be judged because a row they depend on was already reported."""

    def __init__(self, patterns: list[tuple[Any, ...]], limit: int = 200) -> None:
        self.everything = len(patterns) > limit
        self.patterns = patterns

    def __contains__(self, key: tuple[Any, ...]) -> bool:
        if self.everything:
            return True
        return any(all(p is None or p == k for p, k in zip(pattern, key, strict=True))
                   for pattern in self.patterns)


def _taint(table: ParsedTable | None, columns: list[str], extra: Iterable[str] = ()) -> _Taint:
    """Patterns (None = any) of rows whose ``columns`` or ``extra`` cells are unusable."""
    if table is None:
        return _Taint([])
    good = set(table.usable_rows([*columns, *extra]))
    patterns = []
    for index in range(len(table)):
        if index in good:
            continue
        patterns.append(tuple(table.values[c][index] if table.usable(index, [c]) else None
                              for c in columns))
    return _Taint(patterns)


def _offer_set(offers: ParsedTable) -> set[tuple[Any, Any, Any]]:
    cols = ("provider_id", "need_id", "level")
    return {tuple(offers.values[c][i] for c in cols) for i in offers.usable_rows(cols)}


def _access_pairs(access: ParsedTable | None) -> set[tuple[Any, Any]] | None:
    if access is None or len(access) == 0:
        return None
    cols = ("municipality_id", "provider_id")
    return {tuple(access.values[c][i] for c in cols) for i in access.usable_rows(cols)}


def _servable(offers: set[tuple[Any, Any, Any]], access: set[tuple[Any, Any]] | None
              ) -> pd.DataFrame:
    """Unique (municipality_id or None, need_id, level) some provider can serve."""
    frame = pd.DataFrame(list(offers), columns=["p", "n", "l"], dtype=object)
    frame["l"] = frame["l"].astype("int64")
    if access is None:
        return frame[["n", "l"]].drop_duplicates().assign(m=None)
    pairs = pd.DataFrame(list(access), columns=["m", "p"], dtype=object)
    return frame.merge(pairs, on="p")[["m", "n", "l"]].drop_duplicates()


def _check_unservable(parsed: dict[str, ParsedTable], depth: int,
                      problems: list[Problem]) -> None:
    demand, offers = parsed.get("demand"), parsed.get("offers")
    if demand is None or offers is None or len(demand) == 0:
        return
    access_table = parsed.get("access")
    access = _access_pairs(access_table)
    offer_taint = _taint(offers, ["need_id"], ["provider_id", "level"])
    access_taint = _taint(access_table if access is not None else None,
                          ["municipality_id"], ["provider_id"])
    cols = ("municipality_id", "need_id", "level", "children")
    candidates = [
        i for i in demand.usable_rows(cols)
        if demand.values["children"][i] > 0
        and (demand.values["need_id"][i],) not in offer_taint
        and (demand.values["municipality_id"][i],) not in access_taint
    ]
    if not candidates:
        return
    levels = parsed.get("levels")
    top = max(levels.ids("level"), default=1) if levels is not None else 1
    depth = max(0, min(depth, top))
    cells = pd.DataFrame({
        "i": candidates,
        "m": pd.Series([demand.values["municipality_id"][i] for i in candidates], dtype=object),
        "n": pd.Series([demand.values["need_id"][i] for i in candidates], dtype=object),
        "k": pd.Series([demand.values["level"][i] for i in candidates], dtype="int64"),
    })
    tries = pd.concat([cells.assign(l=cells["k"] - d) for d in range(depth + 1)])
    tries = tries[tries["l"] >= 1]
    servable = _servable(_offer_set(offers), access)
    on = ["n", "l"] if access is None else ["m", "n", "l"]
    served = set(tries.merge(servable[on], on=on)["i"])
    for i in candidates:
        if i in served:
            continue
        k = demand.values["level"][i]
        lo = max(1, k - depth)
        problems.append(demand.problem(
            "unservable_demand", i, expected=str(k) if lo == k else f"{lo}–{k}",
            found=text_of(demand.values["children"][i]),
            municipality=str(demand.values["municipality_id"][i]),
            need=str(demand.values["need_id"][i]), level=str(k)))


def _check_baseline_rows(parsed: dict[str, ParsedTable], problems: list[Problem]) -> None:
    baseline, offers = parsed.get("baseline"), parsed.get("offers")
    if baseline is None or offers is None:
        return
    offered = _offer_set(offers)
    offer_taint = _taint(offers, ["provider_id", "need_id", "level"])
    access_table = parsed.get("access")
    access = _access_pairs(access_table)
    access_taint = _taint(access_table, ["municipality_id", "provider_id"])
    cols = ("municipality_id", "need_id", "level", "provider_id")
    for i in baseline.usable_rows(cols):
        m, n, k, p = (baseline.values[c][i] for c in cols)
        if (p, n, k) not in offered and (p, n, k) not in offer_taint:
            problems.append(baseline.problem("baseline_not_offered", i, "provider_id",
                                             found=str(p), need=str(n), level=str(k)))
        if access is not None and (m, p) not in access and (m, p) not in access_taint:
            problems.append(baseline.problem("baseline_no_access", i, "provider_id",
                                             found=str(p), municipality=str(m)))


def _totals(table: ParsedTable) -> dict[tuple[Any, ...], tuple[float, int]]:
    """Children per (municipality, need, level) and the first row index of each."""
    cols = ("municipality_id", "need_id", "level")
    totals: dict[tuple[Any, ...], tuple[float, int]] = {}
    for i in table.usable_rows((*cols, "children")):
        key = tuple(table.values[c][i] for c in cols)
        total, first = totals.get(key, (0.0, i))
        totals[key] = (total + table.values["children"][i], first)
    return totals


def _check_baseline_totals(parsed: dict[str, ParsedTable], problems: list[Problem]) -> None:
    baseline, demand = parsed.get("baseline"), parsed.get("demand")
    if baseline is None or demand is None or len(baseline) == 0:
        return
    cols = ["municipality_id", "need_id", "level"]
    taint = _taint(baseline, cols, ["children"])
    demand_taint = _taint(demand, cols, ["children"])
    given, wanted = _totals(baseline), _totals(demand)
    for key in {*given, *wanted}:
        if key in taint or key in demand_taint:
            continue
        total, first = given.get(key, (0.0, None))
        target, demand_row = wanted.get(key, (0.0, None))
        if abs(total - target) <= BASELINE_TOLERANCE * max(1.0, abs(target)):
            continue
        table, index = (baseline, first) if first is not None else (demand, demand_row)
        problems.append(table.problem("baseline_mismatch", index, "children",
                                      expected=text_of(target), found=text_of(total),
                                      key=", ".join(text_of(v) for v in key)))


# ------------------------------------------------------------------------------------ scenario


@dataclass
class _ShareEntries:
    """Per-level step-down shares with the origin of each."""

    entries: list[tuple[Any, Any, Origin]]


def _scenario_problem(code: str, name: str, origin: Origin, *, expected: str = "",
                      found: str = "") -> Problem:
    return Problem(code, origin.file, SCENARIO_TABLE, origin.row, name, expected, found,
                   origin.sheet)


def _collect_parameters(raw: Iterable[RawParameter], problems: list[Problem]
                        ) -> dict[str, tuple[Any, Origin]]:
    given: dict[str, tuple[Any, Origin]] = {}
    shares: dict[str, tuple[Any, Origin]] = {}
    for parameter in raw:
        if is_blank(parameter.value):
            continue
        name = parameter.name.strip()
        base, _, level = name.partition(".")
        level = level.strip()
        duplicate = base in given or (level in shares if level else False)
        if base not in PARAMETERS or (level and base != "step_down_share"):
            problems.append(_scenario_problem("unknown_parameter", name, parameter.origin,
                                              found=name))
        elif duplicate:
            problems.append(_scenario_problem("duplicate_parameter", name, parameter.origin))
        elif level:
            shares[level] = (parameter.value, parameter.origin)
        else:
            given[base] = (parameter.value, parameter.origin)
    if shares and "step_down_share" not in given:
        first = min((o for _, o in shares.values()), key=lambda o: o.row or 0)
        entries = [(k, v, o) for k, (v, o) in shares.items()]
        given["step_down_share"] = (_ShareEntries(entries), first)
    elif shares:
        for _, origin in shares.values():
            problems.append(_scenario_problem("duplicate_parameter", "step_down_share", origin))
    return given


def _apply_overrides(given: dict[str, tuple[Any, Origin]], overrides: Mapping[str, Any],
                     problems: list[Problem]) -> None:
    origin = Origin(OVERRIDES_FILE)
    for name, value in overrides.items():
        if name not in PARAMETERS:
            problems.append(_scenario_problem("unknown_parameter", name, origin, found=name))
            continue
        other = BUDGET_FORMS.get(name)
        if value is not None and other in given and given[other][1].file != OVERRIDES_FILE:
            del given[other]
        if value is None:
            given.pop(name, None)
        else:
            given[name] = (value, origin)


def _convert_scalar(spec: Parameter, kind: str, value: Any) -> tuple[Any, str | None]:
    if kind == "choice":
        choice = text_of(value).lower()
        return (choice, None) if choice in spec.choices else (None, "bad_choice")
    if kind == "str":
        return (value if isinstance(value, str) else text_of(value)), None
    value, code = _parse_cell(value, kind, "dot")
    if code is None and kind in ("int", "float"):
        code = _range_code(spec.bounds, value)
    return value, code


def _convert_shares(spec: Parameter, value: Any, origin: Origin, problems: list[Problem]
                    ) -> Any:
    if isinstance(value, Mapping):
        value = _ShareEntries([(k, v, origin) for k, v in value.items()])
    if not isinstance(value, _ShareEntries):
        return _convert_one(spec, "float", value, origin, problems)
    shares: dict[int, float] = {}
    for key, share, where in value.entries:
        level, code = _parse_cell(key, "int", "dot")
        if code is not None:
            problems.append(_scenario_problem(code, spec.name, where, found=text_of(key)))
        number = _convert_one(spec, "float", share, where, problems)
        if code is None and number is not None:
            shares[level] = number
    return shares if len(shares) == len(value.entries) else None


def _convert_one(spec: Parameter, kind: str, value: Any, origin: Origin,
                 problems: list[Problem]) -> Any:
    converted, code = _convert_scalar(spec, kind, value)
    if code is None:
        return converted
    expected = {"bad_choice": ", ".join(spec.choices)}.get(code, spec.bounds.text())
    problems.append(_scenario_problem(code, spec.name, origin, expected=expected,
                                      found=text_of(value)))
    return None


def _convert_parameters(given: dict[str, tuple[Any, Origin]], problems: list[Problem]
                        ) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, (value, origin) in given.items():
        spec = PARAMETERS[name]
        if spec.kind == "share_map":
            converted = _convert_shares(spec, value, origin, problems)
        else:
            converted = _convert_one(spec, spec.kind, value, origin, problems)
        if converted is not None:
            values[name] = converted
    return values


def _model(values: dict[str, Any], given: dict[str, tuple[Any, Origin]],
           problems: list[Problem]) -> Scenario:
    """The Scenario; pydantic errors become problems and the offending values are dropped."""
    try:
        return Scenario.model_validate(values)
    except ValidationError as error:
        failing = set()
        for item in error.errors():
            name = str(item["loc"][0]) if item["loc"] else ""
            origin = given.get(name, (None, Origin(OVERRIDES_FILE)))[1]
            problems.append(_scenario_problem("bad_value", name or SCENARIO_TABLE, origin,
                                              expected=item["type"],
                                              found=text_of(item.get("input"))))
            failing.add(name)
    try:
        return Scenario.model_validate({k: v for k, v in values.items() if k not in failing})
    except ValidationError:
        return Scenario()


def build_scenario(raw: Iterable[RawParameter], overrides: Mapping[str, Any] | None,
                   problems: list[Problem]) -> tuple[Scenario, dict[str, Origin]]:
    """The scenario from file parameters plus overrides, and where each parameter came from."""
    given = _collect_parameters(raw, problems)
    _apply_overrides(given, overrides or {}, problems)
    values = _convert_parameters(given, problems)
    if "budget_eur" in values and "budget_cut" in values:
        later = max(("budget_eur", "budget_cut"),
                    key=lambda n: (given[n][1].file == OVERRIDES_FILE, given[n][1].row or 0))
        problems.append(_scenario_problem("budget_conflict", later, given[later][1]))
        del values["budget_cut"]
    origins = {name: origin for name, (_, origin) in given.items()}
    return _model(values, given, problems), origins


def _check_scenario(scenario: Scenario, origins: dict[str, Origin],
                    parsed: dict[str, ParsedTable], problems: list[Problem]) -> None:
    baseline = parsed.get("baseline")
    if baseline is None or len(baseline) == 0:
        for name in ("budget_cut", "continuity_max_moved_share", "alliance_revenue_floor"):
            if getattr(scenario, name) is not None:
                problems.append(_scenario_problem("needs_baseline", name, origins[name]))
    municipalities = parsed.get("municipalities")
    if scenario.municipality_budget_tolerance is not None and municipalities is not None:
        ids, budgets = municipalities.values["municipality_id"], municipalities.values[
            "budget_eur"]
        lacking = [m for m, b in zip(ids, budgets, strict=True) if m is not None and b is None]
        if lacking:
            problems.append(_scenario_problem(
                "needs_municipality_budgets", "municipality_budget_tolerance",
                origins["municipality_budget_tolerance"], found=_listing(lacking, limit=8)))
    levels = parsed.get("levels")
    if isinstance(scenario.step_down_share, dict) and levels is not None:
        known = levels.ids("level")
        for level in scenario.step_down_share:
            if level not in known:
                problems.append(_scenario_problem("unknown_level", "step_down_share",
                                                  origins["step_down_share"],
                                                  expected=_listing(known), found=str(level)))


# ------------------------------------------------------------------------------------ assembly


def _str_series(values: list[Any]) -> pd.Series:
    series = pd.Series(values, dtype=object)
    return series.astype("str") if _PANDAS_3 else series.where(series.notna(), np.nan)


def _typed_column(column: Column, values: list[Any]) -> pd.Series:
    if column.type in ("id", "str"):
        return _str_series(values)
    if column.type == "int":
        return pd.Series(values, dtype="int64")
    if column.type == "bool":
        return pd.Series(values, dtype=bool)
    return pd.Series([np.nan if v is None else v for v in values], dtype="float64")


def to_frame(table: ParsedTable) -> pd.DataFrame:
    """The canonical frame: dictionary columns in order, then the user's extra columns."""
    data = {c.name: _typed_column(c, table.values[c.name]) for c in table.spec.columns}
    data.update({name: _str_series(values) for name, values in table.extras.items()})
    return pd.DataFrame(data, index=pd.RangeIndex(len(table)))


def _check_tables(raw: RawInstance, problems: list[Problem]) -> dict[str, ParsedTable]:
    parsed: dict[str, ParsedTable] = {}
    for name, spec in TABLES.items():
        source = raw.tables.get(name)
        if source is None:
            if spec.required:
                file, sheet = raw.table_location(name)
                problems.append(Problem("missing_table", file, name, sheet=sheet))
            continue
        if not source.columns or (spec.required and not source.rows):
            if spec.required:
                problems.append(Problem("empty_table", source.file, name, sheet=source.sheet))
            continue
        if not source.rows:
            continue
        parsed[name] = parse_table(source, spec, problems)
    for table in parsed.values():
        _check_keys(table, problems)
        _check_references(table, parsed, problems)
    if "levels" in parsed and not {"residential", "out_of_home"} & parsed["levels"].missing:
        _check_levels(parsed["levels"], problems)
    if "price_overrides" in parsed:
        _check_targets(parsed["price_overrides"], problems)
    return parsed


def _order(problems: list[Problem]) -> list[Problem]:
    rank = {name: i for i, name in enumerate(TABLES)}
    rank[SCENARIO_TABLE] = len(rank)
    return sorted(problems, key=lambda p: (rank.get(p.table or "", -1), p.row or 0))


def find_problems(raw: RawInstance, overrides: Mapping[str, Any] | None = None
                  ) -> tuple[list[Problem], dict[str, ParsedTable], Scenario]:
    """Every problem of a raw instance, its parsed tables and its (best-effort) scenario."""
    problems = list(raw.problems)
    if raw.fatal:
        return problems, {}, Scenario()
    table_problems: list[Problem] = []
    parsed = _check_tables(raw, table_problems)
    scenario_problems: list[Problem] = []
    scenario, origins = build_scenario(raw.parameters, overrides, scenario_problems)
    _check_unservable(parsed, scenario.step_down_depth, table_problems)
    _check_baseline_rows(parsed, table_problems)
    _check_baseline_totals(parsed, table_problems)
    _check_scenario(scenario, origins, parsed, scenario_problems)
    return problems + _order(table_problems + scenario_problems), parsed, scenario


def instance_error(problems: list[Problem], source: str, lang: str = "en") -> InstanceError:
    """One ``InstanceError`` for all problems, its message in ``lang``."""
    error = InstanceError(problems, source)
    if lang != "en" and problems:
        first = problems[0].message(lang)
        more = f" (en nog {len(problems) - 1})" if len(problems) > 1 else ""
        error.args = (f"{source}: {first}{more}" if source else f"{first}{more}",)
    return error


def build_instance(raw: RawInstance, overrides: Mapping[str, Any] | None = None,
                   lang: str = "en") -> Instance:
    """A validated ``Instance``, or ``InstanceError`` listing every problem."""
    problems, parsed, scenario = find_problems(raw, overrides)
    if problems:
        raise instance_error(problems, raw.source, lang)
    tables = {name: to_frame(table) for name, table in parsed.items()}
    return Instance(tables=tables, scenario=scenario, source=raw.source)


def raw_from_instance(instance: Instance) -> RawInstance:
    """An in-memory instance as raw cells, so that it can be validated like a file."""
    raw = RawInstance(source=instance.source, format="memory")
    for name, frame in instance.tables.items():
        if name not in TABLES:
            continue
        cells = [[None if is_blank(v) else v for v in frame[c].tolist()] for c in frame.columns]
        raw.tables[name] = RawTable(name, "", [str(c) for c in frame.columns], cells,
                                    list(range(1, len(frame) + 1)), header_row=None)
    data = instance.scenario.model_dump(mode="python", exclude_none=True)
    raw.parameters = [RawParameter(k, v, Origin("", None, None)) for k, v in data.items()]
    return raw


def validate_instance(instance: Instance) -> list[Problem]:
    """Every problem of an instance built in memory (rows are record numbers from 1)."""
    return find_problems(raw_from_instance(instance))[0]
