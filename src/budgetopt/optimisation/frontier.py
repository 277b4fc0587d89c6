"""Budget frontier: the best objective for a series of budgets on one warm model."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import pandas as pd

from budgetopt.optimisation.build import baseline_cost, build_program
from budgetopt.optimisation.highs import HighsSession, SolveOptions
from budgetopt.optimisation.monitor import Monitor
from budgetopt.optimisation.program import Program, objective_in_user_units
from budgetopt.optimisation.solve import options_for
from budgetopt.scenario.instance import Instance

FRONTIER_COLUMNS = [
    "budget_eur", "budget_share_of_baseline", "status", "objective_value", "total_cost_eur",
    "average_quality", "children_stepped_down", "iterations", "time_s",
]


def frontier_budgets(instance: Instance, points: int = 20, low: float = 0.8,
                     high: float = 1.0) -> list[float]:
    """Evenly spaced budgets from low x to high x the baseline cost [EUR]."""
    cost = baseline_cost(instance)
    if cost is None:
        msg = "a frontier by share of the baseline needs a baseline table; give budgets in EUR"
        raise ValueError(msg)
    return [float(v) for v in np.linspace(low * cost, high * cost, points)]


def budget_frontier(instance: Instance, budgets: Sequence[float], *, objective: str | None = None,
                    warm: bool = True, options: SolveOptions | None = None,
                    monitor: Monitor | None = None) -> pd.DataFrame:
    """Solve the scenario at each budget [EUR].

    ``warm=True`` builds once and only changes the budget row between solves; ``warm=False``
    rebuilds and solves from scratch at every point (the reference it is measured against).
    ``monitor`` hears the points done (``points_done`` of ``points``) and may stop the sweep
    (:class:`~budgetopt.optimisation.monitor.Cancelled` between points).
    """
    monitor = monitor or Monitor()
    objective = objective or instance.scenario.objective.value
    options = options_for(instance, options)
    base = baseline_cost(instance)
    rows = []
    session = None
    program = None
    for done, budget in enumerate(budgets):
        monitor.phase("solving")
        started = time.perf_counter()
        if session is None or not warm:
            program = build_program(instance, budget_eur=budget, budget_row=True)
            session = HighsSession(program, objective, options, monitor=monitor)
        else:
            session.set_budget(budget)
        raw = session.run()
        elapsed = time.perf_counter() - started
        rows.append(_point(program, objective, budget, base, raw, elapsed))
        monitor.solver(points_done=done + 1, points=len(budgets))
    return pd.DataFrame(rows, columns=FRONTIER_COLUMNS)


def _point(program: Program, objective: str, budget: float, base: float | None, raw,
           elapsed: float) -> dict[str, object]:
    point: dict[str, object] = {
        "budget_eur": budget,
        "budget_share_of_baseline": budget / base if base else None,
        "status": raw.status.value,
        "objective_value": None,
        "total_cost_eur": None,
        "average_quality": None,
        "children_stepped_down": None,
        "iterations": raw.iterations,
        "time_s": elapsed,
    }
    if raw.status.has_plan:
        values = raw.col_value
        x = program.x(values)
        arcs = program.arcs
        served = float(x.sum())
        point.update(
            objective_value=objective_in_user_units(
                objective, float(program.objectives[objective] @ values)),
            total_cost_eur=float(arcs["price"].to_numpy() @ x)
            + program.data["contract_cost"] * _lots(program, values),
            average_quality=float(arcs["quality"].to_numpy() @ x) / served if served else None,
            children_stepped_down=float(x[arcs["stepped"].to_numpy()].sum()),
        )
    return point


def _lots(program: Program, values: np.ndarray) -> int:
    if "z" not in program.columns:
        return 0
    return int(np.round(values[program.columns["z"].slice]).sum())
