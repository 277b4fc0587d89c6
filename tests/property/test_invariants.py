"""Invariants on random small instances: plans pass the checker, budgets and floors act monotonely."""

from __future__ import annotations

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


@SETTINGS
@given(instance=instances, cut=st.floats(0.0, 0.3), floor=st.floats(0.3, 0.8),
       objective=st.sampled_from(["min_cost", "max_quality", "min_disruption"]),
       share=st.floats(0.0, 1.0), continuity=st.one_of(st.none(), st.floats(0.0, 1.0)))
def test_every_optimal_plan_passes_the_checker(instance, cut, floor, objective, share, continuity):
    scenario = instance.with_scenario(budget_cut=cut, budget_eur=None, quality_floor=floor,
                                      objective=objective, step_down_share=share,
                                      continuity_max_moved_share=continuity)
    result = solve_checked(scenario)
    assert result.status in (SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE)
    if result.status == SolveStatus.INFEASIBLE:
        assert result.diagnosis is not None
        assert result.diagnosis["summary"]


@SETTINGS
@given(instance=instances, cuts=st.lists(st.floats(0.0, 0.4), min_size=2, max_size=4))
def test_a_lower_budget_never_raises_max_quality(instance, cuts):
    values = []
    for cut in sorted(cuts):
        result = solve_checked(instance.with_scenario(budget_cut=cut, budget_eur=None,
                                                      objective="max_quality"))
        values.append(result.objective_value if result.has_plan else float("-inf"))
    assert all(later <= earlier + 1e-6 * max(1.0, abs(earlier))
               for earlier, later in zip(values, values[1:], strict=False))


@SETTINGS
@given(instance=instances, floors=st.lists(st.floats(0.2, 0.9), min_size=2, max_size=4))
def test_a_higher_quality_floor_never_lowers_min_cost(instance, floors):
    values = []
    for floor in sorted(floors):
        result = solve_checked(instance.with_scenario(budget_cut=None, budget_eur=None,
                                                      quality_floor=floor, objective="min_cost"))
        values.append(result.objective_value if result.has_plan else float("inf"))
    assert all(later >= earlier - 1e-6 * max(1.0, abs(earlier))
               for earlier, later in zip(values, values[1:], strict=False))
