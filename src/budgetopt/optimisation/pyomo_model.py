"""Render a :class:`Program` as a readable Pyomo model (LP/MPS export, any Pyomo solver).

The Pyomo model is built from the same arrays HiGHS receives, so both describe one model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from budgetopt.optimisation.program import Program


def to_pyomo(program: Program, objective: str) -> pyo.ConcreteModel:
    """A ConcreteModel with one Var per column block and one Constraint per family."""
    model = pyo.ConcreteModel(name="budgetopt")
    variables = []
    for block in program.columns.values():
        domain = pyo.Binary if block.integer else pyo.NonNegativeReals
        lower, upper = block.lower, block.upper
        var = pyo.Var(
            range(block.size), domain=domain,
            bounds=lambda _m, i, lo=lower, up=upper: (_finite(lo[i]), _finite(up[i])),
        )
        model.add_component(block.name, var)
        variables.extend(var[i] for i in range(block.size))
    rows = program.matrix().tocsr()
    for family, block in program.blocks.items():
        def rule(_m, i, start=block.start, lower=block.lower, upper=block.upper):
            row = start + i
            lo, hi = rows.indptr[row], rows.indptr[row + 1]
            expr = LinearExpression(
                constant=0.0,
                linear_coefs=rows.data[lo:hi].tolist(),
                linear_vars=[variables[j] for j in rows.indices[lo:hi]],
            )
            return pyo.inequality(_finite(lower[i]), expr, _finite(upper[i])) \
                if lower[i] != upper[i] else expr == float(lower[i])
        model.add_component(family, pyo.Constraint(range(block.size), rule=rule))
    cost = program.objectives[objective]
    nonzero = np.flatnonzero(cost)
    model.objective = pyo.Objective(
        expr=LinearExpression(constant=0.0, linear_coefs=cost[nonzero].tolist(),
                              linear_vars=[variables[j] for j in nonzero]),
        sense=pyo.minimize,
    )
    if not program.integrality.any():
        model.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    return model


def _finite(value: float) -> float | None:
    return None if not np.isfinite(value) else float(value)


def solve_with_pyomo(program: Program, objective: str, solver: str = "appsi_highs",
                     time_limit_s: float = 60.0) -> tuple[str, float | None, np.ndarray | None]:
    """Solve the rendered model with a Pyomo solver; (termination, stored objective, values)."""
    model = to_pyomo(program, objective)
    opt = pyo.SolverFactory(solver)
    opt.config.time_limit = time_limit_s
    results = opt.solve(model, load_solutions=False)
    termination = str(results.solver.termination_condition)
    if termination != "optimal":
        return termination, None, None
    model.solutions.load_from(results)
    values = np.array([pyo.value(v) for block in program.columns.values()
                       for v in getattr(model, block.name).values()], dtype=float)
    return termination, float(pyo.value(model.objective)), values


def export_model(program: Program, objective: str, path: Path) -> None:
    """Write the model as an LP or MPS file (by suffix) for inspection or another solver."""
    model = to_pyomo(program, objective)
    fmt = "mps" if path.suffix.lower() == ".mps" else "lp"
    model.write(str(path), format=fmt, io_options={"symbolic_solver_labels": True})
