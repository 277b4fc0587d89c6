"""The procurement MIP: its rows, its HiGHS options, and a start plan from the LP relaxation.

A lot (p, n) is provider p contracted for need n: z[p,n] ∈ {0, 1}. Money is in k€
(``MONEY_SCALE``), volumes in child-years (children). Every family below holds for every plan
that meets ``models/FORMULATION.md``, with a lot counted as contracted when it has volume:

* ``contract_link`` (one row per lot): Σ_{arcs of the lot} x ≤ V[p,n]·z[p,n], V [child-years] =
  the demand D' of the cells the lot can serve, each cell once. z = 0 closes every arc of the
  lot; z = 1 leaves it as free as without procurement. ``link="cell"`` writes one row per
  (cell, lot) instead, Σ_l x[m,n,k,l,p] ≤ D'[m,n,k]·z[p,n]: a tighter relaxation (+0.1 % of the
  bound at medium scale) for ~35× the rows and a relaxation 1.6× slower.
* ``lots_per_need`` (need): Σ_p z[p,n] ≤ K.
* ``min_contract_volume`` (lot): Σ_{arcs of the lot} x ≥ v_min·z[p,n].

Valid inequalities; :data:`VALID_INEQUALITIES` names the families each is derived from, so a
caller that switches a family off (a diagnosis) switches these off too, and a dual solve can
leave them out:

* ``cell_cover`` (demand cell, no waiting list): Σ z over the lots able to serve the cell ≥ 1,
  counting only lots that serve it at its indicated level k when the step-down share σ[k] < 1
  (at least (1 − σ[k])·D' > 0 children are then served at level k). A cell with one such lot
  fixes it open.
* ``lot_capacity`` (lot of a provider with a capacity): Σ_{arcs of the lot} x ≤ cap[p]·z[p,n].
* ``moved_link`` (baseline pair with a ``w`` column): w[m,n,k,p] + x0[m,n,k,p]·z[p,n] ≥ x0, i.e.
  a closed lot moves all its baseline children. Derived from moved and contract_link.
* ``intake_moves`` (lot whose baseline X0 plus its cells' demand beyond their baseline G is
  below v_min): Σ w over the baseline pairs of the lot's cells + (X0 − a)·z[p,n] ≥ X0 with
  a = v_min − X0 − G. Closed, the lot moves its X0 children; open, it holds v_min children,
  so at least a of them were another provider's in the baseline and moved (coverage holds
  every cell's children to D').

Measured at medium scale (120 municipalities, 400 providers, 735 lots, seed 0), LP bound in k€
for min_cost: per-arc big-M rows 1.4353e6; per lot 1.4257e6, + ``cell_cover`` 1.4339e6,
+ ``lot_capacity`` 1.4379e6, + ``moved_link`` 1.4413e6; the best plan known is 1.4439e6 and
600 s of HiGHS prove 1.4429e6. For min_disruption ``moved_link`` lifts the bound from 4168 to
5097 children (best plan found 5425), and ``intake_moves`` to 5137 (240 rows). On the benchmark
seed (20261127) ``intake_moves`` lifts it from 3962 to 3985 (158 rows), and the gap at 60 s
from 1.21 % to 0.64 %. The Lagrangian bound of :func:`run_mip` lifts the relaxation's bound
further, by one MIP per need: seed 0, 5137 → 5220 children.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import highspy
import numpy as np
import pandas as pd

from budgetopt.optimisation.highs import highs_from_arrays, mip_figures, model_arrays
from budgetopt.optimisation.index import lookup
from budgetopt.optimisation.program import INF, ColumnBlock, Program, RowBlock
from budgetopt.optimisation.status import SolveStatus
from budgetopt.scenario.instance import Instance

if TYPE_CHECKING:
    from budgetopt.optimisation.highs import HighsSession, RawSolve
    from budgetopt.optimisation.lagrangian import LagrangianBound

M, N, P = "municipality_id", "need_id", "provider_id"

#: Valid-inequality families and the families they are derived from.
VALID_INEQUALITIES: dict[str, tuple[str, ...]] = {
    "cell_cover": ("coverage", "step_down"),
    "lot_capacity": ("provider_capacity", "contract_link"),
    "moved_link": ("moved", "contract_link"),
    "intake_moves": ("moved", "coverage", "contract_link", "min_contract_volume"),
}
#: Programs with at least this many columns solve the MIP's root LP with interior point.
IPM_ROOT_COLUMNS = 20_000
#: Share of the time limit the start plan may spend improving itself by single-lot flips.
IMPROVE_SHARE = 0.25
#: HiGHS's MIP runs only with at least this many times the relaxation's time left (+ 2 s).
MIP_ROOT_FACTOR = 1.5
#: The per-need MIPs of the Lagrangian bound run only with at least this much time left [s].
LAGRANGIAN_MIN_S = 5.0


# --------------------------------------------------------------------------- rows


def lot_of_arcs(arcs: pd.DataFrame, z: ColumnBlock) -> np.ndarray:
    """Position in ``z`` of each row's lot (integer codes ``p``, ``n``); -1 for none.

    ``arcs`` is any frame with the codes: the arcs, or the baseline pairs of ``w``.
    """
    n_needs = int(max(arcs["n"].to_numpy().max(initial=0), z.keys["n"].to_numpy().max(initial=0))) + 1
    return lookup(z.keys["p"].to_numpy(np.int64) * n_needs + z.keys["n"].to_numpy(np.int64),
                  arcs["p"].to_numpy(np.int64) * n_needs + arcs["n"].to_numpy(np.int64)).astype(np.int64)


def procurement_blocks(instance: Instance, arcs: pd.DataFrame, cells: pd.DataFrame, z: ColumnBlock,
                       w: ColumnBlock | None = None, *, link: str = "lot", cover: bool = True,
                       capacity: bool = True, moved: bool = True) -> list[RowBlock]:
    """The procurement families (module docstring); ``link`` is "lot" or "cell".

    ``w`` is the block of children moved away from their baseline provider, when the program
    has one (it gets ``moved_link`` rows).
    """
    scenario = instance.scenario
    lot = lot_of_arcs(arcs, z)
    blocks = [_contract_link(arcs, cells, z, lot, link)]
    if moved and w is not None:
        blocks.append(_moved_link(z, w))
        if scenario.min_contract_children:
            blocks.append(_intake_moves(arcs, cells, z, w, lot, float(scenario.min_contract_children)))
    if capacity:
        blocks.append(_lot_capacity(instance, arcs, z, lot))
    if cover:
        blocks.append(_cell_cover(instance, arcs, cells, z, lot))
    if scenario.max_providers_per_need is not None:
        need, needs = pd.factorize(z.keys[N], sort=True)
        blocks.append(RowBlock(
            "lots_per_need", pd.DataFrame({N: np.asarray(needs)}), need.astype(np.int64),
            z.start + np.arange(z.size), np.ones(z.size), np.full(len(needs), -INF),
            np.full(len(needs), float(scenario.max_providers_per_need)),
        ))
    if scenario.min_contract_children:
        v_min = float(scenario.min_contract_children)
        blocks.append(RowBlock(
            "min_contract_volume", z.keys[[P, N]].reset_index(drop=True),
            np.concatenate([lot, np.arange(z.size)]),
            np.concatenate([np.arange(len(arcs)), z.start + np.arange(z.size)]),
            np.concatenate([np.ones(len(arcs)), np.full(z.size, -v_min)]),
            np.zeros(z.size), np.full(z.size, INF),
        ))
    return [b for b in blocks if b is not None]


def _contract_link(arcs: pd.DataFrame, cells: pd.DataFrame, z: ColumnBlock, lot: np.ndarray,
                   link: str) -> RowBlock:
    """Σ x ≤ V·z per lot (V = demand it can reach), or Σ_l x ≤ D'·z per (cell, lot)."""
    demand = cells["demand"].to_numpy(float)
    cell = arcs["cell"].to_numpy(np.int64)
    if link == "lot":
        rows, row_lots = pd.factorize(lot, sort=True)
        row_lots = np.asarray(row_lots, dtype=np.int64)
        keys = z.keys[[P, N]].iloc[row_lots].reset_index(drop=True)
        pairs = np.unique(rows.astype(np.int64) * len(cells) + cell)
        coef = np.bincount(pairs // len(cells), weights=demand[pairs % len(cells)],
                           minlength=len(row_lots))
    elif link == "cell":
        rows, _ = pd.factorize(cell * z.size + lot, sort=True)
        first_arc = np.unique(rows, return_index=True)[1]
        row_lots = lot[first_arc]
        keys = arcs.iloc[first_arc][[M, N, "indicated_level", P]].reset_index(drop=True)
        coef = demand[cell[first_arc]]
    else:
        msg = f"link must be 'lot' or 'cell', not {link!r}"
        raise ValueError(msg)
    n_rows = len(row_lots)
    return RowBlock(
        "contract_link", keys,
        np.concatenate([rows.astype(np.int64), np.arange(n_rows)]),
        np.concatenate([np.arange(len(arcs)), z.start + row_lots]),
        np.concatenate([np.ones(len(arcs)), -coef]),
        np.full(n_rows, -INF), np.zeros(n_rows),
    )


