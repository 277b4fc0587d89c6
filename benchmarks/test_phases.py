"""One benchmark per phase of a solve, over the selected scales and the shipped regions.

Phases: load + validate (from a CSV folder), build, solve (HiGHS runs incl. the tie-break),
extract (``make_result``), report (``Result.to_dict`` + JSON), and the whole production path
(``solve_instance``). National cases run a single round of the slow phases.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from benchmarks.conftest import MODELS, case_instance
from budgetopt.optimisation.build import build_program
from budgetopt.optimisation.highs import SolveOptions
from budgetopt.optimisation.program import Program
from budgetopt.optimisation.solve import make_result, solve_instance, solve_program
from budgetopt.scenario.io import load_instance, write_instance

#: Let every LP finish (the scenario's own limit is 60 s, which national min_disruption exceeds).
OPTIONS = SolveOptions(time_limit_s=1200.0)


def _rounds(case: str, default: int = 3) -> int:
    return 1 if case.endswith("national") else default


@pytest.fixture(scope="session")
def csv_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where generated instances are written as CSV folders for the load benchmark."""
    return tmp_path_factory.mktemp("instances")


def _folder(case: str, root: Path) -> Path:
    kind, name = case.split(":", 1)
    if kind == "region":
        return MODELS / name
    folder = root / name
    if not folder.exists():
        write_instance(case_instance(case), folder)
    return folder


@cache
def _program(case: str) -> Program:
    return build_program(case_instance(case))


@cache
def _solved(case: str) -> tuple:
    instance = case_instance(case)
    program = _program(case)
    objective = instance.scenario.objective.value
    return program, objective, solve_program(program, objective, OPTIONS)


def test_load_validate(benchmark, case, csv_root):
    folder = _folder(case, csv_root)
    instance = benchmark.pedantic(load_instance, args=(folder,), rounds=_rounds(case), iterations=1)
    assert len(instance["demand"]) > 0


def test_build(benchmark, case):
    instance = case_instance(case)

    def build() -> Program:
        program = build_program(instance)
        program.matrix()
        return program

    program = benchmark.pedantic(build, rounds=_rounds(case, 5), iterations=1)
    assert program.num_rows > 0


def test_solve(benchmark, case):
    instance = case_instance(case)
    program = _program(case)
    objective = instance.scenario.objective.value
    raw, values, _, _ = benchmark.pedantic(solve_program, args=(program, objective, OPTIONS),
                                           rounds=_rounds(case), iterations=1)
    assert raw.status.has_plan
    assert values is not None


def test_extract(benchmark, case):
    instance = case_instance(case)
    program, objective, (raw, values, duals, dual_values) = _solved(case)
    result = benchmark.pedantic(make_result, args=(instance, program, objective, raw, values, duals,
                                                   dual_values, OPTIONS),
                                rounds=_rounds(case), iterations=1)
    assert result.has_plan


def test_report(benchmark, case):
    instance = case_instance(case)
    program, objective, (raw, values, duals, dual_values) = _solved(case)
    result = make_result(instance, program, objective, raw, values, duals, dual_values, OPTIONS)
    text = benchmark.pedantic(lambda: json.dumps(result.to_dict(), ensure_ascii=False),
                              rounds=_rounds(case, 5), iterations=1)
    assert '"status"' in text


def test_solve_instance(benchmark, case):
    """The production path end to end (build + solve + extract)."""
    instance = case_instance(case)
    result = benchmark.pedantic(solve_instance, args=(instance, OPTIONS), rounds=_rounds(case),
                                iterations=1)
    assert result.has_plan
