"""The floor: budgetopt's LP built directly with numpy/scipy from the instance tables, run by highspy.

Written from models/FORMULATION.md, independently of ``budgetopt.optimisation.build``: ids become
integer codes (sorted ids, so the order is the natural lexicographic one), offers a dense
(provider, need, level) grid, access a CSR list per municipality, and every family a set of
coordinate triples. Money enters the matrix in thousands of euros, as in budgetopt, so HiGHS
sees the same numbers. Families: coverage, step_down, provider_capacity, offer_capacity, budget,
quality_floor, continuity (with the moved-children link), alliance, out_of_home, residential;
objectives min_cost, max_quality, min_disruption. Anything else raises ``NotImplementedError``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

from budgetopt.scenario.instance import Instance

#: EUR -> matrix units (k EUR), the scaling budgetopt uses too.
MONEY = 1e-3
#: Penalty per unserved child in min_disruption [children], FORMULATION.md.
P_CHILD = 1000.0
INF = np.inf
M, N, P = "municipality_id", "need_id", "provider_id"


@dataclass
class FloorLP:
    """The LP as arrays: ``row_lower <= A x <= row_upper``, bounds, one cost vector per objective."""

    a: sp.csc_matrix
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    costs: dict[str, np.ndarray]
    families: dict[str, int] = field(default_factory=dict)
    budget_row: int | None = None
    n_arcs: int = 0

    @property
    def shape(self) -> tuple[int, int, int]:
        """(rows, columns, nonzeros)."""
        return self.a.shape[0], self.a.shape[1], int(self.a.nnz)


@dataclass
class FloorRun:
    """One floor solve: timings [s], HiGHS status, objective in user units, the solution."""

    build_s: float
    pass_s: float
    run_s: float
    highs_s: float
    read_s: float
    status: str
    objective: float | None
    iterations: int
    shape: tuple[int, int, int]
    col_value: np.ndarray | None = None
    row_dual: np.ndarray | None = None

    @property
    def total_s(self) -> float:
        """Build + pass + run + read."""
        return self.build_s + self.pass_s + self.run_s + self.read_s


def _codes(values: pd.Series, universe: np.ndarray) -> np.ndarray:
    return pd.Index(universe).get_indexer(values.to_numpy(dtype=object))


def _ids(frame: pd.DataFrame, column: str) -> np.ndarray:
    return np.sort(frame[column].to_numpy(dtype=object))


def _group(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique keys and the row (position among them) of each entry."""
    return np.unique(keys, return_inverse=True)