def _moved_link(z: ColumnBlock, w: ColumnBlock) -> RowBlock | None:
    """w[m,n,k,p] + x0[m,n,k,p]·z[p,n] ≥ x0: a closed lot moves all its baseline children."""
    lot = lot_of_arcs(w.keys, z)
    keep = np.flatnonzero(lot >= 0)
    if len(keep) == 0:
        return None
    x0 = w.keys["children"].to_numpy(float)[keep]
    n_rows = len(keep)
    keys = w.keys.iloc[keep][[M, N, "level", P]].rename(columns={"level": "indicated_level"})
    return RowBlock(
        "moved_link", keys.reset_index(drop=True),
        np.concatenate([np.arange(n_rows), np.arange(n_rows)]),
        np.concatenate([w.start + keep, z.start + lot[keep]]),
        np.concatenate([np.ones(n_rows), x0]),
        x0, np.full(n_rows, INF),
    )


def _intake_moves(arcs: pd.DataFrame, cells: pd.DataFrame, z: ColumnBlock, w: ColumnBlock,
                  lot: np.ndarray, v_min: float) -> RowBlock | None:
    """Σ w over the cells of a lot + (X0 − a)·z ≥ X0, for each lot with a > 0.

    X0 [child-years] is the lot's baseline, G its cells' demand beyond their baseline and
    a = v_min − X0 − G. Closed, the lot moves its X0 children; open, it holds v_min, so at least
    a children arrive whom another provider of the same cell held in the baseline: moved.
    """
    if "cell" not in w.keys:
        return None
    n_cells = len(cells)
    w_lot = lot_of_arcs(w.keys, z)
    w_cell = w.keys["cell"].to_numpy(np.int64)
    children = w.keys["children"].to_numpy(float)
    own = w_lot >= 0
    x0 = np.bincount(w_lot[own], weights=children[own], minlength=z.size)
    beyond = np.maximum(cells["demand"].to_numpy(float)
                        - np.bincount(w_cell, weights=children, minlength=n_cells), 0.0)
    arc_cell = arcs["cell"].to_numpy(np.int64)
    pairs = np.unique(np.concatenate([lot[lot >= 0] * n_cells + arc_cell[lot >= 0],
                                      w_lot[own] * n_cells + w_cell[own]]))
    pair_lot, pair_cell = np.divmod(pairs, n_cells)
    arrive = v_min - x0 - np.bincount(pair_lot, weights=beyond[pair_cell], minlength=z.size)
    use = np.flatnonzero(arrive > 1e-9)
    if len(use) == 0:
        return None
    row_of = np.full(z.size, -1, dtype=np.int64)
    row_of[use] = np.arange(len(use))
    keep = row_of[pair_lot] >= 0
    pair_row, pair_cell = row_of[pair_lot[keep]], pair_cell[keep]
    order = np.argsort(w_cell, kind="stable")  # the w columns of each cell, cell by cell
    first = np.searchsorted(w_cell[order], np.arange(n_cells))
    count = np.bincount(w_cell, minlength=n_cells)[pair_cell]
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    cols = w.start + order[np.repeat(first[pair_cell], count) + offset]
    return RowBlock(
        "intake_moves", z.keys[[P, N]].iloc[use].reset_index(drop=True),
        np.concatenate([np.repeat(pair_row, count), np.arange(len(use))]),
        np.concatenate([cols, z.start + use]),
        np.concatenate([np.ones(len(cols)), x0[use] - arrive[use]]),
        x0[use], np.full(len(use), INF),
    )


