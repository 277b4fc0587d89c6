"""The model written the usual Pyomo way, for comparison with the floor and budgetopt.

pandas merges prepare the index lists, dicts group them per row, and a ``ConcreteModel`` with tuple
``Set``s over the arcs, ``Param``s, ``Var``s and ``Constraint`` rules with builtin ``sum()``
states the families of models/FORMULATION.md that the benchmark scenarios use (the same ones as
:mod:`benchmarks.floor`). Solved with ``SolverFactory("appsi_highs")``. Money in k EUR, as in
budgetopt and the floor, so HiGHS sees the same numbers.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from budgetopt.scenario.instance import Instance

MONEY = 1e-3
P_CHILD = 1000.0
M, N, P = "municipality_id", "need_id", "provider_id"


@dataclass
class PyomoRun:
    """One plain-Pyomo solve: timings [s], termination, objective in user units, model size."""

    build_s: float
    solve_s: float
    highs_s: float | None
    status: str
    objective: float | None
    shape: tuple[int, int, int]
    iterations: int | None = None

    @property
    def total_s(self) -> float:
        """Build + solve call."""
        return self.build_s + self.solve_s


def _prices(instance: Instance, frame: pd.DataFrame, level: str) -> pd.Series:
    """List price, replaced by a region override, replaced by a municipality override; x index."""
    keys = frame[[M, P, N, level]].rename(columns={level: "level"})
    offers = instance["offers"][[P, N, "level", "cost_eur"]]
    price = keys.merge(offers, on=[P, N, "level"], how="left")["cost_eur"]
    if instance.has("price_overrides"):
        over = instance["price_overrides"]
        own = over[over[M].notna()].drop_duplicates([M, P, N, "level"], keep="last")
        reg = over[over[M].isna() & over["region"].notna()]
        reg = reg.drop_duplicates(["region", P, N, "level"], keep="last")
        regions = instance["municipalities"][[M, "region"]]
        via_r = keys.merge(regions, on=M, how="left").merge(
            reg[["region", P, N, "level", "cost_eur"]], on=["region", P, N, "level"], how="left")
        price = via_r["cost_eur"].fillna(price)
        via_m = keys.merge(own[[M, P, N, "level", "cost_eur"]], on=[M, P, N, "level"], how="left")
        price = via_m["cost_eur"].fillna(price)
    return price.to_numpy(float) * instance.scenario.price_index


def _data(instance: Instance) -> dict[str, object]:
    """Index lists and parameter dicts, prepared with pandas."""
    sc = instance.scenario
    demand = instance["demand"].groupby([M, N, "level"], as_index=False)["children"].sum()
    demand["d"] = demand["children"] * (1.0 + sc.demand_growth)
    demand = demand[demand["d"] > 0].rename(columns={"level": "k"})
    depth = sc.max_step_down_levels if sc.max_step_down_levels is not None else (
        1 if sc.step_down_share is not None else 0)
    levels = instance["levels"].sort_values("level")
    steps = pd.DataFrame({"step": range(depth + 1)})
    pairs = demand.merge(steps, how="cross")
    pairs["level"] = pairs["k"] - pairs["step"]
    pairs = pairs[pairs["level"].isin(levels["level"])]
    offers = instance["offers"][[P, N, "level", "quality", "capacity_children"]]
    if instance.has("access"):
        arcs = pairs.merge(instance["access"][[M, P]].drop_duplicates(), on=M)
        arcs = arcs.merge(offers, on=[P, N, "level"])
    else:
        arcs = pairs.merge(offers, on=[N, "level"])
    arcs = arcs.sort_values([M, N, "k", "level", P]).reset_index(drop=True)
    arcs["price"] = _prices(instance, arcs, "level")
    base = pd.DataFrame(columns=[M, N, "k", P, "children", "cost"])
    if instance.has("baseline"):
        base = instance["baseline"].groupby([M, N, "level", P], as_index=False)["children"].sum()
        base = base[base["children"] > 0].reset_index(drop=True)
        base["cost"] = base["children"] * _prices(instance, base, "level")
        base = base.rename(columns={"level": "k"})
    return {"cells": demand, "arcs": arcs, "base": base, "levels": levels}


def build_model(instance: Instance) -> pyo.ConcreteModel:
    """The ConcreteModel with the scenario's objective."""
    sc = instance.scenario
    data = _data(instance)
    cells, arcs, base, levels = data["cells"], data["arcs"], data["base"], data["levels"]
    ooh_levels = set(levels.loc[levels["out_of_home"], "level"])
    res_levels = set(levels.loc[levels["residential"], "level"])
    arc_keys = list(zip(arcs[M], arcs[N], arcs["k"], arcs["level"], arcs[P], strict=True))
    cell_keys = list(zip(cells[M], cells[N], cells["k"], strict=True))

    m = pyo.ConcreteModel()
    m.A = pyo.Set(initialize=arc_keys, dimen=5, ordered=True)
    m.C = pyo.Set(initialize=cell_keys, dimen=3, ordered=True)
    m.price = pyo.Param(m.A, initialize=dict(zip(arc_keys, arcs["price"], strict=True)))
    m.q = pyo.Param(m.A, initialize=dict(zip(arc_keys, arcs["quality"], strict=True)))
    m.D = pyo.Param(m.C, initialize=dict(zip(cell_keys, cells["d"], strict=True)))
    m.x = pyo.Var(m.A, within=pyo.NonNegativeReals)
    m.u = pyo.Var(m.C, within=pyo.NonNegativeReals,
                  bounds=(0, None if sc.allow_waiting_list else 0))

    by_cell: dict[tuple, list] = defaultdict(list)
    stepped: dict[tuple, list] = defaultdict(list)
    by_provider: dict[str, list] = defaultdict(list)
    by_offer: dict[tuple, list] = defaultdict(list)
    by_muni: dict[str, list] = defaultdict(list)
    by_pair: dict[tuple, list] = defaultdict(list)
    for a in arc_keys:
        mm, n, k, lv, p = a
        by_cell[mm, n, k].append(a)
        if lv < k:
            stepped[mm, n, k].append(a)
        by_provider[p].append(a)
        by_offer[p, n, lv].append(a)
        by_muni[mm].append(a)
        by_pair[mm, n, k, p].append(a)

    def coverage(mdl, mm, n, k):
        return sum(mdl.x[a] for a in by_cell[mm, n, k]) + mdl.u[mm, n, k] == mdl.D[mm, n, k]
    m.coverage = pyo.Constraint(m.C, rule=coverage)

    if sc.step_down_share is not None and depth_of(sc) > 0:
        def sigma(k: int) -> float:
            share = sc.step_down_share
            return float(share.get(int(k), 0.0)) if isinstance(share, dict) else float(share)
        m.SD = pyo.Set(initialize=[c for c in cell_keys if stepped[c]], dimen=3, ordered=True)
        m.step_down = pyo.Constraint(m.SD, rule=lambda mdl, mm, n, k: sum(
            mdl.x[a] for a in stepped[mm, n, k]) <= sigma(k) * mdl.D[mm, n, k])

    if sc.enforce_capacity:
        caps = instance["providers"].set_index(P)["capacity_children"].dropna().to_dict()
        m.PC = pyo.Set(initialize=sorted(p for p in by_provider if p in caps), ordered=True)
        m.cap = pyo.Param(m.PC, initialize={p: caps[p] for p in m.PC})
        m.provider_capacity = pyo.Constraint(
            m.PC, rule=lambda mdl, p: sum(mdl.x[a] for a in by_provider[p]) <= mdl.cap[p])
        offer_caps = instance["offers"].dropna(subset=["capacity_children"])
        ocap = {(r[P], r[N], r["level"]): r["capacity_children"] for _, r in offer_caps.iterrows()}
        m.OC = pyo.Set(initialize=sorted(o for o in by_offer if o in ocap), dimen=3, ordered=True)
        m.offer_capacity = pyo.Constraint(
            m.OC, rule=lambda mdl, p, n, lv: sum(mdl.x[a] for a in by_offer[p, n, lv]) <= ocap[p, n, lv])

    budget = sc.budget_eur
    if budget is None and sc.budget_cut is not None and len(base):
        budget = (1.0 - sc.budget_cut) * float(base["cost"].sum())
    if budget is not None:
        m.budget = pyo.Constraint(expr=sum(MONEY * m.price[a] * m.x[a] for a in m.A) <= budget * MONEY)

    own = instance["municipalities"].set_index(M)["quality_floor"].astype(float)
    floors = own.fillna(np.nan if sc.quality_floor is None else sc.quality_floor).dropna().to_dict()
    m.QM = pyo.Set(initialize=sorted(mm for mm in by_muni if mm in floors), ordered=True)
    m.quality_floor = pyo.Constraint(m.QM, rule=lambda mdl, mm: sum(
        (mdl.q[a] - floors[mm]) * mdl.x[a] for a in by_muni[mm]) >= 0)

    want_w = len(base) > 0 and (sc.continuity_max_moved_share is not None
                                or sc.objective == "min_disruption")
    w_keys: list[tuple] = []
    if want_w:
        cell_set = set(cell_keys)
        w_rows = base[[(r[0], r[1], r[2]) in cell_set for r in zip(
            base[M], base[N], base["k"], strict=True)]]
        w_keys = list(zip(w_rows[M], w_rows[N], w_rows["k"], w_rows[P], strict=True))
        x0 = dict(zip(w_keys, w_rows["children"], strict=True))
        m.W = pyo.Set(initialize=w_keys, dimen=4, ordered=True)
        m.w = pyo.Var(m.W, within=pyo.NonNegativeReals)
        m.moved = pyo.Constraint(m.W, rule=lambda mdl, mm, n, k, p: mdl.w[mm, n, k, p] + sum(
            mdl.x[a] for a in by_pair[mm, n, k, p]) >= x0[mm, n, k, p])
        mu = sc.continuity_max_moved_share
        if mu is not None:
            w_of_muni: dict[str, list] = defaultdict(list)
            for key in w_keys:
                w_of_muni[key[0]].append(key)
            m.CM = pyo.Set(initialize=sorted(w_of_muni), ordered=True)
            m.continuity = pyo.Constraint(m.CM, rule=lambda mdl, mm: sum(
                mdl.w[key] for key in w_of_muni[mm]) <= mu * sum(x0[key] for key in w_of_muni[mm]))

    delta = sc.alliance_revenue_floor
    if delta is not None and len(base):
        allied = set(instance["providers"].loc[instance["providers"]["alliance"].astype(bool), P])
        r0 = base[base[P].isin(allied)].groupby(P)["cost"].sum()
        r0 = r0[r0 > 0].to_dict()
        m.AP = pyo.Set(initialize=sorted(p for p in by_provider if p in r0), ordered=True)
        m.alliance = pyo.Constraint(m.AP, rule=lambda mdl, p: sum(
            MONEY * mdl.price[a] * mdl.x[a] for a in by_provider[p]) >= (1 - delta) * r0[p] * MONEY)

    h = sc.out_of_home_max_share
    if h is not None:
        m.OM = pyo.Set(initialize=sorted(by_muni), ordered=True)
        m.out_of_home = pyo.Constraint(m.OM, rule=lambda mdl, mm: sum(
            mdl.x[a] for a in by_muni[mm] if a[3] in ooh_levels) - h * sum(
            mdl.x[a] for a in by_muni[mm]) <= 0)
    r = sc.residential_max_share_of_out_of_home
    if r is not None:
        with_ooh = sorted(mm for mm, lst in by_muni.items() if any(a[3] in ooh_levels for a in lst))
        m.RM = pyo.Set(initialize=with_ooh, ordered=True)
        m.residential = pyo.Constraint(m.RM, rule=lambda mdl, mm: sum(
            mdl.x[a] for a in by_muni[mm] if a[3] in res_levels) - r * sum(
            mdl.x[a] for a in by_muni[mm] if a[3] in ooh_levels) <= 0)

    objective = sc.objective.value
    if objective == "min_cost":
        penalty = sc.waiting_list_penalty_eur or 10.0 * float(arcs["price"].max())
        expr = sum(MONEY * m.price[a] * m.x[a] for a in m.A) + penalty * MONEY * sum(
            m.u[c] for c in m.C)
        m.obj = pyo.Objective(expr=expr, sense=pyo.minimize)
    elif objective == "max_quality":
        m.obj = pyo.Objective(expr=sum(m.q[a] * m.x[a] for a in m.A) - sum(m.u[c] for c in m.C),
                              sense=pyo.maximize)
    else:
        expr = sum(m.x[a] for a in m.A if a[3] < a[2]) + P_CHILD * sum(m.u[c] for c in m.C)
        if w_keys:
            expr = expr + sum(m.w[key] for key in m.W)
        m.obj = pyo.Objective(expr=expr, sense=pyo.minimize)
    return m


