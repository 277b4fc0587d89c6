"""A Lagrangian bound for the procurement MIP: one small MIP per need.

Most rows hold one need's columns only (a lot is a provider for one need; a demand cell, its
moves and its contracts belong to one need). The rest tie needs together: the budget, the
per-municipality rules (quality floor, continuity, out-of-home and residential shares) and the
provider capacities. Moving those rows into the objective with multipliers y (Lagrangian
relaxation) splits the MIP into one independent MIP per need, and for every y of the right
signs

    L(y) = Σ_n min { (c − yᵀA_c)·x_n : x_n meets need n's rows, z binary } + y·b_c ≤ MIP optimum.

With y = the LP relaxation's duals and each need's MIP relaxed to its LP, L(y) is the
relaxation's optimum (up to HiGHS's tolerances). The bound starts there: y·b over the rows
across needs, plus each need's LP dual bound at the same duals (weak duality: valid for any y,
so nothing rests on the relaxation's plan). Each need's MIP bound b_n then replaces its LP
bound when higher, whatever the MIP had reached when time ran out.

The per-need MIPs are a sixth to an eighth of the whole at medium scale, small enough for
HiGHS's root cuts, which on the whole model do not finish one round within a minute. Measured
at medium scale (120 municipalities, 400 providers, 8 needs, min_disruption, seed 0): the
relaxation's bound 5,137 children; the eight MIPs solve to optimality in 29 s on 2 cores and
lift it to 5,220 (the best plan known: 5,259).

The MIPs run in a child process (:mod:`budgetopt.optimisation.child`, like the whole MIP's)
that is killed at the deadline; it sends each need's bound as it improves.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import highspy
import numpy as np
import scipy.sparse as sp

from budgetopt.optimisation.child import run_child, serve
from budgetopt.optimisation.highs import highs_from_arrays
from budgetopt.optimisation.program import INF, Program

if TYPE_CHECKING:
    from budgetopt.optimisation.monitor import Monitor

#: A need's MIP lifts the bound only by what exceeds its LP by this relative margin.
LIFT_TOLERANCE = 1e-7
#: Reduced costs this close to zero count as zero (HiGHS's default dual feasibility tolerance).
DUAL_TOLERANCE = 1e-7


@dataclass
class Split:
    """The MIP split by need: y·b over the rows across needs (``base``), and per need its MIP
    and the LP dual bound it starts from; ``relaxation`` = base + Σ those LP bounds."""

    relaxation: float
    base: float
    models: list[dict[str, np.ndarray]]
    lp_values: np.ndarray
    needs: np.ndarray


@dataclass
class LagrangianBound:
    """What the per-need MIPs proved (stored units, minimisation)."""

    bound: float
    relaxation: float
    solved: int = 0
    needs: int = 0
    seconds: float = 0.0
    lifts: dict[int, float] = field(default_factory=dict)


def column_needs(program: Program) -> np.ndarray | None:
    """Need code of every column, or None when some column belongs to no single need."""
    needs = np.full(program.num_cols, -1, dtype=np.int64)
    for name, block in program.columns.items():
        if name == "x":
            codes = program.arcs["n"].to_numpy(np.int64)
        elif name == "u":
            codes = program.cells["n"].to_numpy(np.int64)
        elif "n" in block.keys:
            codes = block.keys["n"].to_numpy(np.int64)
        else:
            return None
        needs[block.slice] = codes
    return needs


def split(model: dict[str, np.ndarray], needs: np.ndarray, duals: np.ndarray) -> Split | None:
    """The per-need MIPs of ``model`` (arrays as the MIP child gets them, minimisation) priced
    with the relaxation's row ``duals`` (HiGHS's signs: ≥ 0 on a lower bound, ≤ 0 on an upper
    one). None when the rows do not split (one need) or the duals prove no finite bound.

    Each need's starting value is the LP dual bound of its own MIP at these duals:
    y_n·b_n + Σ_j d_j·(l_j or u_j), d the reduced costs, a valid bound for any multipliers
    (weak duality), so the whole bound never rests on the relaxation's plan.
    """
    if int(model["sense"]):
        return None  # programs store every objective as a minimisation
    shape = (len(model["row_lower"]), len(model["cost"]))
    matrix = (sp.csc_matrix if bool(model["colwise"]) else sp.csr_matrix)(
        (model["value"], model["index"], model["start"]), shape=shape).tocsr()
    cost = np.asarray(model["cost"], dtype=float)
    coo = matrix.tocoo()
    low = np.full(shape[0], np.iinfo(np.int64).max)
    high = np.full(shape[0], -1)
    np.minimum.at(low, coo.row, needs[coo.col])
    np.maximum.at(high, coo.row, needs[coo.col])
    coupling = (low != high) & (high >= 0)
    codes = np.unique(needs)
    if len(codes) < 2:
        return None
    row_lower, row_upper = model["row_lower"], model["row_upper"]
    col_lower, col_upper = model["col_lower"], model["col_upper"]
    y = np.asarray(duals, dtype=float)
    y = np.where((y > 0) & (row_lower <= -INF), 0.0, y)  # a free side carries no multiplier
    y = np.where((y < 0) & (row_upper >= INF), 0.0, y)
    side = np.where(y > 0, row_lower, np.where(y < 0, row_upper, 0.0))
    y_coupling = np.where(coupling, y, 0.0)
    priced = cost - matrix.T @ y_coupling
    reduced = cost - matrix.T @ y
    # A reduced cost within HiGHS's dual tolerance of the wrong sign is taken as zero.
    reduced = np.where(np.abs(reduced) <= DUAL_TOLERANCE, 0.0, reduced)
    at_bound = np.where(reduced > 0, col_lower, np.where(reduced < 0, col_upper, 0.0))
    if not np.isfinite(at_bound[reduced != 0]).all():
        return None
    column_part = reduced * at_bound
    row_part = y * side
    models, dual_bounds = [], []
    for code in codes:
        cols = np.flatnonzero(needs == code)
        rows = np.flatnonzero(~coupling & (low == code))
        sub = matrix[rows][:, cols].tocsc()
        models.append({
            "cost": priced[cols], "col_lower": col_lower[cols], "col_upper": col_upper[cols],
            "row_lower": row_lower[rows], "row_upper": row_upper[rows], "start": sub.indptr,
            "index": sub.indices, "value": sub.data, "colwise": np.array(True),
            "integer": model["integer"][cols], "offset": np.array(0.0), "sense": np.array(0),
        })
        dual_bounds.append(float(row_part[rows].sum() + column_part[cols].sum()))
    base = float(row_part[coupling].sum()) + float(model["offset"])
    return Split(relaxation=base + sum(dual_bounds), base=base, models=models,
                 lp_values=np.asarray(dual_bounds), needs=codes)


def bound(parts: Split, deadline: float, *, threads: int = 2, monitor: Monitor | None = None,
          on_bound: Callable[[float], None] | None = None) -> LagrangianBound:
    """Run the per-need MIPs in a child process until ``deadline`` (a ``perf_counter`` time).

    ``on_bound`` (if given) hears the whole bound whenever a need's MIP lifts it; a stop
    request of ``monitor`` ends the run at once.
    """
    started = time.perf_counter()
    best = parts.lp_values.copy()
    done: set[int] = set()
    order = np.argsort([-len(m["cost"]) for m in parts.models], kind="stable")
    limit = max(deadline - time.perf_counter() - 1.0, 0.1)
    payload = ([parts.models[i] for i in order], limit, max(1, threads))
    entry = "from budgetopt.optimisation.lagrangian import _child; _child()"
    with closing(run_child(entry, payload, deadline, monitor)) as messages:
        for kind, position, value in messages:
            need = int(order[position])
            if np.isfinite(value) and value > best[need]:
                best[need] = value
                if on_bound is not None:
                    on_bound(_lifted(parts, best))
            if kind == "done":
                done.add(need)
                if len(done) == len(parts.models):
                    break
    lifts = _lifts(parts, best)
    return LagrangianBound(
        bound=_lifted(parts, best), relaxation=parts.relaxation, solved=len(done),
        needs=len(parts.models), seconds=time.perf_counter() - started,
        lifts={int(parts.needs[i]): float(lifts[i]) for i in range(len(lifts))},
    )


def _lifts(parts: Split, best: np.ndarray) -> np.ndarray:
    """What each need's MIP bound adds to its LP value, less the tolerance margin."""
    margin = LIFT_TOLERANCE * np.maximum(1.0, np.abs(parts.lp_values))
    return np.maximum(best - parts.lp_values - margin, 0.0)