def _lot_capacity(instance: Instance, arcs: pd.DataFrame, z: ColumnBlock,
                  lot: np.ndarray) -> RowBlock | None:
    """Σ_{arcs of the lot} x ≤ cap[p]·z[p,n] for each lot of a provider with a capacity."""
    if not instance.scenario.enforce_capacity:
        return None
    caps = instance["providers"].set_index(P)["capacity_children"].astype(float)
    cap = z.keys[P].map(caps).to_numpy(float)
    has = ~np.isnan(cap)
    if not has.any():
        return None
    n_rows = int(has.sum())
    row_of_lot = np.full(z.size, -1, dtype=np.int64)
    row_of_lot[has] = np.arange(n_rows)
    on = np.flatnonzero(has[lot])
    return RowBlock(
        "lot_capacity", z.keys.loc[has, [P, N]].reset_index(drop=True),
        np.concatenate([row_of_lot[lot[on]], np.arange(n_rows)]),
        np.concatenate([on, z.start + np.flatnonzero(has)]),
        np.concatenate([np.ones(len(on)), -cap[has]]),
        np.full(n_rows, -INF), np.zeros(n_rows),
    )


def _cell_cover(instance: Instance, arcs: pd.DataFrame, cells: pd.DataFrame, z: ColumnBlock,
                lot: np.ndarray) -> RowBlock | None:
    """Σ z over the lots able to serve a demand cell ≥ 1 (at its indicated level when σ[k] < 1)."""
    scenario = instance.scenario
    if scenario.allow_waiting_list or len(arcs) == 0:
        return None
    stepped = arcs["stepped"].to_numpy(bool)
    cell = arcs["cell"].to_numpy(np.int64)
    limited = np.zeros(len(cells), dtype=bool)
    if scenario.step_down_share is not None:
        share = {int(k): scenario.step_down_share_for(int(k))
                 for k in np.unique(cells["indicated_level"].to_numpy(np.int64))}
        limited = cells["indicated_level"].map(lambda k: share[int(k)] < 1.0).to_numpy(bool)
    use = ~stepped | ~limited[cell]
    pairs = np.unique(cell[use] * z.size + lot[use])
    rows, row_cells = pd.factorize(pairs // z.size, sort=True)
    keys = cells.iloc[np.asarray(row_cells)][[M, N, "indicated_level"]].reset_index(drop=True)
    return RowBlock("cell_cover", keys, rows.astype(np.int64), z.start + pairs % z.size,
                    np.ones(len(pairs)), np.ones(len(keys)), np.full(len(keys), INF))


# --------------------------------------------------------------------------- options


def mip_options(program: Program) -> dict[str, object]:
    """HiGHS options for a procurement MIP.

    The root LP of a medium instance takes the dual simplex method minutes and interior point
    (with crossover) a quarter of a minute, so big programs start with interior point; the node
    LPs always use the dual simplex method.
    """
    if program.num_cols >= IPM_ROOT_COLUMNS:
        return {"mip_lp_solver": "ipm"}
    return {}


# --------------------------------------------------------------------------- start plan


@dataclass
class LpStart:
    """What :func:`lp_start` found (stored units: k€ for money, minimisation).

    ``values`` is a feasible full column vector with z ∈ {0, 1}, or None; ``bound`` the LP
    relaxation's optimum, a valid lower bound for the MIP; ``objective`` the plan's value.
    Timings in seconds; ``trace`` records each fixing round.
    """

    values: np.ndarray | None = None
    bound: float | None = None
    objective: float | None = None
    relaxation_status: str = ""
    relaxation_s: float = 0.0
    fixing_s: float = 0.0
    lots: int = 0
    #: The relaxation's row duals (for :mod:`budgetopt.optimisation.lagrangian`).
    duals: np.ndarray | None = None
    rounds: int = 0
    flips: int = 0
    trace: list[dict[str, object]] = field(default_factory=list)

    @property
    def gap(self) -> float | None:
        """(objective − bound) / |objective|, or None."""
        return None if self.objective is None else _gap(self.objective, self.bound)


def lp_incumbent(session: HighsSession, program: Program) -> np.ndarray | None:
    """A feasible full column vector built from the LP relaxation, or None (see :func:`lp_start`)."""
    return lp_start(session, program).values


def lp_start(session: HighsSession, program: Program, *, time_limit_s: float | None = None,
             solver: str = "ipm", max_rounds: int = 40, improve_s: float = 0.0) -> LpStart:
    """Solve the LP relaxation, then dive to a feasible plan by fixing lots in warm LP rounds.

    Each round closes the lots the LP leaves unused and opens those at v_min or more (up to K
    per need), which keeps the LP plan feasible. When nothing settles by itself, a batch of
    small lots is closed (:func:`_forced`); an infeasible batch is halved, keeping the smallest
    volumes, and a single lot that cannot close opens instead. A lot that is the only one able
    to serve some cell opens from the start. The session's model is restored afterwards (z
    binary in [0, 1], the solver and time-limit options as before).

    With ``improve_s`` > 0 the plan found is then improved for up to that many seconds by
    flipping single lots (:func:`_improve`).

    ``time_limit_s`` (default: the session's) bounds the whole start. HiGHS 1.16 compares its
    ``time_limit`` option with the run time summed over every run of the Highs object, so the
    limit is set relative to ``getRunTime()``.
    """
    h = session.highs
    budget = session.options.time_limit_s if time_limit_s is None else time_limit_s
    saved_limit = h.getOptionValue("time_limit")[1]
    h.setOptionValue("time_limit", h.getRunTime() + budget)
    z = program.columns["z"]
    idx = np.arange(z.start, z.start + z.size, dtype=np.int32)
    v_min = _v_min(program)
    lot = lot_of_arcs(program.arcs, z)
    saved_solver = h.getOptionValue("solver")[1]
    started = time.perf_counter()
    h.changeColsIntegrality(len(idx), idx, np.full(len(idx), highspy.HighsVarType.kContinuous))
    h.setOptionValue("solver", solver)
    h.run()
    out = LpStart(relaxation_status=h.modelStatusToString(h.getModelStatus()),
                  relaxation_s=time.perf_counter() - started)
    optimal = highspy.HighsModelStatus.kOptimal

    def solve_with(decided: np.ndarray) -> bool:
        lower = np.where(decided < 0, z.lower, decided).astype(float)
        upper = np.where(decided < 0, z.upper, decided).astype(float)
        h.changeColsBounds(len(idx), idx, lower, upper)
        h.run()
        out.rounds += 1
        out.trace.append({
            "open": int((decided == 1).sum()), "closed": int((decided == 0).sum()),
            "free": int((decided < 0).sum()), "status": h.modelStatusToString(h.getModelStatus()),
            "s": round(time.perf_counter() - started, 2),
        })
        return h.getModelStatus() == optimal

    def stopped() -> bool:
        return session.monitor is not None and session.monitor.stopped

    try:
        if h.getModelStatus() != optimal:
            return out
        out.bound = float(h.getInfo().objective_function_value)
        values = np.asarray(h.getSolution().col_value).copy()
        out.duals = np.asarray(h.getSolution().row_dual).copy()
        h.setOptionValue("solver", "simplex")
        cover = _cover_members(program)
        fixed = np.full(z.size, -1, dtype=np.int64)
        if len(cover[0]):
            fixed[cover[1][np.bincount(cover[0])[cover[0]] == 1]] = 1
        while out.rounds < max_rounds:
            volume = _lot_volumes(program, values, lot)
            step = _settled(program, fixed, volume, v_min)
            if (step == fixed).all():
                batch = _forced(program, fixed, volume, v_min, cover)
                while True:
                    step = np.where(batch >= 0, batch, fixed)
                    if solve_with(step):
                        break
                    closing = np.flatnonzero(batch == 0)
                    if out.rounds >= max_rounds or len(closing) == 0 or stopped():
                        return out
                    if len(closing) == 1:
                        batch[closing] = 1  # this lot cannot close: open it
                        continue
                    order = np.argsort(volume[closing], kind="stable")
                    batch[closing[order[(len(closing) + 1) // 2:]]] = -1
            elif not solve_with(step):
                return out
            fixed = step
            values = np.asarray(h.getSolution().col_value).copy()
            if (fixed >= 0).all():
                out.values, out.objective = _settle_plan(program, session.objective, values, fixed, lot)
                break
        if out.values is not None and improve_s > 0 and not stopped():
            _improve(out, program, session.objective, fixed, lot, solve_with, h,
                     min(improve_s, budget - (time.perf_counter() - started)), stopped)
        if out.values is not None:
            out.lots = int(out.values[z.slice].sum())
    finally:
        out.fixing_s = time.perf_counter() - started - out.relaxation_s
        h.changeColsBounds(len(idx), idx, z.lower, z.upper)
        kind = highspy.HighsVarType.kInteger if session.has_integers else highspy.HighsVarType.kContinuous
        h.changeColsIntegrality(len(idx), idx, np.full(len(idx), kind))
        h.setOptionValue("solver", saved_solver)
        h.setOptionValue("time_limit", saved_limit)
    return out


def _settle_plan(program: Program, objective: str, values: np.ndarray, fixed: np.ndarray,
                 lot: np.ndarray) -> tuple[np.ndarray, float]:
    """The LP plan with every lot decided, as a plan and its objective (an open lot left without
    children, possible when v_min = 0, is not paid for)."""
    z = program.columns["z"]
    values = values.copy()
    values[z.slice] = np.where(_lot_volumes(program, values, lot) > 1e-9, fixed, 0)
    return values, float(program.objectives[objective] @ values)


def _improve(out: LpStart, program: Program, objective: str, fixed: np.ndarray, lot: np.ndarray,
             solve_with: Callable[[np.ndarray], bool], h: highspy.Highs, seconds: float,
             stopped: Callable[[], bool]) -> None:
    """Local search from ``out``'s plan: flip one lot at a time, keep each flip that lowers the
    objective, until a full pass finds none or ``seconds`` have passed.

    Candidates, most promising first: closed lots by the baseline children they would keep
    (reopening spares moving them), then open lots by their volume (closing the smallest saves
    its contract for the fewest children). Each flip is one warm LP solve with every lot fixed.
    A stop request (``stopped``) ends the search at once.
    """
    deadline = time.perf_counter() + seconds
    z = program.columns["z"]
    baseline = np.zeros(z.size)
    if "w" in program.columns:
        w = program.columns["w"]
        at = lot_of_arcs(w.keys, z)
        keep = at >= 0
        baseline = np.bincount(at[keep], weights=w.keys["children"].to_numpy(float)[keep], minlength=z.size)
    best = out.objective
    assert best is not None
    fixed = fixed.copy()
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        volume = _lot_volumes(program, out.values, lot)
        closed = np.flatnonzero(fixed == 0)
        opened = np.flatnonzero(fixed == 1)
        order = np.concatenate([closed[np.argsort(-baseline[closed], kind="stable")],
                                opened[np.argsort(volume[opened], kind="stable")]])
        for candidate in order:
            if time.perf_counter() >= deadline or stopped():
                return
            trial = fixed.copy()
            trial[candidate] = 1 - trial[candidate]
            if not solve_with(trial):
                continue
            solution = np.asarray(h.getSolution().col_value)
            values, value = _settle_plan(program, objective, solution, trial, lot)
            if value < best - 1e-9 * max(1.0, abs(best)):
                fixed, best, improved = trial, value, True
                out.values, out.objective = values, value
                out.flips += 1


def drop_closed_lots(program: Program, values: np.ndarray) -> np.ndarray:
    """The plan with every arc of a closed lot (z < 0.5) at exactly zero children.

    An LP or MIP solve leaves such arcs within its feasibility tolerance (~1e-7) of zero, and
    a lot counts as contracted from 1e-9 children on (``budgetopt.check``): left in, a closed
    lot would be counted, paid for and held to the minimum contract volume.
    """
    z = program.columns["z"]
    lot = lot_of_arcs(program.arcs, z)
    closed = (lot >= 0) & (values[z.slice][np.maximum(lot, 0)] < 0.5)
    if not closed.any():
        return values
    values = values.copy()
    values[program.columns["x"].start + np.flatnonzero(closed)] = 0.0
    return values


def _v_min(program: Program) -> float:
    """v_min [child-years], read from the min_contract_volume rows (0 without them)."""
    block = program.blocks.get("min_contract_volume")
    if block is None:
        return 0.0
    z = program.columns["z"]
    on_z = (block.cols >= z.start) & (block.cols < z.start + z.size)
    return float(-block.vals[on_z].min()) if on_z.any() else 0.0


def _lot_volumes(program: Program, values: np.ndarray, lot: np.ndarray) -> np.ndarray:
    """Children per lot in a plan [child-years]; ``lot`` from :func:`lot_of_arcs`."""
    x = np.maximum(values[program.columns["x"].slice], 0.0)
    return np.bincount(lot, weights=x, minlength=program.columns["z"].size)


def _settled(program: Program, fixed: np.ndarray, volume: np.ndarray, v_min: float) -> np.ndarray:
    """Decisions that keep the LP plan feasible: unused lots close, lots at v_min open.

    Lots only open in needs where every free lot in use fits under K; in a crowded need the
    choice is left to :func:`_forced`.
    """
    out = fixed.copy()
    free = fixed < 0
    out[free & (volume <= 1e-7)] = 0
    want = free & (volume >= max(v_min - 1e-7, 1e-7))
    group, room = _k_room(program, fixed)
    if group is not None:
        in_use = np.bincount(group[free & (volume > 1e-7)], minlength=len(room))
        want &= in_use[group] <= room[group] + 1e-9
    out[want] = 1
    return out


def _k_room(program: Program, fixed: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """Each lot's row in lots_per_need, and per row how many more lots may open."""
    block = program.blocks.get("lots_per_need")
    if block is None:
        return None, np.empty(0)
    z = program.columns["z"]
    group = np.zeros(z.size, dtype=np.int64)
    group[block.cols - z.start] = block.rows
    return group, block.upper - np.bincount(group[fixed == 1], minlength=block.size)


def _cover_members(program: Program) -> tuple[np.ndarray, np.ndarray]:
    """(row, lot) pairs of the cell_cover rows: each row needs one of its lots open."""
    block = program.blocks.get("cell_cover")
    if block is None:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return block.rows.astype(np.int64), (block.cols - program.columns["z"].start).astype(np.int64)


def _forced(program: Program, fixed: np.ndarray, volume: np.ndarray, v_min: float,
            cover: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The next batch to decide when nothing settles by itself (-1 outside the batch).

    Closing comes first because an opened lot must reach v_min, which a provider near its
    capacity cannot give several lots at once. The batch closes every free lot below v_min/2
    and, in a need with more lots in use than K leaves room for, the smaller ones beyond that
    room; failing both, the smaller-volume half of the free lots. A lot whose closing would
    leave a cell_cover row without a lot that may still open opens instead.
    """
    free = fixed < 0
    batch = np.full(len(fixed), -1, dtype=np.int64)
    close = free & (volume < 0.5 * v_min)
    group, room = _k_room(program, fixed)
    if group is not None:
        in_use = free & (volume > 1e-7)
        order = np.lexsort((-volume, group))
        running = np.cumsum(in_use[order].astype(np.int64))
        sorted_group = group[order]
        starts = np.searchsorted(sorted_group, sorted_group, side="left")
        rank = np.empty(len(fixed), dtype=np.int64)
        rank[order] = running - np.where(starts > 0, running[np.maximum(starts - 1, 0)], 0)
        close |= in_use & (rank > room[group] + 1e-9)
    if not close.any():
        candidates = np.flatnonzero(free)
        smaller = np.argsort(volume[candidates], kind="stable")[: max(1, len(candidates) // 2)]
        close[candidates[smaller]] = True
    batch[close] = 0
    rows, lots = cover
    if len(rows):
        after = np.where(batch >= 0, batch, fixed)
        alive = np.bincount(rows, weights=(after[lots] != 0).astype(float))
        dead = np.flatnonzero(alive[rows] < 0.5)
        dead = dead[batch[lots[dead]] == 0]
        if len(dead):
            frame = pd.DataFrame({"r": rows[dead], "z": lots[dead], "v": volume[lots[dead]]})
            keep = frame.sort_values(["r", "v"], ascending=[True, False]).drop_duplicates("r")
            batch[keep["z"].to_numpy()] = 1
    return batch


# --------------------------------------------------------------------------- the MIP run


def run_mip(session: HighsSession, program: Program, *, isolate: bool | None = None,
            lagrangian: bool | None = None, details: dict[str, object] | None = None) -> RawSolve:
    """Start plan, a Lagrangian bound, then HiGHS's MIP for the time left; the bound is the best
    known.

    ``lagrangian`` (default: for programs of :data:`IPM_ROOT_COLUMNS` columns or more) lifts
    the relaxation's bound by one MIP per need (:func:`lagrangian_bound`) once the start plan
    is found, until the deadline or until every need's MIP is solved. At medium scale HiGHS's
    MIP on the whole program does not finish a round of root cuts within a minute
    (benchmarks/NOTES.md), while the per-need MIPs close in about half of it.

    The reported bound is max(HiGHS's dual bound, the Lagrangian bound, the LP relaxation's
    optimum) and the gap is recomputed from it, so a solve the time limit ends reports what is
    proven. HiGHS's MIP is
    skipped when the start plan is already within the MIP gap, or when the time left is too
    short for its root LP (measured to take about as long as the relaxation, after presolve):
    it could then improve neither the plan nor the bound.

    ``isolate`` (default: for programs of :data:`IPM_ROOT_COLUMNS` columns or more) runs the
    MIP in a child process that is killed at the deadline: at medium scale HiGHS 1.16 was seen
    to stay in its root node for minutes past ``time_limit`` (min_disruption, max_quality),
    deaf to interrupt callbacks. The child streams improving plans and bounds, so what it
    found before the deadline is kept. ``details`` (if given) receives the start's figures and
    timings [s].

    Time limits in HiGHS 1.16 (measured): an LP run stops when the run time summed over all
    runs of the Highs object reaches ``time_limit``; a MIP run counts from its own start.
    """
    options = session.options
    started = time.perf_counter()
    deadline = started + options.time_limit_s
    start = lp_start(session, program, time_limit_s=options.time_limit_s,
                     improve_s=IMPROVE_SHARE * options.time_limit_s)
    if start.relaxation_status == "Infeasible":
        return _raw_infeasible(start, time.perf_counter() - started)
    if session.monitor is not None and session.monitor.stopped:
        return _raw_interrupted(session, program, start, time.perf_counter() - started)
    if session.monitor is not None and start.objective is not None:
        gap = start.gap
        session.monitor.solver(**mip_figures(session.objective, start.objective,
                                             -np.inf if start.bound is None else start.bound,
                                             np.nan if gap is None else gap))
    lifted, relaxation = None, start.bound
    if lagrangian is None:
        lagrangian = program.num_cols >= IPM_ROOT_COLUMNS
    if (lagrangian and start.values is not None and (start.gap or 0.0) > options.mip_gap
            and deadline - time.perf_counter() >= LAGRANGIAN_MIN_S):
        lifted = lagrangian_bound(session, program, start, deadline)
        if lifted is not None and start.bound is not None and lifted.bound > start.bound:
            start.bound = lifted.bound
            if session.monitor is not None and start.objective is not None:
                session.monitor.solver(**mip_figures(session.objective, start.objective, start.bound,
                                                     start.gap or 0.0))
        if session.monitor is not None and session.monitor.stopped:
            return _raw_interrupted(session, program, start, time.perf_counter() - started)
    left = deadline - time.perf_counter()
    run_highs = start.values is None or (
        (start.gap or 0.0) > options.mip_gap and left >= MIP_ROOT_FACTOR * start.relaxation_s + 2.0)
    isolate = program.num_cols >= IPM_ROOT_COLUMNS if isolate is None else isolate
    if details is not None:
        details.update(start_bound=relaxation, start_objective=start.objective, start_gap=start.gap,
                       start_lots=start.lots, start_rounds=start.rounds, start_flips=start.flips,
                       mip_run=run_highs,
                       lagrangian_bound=None if lifted is None else lifted.bound,
                       lagrangian_s=None if lifted is None else lifted.seconds,
                       lagrangian_solved=None if lifted is None else lifted.solved,
                       isolated=run_highs and isolate, relaxation_s=start.relaxation_s,
                       fixing_s=start.fixing_s)
    if not run_highs:
        return _raw_from_start(session, program, start, time.perf_counter() - started)
    highs_options = {**mip_options(program), "mip_rel_gap": float(options.mip_gap)}
    if options.threads:
        highs_options["threads"] = int(options.threads)
    if isolate:
        timeline = details.setdefault("timeline", []) if details is not None else None
        raw = _isolated_mip(session, program, start, highs_options, deadline, timeline)
    else:
        raw = _inline_mip(session, start, highs_options, max(left, 0.1))
    raw.time_s = time.perf_counter() - started
    if raw.status != SolveStatus.INFEASIBLE:
        bounds = [b for b in (raw.bound, start.bound) if b is not None and np.isfinite(b)]
        raw.bound = max(bounds) if bounds else raw.bound
        if raw.objective is not None and bounds:
            raw.gap = _gap(raw.objective, raw.bound)
    return raw


def lagrangian_bound(session: HighsSession, program: Program, start: LpStart,
                     deadline: float) -> LagrangianBound | None:
    """The relaxation of ``start`` lifted by one MIP per need, run until ``deadline`` (a
    ``perf_counter`` time); None when the program does not split by need
    (:mod:`budgetopt.optimisation.lagrangian`)."""
    import os

    from budgetopt.optimisation import lagrangian

    needs = lagrangian.column_needs(program)
    if needs is None or start.duals is None:
        return None
    parts = lagrangian.split(model_arrays(session.highs), needs, start.duals)
    if parts is None:
        return None
    threads = int(session.options.threads or os.cpu_count() or 1)
    monitor, objective = session.monitor, start.objective

    def report(bound: float) -> None:
        if monitor is not None and objective is not None:
            monitor.solver(**mip_figures(session.objective, objective, bound, _gap(objective, bound) or 0.0))

    return lagrangian.bound(parts, deadline, threads=threads, monitor=monitor, on_bound=report)


def _inline_mip(session: HighsSession, start: LpStart, highs_options: dict[str, object],
                limit_s: float) -> RawSolve:
    """HiGHS's MIP on the session's own model, from the start plan."""
    h = session.highs
    for name, value in highs_options.items():
        if name != "threads":  # HiGHS takes threads only before its first run
            h.setOptionValue(name, value)
    if start.values is not None:
        solution = highspy.HighsSolution()
        solution.col_value = list(start.values)
        solution.value_valid = True
        h.setSolution(solution)
    saved_limit = h.getOptionValue("time_limit")[1]
    try:
        return session.run(time_limit_s=limit_s)
    finally:
        h.setOptionValue("time_limit", saved_limit)


def _isolated_mip(session: HighsSession, program: Program, start: LpStart,
                  highs_options: dict[str, object], deadline: float,
                  timeline: list[tuple[float, float | None, float | None]] | None = None) -> RawSolve:
    """HiGHS's MIP in a child process (:mod:`budgetopt.optimisation.child`), killed at
    ``deadline``; the best plan and bound it sent.

    ``timeline`` (if given) receives (seconds before the deadline, bound, objective) whenever
    either improves.
    """
    from contextlib import closing

    from budgetopt.optimisation.child import run_child
    from budgetopt.optimisation.highs import RawSolve

    limit = max(deadline - time.perf_counter() - 1.5, 0.1)  # the child needs ~1 s to start
    payload = (model_arrays(session.highs), {**highs_options, "time_limit": limit}, start.values)
    best_x, best_obj, bound, final = start.values, start.objective, None, None
    monitor = session.monitor
    entry = "from budgetopt.optimisation.procurement import _mip_child; _mip_child()"
    with closing(run_child(entry, payload, deadline, monitor)) as messages:
        for message in messages:
            if message[0] == "bound" and np.isfinite(message[1]) and (bound is None or message[1] > bound):
                bound = message[1]
                if timeline is not None:
                    timeline.append((deadline - time.perf_counter(), bound, best_obj))
            elif message[0] == "plan" and (best_obj is None or message[1] < best_obj):
                best_obj, best_x = message[1], message[2]
                if timeline is not None:
                    timeline.append((deadline - time.perf_counter(), bound, best_obj))
            elif message[0] == "done":
                final = message
                break
            if monitor is not None and best_obj is not None:
                gap = _gap(best_obj, bound)
                monitor.solver(**mip_figures(session.objective, best_obj, -np.inf if bound is None else bound,
                                             np.nan if gap is None else gap))
    stopped = monitor is not None and monitor.stopped
    status = SolveStatus.TIME_LIMIT_FEASIBLE if best_x is not None else SolveStatus.TIME_LIMIT_NO_PLAN
    highs_status, nodes, iterations = "Time limit reached (MIP stopped at the deadline)", 0, 0
    if stopped:
        status, highs_status = SolveStatus.INTERRUPTED, "Interrupted (stop requested)"
    if final is not None:
        _, highs_status, code, objective, final_bound, values, nodes, iterations = final
        if values is not None and (best_obj is None or objective <= best_obj):
            best_obj, best_x = objective, values
        if np.isfinite(final_bound):
            bound = final_bound if bound is None else max(bound, final_bound)
        if code == int(highspy.HighsModelStatus.kInfeasible):
            status = SolveStatus.INFEASIBLE
        elif code == int(highspy.HighsModelStatus.kOptimal) and best_x is not None:
            status = SolveStatus.OPTIMAL
    if status == SolveStatus.INFEASIBLE or best_x is None:
        best_x, best_obj = None, None
    return RawSolve(
        status=status, highs_status=highs_status, col_value=best_x,
        row_value=None if best_x is None else program.matrix() @ best_x, row_dual=None,
        objective=best_obj, bound=bound, gap=None, time_s=0.0, iterations=int(iterations),
        nodes=int(nodes),
    )


def _mip_child() -> None:
    """Child process: read (model, options, start) from stdin, solve the MIP, and write
    ("bound", b), ("plan", objective, x) and finally ("done", ...) to stdout, pickled."""
    from budgetopt.optimisation.child import serve

    (model, highs_options, start), send = serve()
    h = highs_from_arrays(model)
    for name, value in highs_options.items():
        h.setOptionValue(name, value)
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = list(start)
        solution.value_valid = True
        h.setSolution(solution)
    last = [0.0]

    def progress(event: object) -> None:
        now = time.perf_counter()
        if now - last[0] >= 0.5:
            last[0] = now
            send(("bound", float(event.data_out.mip_dual_bound)))  # type: ignore[attr-defined]

    def improved(event: object) -> None:
        data = event.data_out  # type: ignore[attr-defined]
        send(("plan", float(data.objective_function_value), np.asarray(data.mip_solution).copy()))
        send(("bound", float(data.mip_dual_bound)))

    h.cbMipInterrupt.subscribe(progress)
    h.cbMipImprovingSolution.subscribe(improved)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    values = np.asarray(h.getSolution().col_value) if int(info.primal_solution_status) == 2 else None
    send(("done", h.modelStatusToString(status), int(status), float(info.objective_function_value),
          float(info.mip_dual_bound), values, int(info.mip_node_count),
          int(info.simplex_iteration_count)))


def _gap(objective: float, bound: float | None) -> float | None:
    """(objective − bound) / |objective| of a minimisation, or None without a bound."""
    if bound is None or not np.isfinite(bound):
        return None
    return max(0.0, (objective - bound) / max(abs(objective), 1e-9))


def _raw_infeasible(start: LpStart, elapsed: float) -> RawSolve:
    """An infeasible relaxation: the MIP is infeasible too."""
    from budgetopt.optimisation.highs import RawSolve

    return RawSolve(status=SolveStatus.INFEASIBLE, highs_status="Infeasible (LP relaxation)",
                    col_value=None, row_value=None, row_dual=None, objective=None, bound=None,
                    gap=None, time_s=elapsed, iterations=0)


def _raw_interrupted(session: HighsSession, program: Program, start: LpStart,
                     elapsed: float) -> RawSolve:
    """A stop requested while the start plan was being built: its plan, if it had one."""
    from budgetopt.optimisation.highs import RawSolve

    values = start.values
    return RawSolve(status=SolveStatus.INTERRUPTED, highs_status="Interrupted (stop requested)",
                    col_value=values, row_value=None if values is None else program.matrix() @ values,
                    row_dual=None, objective=start.objective, bound=start.bound, gap=start.gap,
                    time_s=elapsed, iterations=0)


def _raw_from_start(session: HighsSession, program: Program, start: LpStart,
                    elapsed: float) -> RawSolve:
    """The start plan as a solve outcome (optimal within the gap, or stopped by the time limit)."""
    from budgetopt.optimisation.highs import RawSolve

    assert start.values is not None
    assert start.objective is not None
    gap = start.gap or 0.0
    status = SolveStatus.OPTIMAL if gap <= session.options.mip_gap else SolveStatus.TIME_LIMIT_FEASIBLE
    return RawSolve(
        status=status, highs_status="LP relaxation and fixing" if status == SolveStatus.OPTIMAL
        else "Time limit reached", col_value=start.values,
        row_value=program.matrix() @ start.values, row_dual=None, objective=start.objective,
        bound=start.bound, gap=gap, time_s=elapsed, iterations=0,
    )
