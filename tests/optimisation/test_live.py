"""A live model re-solved for changed levers gives exactly the cold answers, warm where it can."""

from __future__ import annotations

import pytest

from budgetopt.check import check_plan
from budgetopt.optimisation.live import LiveModel
from tests.conftest import load, solve_checked

CHANGES = [
    {},
    {"budget_cut": 0.17},
    {"quality_floor": 0.66},
    {"objective": "max_quality"},
    {"step_down_share": 0.35},
    {"out_of_home_max_share": 0.12},
    {"demand_growth": 0.02},
    {"budget_cut": 0.3},
    {"budget_cut": 0.15, "objective": "min_disruption"},
    {"max_provider_share": 0.5},
]


def test_live_model_follows_lever_changes_like_cold_solves():
    live = LiveModel(load("drenthe"))
    for changes in CHANGES:
        result = live.solve(**changes)
        if result.has_plan:
            assert check_plan(live.instance, result.allocation, result.unserved) == []
        cold = solve_checked(live.instance)
        assert result.status == cold.status, changes
        if cold.has_plan:
            assert result.objective_value == pytest.approx(cold.objective_value, rel=1e-7, abs=1e-7)
        else:
            assert result.diagnosis["minimal_budget_eur"] == pytest.approx(
                cold.diagnosis["minimal_budget_eur"], rel=1e-7)
    # only the first solve and the structural change (a new family) were passed anew
    assert live.cold_solves == 2
    assert live.warm_solves == len(CHANGES) - 2


def test_setting_a_budget_where_there_was_none_stays_warm():
    live = LiveModel(load("drenthe", objective="min_cost", budget_cut=None))
    live.solve()
    warm = live.solve(budget_cut=0.1, objective="max_quality")
    assert check_plan(live.instance, warm.allocation, warm.unserved) == []
    cold = solve_checked(live.instance)
    assert warm.solver["warm_start"] is True
    assert warm.objective_value == pytest.approx(cold.objective_value, rel=1e-7)
