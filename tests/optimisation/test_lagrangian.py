"""The Lagrangian bound: one MIP per need, with the relaxation's duals on the rows across needs.

A hand-checked instance pins the bound; a property test holds it between the relaxation and the
optimum found by enumerating every choice of lots; run_mip reports it and still returns a plan
that the independent checker accepts.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from budgetopt.check import check_plan
from budgetopt.optimisation import extract, lagrangian
from budgetopt.optimisation.highs import HighsSession, SolveOptions, model_arrays
from budgetopt.optimisation.monitor import Monitor
from budgetopt.optimisation.procurement import lagrangian_bound, lp_start, run_mip
from budgetopt.optimisation.program import Program
from budgetopt.scenario.generate import generate_instance
from budgetopt.scenario.instance import Instance
from budgetopt.scenario.io import load_instance
from tests.optimisation.test_procurement import (
    enumerate_optimum,
    mip_value,
    objective_of,
    relaxation_value,
    tiny_instances,
    with_rows,
    without,
)

MODELS = Path(__file__).resolve().parents[2] / "models"
TOL = 1e-6


def lifted(program: Program, objective: str,
           seconds: float = 30.0) -> tuple[float, lagrangian.LagrangianBound | None]:
    """The relaxation's optimum and the Lagrangian bound built on it (None: no split)."""
    session = HighsSession(program, objective, SolveOptions())
    start = lp_start(session, program)
    assert start.bound is not None
    return start.bound, lagrangian_bound(session, program, start, time.perf_counter() + seconds)


@pytest.fixture
def two_needs(tmp_path: Path) -> Instance:
    """models/tiny/min_disruption with a second need (EDU) that repeats the first one."""
    target = tmp_path / "two_needs"
    shutil.copytree(MODELS / "tiny" / "min_disruption", target)
    for name in ("baseline.csv", "demand.csv", "offers.csv"):
        table = pd.read_csv(target / name)
        pd.concat([table, table.assign(need_id="EDU")]).to_csv(target / name, index=False)
    needs = pd.read_csv(target / "needs.csv")
    pd.concat([needs, pd.DataFrame({"need_id": ["EDU"], "name": ["Education"]})]).to_csv(
        target / "needs.csv", index=False)
    return load_instance(target, scenario_overrides={
        "budget_eur": 2000.0, "min_contract_children": 5.0, "contract_cost_eur": 0.0})


def test_the_per_need_mips_recover_what_the_relaxation_loses(two_needs):
    # Each need: baseline A 6, B 4 in one cell of 10; at least 5 children per contract; the
    # budget (EUR 2,000 against a baseline of 1,840) does not bind. Keeping B needs one of A's
    # children (1 moved per need, 2 in all). Without intake_moves the relaxation keeps B at
    # z = 0.8 and pays 4 (1 - 0.8) = 0.8 per need: 1.6. Nothing ties the needs together but
    # the budget (dual 0), so each need's MIP is its own optimum: 1 + 1.
    program = without(with_rows(two_needs), "intake_moves")
    assert mip_value(program, "min_disruption") == pytest.approx(2.0, abs=TOL)
    relaxation, found = lifted(without(with_rows(two_needs), "intake_moves"), "min_disruption")
    assert relaxation == pytest.approx(1.6, abs=TOL)
    assert found.bound == pytest.approx(2.0, abs=1e-5)
    assert found.solved == found.needs == 2
    assert sorted(found.lifts.values()) == pytest.approx([0.2, 0.2], abs=1e-5)


def test_a_deadline_already_passed_leaves_the_relaxation(two_needs):
    program = without(with_rows(two_needs), "intake_moves")
    relaxation, found = lifted(program, "min_disruption", seconds=0.0)
    assert found.bound == pytest.approx(relaxation, abs=TOL)
    assert found.solved == 0


def test_one_need_does_not_split():
    instance = generate_instance(3, 4, n_needs=1, procurement=True, seed=1)
    program = with_rows(instance)
    session = HighsSession(program, objective_of(instance), SolveOptions())
    start = lp_start(session, program)
    assert lagrangian.split(model_arrays(session.highs), lagrangian.column_needs(program),
                            start.duals) is None


def test_run_mip_reports_the_lifted_bound_with_a_checked_plan(two_needs):
    program = without(with_rows(two_needs), "intake_moves")
    details: dict[str, object] = {}
    monitor = Monitor()
    session = HighsSession(program, "min_disruption", SolveOptions(time_limit_s=60.0), monitor=monitor)
    raw = run_mip(session, program, lagrangian=True, isolate=False, details=details)
    assert details["start_bound"] == pytest.approx(1.6, abs=TOL)
    assert details["lagrangian_bound"] == pytest.approx(2.0, abs=1e-5)
    assert raw.objective == pytest.approx(2.0, abs=TOL)
    assert monitor.state["bound"] == pytest.approx(details["lagrangian_bound"])  # heard as it rose
    assert details["lagrangian_bound"] <= raw.bound + TOL <= raw.objective + 2 * TOL
    assert check_plan(two_needs, extract.allocation_table(program, raw.col_value),
                      extract.unserved_table(program, raw.col_value)) == []


tiny_levers = st.fixed_dictionaries({
    "objective": st.sampled_from(["min_cost", "max_quality", "min_disruption"]),
    "max_providers_per_need": st.one_of(st.none(), st.integers(1, 3)),
    "min_contract_children": st.one_of(st.none(), st.floats(0.0, 40.0)),
    "contract_cost_eur": st.floats(0.0, 60_000.0),
    "budget_cut": st.one_of(st.none(), st.floats(0.0, 0.2)),
    "continuity_max_moved_share": st.one_of(st.none(), st.floats(0.0, 1.0)),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=tiny_instances((2, 3)), changes=tiny_levers)
def test_the_bound_lies_between_the_relaxation_and_the_optimum(instance, changes):
    instance = instance.with_scenario(**changes)
    objective = objective_of(instance)
    program = with_rows(instance)
    assume(program.columns["z"].size <= 6)
    best, _ = enumerate_optimum(with_rows(instance), objective)
    assume(best is not None)
    relaxation, found = lifted(with_rows(instance), objective)
    assume(found is not None)
    event(f"lift {'> 0' if found.bound > relaxation + TOL else '= 0'}")
    assert relaxation == pytest.approx(relaxation_value(with_rows(instance), objective), abs=1e-6)
    # the duals' own bound (y·b plus each need's LP dual bound) is the relaxation's optimum
    assert found.relaxation == pytest.approx(relaxation, rel=1e-6, abs=1e-6)
    assert found.bound >= found.relaxation
    assert found.bound <= best + 1e-6 * max(1.0, abs(best))
    assert all(np.isfinite(list(found.lifts.values())))
