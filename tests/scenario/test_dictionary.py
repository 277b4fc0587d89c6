"""The data dictionary, the XLSX template and docs/data-format.md agree with the contract."""

from __future__ import annotations

import string
from pathlib import Path

import openpyxl
import pytest

from budgetopt.errors import InstanceError
from budgetopt.scenario.dictionary import PARAMETERS, TABLES
from budgetopt.scenario.io import load_instance
from budgetopt.scenario.messages import TEMPLATES
from budgetopt.scenario.params import Scenario
from budgetopt.scenario.template import (
    data_format_markdown,
    write_data_format_doc,
    write_template,
)

from .conftest import VALID, _scalar_rows, _typed_records
from .test_io import assert_same

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-format.md"

# the published contract (shared/design/model.md), plus the agreed optional columns
CONTRACT = {
    "municipalities": ["municipality_id", "name", "youth_population", "budget_eur", "region",
                       "quality_floor"],
    "needs": ["need_id", "name"],
    "levels": ["level", "code", "name", "out_of_home", "residential"],
    "providers": ["provider_id", "name", "capacity_children", "alliance"],
    "offers": ["provider_id", "need_id", "level", "cost_eur", "quality", "capacity_children"],
    "access": ["municipality_id", "provider_id"],
    "demand": ["municipality_id", "need_id", "level", "children"],
    "baseline": ["municipality_id", "need_id", "level", "provider_id", "children"],
    "price_overrides": ["provider_id", "need_id", "level", "cost_eur", "municipality_id",
                        "region"],
}
REQUIRED = {"municipalities", "needs", "levels", "providers", "offers", "demand"}
OPTIONAL_COLUMNS = {("municipalities", "budget_eur"), ("municipalities", "region"),
                    ("municipalities", "quality_floor"), ("providers", "capacity_children"),
                    ("providers", "alliance"), ("offers", "capacity_children"),
                    ("price_overrides", "municipality_id"), ("price_overrides", "region")}


def test_tables_and_columns_follow_the_contract() -> None:
    assert {n: t.column_names for n, t in TABLES.items()} == CONTRACT
    assert {n for n, t in TABLES.items() if t.required} == REQUIRED
    optional = {(t.name, c.name) for t in TABLES.values() for c in t.columns if not c.required}
    assert optional == OPTIONAL_COLUMNS
    assert TABLES["providers"].column("alliance").default is False


def test_every_column_is_described_in_both_languages() -> None:
    for table in TABLES.values():
        assert table.description["en"]
        assert table.description["nl"]
        assert set(table.key) <= set(table.column_names)
        for column in table.columns:
            assert column.description["en"], column.name
            assert column.description["nl"], column.name
            assert column.description["en"] != column.description["nl"], column.name


def test_parameters_come_from_the_scenario_model() -> None:
    assert list(PARAMETERS) == list(Scenario.model_fields)
    for name, parameter in PARAMETERS.items():
        field = Scenario.model_fields[name]
        assert parameter.description["en"] == field.description
        assert parameter.description["nl"] != field.description, name
        assert parameter.unit
    assert PARAMETERS["budget_cut"].bounds.text() == "in [0, 1)"
    assert PARAMETERS["objective"].choices == ("min_cost", "max_quality", "min_disruption")
    assert PARAMETERS["step_down_share"].kind == "share_map"
    assert PARAMETERS["enforce_capacity"].default_text == "true"


def test_every_message_has_both_languages_and_the_same_fields() -> None:
    formatter = string.Formatter()
    for code, texts in TEMPLATES.items():
        assert set(texts) == {"en", "nl"}, code
        fields = [{f for _, f, _, _ in formatter.parse(t) if f} for t in texts.values()]
        assert fields[0] == fields[1], code


def test_template_has_a_sheet_per_table_and_the_scalars(tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(write_template(tmp_path / "template.xlsx"))
    assert workbook.sheetnames == [*TABLES, "_scalars", "_dictionary"]
    for name, table in TABLES.items():
        header = [c.value for c in workbook[name][1]]
        assert header == table.column_names
        assert workbook[name].max_row == 1
    scalars = list(workbook["_scalars"].iter_rows(values_only=True))
    assert scalars[0][:3] == ("parameter", "value", "default")
    assert [r[0] for r in scalars[1:]] == list(PARAMETERS)
    assert all(r[1] is None for r in scalars[1:])
    assert dict((r[0], r[2]) for r in scalars[1:])["time_limit_s"] == "60"
    rows = list(workbook["_dictionary"].iter_rows(values_only=True))
    assert rows[0] == ("table", "column", "type", "unit", "required", "default", "allowed",
                       "key", "beschrijving", "description")
    assert len(rows) == 1 + len(TABLES) + sum(len(t.columns) for t in TABLES.values())


def test_empty_template_loads_with_one_problem_per_required_table(tmp_path: Path) -> None:
    with pytest.raises(InstanceError) as caught:
        load_instance(write_template(tmp_path / "template.xlsx"))
    problems = caught.value.problems
    assert [(p.code, p.sheet) for p in problems] == [("empty_table", n) for n in TABLES
                                                     if n in REQUIRED]


def test_filled_template_gives_the_valid_instance(tmp_path: Path) -> None:
    path = write_template(tmp_path / "template.xlsx")
    workbook = openpyxl.load_workbook(path)
    for name, records in _typed_records(VALID).items():
        sheet = workbook[name]
        header = [c.value for c in sheet[1]]
        extra = [c for c in records[0] if c not in header]
        for position, column in enumerate(extra, start=len(header) + 1):
            sheet.cell(1, position, column)
        for record in records:
            sheet.append([record.get(c) for c in [*header, *extra]])
    scalars = workbook["_scalars"]
    for key, value in _scalar_rows(VALID):
        row = next((r for r in scalars.iter_rows(min_row=2) if r[0].value == key), None)
        if row is None:
            scalars.append([key, value])
        else:
            row[1].value = value
    workbook.save(path)
    assert_same(load_instance(path), load_instance(VALID))


def test_data_format_doc_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == data_format_markdown(), (
        "run: python -c 'from budgetopt.scenario.template import write_data_format_doc; "
        "write_data_format_doc(\"docs/data-format.md\")'")


def test_data_format_doc_names_every_table_parameter_and_code(tmp_path: Path) -> None:
    text = write_data_format_doc(tmp_path / "data-format.md").read_text(encoding="utf-8")
    for name in [*TABLES, *PARAMETERS, *TEMPLATES]:
        assert f"`{name}`" in text, name
