"""Seeded input mistakes: each is reported at the exact file, row, column, with a stable code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from budgetopt.errors import InstanceError
from budgetopt.scenario.io import load_instance
from budgetopt.scenario.validate import Problem, validate_instance

from .conftest import (
    VALID,
    append_row,
    delete_row,
    drop_column,
    edit_scenario,
    set_cell,
    to_json_by_hand,
    to_xlsx_by_hand,
)

Where = tuple[str, str | None, int | None, str | None]
Mutation = Callable[[Path], None]


def problems_of(path: Path, **kwargs: object) -> list[Problem]:
    """The problems loading ``path`` reports (the load must fail)."""
    with pytest.raises(InstanceError) as caught:
        load_instance(path, **kwargs)
    assert caught.value.problems
    return caught.value.problems


def where(problem: Problem) -> Where:
    return problem.code, problem.file, problem.row, problem.column


def _replace_line(prefix: str, line: str) -> Mutation:
    def mutate(folder: Path) -> None:
        edit_scenario(folder, lambda lines: [line if x.startswith(prefix) else x for x in lines])
    return mutate


def _add_line(line: str) -> Mutation:
    def mutate(folder: Path) -> None:
        edit_scenario(folder, lambda lines: [*lines, line])
    return mutate


def _cell(table: str, row: int, column: str, value: str) -> Mutation:
    return lambda folder: set_cell(folder, table, row, column, value)


def _unlink(name: str) -> Mutation:
    return lambda folder: (folder / name).unlink()


def _header_only(name: str) -> Mutation:
    def mutate(folder: Path) -> None:
        path = folder / name
        path.write_text(path.read_text().splitlines()[0] + "\n")
    return mutate


def _raw_line(name: str, row: int, text: str) -> Mutation:
    def mutate(folder: Path) -> None:
        path = folder / name
        lines = path.read_text().splitlines()
        lines[row - 1] = text
        path.write_text("\n".join(lines) + "\n")
    return mutate


def _duplicate_header(folder: Path) -> None:
    (folder / "needs.csv").write_text("need_id,name,name\nFAM,Gezin,\nGGZ,GGZ,\n")


MISTAKES = [
    pytest.param(_unlink("demand.csv"),
                 [("missing_table", "demand.csv", None, None)], id="missing-table"),
    pytest.param(_header_only("demand.csv"),
                 [("empty_table", "demand.csv", None, None)], id="empty-table"),
    pytest.param(lambda f: drop_column(f, "offers", "quality"),
                 [("missing_column", "offers.csv", 1, "quality")], id="missing-column"),
    pytest.param(_duplicate_header,
                 [("duplicate_column", "needs.csv", 1, "name")], id="duplicate-column"),
    pytest.param(_cell("demand", 3, "children", "abc"),
                 [("bad_number", "demand.csv", 3, "children")], id="bad-number"),
    pytest.param(_cell("demand", 4, "level", "2.5"),
                 [("bad_integer", "demand.csv", 4, "level")], id="bad-integer"),
    pytest.param(_cell("providers", 2, "alliance", "misschien"),
                 [("bad_bool", "providers.csv", 2, "alliance")], id="bad-bool"),
    pytest.param(_cell("needs", 3, "name", " "),
                 [("empty_cell", "needs.csv", 3, "name")], id="empty-cell"),
    pytest.param(lambda f: append_row(f, "offers", ["WIJK", "FAM", "1", "800", "0.7", ""]),
                 [("duplicate_key", "offers.csv", 10, "provider_id, need_id, level")],
                 id="duplicate-key"),
    pytest.param(_cell("demand", 2, "municipality_id", "GM9999"),
                 [("unknown_id", "demand.csv", 2, "municipality_id")],
                 id="unknown-municipality"),
    pytest.param(_cell("offers", 9, "provider_id", "COSYS"),
                 [("unknown_id", "offers.csv", 9, "provider_id")], id="unknown-provider"),
    pytest.param(_cell("access", 6, "provider_id", "XX"),
                 [("unknown_id", "access.csv", 6, "provider_id")], id="unknown-access"),
    pytest.param(_cell("baseline", 2, "need_id", "FAMX"),
                 [("unknown_id", "baseline.csv", 2, "need_id")], id="unknown-need"),
    pytest.param(_cell("price_overrides", 3, "provider_id", "NOBODY"),
                 [("unknown_id", "price_overrides.csv", 3, "provider_id")],
                 id="unknown-override-provider"),
    pytest.param(_cell("demand", 2, "level", "4"),
                 [("unknown_level", "demand.csv", 2, "level")], id="unknown-level-demand"),
    pytest.param(_cell("offers", 2, "level", "5"),
                 [("unknown_level", "offers.csv", 2, "level")], id="unknown-level-offer"),
    pytest.param(_cell("demand", 7, "children", "-3"),
                 [("negative", "demand.csv", 7, "children")], id="negative-demand"),
    pytest.param(_cell("offers", 3, "cost_eur", "-780"),
                 [("negative", "offers.csv", 3, "cost_eur")], id="negative-cost"),
    pytest.param(_cell("providers", 3, "capacity_children", "-1"),
                 [("negative", "providers.csv", 3, "capacity_children")],
                 id="negative-capacity"),
    pytest.param(_cell("offers", 4, "quality", "1.2"),
                 [("out_of_range", "offers.csv", 4, "quality")], id="quality-above-one"),
    pytest.param(_cell("municipalities", 3, "quality_floor", "70"),
                 [("out_of_range", "municipalities.csv", 3, "quality_floor")],
                 id="municipal-quality-floor"),
    pytest.param(_cell("levels", 2, "level", "0"),
                 [("out_of_range", "levels.csv", 2, "level")], id="level-zero"),
    pytest.param(_cell("levels", 4, "out_of_home", "false"),
                 [("residential_not_out_of_home", "levels.csv", 4, "residential")],
                 id="residential-not-out-of-home"),
    pytest.param(_cell("demand", 13, "children", "2"),
                 [("unservable_demand", "demand.csv", 13, None),
                  ("baseline_mismatch", "demand.csv", 13, "children")],
                 id="unservable-demand"),
    pytest.param(_cell("baseline", 3, "provider_id", "ACCARE"),
                 [("baseline_not_offered", "baseline.csv", 3, "provider_id")],
                 id="baseline-not-offered"),
    pytest.param(lambda f: delete_row(f, "access", 6),
                 [("baseline_no_access", "baseline.csv", 10, "provider_id"),
                  ("baseline_no_access", "baseline.csv", 11, "provider_id"),
                  ("baseline_no_access", "baseline.csv", 13, "provider_id")],
                 id="baseline-no-access"),
    pytest.param(_cell("baseline", 2, "children", "39"),
                 [("baseline_mismatch", "baseline.csv", 2, "children")],
                 id="baseline-mismatch"),
    pytest.param(_cell("price_overrides", 2, "municipality_id", "GM0106"),
                 [("both_targets", "price_overrides.csv", 2, "region")], id="both-targets"),
    pytest.param(_cell("price_overrides", 3, "municipality_id", ""),
                 [("no_target", "price_overrides.csv", 3, "municipality_id")], id="no-target"),
    pytest.param(_cell("price_overrides", 2, "region", "Zuid"),
                 [("unknown_region", "price_overrides.csv", 2, "region")],
                 id="unknown-region"),
    pytest.param(_raw_line("demand.csv", 3, "GM0106,FAM,2,25,5"),
                 [("too_many_cells", "demand.csv", 3, None),
                  ("baseline_mismatch", "baseline.csv", 3, "children")],
                 id="unquoted-decimal-comma"),
    pytest.param(_add_line("budget_kut = 0.1"),
                 [("unknown_parameter", "scenario.toml", 10, "budget_kut")],
                 id="unknown-parameter"),
    pytest.param(_replace_line("budget_cut", 'budget_cut = "tien"'),
                 [("bad_number", "scenario.toml", 3, "budget_cut")], id="scenario-bad-number"),
    pytest.param(_replace_line("budget_cut", "budget_cut = 1.5"),
                 [("out_of_range", "scenario.toml", 3, "budget_cut")],
                 id="scenario-out-of-range"),
    pytest.param(_replace_line("max_step_down", "max_step_down_levels = -1"),
                 [("negative", "scenario.toml", 6, "max_step_down_levels")],
                 id="scenario-negative"),
    pytest.param(_replace_line("objective", 'objective = "cheapest"'),
                 [("bad_choice", "scenario.toml", 4, "objective")], id="bad-objective"),
    pytest.param(_add_line("budget_eur = 12e6"),
                 [("budget_conflict", "scenario.toml", 10, "budget_eur")],
                 id="two-budgets"),
    pytest.param(_unlink("baseline.csv"),
                 [("needs_baseline", "scenario.toml", 3, "budget_cut"),
                  ("needs_baseline", "scenario.toml", 8, "continuity_max_moved_share")],
                 id="needs-baseline"),
    pytest.param(_cell("municipalities", 3, "budget_eur", ""),
                 [("needs_municipality_budgets", "scenario.toml", 9,
                   "municipality_budget_tolerance")],
                 id="needs-municipality-budgets"),
    pytest.param(_replace_line("step_down_share", 'step_down_share = { "2" = 0.1, "7" = 0.2 }'),
                 [("unknown_level", "scenario.toml", 5, "step_down_share")],
                 id="share-level-unknown"),
    pytest.param(_replace_line("step_down_share", 'step_down_share = { "2" = 0.1, "3" = 1.2 }'),
                 [("out_of_range", "scenario.toml", 5, "step_down_share")],
                 id="share-above-one"),
    pytest.param(_replace_line("quality_floor", "quality_floor = "),
                 [("unreadable_file", "scenario.toml", 7, None)], id="toml-syntax"),
]


@pytest.mark.parametrize(("mutate", "expected"), MISTAKES)
def test_seeded_mistake_is_reported_exactly(valid_dir: Path, mutate: Mutation,
                                            expected: list[Where]) -> None:
    mutate(valid_dir)
    problems = problems_of(valid_dir)
    assert [where(p) for p in problems] == expected
    table = Path(expected[0][1]).stem if expected[0][1].endswith(".csv") else "scenario"
    assert problems[0].table == table
    assert all(p.message("en") and p.message("nl") for p in problems)


def test_at_least_25_distinct_mistakes() -> None:
    codes = {expected[0][0] for _, expected in (m.values for m in MISTAKES)}
    assert len(MISTAKES) >= 25
    assert len(codes) >= 25


def test_several_mistakes_are_reported_at_once(valid_dir: Path) -> None:
    for mutate in (
        _cell("demand", 3, "children", "abc"),
        _cell("offers", 4, "quality", "1.2"),
        _cell("providers", 2, "alliance", "misschien"),
        _cell("baseline", 2, "children", "39"),
        _cell("price_overrides", 2, "region", "Zuid"),
        _cell("levels", 4, "out_of_home", "false"),
        _replace_line("objective", 'objective = "cheapest"'),
        _add_line("budget_kut = 0.1"),
    ):
        mutate(valid_dir)
    problems = problems_of(valid_dir)
    assert [where(p) for p in problems] == [
        ("residential_not_out_of_home", "levels.csv", 4, "residential"),
        ("bad_bool", "providers.csv", 2, "alliance"),
        ("out_of_range", "offers.csv", 4, "quality"),
        ("bad_number", "demand.csv", 3, "children"),
        ("baseline_mismatch", "baseline.csv", 2, "children"),
        ("unknown_region", "price_overrides.csv", 2, "region"),
        ("bad_choice", "scenario.toml", 4, "objective"),
        ("unknown_parameter", "scenario.toml", 10, "budget_kut"),
    ]


MESSAGES = [
    pytest.param(
        _cell("demand", 7, "children", "-3"),
        'demand.csv, row 7, column children: expected a number ≥ 0, found "-3"',
        'demand.csv, rij 7, kolom children: verwacht een getal ≥ 0, gevonden "-3"',
        id="negative"),
    pytest.param(
        _cell("demand", 2, "municipality_id", "GM9999"),
        'demand.csv, row 2, column municipality_id: expected a municipality_id listed in '
        'municipalities, found "GM9999"',
        'demand.csv, rij 2, kolom municipality_id: verwacht een municipality_id uit '
        'municipalities, gevonden "GM9999"',
        id="unknown-id"),
    pytest.param(
        _cell("demand", 13, "children", "2"),
        "demand.csv, row 13: 2 children of GM1680 with need GGZ at level 3 cannot be served: "
        "no provider with access offers this need at level 2–3",
        "demand.csv, rij 13: 2 kinderen van GM1680 met behoefte GGZ op niveau 3 kunnen niet "
        "geholpen worden: geen bereikbare aanbieder biedt deze behoefte aan op niveau 2–3",
        id="unservable"),
    pytest.param(
        _replace_line("budget_cut", "budget_cut = 1.5"),
        'scenario.toml, line 3, parameter budget_cut: expected a number in [0, 1), found "1.5"',
        'scenario.toml, regel 3, parameter budget_cut: verwacht een getal in [0, 1), '
        'gevonden "1.5"',
        id="scenario-range"),
    pytest.param(
        lambda f: append_row(f, "offers", ["WIJK", "FAM", "1", "800", "0.7", ""]),
        "offers.csv, row 10, column provider_id, need_id, level: the key (WIJK, FAM, 1) "
        "appears more than once, first in row 2",
        "offers.csv, rij 10, kolom provider_id, need_id, level: de sleutel (WIJK, FAM, 1) "
        "komt meer dan eens voor, eerst in rij 2",
        id="duplicate"),
]


@pytest.mark.parametrize(("mutate", "english", "dutch"), MESSAGES)
def test_messages_in_both_languages(valid_dir: Path, mutate: Mutation, english: str,
                                    dutch: str) -> None:
    mutate(valid_dir)
    problem = problems_of(valid_dir)[0]
    assert problem.message("en") == english
    assert problem.message("nl") == dutch


def test_error_text_follows_the_language(valid_dir: Path) -> None:
    set_cell(valid_dir, "demand", 7, "children", "-3")
    set_cell(valid_dir, "demand", 8, "children", "-4")
    with pytest.raises(InstanceError) as caught:
        load_instance(valid_dir, lang="nl")
    assert str(caught.value).endswith(
        'demand.csv, rij 7, kolom children: verwacht een getal ≥ 0, gevonden "-3" (en nog 1)')
    assert caught.value.source == str(valid_dir)


def test_unknown_language_is_refused(valid_dir: Path) -> None:
    set_cell(valid_dir, "demand", 7, "children", "-3")
    problem = problems_of(valid_dir)[0]
    with pytest.raises(ValueError, match="language"):
        problem.message("de")


def test_xlsx_mistakes_name_sheet_and_row(tmp_path: Path) -> None:
    path = to_xlsx_by_hand(VALID, tmp_path / "instance.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook["demand"]["D5"] = "veel"
    workbook["offers"]["E3"] = 7
    del workbook["needs"]
    scalars = workbook["_scalars"]
    scalars.append(["time_limit_s", 0])
    workbook.save(path)
    problems = problems_of(path)
    assert [(p.code, p.file, p.sheet, p.row, p.column) for p in problems] == [
        ("missing_table", "instance.xlsx", "needs", None, None),
        ("out_of_range", "instance.xlsx", "offers", 3, "quality"),
        ("bad_number", "instance.xlsx", "demand", 5, "children"),
        ("out_of_range", "instance.xlsx", "_scalars", 12, "time_limit_s"),
    ]
    assert problems[2].message("en") == (
        'instance.xlsx, sheet demand, row 5, column children: expected a number, found "veel"')
    assert problems[2].message("nl") == (
        'instance.xlsx, blad demand, rij 5, kolom children: verwacht een getal, '
        'gevonden "veel"')


def test_xlsx_scalars_sheet_needs_parameter_and_value(tmp_path: Path) -> None:
    path = to_xlsx_by_hand(VALID, tmp_path / "instance.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook["_scalars"]["B1"] = "waarde"
    workbook.save(path)
    assert [(p.code, p.sheet, p.row, p.column) for p in problems_of(path)] == [
        ("missing_column", "_scalars", 1, "value")]


def test_json_mistakes_name_record_numbers(tmp_path: Path) -> None:
    path = to_json_by_hand(VALID, tmp_path / "instance.json")
    text = path.read_text()
    text = text.replace('"children": 25.5', '"children": "-1"', 1)
    text = text.replace('"quality": 0.8', '"quality": "hoog"', 1)
    text = text.replace('"budget_cut": 0.1', '"budget_cut": true', 1)
    path.write_text(text)
    problems = problems_of(path)
    assert [(p.code, p.file, p.table, p.row, p.column) for p in problems] == [
        ("bad_number", "instance.json", "offers", 4, "quality"),
        ("negative", "instance.json", "demand", 2, "children"),
        ("bad_number", "instance.json", "scenario", None, "budget_cut"),
    ]
    assert problems[1].message("en") == (
        'instance.json, table demand, record 2, field children: expected a number ≥ 0, '
        'found "-1"')
    assert problems[2].message("nl") == (
        'instance.json, scenario, parameter budget_cut: verwacht een getal, gevonden "true"')


def test_json_syntax_and_structure(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"tables": {\n  "needs": [\n    {"need_id": "A",}\n  ]\n}}\n')
    assert [(p.code, p.row) for p in problems_of(broken)] == [("unreadable_file", 3)]
    shaped = tmp_path / "shaped.json"
    shaped.write_text('{"tables": {"needs": {"need_id": "A"}, "demnd": []}}')
    codes = [(p.code, p.table, p.found) for p in problems_of(shaped)]
    assert ("bad_structure", "needs", "object") in codes
    assert ("unknown_table", None, "demnd") in codes
    assert ("missing_table", "needs", "") in codes


def test_overrides_are_validated_too(valid_dir: Path) -> None:
    problems = problems_of(valid_dir, scenario_overrides={"budget_cut": 2, "no_such": 1,
                                                          "quality_floor": "hoog"})
    assert [(p.code, p.file, p.column) for p in problems] == [
        ("unknown_parameter", "scenario_overrides", "no_such"),
        ("out_of_range", "scenario_overrides", "budget_cut"),
        ("bad_number", "scenario_overrides", "quality_floor"),
    ]


def test_both_budgets_as_overrides_conflict(valid_dir: Path) -> None:
    problems = problems_of(valid_dir, scenario_overrides={"budget_cut": 0.1,
                                                          "budget_eur": 1e7})
    assert [(p.code, p.file) for p in problems] == [("budget_conflict", "scenario_overrides")]


def test_pydantic_errors_never_leak(valid_dir: Path) -> None:
    edit_scenario(valid_dir, lambda lines: [*lines, "time_limit_s = [1, 2]",
                                            "enforce_capacity = 3"])
    problems = problems_of(valid_dir)
    assert [(p.code, p.column) for p in problems] == [("bad_number", "time_limit_s"),
                                                      ("bad_bool", "enforce_capacity")]


def test_problem_record_is_json_ready(valid_dir: Path) -> None:
    set_cell(valid_dir, "demand", 7, "children", "-3")
    record = problems_of(valid_dir)[0].to_dict("nl")
    assert record["code"] == "negative"
    assert record["row"] == 7
    assert record["message"].startswith("demand.csv, rij 7")


def test_in_memory_instances_can_be_validated(valid_dir: Path) -> None:
    instance = load_instance(valid_dir)
    assert validate_instance(instance) == []
    demand = instance["demand"].copy()
    demand.loc[4, "children"] = -1.0
    broken = type(instance)({**instance.tables, "demand": demand}, instance.scenario)
    assert [(p.code, p.table, p.row, p.column) for p in validate_instance(broken)] == [
        ("negative", "demand", 5, "children")]
