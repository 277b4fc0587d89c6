"""Every constraint family switches on by its parameter, shapes the plan, and the checker agrees."""

from __future__ import annotations

import pytest

from budgetopt.optimisation.build import build_program
from budgetopt.optimisation.status import SolveStatus
from tests.conftest import load, solve_checked

# (parameter changes, family that must appear, family that must bind)
CASES = [
    ({"max_provider_share": 0.3}, "provider_share", True),
    ({"municipality_budget_tolerance": 0.0, "budget_cut": 0.1, "objective": "max_quality"},
     "municipality_budget", True),
    ({"out_of_home_max_share": 0.1, "objective": "max_quality", "budget_cut": 0.1}, "out_of_home", True),
    ({"residential_max_share_of_out_of_home": 0.33}, "residential", True),
    ({"alliance_revenue_floor": 0.0}, "alliance", True),
    ({"continuity_max_moved_share": 0.0}, "continuity", True),
    ({"quality_floor": 0.667}, "quality_floor", True),
    ({"step_down_share": {"6": 0.5, "5": 0.2}}, "step_down", True),
    ({"demand_growth": 0.05, "budget_cut": None, "budget_eur": 150e6}, "coverage", True),
    ({"price_index": 1.03, "objective": "min_disruption", "budget_cut": 0.15}, "budget", True),
]


@pytest.mark.parametrize(("changes", "family", "binds"), CASES,
                         ids=[c[1] + "-" + "-".join(c[0]) for c in CASES])
def test_family_switches_on_and_the_plan_respects_it(changes, family, binds):
    instance = load("drenthe", **({"objective": "min_cost", "budget_cut": None} | changes))
    result = solve_checked(instance)
    assert result.status == SolveStatus.OPTIMAL
    groups = {g["family"]: g for g in result.constraint_groups}
    assert family in groups
    assert groups[family]["binding"] is binds


@pytest.mark.parametrize("parameter", ["max_provider_share", "out_of_home_max_share",
                                       "residential_max_share_of_out_of_home",
                                       "municipality_budget_tolerance", "quality_floor",
                                       "continuity_max_moved_share", "alliance_revenue_floor"])
def test_a_parameter_left_out_switches_its_family_off(parameter):
    family = {
        "max_provider_share": "provider_share", "out_of_home_max_share": "out_of_home",
        "residential_max_share_of_out_of_home": "residential",
        "municipality_budget_tolerance": "municipality_budget", "quality_floor": "quality_floor",
        "continuity_max_moved_share": "continuity", "alliance_revenue_floor": "alliance",
    }[parameter]
    on = build_program(load("drenthe", **{parameter: 0.2}))
    off = build_program(load("drenthe", **{parameter: None}))
    assert family in on.blocks
    assert family not in off.blocks


def test_capacity_can_be_ignored():
    instance = load("drenthe", enforce_capacity=False, objective="min_cost", budget_cut=None)
    assert "provider_capacity" not in build_program(instance).blocks
    capped = solve_checked(load("drenthe", objective="min_cost", budget_cut=None))
    free = solve_checked(instance)
    assert free.objective_value <= capped.objective_value + 1e-6
