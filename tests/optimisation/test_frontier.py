"""The budget frontier: one warm model, the same answers as cold solves, fewer iterations."""

from __future__ import annotations

import numpy as np
import pytest

from budgetopt.optimisation.frontier import budget_frontier, frontier_budgets
from budgetopt.optimisation.highs import SolveOptions
from tests.conftest import load, solve_checked


def test_warm_frontier_equals_cold_and_needs_fewer_iterations():
    # The same algorithm on both sides, so iteration counts compare: the warm model restarts
    # from the previous basis. (Timings are in benchmarks/test_frontier.py.)
    instance = load("drenthe", objective="max_quality")
    budgets = frontier_budgets(instance, points=20, low=0.8, high=1.0)
    simplex = SolveOptions(algorithm="simplex")
    warm = budget_frontier(instance, budgets, warm=True, options=simplex)
    cold = budget_frontier(instance, budgets, warm=False, options=simplex)
    default = budget_frontier(instance, budgets)
    assert list(warm["status"]) == list(cold["status"])
    solved = warm["status"] == "optimal"
    assert solved.sum() >= 10
    assert np.allclose(warm.loc[solved, "objective_value"], cold.loc[solved, "objective_value"],
                       rtol=1e-7)
    assert warm["iterations"].sum() < cold["iterations"].sum() / 2
    assert np.allclose(default.loc[solved, "objective_value"], cold.loc[solved, "objective_value"],
                       rtol=1e-7)
    quality = warm.loc[solved, "objective_value"].to_numpy()
    assert np.all(np.diff(quality) >= -1e-7)
    assert (warm.loc[solved, "total_cost_eur"] <= warm.loc[solved, "budget_eur"] * (1 + 1e-9)).all()
    # a few points again as full solves whose plans pass the independent checker
    for i in (int(np.flatnonzero(solved)[0]), 10, 19):
        point = solve_checked(instance.with_scenario(budget_cut=None,
                                                     budget_eur=float(warm.loc[i, "budget_eur"])))
        assert point.objective_value == pytest.approx(warm.loc[i, "objective_value"], rel=1e-7)


def test_frontier_needs_a_baseline_for_shares():
    instance = load("tiny/max_quality")
    budgets = frontier_budgets(instance, points=3)
    table = budget_frontier(instance, budgets)
    assert table["budget_eur"].tolist() == pytest.approx([800.0, 900.0, 1000.0])
