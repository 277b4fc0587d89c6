"""Invariants on random small instances: plans pass the checker, budgets and floors act monotonely."""

from __future__ import annotations

import itertools
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgetopt.optimisation.status import SolveStatus
from budgetopt.scenario.generate import generate_instance
from tests.conftest import solve_checked

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

instances = st.builds(
    generate_instance,
    n_municipalities=st.integers(2, 5),
    n_providers=st.integers(3, 8),
    n_needs=st.integers(1, 3),
    seed=st.integers(0, 10_000),
    access_per_municipality=st.integers(2, 6),
)


optional_share = st.one_of(st.none(), st.floats(0.0, 1.0))
levers = st.fixed_dictionaries({
    "budget_cut": st.floats(0.0, 0.3),
    "quality_floor": st.one_of(st.none(), st.floats(0.3, 0.8)),
    "objective": st.sampled_from(["min_cost", "max_quality", "min_disruption"]),
    "step_down_share": optional_share,
    "max_step_down_levels": st.integers(0, 2),
    "continuity_max_moved_share": optional_share,
    "alliance_revenue_floor": optional_share,
    "out_of_home_max_share": optional_share,
    "residential_max_share_of_out_of_home": optional_share,
    "max_provider_share": optional_share,
    "municipality_budget_tolerance": st.one_of(st.none(), st.floats(0.0, 0.5)),
    "demand_growth": st.floats(-0.2, 0.2),
    "price_index": st.floats(0.9, 1.1),
    "allow_waiting_list": st.booleans(),
})


@SETTINGS
@given(instance=instances, changes=levers)
def test_every_optimal_plan_passes_the_checker(instance, changes):
    result = solve_checked(instance.with_scenario(budget_eur=None, **changes))
    assert result.status in (SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE)
    if result.status == SolveStatus.INFEASIBLE:
        assert result.diagnosis is not None
        assert result.diagnosis["summary"]
    else:
        assert result.kpis["total_cost_eur"] <= result.kpis["budget_eur"] * (1 + 1e-7) + 1e-6


@SETTINGS
@given(instance=instances, cuts=st.lists(st.floats(0.0, 0.4), min_size=2, max_size=4))
def test_a_lower_budget_never_raises_max_quality(instance, cuts):
    values = []
    for cut in sorted(cuts):
        result = solve_checked(instance.with_scenario(budget_cut=cut, budget_eur=None,
                                                      objective="max_quality"))
        values.append(result.objective_value if result.has_plan else float("-inf"))
    assert all(_at_most(later, earlier) for earlier, later in itertools.pairwise(values))


@SETTINGS
@given(instance=instances, floors=st.lists(st.floats(0.2, 0.9), min_size=2, max_size=4))
def test_a_higher_quality_floor_never_lowers_min_cost(instance, floors):
    values = []
    for floor in sorted(floors):
        result = solve_checked(instance.with_scenario(budget_cut=None, budget_eur=None,
                                                      quality_floor=floor, objective="min_cost"))
        values.append(result.objective_value if result.has_plan else float("inf"))
    assert all(_at_most(earlier, later) for earlier, later in itertools.pairwise(values))


def _at_most(value: float, limit: float) -> bool:
    """value <= limit up to a relative 1e-6 (infinite values stand for infeasible solves)."""
    if math.isinf(limit) or math.isinf(value):
        return value <= limit
    return value <= limit + 1e-6 * max(1.0, abs(limit))
