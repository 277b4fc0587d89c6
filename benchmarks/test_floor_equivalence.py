"""The floor and the plain-Pyomo model state budgetopt's LP: same size, same optimum.

Run by the smoke too (these are plain tests, not benchmarks).
"""

from __future__ import annotations

import pytest

from benchmarks.conftest import MODELS, small_instance
from benchmarks.floor import build_floor, floor_frontier, solve_floor
from benchmarks.plain_pyomo import solve_plain_pyomo
from budgetopt.optimisation.build import build_program
from budgetopt.optimisation.frontier import budget_frontier, frontier_budgets
from budgetopt.optimisation.solve import solve_instance
from budgetopt.scenario.io import load_instance

OBJECTIVES = ["min_cost", "max_quality", "min_disruption"]
REL = 1e-7


def _instances() -> dict[str, object]:
    return {"generated-12x30": small_instance(), "drenthe": load_instance(MODELS / "drenthe"),
            "twente": load_instance(MODELS / "twente")}


@pytest.fixture(scope="module")
def instances() -> dict[str, object]:
    """Small instances: one generated, two shipped (Twente has price overrides)."""
    return _instances()


@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("name", ["generated-12x30", "drenthe", "twente"])
def test_floor_equals_budgetopt(instances, name, objective):
    instance = instances[name].with_scenario(objective=objective)
    program = build_program(instance)
    floor = build_floor(instance)
    assert floor.shape == (program.num_rows, program.num_cols, int(program.matrix().nnz))
    assert list(floor.families) == list(program.blocks)
    result = solve_instance(instance)
    run = solve_floor(instance)
    assert result.status.value == "optimal"
    assert run.status == "Optimal"
    assert run.objective == pytest.approx(result.objective_value, rel=REL)


@pytest.mark.parametrize(("name", "objective"), [
    *[("generated-12x30", o) for o in OBJECTIVES], ("twente", "min_disruption")])
def test_plain_pyomo_equals_floor(instances, name, objective):
    instance = instances[name].with_scenario(objective=objective)
    floor = build_floor(instance)
    run = solve_plain_pyomo(instance, count=True)
    explicit = floor.a.copy()
    explicit.eliminate_zeros()  # Pyomo drops zero coefficients (q = q_min); the arrays keep them
    assert run.shape == (floor.shape[0], floor.shape[1], int(explicit.nnz))
    assert run.status == "optimal"
    assert run.objective == pytest.approx(solve_floor(instance).objective, rel=REL)


def test_floor_frontier_equals_budgetopt(instances):
    instance = instances["generated-12x30"].with_scenario(objective="min_cost")
    budgets = frontier_budgets(instance, points=5, low=0.85, high=1.0)
    table = budget_frontier(instance, budgets, warm=True)
    floor = floor_frontier(instance, budgets)
    assert (table["status"] == "optimal").sum() >= 3
    for ours, status, theirs in zip(floor, table["status"], table["objective_value"], strict=True):
        if status == "optimal":
            assert ours == pytest.approx(theirs, rel=REL)
        else:
            assert ours is None
