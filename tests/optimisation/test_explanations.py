"""Shadow prices agree with re-solving at a nudged parameter; Pyomo and HiGHS see one model."""

from __future__ import annotations

import numpy as np
import pytest

from budgetopt.check import check_plan
from budgetopt.optimisation.build import build_program
from budgetopt.optimisation.extract import allocation_table, unserved_table
from budgetopt.optimisation.highs import SolveOptions
from budgetopt.optimisation.pyomo_model import export_model, solve_with_pyomo, to_pyomo
from budgetopt.optimisation.solve import solve_program
from tests.conftest import load, solve_checked

TINY = ["min_cost_floor", "min_cost_high_floor", "max_quality", "min_disruption", "procurement"]


def _shadow(result, family):
    group = next(g for g in result.constraint_groups if g["family"] == family)
    return group["shadow_price"]["objective_change"]


@pytest.mark.parametrize(
    ("case", "family", "parameter", "step"),
    [
        ("tiny/min_cost_floor", "quality_floor", "quality_floor", 0.01),
        ("tiny/min_cost_floor", "step_down", "step_down_share", 0.01),
        ("tiny/min_cost_floor", "coverage", "demand_growth", 0.01),
        ("tiny/max_quality", "budget", "budget_eur", 1e6),
        ("tiny/min_disruption", "budget", "budget_eur", 1e6),
    ],
)
def test_shadow_price_matches_a_small_re_solve(case, family, parameter, step):
    base = load(case)
    result = solve_checked(base)
    # a small nudge (1/1000 of the reported step) stays in the same basis; scale back up.
    value = getattr(base.scenario, parameter) or 0.0
    nudge = step / 1000 if parameter != "budget_eur" else 1.0
    nudged = solve_checked(base.with_scenario(**{parameter: value + nudge}))
    observed = (nudged.objective_value - result.objective_value) * step / nudge
    assert _shadow(result, family) == pytest.approx(observed, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("case", [f"tiny/{c}" for c in TINY] + ["drenthe"])
def test_pyomo_rendering_gives_the_same_optimum(case):
    instance = load(case)
    objective = instance.scenario.objective.value
    program = build_program(instance)
    _raw, values, _, _ = solve_program(program, objective, SolveOptions(), tie_break=False)
    termination, pyomo_objective, pyomo_values = solve_with_pyomo(program, objective)
    assert termination == "optimal"
    plan = allocation_table(program, pyomo_values)
    assert check_plan(instance, plan, unserved_table(program, pyomo_values)) == []
    stored = float(program.objectives[objective] @ values)
    assert pyomo_objective == pytest.approx(stored, rel=1e-7, abs=1e-7)
    assert float(program.objectives[objective] @ pyomo_values) == pytest.approx(stored, rel=1e-7,
                                                                                 abs=1e-7)


def test_pyomo_model_has_the_same_matrix(tmp_path):
    instance = load("tiny/min_cost_floor")
    program = build_program(instance)
    model = to_pyomo(program, "min_cost")
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    form = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
    matrix = program.matrix().toarray()
    col_order = [int(v.index()) + program.columns[v.parent_component().name].start
                 for v in form.columns]
    rendered = form.A.toarray()
    assert rendered.shape == (program.num_rows, program.num_cols)
    rows = sorted(range(rendered.shape[0]), key=lambda i: tuple(rendered[i]))
    ours = matrix[:, col_order]
    ours_rows = sorted(range(ours.shape[0]), key=lambda i: tuple(ours[i]))
    assert np.allclose(rendered[rows], ours[ours_rows])
    export_model(program, "min_cost", tmp_path / "model.lp")
    text = (tmp_path / "model.lp").read_text()
    assert "quality_floor" in text
    assert "step_down" in text
