"""Frontier of 20 budgets: budgetopt warm (one model, the budget row changed) against cold
(build and solve at every point) and against the highspy warm floor (build once, change the
budget row, re-solve). Small scale and Drenthe; the medium frontier is in run_scales.py.
"""

from __future__ import annotations

import math

import pytest

from benchmarks.conftest import region_instance, scale_instance
from benchmarks.floor import floor_frontier
from budgetopt.optimisation.frontier import budget_frontier, frontier_budgets

CASES = {
    "drenthe-max_quality": lambda: region_instance("drenthe", "max_quality"),
    "small-min_disruption": lambda: scale_instance("small"),
}


@pytest.mark.parametrize("method", ["warm", "cold", "floor-warm"])
@pytest.mark.parametrize("name", list(CASES))
def test_frontier_20_budgets(benchmark, name, method):
    if method == "cold" and benchmark.disabled:
        pytest.skip("20 cold solves: timed runs only (the smoke keeps the warm ones)")
    instance = CASES[name]()
    budgets = frontier_budgets(instance, points=20, low=0.8, high=1.0)
    if method == "floor-warm":
        values = benchmark.pedantic(floor_frontier, args=(instance, budgets), rounds=3, iterations=1)
        optimal = sum(v is not None for v in values)
    else:
        table = benchmark.pedantic(budget_frontier, args=(instance, budgets),
                                   kwargs={"warm": method == "warm"}, rounds=3, iterations=1)
        assert len(table) == 20
        optimal = int((table["status"] == "optimal").sum())
        values = [v for v in table["objective_value"] if not math.isnan(v)]
        assert len(values) == optimal
    assert optimal >= 10