def depth_of(sc: object) -> int:
    """s: levels a child may be served lighter (FORMULATION.md)."""
    if sc.max_step_down_levels is not None:
        return int(sc.max_step_down_levels)
    return 1 if sc.step_down_share is not None else 0


def model_shape(model: pyo.ConcreteModel) -> tuple[int, int, int]:
    """(rows, columns, nonzeros) of a built model, counted from its constraints."""
    from pyomo.repn import generate_standard_repn

    rows = nnz = 0
    for con in model.component_data_objects(pyo.Constraint, active=True):
        rows += 1
        nnz += len(generate_standard_repn(con.body, quadratic=False).linear_vars)
    cols = sum(1 for _ in model.component_data_objects(pyo.Var))
    return rows, cols, nnz


def solve_plain_pyomo(instance: Instance, objective: str | None = None,
                      options: dict[str, object] | None = None,
                      *, count: bool = False, time_limit_s: float = 600.0) -> PyomoRun:
    """Build and solve with appsi_highs; ``count`` also counts rows/columns/nonzeros (slow)."""
    if objective is not None:
        instance = instance.with_scenario(objective=objective)
    t0 = time.perf_counter()
    model = build_model(instance)
    t1 = time.perf_counter()
    opt = pyo.SolverFactory("appsi_highs")
    results = opt.solve(model, load_solutions=False, timelimit=time_limit_s, options=options)
    status = str(results.solver.termination_condition)
    value = None
    if status == "optimal":
        model.solutions.load_from(results)
        value = float(pyo.value(model.obj))
        if instance.scenario.objective.value == "min_cost":
            value /= MONEY
    t2 = time.perf_counter()
    highs = getattr(opt, "_solver_model", None)
    highs_s = float(highs.getRunTime()) if highs is not None else None
    iterations = None
    if highs is not None:
        info = highs.getInfo()
        iterations = int(info.simplex_iteration_count) + int(info.ipm_iteration_count)
    shape = model_shape(model) if count else (0, 0, 0)
    return PyomoRun(t1 - t0, t2 - t1, highs_s, status, value, shape, iterations)
