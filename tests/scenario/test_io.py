"""Loading and writing the published data format: every format gives the same instance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from budgetopt.errors import InstanceError
from budgetopt.scenario.dictionary import TABLES
from budgetopt.scenario.instance import Instance
from budgetopt.scenario.io import load_instance, write_instance
from budgetopt.scenario.params import Objective

from .conftest import VALID, to_dutch_csv, to_json_by_hand, to_xlsx_by_hand


def assert_same(a: Instance, b: Instance) -> None:
    """Identical tables (names, columns, dtypes, values, order), scenario and hash."""
    assert sorted(a.tables) == sorted(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)
    assert a.scenario == b.scenario
    assert a.sha256 == b.sha256


@pytest.fixture(scope="module")
def valid() -> Instance:
    return load_instance(VALID)


def test_valid_instance_has_every_table_and_column(valid: Instance) -> None:
    assert list(valid.tables) == list(TABLES)
    for name, table in TABLES.items():
        assert list(valid[name].columns)[: len(table.columns)] == table.column_names
    assert len(valid["demand"]) == 12
    assert valid["demand"]["children"].sum() == pytest.approx(151.0)


def test_canonical_dtypes(valid: Instance) -> None:
    for name, table in TABLES.items():
        frame = valid[name]
        for column in table.columns:
            dtype = frame[column.name].dtype
            if column.type == "int":
                assert dtype == np.int64
            elif column.type == "float":
                assert dtype == np.float64
            elif column.type == "bool":
                assert dtype == np.bool_
            else:
                assert pd.api.types.is_string_dtype(dtype), (name, column.name)


def test_optional_columns_filled_and_extra_columns_kept(valid: Instance) -> None:
    providers = valid["providers"]
    assert providers["capacity_children"].isna().tolist() == [True, False, False]
    assert providers["alliance"].tolist() == [True, False, False]
    assert providers["notes"].iloc[0] == "gemeentelijk, 24/7"
    assert pd.isna(providers["notes"].iloc[1])
    overrides = valid["price_overrides"]
    assert pd.isna(overrides["municipality_id"].iloc[0])
    assert overrides["region"].iloc[0] == "Noord"


def test_row_order_is_file_order(valid: Instance) -> None:
    assert valid["offers"]["provider_id"].tolist()[:3] == ["WIJK", "WIJK", "WIJK"]
    assert valid["demand"].index.tolist() == list(range(12))


def test_scenario_read_from_toml(valid: Instance) -> None:
    scenario = valid.scenario
    assert scenario.budget_cut == 0.1
    assert scenario.objective is Objective.MIN_DISRUPTION
    assert scenario.step_down_share == {2: 0.1, 3: 0.2}
    assert scenario.max_step_down_levels == 1
    assert scenario.budget_eur is None


def test_dutch_csv_gives_the_same_instance(valid: Instance, tmp_path: Path) -> None:
    folder = to_dutch_csv(VALID, tmp_path / "nl")
    text = (folder / "offers.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    assert b"87.250,75" in text
    assert b";" in text
    assert_same(load_instance(folder), valid)


def test_xlsx_by_hand_gives_the_same_instance(valid: Instance, tmp_path: Path) -> None:
    assert_same(load_instance(to_xlsx_by_hand(VALID, tmp_path / "instance.xlsx")), valid)


def test_json_by_hand_gives_the_same_instance(valid: Instance, tmp_path: Path) -> None:
    assert_same(load_instance(to_json_by_hand(VALID, tmp_path / "instance.json")), valid)


@pytest.mark.parametrize("target", ["out", "instance.xlsx", "instance.json"])
def test_round_trip_is_lossless(valid: Instance, tmp_path: Path, target: str) -> None:
    path = write_instance(valid, tmp_path / target)
    again = load_instance(path)
    assert_same(again, valid)
    second = write_instance(again, tmp_path / "second" / target)
    assert_same(load_instance(second), valid)


@pytest.mark.parametrize("target", ["out", "instance.xlsx", "instance.json"])
def test_round_trip_keeps_awkward_values(valid: Instance, tmp_path: Path, target: str) -> None:
    offers = valid["offers"].copy()
    offers.loc[0, "cost_eur"] = 0.1 + 0.2
    offers.loc[1, "cost_eur"] = 1234567.8901234567
    offers.loc[2, "quality"] = 1 / 3
    providers = valid["providers"].copy()
    providers.loc[1, "name"] = "=HYPERLINK(\"http://x\")"
    providers.loc[2, "name"] = "007; \"quoted\", ok"
    tables = {**valid.tables, "offers": offers, "providers": providers}
    instance = Instance(tables, valid.scenario, valid.source)
    again = load_instance(write_instance(instance, tmp_path / target))
    assert_same(again, instance)
    assert again["offers"]["cost_eur"].iloc[0] == 0.1 + 0.2


def test_xlsx_writes_numbers_as_numbers_and_never_formulas(valid: Instance,
                                                           tmp_path: Path) -> None:
    providers = valid["providers"].copy()
    providers.loc[0, "name"] = "=1+1"
    instance = Instance({**valid.tables, "providers": providers}, valid.scenario)
    path = write_instance(instance, tmp_path / "instance.xlsx")
    workbook = openpyxl.load_workbook(path)
    name_cell = workbook["providers"]["B2"]
    assert name_cell.data_type == "s"
    assert name_cell.value == "=1+1"
    assert workbook["offers"]["D2"].data_type == "n"
    assert workbook["levels"]["D4"].value is True
    scalars = {r[0]: r[1] for r in workbook["_scalars"].iter_rows(min_row=2, values_only=True)}
    assert scalars["step_down_share.3"] == 0.2
    assert scalars["budget_cut"] == 0.1


def test_csv_writer_uses_comma_and_point(valid: Instance, tmp_path: Path) -> None:
    folder = write_instance(valid, tmp_path / "out")
    offers = (folder / "offers.csv").read_text(encoding="utf-8").splitlines()
    assert offers[0] == "provider_id,need_id,level,cost_eur,quality,capacity_children"
    assert "COSIS,FAM,3,87250.75,0.7," in offers
    assert "step_down_share = { \"2\" = 0.1, \"3\" = 0.2 }" in (
        folder / "scenario.toml").read_text()


def test_dutch_numbers_and_flags(tmp_path: Path) -> None:
    folder = Path(to_dutch_csv(VALID, tmp_path / "nl"))
    (folder / "providers.csv").write_bytes(
        "\ufeffprovider_id;name;capacity_children;alliance\r\n"
        "WIJK;Wijkteams;1.234,5;WAAR\r\nACCARE;Accare;0,75;onwaar\r\nCOSIS;Cosis;80;0\r\n"
        .encode())
    providers = load_instance(folder)["providers"]
    assert providers["capacity_children"].tolist() == [1234.5, 0.75, 80.0]
    assert providers["alliance"].tolist() == [True, False, False]


def test_ids_are_stripped_and_numeric_ids_become_text(tmp_path: Path, valid: Instance) -> None:
    path = to_xlsx_by_hand(VALID, tmp_path / "instance.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook["needs"]["B2"] = "  Opvoed- en gezinsproblematiek  "
    workbook["municipalities"]["E2"] = 7
    workbook["municipalities"]["E3"] = 7.0
    workbook["price_overrides"]["F2"] = " 7 "
    workbook.save(path)
    instance = load_instance(path)
    assert instance["needs"]["name"].iloc[0] == "Opvoed- en gezinsproblematiek"
    assert instance["municipalities"]["region"].tolist() == ["7", "7"]
    assert instance["price_overrides"]["region"].iloc[0] == "7"


def test_blank_rows_are_skipped(valid_dir: Path, valid: Instance) -> None:
    path = valid_dir / "needs.csv"
    path.write_text(path.read_text().replace("\nGGZ", "\n\n,\nGGZ"))
    assert_same(load_instance(valid_dir), valid)


def test_empty_optional_table_counts_as_absent(valid_dir: Path) -> None:
    (valid_dir / "access.csv").write_text("municipality_id,provider_id\n")
    (valid_dir / "price_overrides.csv").unlink()
    instance = load_instance(valid_dir)
    assert not instance.has("access")
    assert "price_overrides" not in instance.tables


def test_scenario_file_is_optional(valid_dir: Path) -> None:
    (valid_dir / "scenario.toml").unlink()
    instance = load_instance(valid_dir)
    assert instance.scenario.budget_cut is None
    assert instance.scenario.step_down_share is None


def test_overrides_apply_on_top_of_the_file(valid_dir: Path) -> None:
    instance = load_instance(valid_dir, scenario_overrides={"quality_floor": 0.65,
                                                            "objective": "min_cost"})
    assert instance.scenario.quality_floor == 0.65
    assert instance.scenario.objective is Objective.MIN_COST
    assert instance.scenario.budget_cut == 0.1


def test_budget_override_replaces_the_other_budget(valid_dir: Path) -> None:
    by_euro = load_instance(valid_dir, scenario_overrides={"budget_eur": 2.5e6})
    assert (by_euro.scenario.budget_eur, by_euro.scenario.budget_cut) == (2.5e6, None)
    (valid_dir / "scenario.toml").write_text("budget_eur = 1e7\n")
    by_cut = load_instance(valid_dir, scenario_overrides={"budget_cut": 0.15})
    assert (by_cut.scenario.budget_eur, by_cut.scenario.budget_cut) == (None, 0.15)


def test_switching_one_budget_off_keeps_the_other(valid_dir: Path) -> None:
    (valid_dir / "scenario.toml").write_text("budget_eur = 1e7\n")
    instance = load_instance(valid_dir, scenario_overrides={"budget_cut": None})
    assert (instance.scenario.budget_eur, instance.scenario.budget_cut) == (1e7, None)


def test_override_none_switches_a_parameter_off(valid_dir: Path) -> None:
    instance = load_instance(valid_dir, scenario_overrides={"step_down_share": None,
                                                            "max_step_down_levels": None})
    assert instance.scenario.step_down_share is None
    assert instance.scenario.step_down_depth == 0


def test_step_down_share_forms(tmp_path: Path, valid_dir: Path) -> None:
    (valid_dir / "scenario.toml").write_text("step_down_share = 0.3\n")
    assert load_instance(valid_dir).scenario.step_down_share == 0.3
    (valid_dir / "scenario.toml").write_text("[step_down_share]\n\"3\" = 0.25\n")
    assert load_instance(valid_dir).scenario.step_down_share == {3: 0.25}
    json_path = to_json_by_hand(valid_dir, tmp_path / "i.json")
    text = json_path.read_text().replace('"step_down_share": {\n      "3": 0.25\n    }',
                                         '"step_down_share.3": "0,25"')
    json_path.write_text(text)
    assert load_instance(json_path).scenario.step_down_share == {3: 0.25}


def test_xlsx_scalars_accept_text_values(tmp_path: Path) -> None:
    path = to_xlsx_by_hand(VALID, tmp_path / "instance.xlsx")
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["_scalars"]
    sheet.append(["allow_waiting_list", "ja"])
    sheet.append(["demand_growth", "0,02"])
    sheet.append(["out_of_home_max_share", None])
    workbook.save(path)
    scenario = load_instance(path).scenario
    assert scenario.allow_waiting_list is True
    assert scenario.demand_growth == pytest.approx(0.02)
    assert scenario.out_of_home_max_share is None


def test_access_absent_means_every_provider_serves_everyone(valid_dir: Path) -> None:
    (valid_dir / "access.csv").unlink()
    instance = load_instance(valid_dir)
    assert not instance.has("access")


def test_unknown_files_and_sheets_are_ignored(valid_dir: Path, valid: Instance,
                                              tmp_path: Path) -> None:
    (valid_dir / "allocation.csv").write_text("a,b\n1,2\n")
    (valid_dir / "notes.txt").write_text("hello")
    assert_same(load_instance(valid_dir), valid)
    path = to_xlsx_by_hand(VALID, tmp_path / "instance.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook.create_sheet("toelichting").append(["vrije tekst"])
    workbook.save(path)
    assert_same(load_instance(path), valid)


def test_not_found_and_unsupported(tmp_path: Path) -> None:
    with pytest.raises(InstanceError) as missing:
        load_instance(tmp_path / "nothing.xlsx")
    assert [p.code for p in missing.value.problems] == ["not_found"]
    other = tmp_path / "instance.ods"
    other.write_bytes(b"x")
    with pytest.raises(InstanceError) as unsupported:
        load_instance(other)
    assert [(p.code, p.found) for p in unsupported.value.problems] == [
        ("unsupported_format", "instance.ods")]


def test_garbage_xlsx_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InstanceError) as caught:
        load_instance(path)
    assert [(p.code, p.file) for p in caught.value.problems] == [("unreadable_file",
                                                                  "broken.xlsx")]


def test_zip_bomb_is_refused_before_unpacking(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = to_xlsx_by_hand(VALID, tmp_path / "instance.xlsx")
    monkeypatch.setattr("budgetopt.scenario.io.MAX_XLSX_UNPACKED_MB", 0.001)
    with pytest.raises(InstanceError) as caught:
        load_instance(path)
    [problem] = caught.value.problems
    assert problem.code == "unreadable_file"
    assert "MB unpacked" in problem.found