def _last_wins(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique sorted keys, each with the value of its last occurrence."""
    rev_keys, first = np.unique(keys[::-1], return_index=True)
    return rev_keys, values[::-1][first]


def _lookup(table_keys: np.ndarray, table_values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """table_values at keys, NaN where a key is absent."""
    out = np.full(len(keys), np.nan)
    if len(table_keys) == 0:
        return out
    pos = np.minimum(np.searchsorted(table_keys, keys), len(table_keys) - 1)
    hit = table_keys[pos] == keys
    out[hit] = table_values[pos[hit]]
    return out


class _Data:
    """Coded instance tables: sets, dense offer grid, prices with overrides."""

    def __init__(self, instance: Instance) -> None:
        t = instance.tables
        self.instance = instance
        self.sc = instance.scenario
        munis = t["municipalities"]
        self.mun = _ids(munis, M)
        self.need = _ids(t["needs"], N)
        self.prov = _ids(t["providers"], P)
        self.lev = np.sort(t["levels"]["level"].to_numpy(np.int64))
        self.nm, self.nn, self.np_, self.nl = len(self.mun), len(self.need), len(self.prov), len(self.lev)
        offers = t["offers"]
        op, on = _codes(offers[P], self.prov), _codes(offers[N], self.need)
        ol = np.searchsorted(self.lev, offers["level"].to_numpy(np.int64))
        shape = (self.np_, self.nn, self.nl)
        self.offered = np.zeros(shape, dtype=bool)
        self.offered[op, on, ol] = True
        self.price0 = np.full(shape, np.nan)
        self.price0[op, on, ol] = offers["cost_eur"].to_numpy(float)
        self.quality = np.full(shape, np.nan)
        self.quality[op, on, ol] = offers["quality"].to_numpy(float)
        self.offer_cap = np.full(shape, np.nan)
        if "capacity_children" in offers:
            self.offer_cap[op, on, ol] = offers["capacity_children"].to_numpy(float)
        levels = t["levels"].sort_values("level")
        self.out_of_home = levels["out_of_home"].to_numpy(bool)
        self.residential = levels["residential"].to_numpy(bool)
        providers = t["providers"].set_index(P).loc[self.prov]
        self.capacity = providers["capacity_children"].to_numpy(float)
        self.alliance = providers["alliance"].to_numpy(bool)
        m_table = munis.set_index(M).loc[self.mun]
        self.own_floor = m_table["quality_floor"].to_numpy(float) if "quality_floor" in m_table \
            else np.full(self.nm, np.nan)
        self._overrides(m_table)

    def _overrides(self, m_table: pd.DataFrame) -> None:
        """Contract prices: a municipality row wins over a region row, which wins over the list."""
        self.by_m = self.by_r = (np.empty(0, np.int64), np.empty(0))
        self.region_of_m = np.full(self.nm, -1)
        if not self.instance.has("price_overrides"):
            return
        over = self.instance["price_overrides"]
        li = np.searchsorted(self.lev, over["level"].to_numpy(np.int64))
        pn = (_codes(over[P], self.prov) * self.nn + _codes(over[N], self.need)) * self.nl + li
        cost = over["cost_eur"].to_numpy(float)
        is_m = over[M].notna().to_numpy() if M in over else np.zeros(len(over), bool)
        if is_m.any():
            key = _codes(over.loc[is_m, M], self.mun) * (self.np_ * self.nn * self.nl) + pn[is_m]
            self.by_m = _last_wins(key, cost[is_m])
        is_r = ~is_m & over["region"].notna().to_numpy() if "region" in over else ~is_m & False
        if is_r.any() and "region" in m_table:
            regions = np.unique(m_table["region"].dropna().to_numpy(dtype=object))
            self.region_of_m = pd.Index(regions).get_indexer(m_table["region"].to_numpy(dtype=object))
            r = pd.Index(regions).get_indexer(over.loc[is_r, "region"].to_numpy(dtype=object))
            ok = r >= 0
            key = r[ok] * (self.np_ * self.nn * self.nl) + pn[is_r][ok]
            self.by_r = _last_wins(key, cost[is_r][ok])

    def price(self, m: np.ndarray, p: np.ndarray, n: np.ndarray, li: np.ndarray) -> np.ndarray:
        """Unit price [EUR] of (m, p, n, level index) after overrides and the price index."""
        price = self.price0[p, n, li]
        pn = (p * self.nn + n) * self.nl + li
        block = self.np_ * self.nn * self.nl
        if len(self.by_r[0]):
            r = self.region_of_m[m]
            via_r = _lookup(*self.by_r, np.where(r >= 0, r * block + pn, -1))
            price = np.where(np.isnan(via_r), price, via_r)
        if len(self.by_m[0]):
            via_m = _lookup(*self.by_m, m * block + pn)
            price = np.where(np.isnan(via_m), price, via_m)
        return price * self.sc.price_index


def _depth(sc: object) -> int:
    if sc.max_step_down_levels is not None:
        return int(sc.max_step_down_levels)
    return 1 if sc.step_down_share is not None else 0


def _sigma(sc: object, levels: np.ndarray) -> np.ndarray:
    share = sc.step_down_share
    if isinstance(share, dict):
        return np.array([float(share.get(int(k), 0.0)) for k in levels])
    return np.full(len(levels), float(share))


def build_floor(instance: Instance, *, budget_eur: float | None = None,
                budget_row: bool = False) -> FloorLP:
    """The LP of ``instance`` (all three objectives' cost vectors) as sparse arrays.

    ``budget_eur`` overrides the scenario's budget; ``budget_row`` keeps a budget row without a
    budget (upper bound +inf), for frontiers.
    """
    sc = instance.scenario
    if sc.max_provider_share is not None or sc.municipality_budget_tolerance is not None or any(
        v is not None for v in (sc.max_providers_per_need, sc.min_contract_children, sc.contract_cost_eur)
    ):
        msg = "the floor implements the LP families of the benchmark scenarios only"
        raise NotImplementedError(msg)
    d = _Data(instance)
    nn, nl, np_ = d.nn, d.nl, d.np_

    # demand cells (m, n, k) with D' > 0, in (m, n, k) order
    dem = instance["demand"]
    dcode = (_codes(dem[M], d.mun) * nn + _codes(dem[N], d.need)) * nl + np.searchsorted(
        d.lev, dem["level"].to_numpy(np.int64))
    total = np.bincount(dcode, weights=dem["children"].to_numpy(float), minlength=d.nm * nn * nl)
    total *= 1.0 + sc.demand_growth
    cell_code = np.flatnonzero(total > 0)
    demand = total[cell_code]
    n_cells = len(cell_code)
    cm, rest = np.divmod(cell_code, nn * nl)
    cn, ck = np.divmod(rest, nl)

    # arcs: (cell, level l in [k - s, k], provider offering (n, l) and reaching m)
    s = _depth(sc)
    pair_cell = np.repeat(np.arange(n_cells), s + 1)
    level_val = d.lev[ck][pair_cell] - np.tile(np.arange(s, -1, -1), n_cells)
    pair_l = np.minimum(np.searchsorted(d.lev, level_val), nl - 1)
    keep = d.lev[pair_l] == level_val
    pair_cell, pair_l = pair_cell[keep], pair_l[keep]
    if instance.has("access"):
        acc = instance["access"]
        code = np.unique(_codes(acc[M], d.mun) * np_ + _codes(acc[P], d.prov))
        acc_m, acc_p = np.divmod(code, np_)
    else:
        acc_m, acc_p = np.repeat(np.arange(d.nm), np_), np.tile(np.arange(np_), d.nm)
    starts = np.searchsorted(acc_m, np.arange(d.nm + 1))
    pm = cm[pair_cell]
    count = starts[pm + 1] - starts[pm]
    first = np.repeat(starts[pm] - (np.cumsum(count) - count), count)
    a_p = acc_p[first + np.arange(int(count.sum()))]
    a_cell = np.repeat(pair_cell, count)
    a_l = np.repeat(pair_l, count)
    ok = d.offered[a_p, cn[a_cell], a_l]
    a_cell, a_l, a_p = a_cell[ok], a_l[ok], a_p[ok]
    a_m, a_n, a_k = cm[a_cell], cn[a_cell], ck[a_cell]
    n_arcs = len(a_cell)
    price = d.price(a_m, a_p, a_n, a_l)
    quality = d.quality[a_p, a_n, a_l]
    stepped = a_l < a_k
    ooh, res = d.out_of_home[a_l], d.residential[a_l]

    # baseline pairs (m, n, k, p), their cost at scenario prices
    base_code = np.empty(0, np.int64)
    base_children = np.empty(0)
    if instance.has("baseline"):
        b = instance["baseline"]
        bc = ((_codes(b[M], d.mun) * nn + _codes(b[N], d.need)) * nl
              + np.searchsorted(d.lev, b["level"].to_numpy(np.int64))) * np_ + _codes(b[P], d.prov)
        base_code, inv = np.unique(bc, return_inverse=True)
        base_children = np.bincount(inv, weights=b["children"].to_numpy(float))
        live = base_children > 0
        base_code, base_children = base_code[live], base_children[live]
    b_cellcode, b_p = np.divmod(base_code, np_)
    b_m, b_rest = np.divmod(b_cellcode, nn * nl)
    b_n, b_k = np.divmod(b_rest, nl)
    base_cost = base_children * d.price(b_m, b_p, b_n, b_k)
    has_base = len(base_code) > 0

    if budget_eur is None:
        if sc.budget_eur is not None:
            budget_eur = float(sc.budget_eur)
        elif sc.budget_cut is not None and instance.has("baseline"):
            budget_eur = (1.0 - sc.budget_cut) * float(base_cost.sum())

    # columns: x | u | w
    u0 = n_arcs
    want_w = has_base and (sc.continuity_max_moved_share is not None or sc.objective == "min_disruption")
    if want_w:
        pos = np.minimum(np.searchsorted(cell_code, b_cellcode), n_cells - 1)
        in_cells = cell_code[pos] == b_cellcode
        w_cell, w_p, w_x0 = pos[in_cells], b_p[in_cells], base_children[in_cells]
    else:
        w_cell = w_p = np.empty(0, np.int64)
        w_x0 = np.empty(0)
    n_w = len(w_cell)
    w0 = u0 + n_cells
    n_cols = w0 + n_w

    trip_r: list[np.ndarray] = []
    trip_c: list[np.ndarray] = []
    trip_v: list[np.ndarray] = []
    lower: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    families: dict[str, int] = {}
    state = {"row": 0}

    def add(name: str, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray,
            lo: np.ndarray, up: np.ndarray) -> None:
        if len(lo) == 0:
            return
        families[name] = state["row"]
        trip_r.append(rows + state["row"])
        trip_c.append(cols)
        trip_v.append(np.asarray(vals, dtype=float))
        lower.append(np.asarray(lo, dtype=float))
        upper.append(np.asarray(up, dtype=float))
        state["row"] += len(lo)

    arc_ids = np.arange(n_arcs)
    cell_ids = np.arange(n_cells)
    # coverage: sum x + u = D'
    add("coverage", np.concatenate([a_cell, cell_ids]), np.concatenate([arc_ids, u0 + cell_ids]),
        np.ones(n_arcs + n_cells), demand, demand)
    # step_down: sum_{l<k} x <= sigma[k] D'
    if sc.step_down_share is not None and s > 0:
        cells, row = _group(a_cell[stepped])
        up = _sigma(sc, d.lev)[ck[cells]] * demand[cells]
        add("step_down", row, arc_ids[stepped], np.ones(len(row)), np.full(len(cells), -INF), up)
    # provider_capacity: sum x[., p] <= cap[p]
    if sc.enforce_capacity:
        cap = d.capacity[a_p]
        on = ~np.isnan(cap)
        ps, row = _group(a_p[on])
        add("provider_capacity", row, arc_ids[on], np.ones(len(row)), np.full(len(ps), -INF),
            d.capacity[ps])
        ocap = d.offer_cap[a_p, a_n, a_l]
        on = ~np.isnan(ocap)
        keys, row = _group(((a_p * nn + a_n) * nl + a_l)[on])
        first_of = np.zeros(len(keys), dtype=np.int64)
        first_of[row] = np.flatnonzero(on)
        add("offer_capacity", row, arc_ids[on], np.ones(len(row)), np.full(len(keys), -INF),
            ocap[first_of])
    # budget: sum c x <= B (k EUR)
    if budget_eur is not None or budget_row:
        bound = INF if budget_eur is None else budget_eur * MONEY
        add("budget", np.zeros(n_arcs, np.int64), arc_ids, price * MONEY, np.array([-INF]),
            np.array([bound]))
    # quality_floor: sum (q - q_min[m]) x >= 0
    general = np.nan if sc.quality_floor is None else float(sc.quality_floor)
    q_min = np.where(np.isnan(d.own_floor), general, d.own_floor)[a_m]
    on = ~np.isnan(q_min)
    ms, row = _group(a_m[on])
    add("quality_floor", row, arc_ids[on], (quality - q_min)[on], np.zeros(len(ms)),
        np.full(len(ms), INF))
    # moved: w + sum_l x[m,n,k,l,p] >= x0   and continuity: sum_m w <= mu sum_m x0
    if n_w:
        w_key = w_cell * np_ + w_p
        arc_key = a_cell * np_ + a_p
        w_of_arc = np.minimum(np.searchsorted(w_key, arc_key), n_w - 1)
        linked = w_key[w_of_arc] == arc_key
        w_ids = np.arange(n_w)
        add("moved", np.concatenate([w_of_arc[linked], w_ids]),
            np.concatenate([arc_ids[linked], w0 + w_ids]), np.ones(int(linked.sum()) + n_w),
            w_x0, np.full(n_w, INF))
        mu = sc.continuity_max_moved_share
        if mu is not None:
            ms, row = _group(cm[w_cell])
            add("continuity", row, w0 + w_ids, np.ones(n_w), np.full(len(ms), -INF),
                mu * np.bincount(row, weights=w_x0))
    # alliance: sum_p c x >= (1 - delta) R0[p]
    if sc.alliance_revenue_floor is not None and has_base:
        revenue0 = np.bincount(b_p, weights=base_cost, minlength=np_)
        allied = d.alliance & (revenue0 > 0)
        on = allied[a_p]
        ps, row = _group(a_p[on])
        add("alliance", row, arc_ids[on], price[on] * MONEY,
            (1.0 - sc.alliance_revenue_floor) * revenue0[ps] * MONEY, np.full(len(ps), INF))
    # out_of_home: sum_ooh x - h sum x <= 0 ; residential: sum_res x - r sum_ooh x <= 0
    for name, num, den, share in (
        ("out_of_home", ooh, np.ones(n_arcs, bool), sc.out_of_home_max_share),
        ("residential", res, ooh, sc.residential_max_share_of_out_of_home),
    ):
        if share is None:
            continue
        on = num | den
        ms, row = _group(a_m[on])
        add(name, row, arc_ids[on], num[on] - share * den[on], np.full(len(ms), -INF),
            np.zeros(len(ms)))

    n_rows = state["row"]
    a = sp.coo_matrix((np.concatenate(trip_v), (np.concatenate(trip_r), np.concatenate(trip_c))),
                      shape=(n_rows, n_cols)).tocsc()
    col_lower = np.zeros(n_cols)
    col_upper = np.full(n_cols, INF)
    if not sc.allow_waiting_list:
        col_upper[u0:w0] = 0.0
    penalty = sc.waiting_list_penalty_eur if sc.waiting_list_penalty_eur is not None else (
        10.0 * float(price.max()) if n_arcs else 1.0)
    cost, qual, disr = np.zeros(n_cols), np.zeros(n_cols), np.zeros(n_cols)
    cost[:n_arcs], cost[u0:w0] = price * MONEY, penalty * MONEY
    qual[:n_arcs], qual[u0:w0] = -quality, 1.0
    disr[:n_arcs], disr[u0:w0], disr[w0:] = stepped, P_CHILD, 1.0
    return FloorLP(a, col_lower, col_upper, np.concatenate(lower), np.concatenate(upper),
                   {"min_cost": cost, "max_quality": qual, "min_disruption": disr},
                   families, families.get("budget"), n_arcs)


def to_user_units(objective: str, value: float) -> float:
    """Stored minimisation value -> EUR, quality points or children."""
    if objective == "min_cost":
        return value / MONEY
    if objective == "max_quality":
        return -value
    return value


def new_highs(options: dict[str, object] | None = None) -> highspy.Highs:
    """A silent HiGHS object with options set."""
    h = highspy.Highs()
    h.silent()
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    return h


def pass_floor(lp: FloorLP, objective: str, options: dict[str, object] | None = None) -> highspy.Highs:
    """A HiGHS object holding ``lp`` with the objective's costs (passModel, column-wise)."""
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = lp.a.shape[1], lp.a.shape[0]
    model.col_cost_ = lp.costs[objective]
    model.col_lower_, model.col_upper_ = lp.col_lower, lp.col_upper
    model.row_lower_, model.row_upper_ = lp.row_lower, lp.row_upper
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = lp.a.indptr
    model.a_matrix_.index_ = lp.a.indices
    model.a_matrix_.value_ = lp.a.data
    h = new_highs(options)
    h.passModel(model)
    return h


def _read(h: highspy.Highs, objective: str) -> tuple[str, float | None, np.ndarray | None,
                                                     np.ndarray | None]:
    status = h.modelStatusToString(h.getModelStatus())
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return status, None, None, None
    solution = h.getSolution()
    values = np.asarray(solution.col_value)
    duals = np.asarray(solution.row_dual) if solution.dual_valid else None
    return status, to_user_units(objective, h.getInfo().objective_function_value), values, duals


def solve_floor(instance: Instance, objective: str | None = None,
                options: dict[str, object] | None = None) -> FloorRun:
    """Build, pass, run and read back (values and duals) the floor LP, timing each step."""
    objective = objective or instance.scenario.objective.value
    t0 = time.perf_counter()
    lp = build_floor(instance)
    t1 = time.perf_counter()
    h = pass_floor(lp, objective, options)
    t2 = time.perf_counter()
    h.run()
    t3 = time.perf_counter()
    status, value, values, duals = _read(h, objective)
    t4 = time.perf_counter()
    info = h.getInfo()
    iterations = int(info.simplex_iteration_count) + int(info.ipm_iteration_count) + int(
        getattr(info, "pdlp_iteration_count", 0))
    return FloorRun(t1 - t0, t2 - t1, t3 - t2, h.getRunTime(), t4 - t3, status, value, iterations,
                    lp.shape, values, duals)


def floor_frontier(instance: Instance, budgets: Sequence[float], objective: str | None = None,
                   options: dict[str, object] | None = None) -> list[float | None]:
    """Warm frontier: build and pass once, change only the budget row's bound, re-solve."""
    objective = objective or instance.scenario.objective.value
    lp = build_floor(instance, budget_row=True)
    h = pass_floor(lp, objective, options)
    row = lp.budget_row
    values: list[float | None] = []
    for i, budget in enumerate(budgets):
        h.changeRowBounds(row, -INF, budget * MONEY)
        h.run()
        if i == 0 and options and options.get("solver") not in (None, "choose", "simplex"):
            h.setOptionValue("solver", "choose")  # later points warm-start the simplex
        values.append(_read(h, objective)[1])
    return values
