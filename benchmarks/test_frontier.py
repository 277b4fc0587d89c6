"""Frontier of 20 budgets on Drenthe: one warm model against 20 cold build-and-solves."""

from __future__ import annotations

import pytest

from budgetopt.optimisation.frontier import budget_frontier, frontier_budgets


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_frontier_20_budgets(benchmark, drenthe_quality, warm):
    budgets = frontier_budgets(drenthe_quality, points=20, low=0.8, high=1.0)
    table = benchmark.pedantic(budget_frontier, args=(drenthe_quality, budgets),
                               kwargs={"warm": warm}, rounds=3, iterations=1)
    assert len(table) == 20
    assert (table["status"] == "optimal").sum() >= 10
