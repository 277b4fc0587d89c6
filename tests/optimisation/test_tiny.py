"""Hand-computed optima of the tiny cases in models/tiny, reproduced to 1e-6.

All cases: one municipality, one need, 10 children indicated at level 2. Offers:
A at level 2 (EUR 100, quality 0.8), A at level 1 (EUR 40, quality 0.6), B at level 2 (EUR 80,
quality 0.5). Writing a2, a1, b2 for the children per offer and a2 = 10 - a1 - b2:
cost = 1000 - 60 a1 - 20 b2, quality points = 8 - 0.2 a1 - 0.3 b2, step-down a1 <= 3.
"""

from __future__ import annotations

import pytest

from budgetopt.optimisation.status import SolveStatus
from tests.conftest import load, solve_checked

TOL = 1e-6


def test_min_cost_with_step_down_and_quality_floor():
    # Floor 0.70: 1 - 0.2 a1 - 0.3 b2 >= 0. Per unit of quality slack a1 saves 300, b2 67,
    # so a1 = 3 (step-down limit), then b2 = 0.4 / 0.3 = 4/3: cost = 1000 - 180 - 80/3.
    result = solve_checked(load("tiny/min_cost_floor"))
    assert result.status == SolveStatus.OPTIMAL
    assert result.objective_value == pytest.approx(2380 / 3, abs=TOL)
    assert result.kpis["total_cost_eur"] == pytest.approx(2380 / 3, abs=TOL)
    assert result.kpis["average_quality"] == pytest.approx(0.7, abs=TOL)
    assert result.kpis["children_stepped_down"] == pytest.approx(3.0, abs=TOL)


def test_min_cost_with_a_higher_floor():
    # Floor 0.75: 0.5 - 0.2 a1 - 0.3 b2 >= 0, so a1 = 2.5, b2 = 0: cost = 1000 - 150 = 850.
    result = solve_checked(load("tiny/min_cost_high_floor"))
    assert result.status == SolveStatus.OPTIMAL
    assert result.objective_value == pytest.approx(850.0, abs=TOL)
    assert result.kpis["average_quality"] == pytest.approx(0.75, abs=TOL)


def test_infeasible_budget_reports_the_minimal_budget_exactly():
    # The cheapest plan keeping the floor 0.70 and the step-down limit costs 2380/3 > 750.
    result = solve_checked(load("tiny/infeasible_budget"))
    assert result.status == SolveStatus.INFEASIBLE
    assert result.diagnosis["minimal_budget_eur"] == pytest.approx(2380 / 3, abs=TOL)
    assert result.diagnosis["shortfall_eur"] == pytest.approx(2380 / 3 - 750, abs=TOL)
    # Without the floor B alone costs 680; without the step-down limit a1 = 5 costs 700:
    # each of the three rules is part of the conflict and dropping any one is enough.
    families = {r["family"] for r in result.diagnosis["conflicting_rules"]}
    assert families == {"budget", "quality_floor", "step_down"}
    assert all(r["dropping_alone_is_enough"] for r in result.diagnosis["conflicting_rules"])
    assert "793.33" in result.message


def test_max_quality_under_a_budget():
    # cost <= 850 means 60 a1 + 20 b2 >= 150; quality lost per euro saved: a1 0.2/60, b2 0.3/20,
    # so a1 = 2.5: quality points = 8 - 0.5 = 7.5.
    result = solve_checked(load("tiny/max_quality"))
    assert result.status == SolveStatus.OPTIMAL
    assert result.objective_value == pytest.approx(7.5, abs=TOL)
    assert result.kpis["total_cost_eur"] == pytest.approx(850.0, abs=TOL)


def test_max_quality_under_a_smaller_budget():
    # cost <= 800: 60 a1 + 20 b2 >= 200, a1 = 3 (limit) then b2 = 1: 8 - 0.6 - 0.3 = 7.1.
    result = solve_checked(load("tiny/max_quality", budget_eur=800))
    assert result.objective_value == pytest.approx(7.1, abs=TOL)


def test_min_disruption_steps_down_rather_than_moves():
    # Baseline A 6, B 4 costs 920; budget 880 needs 40 saved. Stepping a child down at A saves 60,
    # moving one from A to B saves 20: 2/3 child stepped down, nobody moved, cost exactly 880.
    result = solve_checked(load("tiny/min_disruption"))
    assert result.objective_value == pytest.approx(2 / 3, abs=TOL)
    assert result.kpis["children_moved"] == pytest.approx(0.0, abs=TOL)
    assert result.kpis["total_cost_eur"] == pytest.approx(880.0, abs=TOL)


def test_procurement_one_provider_per_need():
    # Only B: average 0.5 < 0.6. Only A: 1000 + 50 contract. Both (not allowed with K = 1) would
    # cost 100 a + 80 b + 100 with a >= 10/3: 966.67. So the optimum contracts A alone: 1050.
    result = solve_checked(load("tiny/procurement"))
    assert result.status == SolveStatus.OPTIMAL
    assert result.objective_value == pytest.approx(1050.0, abs=TOL)
    assert result.kpis["contracted_lots"] == 1
    relaxed = solve_checked(load("tiny/procurement", max_providers_per_need=2))
    assert relaxed.objective_value == pytest.approx(100 * 10 / 3 + 80 * 20 / 3 + 100, abs=TOL)