def _lifted(parts: Split, best: np.ndarray) -> float:
    """base + Σ_n max(LP bound, MIP bound so far): the Lagrangian bound reached."""
    return parts.relaxation + float(_lifts(parts, best).sum())


def _child() -> None:
    """Child process: read (models, time limit, threads); solve the MIPs, `threads` at a time,
    and write ("bound", i, b) while each runs and ("done", i, b) when it ends, pickled."""
    from concurrent.futures import ThreadPoolExecutor

    (models, limit, threads), send = serve()
    deadline = time.perf_counter() + limit

    def solve(position: int) -> None:
        left = deadline - time.perf_counter()
        if left <= 0:
            return
        h = highs_from_arrays(models[position])
        h.setOptionValue("time_limit", left)
        h.setOptionValue("threads", 1)
        h.setOptionValue("mip_rel_gap", 1e-6)
        last = [0.0]

        def progress(event: object) -> None:
            now = time.perf_counter()
            if now - last[0] >= 0.5:
                last[0] = now
                send(("bound", position, float(event.data_out.mip_dual_bound)))  # type: ignore[attr-defined]

        h.cbMipInterrupt.subscribe(progress)
        h.run()
        infeasible = h.getModelStatus() == highspy.HighsModelStatus.kInfeasible
        value = -np.inf if infeasible else float(h.getInfo().mip_dual_bound)
        send(("done", position, value))

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(solve, range(len(models))))
