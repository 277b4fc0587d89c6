"""Build the program from an instance: index tables first, then one function per family.

Everything is vectorised over pandas/numpy index tables; no loop visits every index tuple.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from budgetopt.optimisation.index import IdIndex, expand, lookup
from budgetopt.optimisation.procurement import procurement_blocks
from budgetopt.optimisation.program import (
    INF,
    MONEY_SCALE,
    ColumnBlock,
    Program,
    RowBlock,
    Sensitivity,
    finish,
)
from budgetopt.scenario.instance import Instance

M, N, P = "municipality_id", "need_id", "provider_id"
#: Penalty per unserved child in the min_disruption objective [children moved].
DISRUPTION_PENALTY = 1000.0


# --------------------------------------------------------------------------- prices and data


def price_codes(instance: Instance, index: IdIndex, m: np.ndarray, p: np.ndarray, n: np.ndarray,
                level_pos: np.ndarray) -> np.ndarray:
    """Unit price [EUR/child-year] for coded (municipality, provider, need, level) rows.

    A municipality's override wins over its region's, which wins over the offer's list price;
    the scenario's price index multiplies the result. NaN where no offer exists.
    """
    offers = instance["offers"]
    offer_keys = index.offer_key(index.p(offers[P]), index.n(offers[N]), index.level(offers["level"]))
    keys = index.offer_key(p, n, level_pos)
    row = lookup(offer_keys, keys)
    cost = offers["cost_eur"].to_numpy(float)
    price = np.where(row >= 0, cost[np.clip(row, 0, None)], np.nan)
    if instance.has("price_overrides"):
        over = instance["price_overrides"]
        over_keys = index.offer_key(index.p(over[P]), index.n(over[N]), index.level(over["level"]))
        over_cost = over["cost_eur"].to_numpy(float)
        by_region = over[M].isna().to_numpy() & over["region"].notna().to_numpy()
        if by_region.any():
            n_regions = max(len(index.regions), 1)
            region = index.regions.get_indexer(over["region"].to_numpy(object))
            table = over_keys[by_region] * n_regions + region[by_region]
            mine = index.region_of_municipality[m]
            hit = lookup(table, keys * n_regions + mine)
            hit[mine < 0] = -1
            price = np.where(hit >= 0, over_cost[by_region][np.clip(hit, 0, None)], price)
        by_m = over[M].notna().to_numpy()
        if by_m.any():
            n_m = len(index.municipalities)
            table = over_keys[by_m] * n_m + index.m(over.loc[by_m, M])
            hit = lookup(table, keys * n_m + m)
            price = np.where(hit >= 0, over_cost[by_m][np.clip(hit, 0, None)], price)
    return price * instance.scenario.price_index


def unit_prices(instance: Instance, frame: pd.DataFrame, level_col: str = "level") -> np.ndarray:
    """Unit price [EUR/child-year] of each row of a frame with municipality, provider, need, level."""
    index = IdIndex(instance)
    return price_codes(instance, index, index.m(frame[M]), index.p(frame[P]), index.n(frame[N]),
                       index.level(frame[level_col]))


def baseline_table(instance: Instance, index: IdIndex | None = None) -> pd.DataFrame:
    """Baseline allocation per (m, n, k, p) with its cost at scenario prices [EUR], coded too."""
    columns = [M, N, "level", P, "children", "cost_eur", "m", "n", "p"]
    if not instance.has("baseline"):
        return pd.DataFrame(columns=columns)
    index = index or IdIndex(instance)
    base = instance["baseline"]
    m, n, p = index.m(base[M]), index.n(base[N]), index.p(base[P])
    lvl = index.level(base["level"])
    key = ((m * len(index.needs) + n) * len(index.levels) + lvl) * len(index.providers) + p
    unique, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    children = np.bincount(inverse, weights=base["children"].to_numpy(float), minlength=len(unique))
    table = pd.DataFrame({
        M: base[M].to_numpy(object)[first], N: base[N].to_numpy(object)[first],
        "level": base["level"].to_numpy(np.int64)[first], P: base[P].to_numpy(object)[first],
        "children": children, "m": m[first], "n": n[first], "p": p[first],
    })
    table = table[table["children"] > 0].reset_index(drop=True)
    table["cost_eur"] = table["children"].to_numpy() * price_codes(
        instance, index, table["m"].to_numpy(), table["p"].to_numpy(), table["n"].to_numpy(),
        index.level(table["level"]))
    return table[columns]


def baseline_cost(instance: Instance) -> float | None:
    """C0: cost of today's allocation at scenario prices [EUR], or None without a baseline."""
    if not instance.has("baseline"):
        return None
    return float(baseline_table(instance)["cost_eur"].sum())


def resolve_budget(instance: Instance, baseline: float | None = None) -> float | None:
    """B [EUR]: budget_eur, or (1 - budget_cut) x baseline cost; None when neither is given."""
    scenario = instance.scenario
    if scenario.budget_eur is not None:
        return float(scenario.budget_eur)
    if scenario.budget_cut is not None:
        cost = baseline if baseline is not None else baseline_cost(instance)
        return None if cost is None else (1.0 - scenario.budget_cut) * cost
    return None


# --------------------------------------------------------------------------- index tables


def _cell_key(index: IdIndex, m: np.ndarray, n: np.ndarray, level_pos: np.ndarray) -> np.ndarray:
    return (m * len(index.needs) + n) * len(index.levels) + level_pos


def demand_cells(instance: Instance, index: IdIndex | None = None) -> pd.DataFrame:
    """Demand cells (m, n, k) with D' = (1 + growth) x children > 0, numbered 0.., coded too."""
    index = index or IdIndex(instance)
    demand = instance["demand"]
    m, n = index.m(demand[M]), index.n(demand[N])
    lvl = index.level(demand["level"])
    unique, first, inverse = np.unique(_cell_key(index, m, n, lvl), return_index=True,
                                       return_inverse=True)
    children = np.bincount(inverse, weights=demand["children"].to_numpy(float),
                           minlength=len(unique))
    cells = pd.DataFrame({
        M: demand[M].to_numpy(object)[first], N: demand[N].to_numpy(object)[first],
        "indicated_level": demand["level"].to_numpy(np.int64)[first],
        "demand": children * (1.0 + instance.scenario.demand_growth),
        "m": m[first], "n": n[first], "k": lvl[first], "key": unique,
    })
    return cells[cells["demand"] > 0].reset_index(drop=True)


def build_arcs(instance: Instance, cells: pd.DataFrame, index: IdIndex | None = None) -> pd.DataFrame:
    """Variables x: every (cell, level l, provider p) that may serve the cell.

    l runs from max(lightest, k - s) to k; p must offer (n, l) and reach m.
    """
    index = index or IdIndex(instance)
    depth = instance.scenario.step_down_depth
    n_levels = len(index.levels)
    cell = np.repeat(np.arange(len(cells)), depth + 1)
    step = np.tile(np.arange(depth + 1), len(cells))
    k_pos = cells["k"].to_numpy()[cell]
    level_value = index.levels[k_pos] - step
    keep = np.isin(level_value, index.levels)
    cell, level_value = cell[keep], level_value[keep]
    level_pos = index.level(level_value)
    m, n = cells["m"].to_numpy()[cell], cells["n"].to_numpy()[cell]

    offers = instance["offers"]
    offer_p, offer_n = index.p(offers[P]), index.n(offers[N])
    offer_keys = index.offer_key(offer_p, offer_n, index.level(offers["level"]))
    if instance.has("access"):
        access = instance["access"]
        item, provider = expand(m, index.m(access[M]), index.p(access[P]),
                                len(index.municipalities))
        offer_row = lookup(offer_keys, index.offer_key(provider, n[item], level_pos[item]))
        found = offer_row >= 0
        item, provider, offer_row = item[found], provider[found], offer_row[found]
    else:
        group = n * n_levels + level_pos
        offer_group = offer_n * n_levels + index.level(offers["level"])
        item, offer_row = expand(group, offer_group, np.arange(len(offers)),
                                 len(index.needs) * n_levels)
        provider = offer_p[offer_row]
    # one arc per (cell, level, provider); duplicate access rows must not duplicate arcs
    arc_key = (cell[item] * n_levels + level_pos[item]) * len(index.providers) + provider
    arc_key, first = np.unique(arc_key, return_index=True)
    item, provider, offer_row = item[first], provider[first], offer_row[first]

    arc_cell, arc_m, arc_n = cell[item], m[item], n[item]
    arc_level = level_value[item]
    flags = instance["levels"].set_index("level")
    ooh = flags["out_of_home"].astype(bool).reindex(index.levels).to_numpy()
    res = flags["residential"].astype(bool).reindex(index.levels).to_numpy()
    arcs = pd.DataFrame({
        "cell": arc_cell,
        M: index.municipalities.to_numpy()[arc_m],
        N: index.needs.to_numpy()[arc_n],
        "indicated_level": index.levels[cells["k"].to_numpy()[arc_cell]],
        "level": arc_level,
        P: index.providers.to_numpy()[provider],
        "price": price_codes(instance, index, arc_m, provider, arc_n, level_pos[item]),
        "quality": offers["quality"].to_numpy(float)[offer_row],
        "out_of_home": ooh[level_pos[item]],
        "residential": res[level_pos[item]],
        "stepped": arc_level < index.levels[cells["k"].to_numpy()[arc_cell]],
        "capacity_children": offers["capacity_children"].to_numpy(float)[offer_row],
        "m": arc_m, "n": arc_n, "p": provider, "offer": offer_row,
    })
    return arcs


def _group_rows(frame: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Row number of each entry and the key table of a grouping by coded columns.

    ``by`` names id columns (municipality_id, need_id, provider_id, level); the frame carries
    their codes (m, n, p) so grouping needs no string comparison.
    """
    code_of = {M: "m", N: "n", P: "p", "level": "level", "indicated_level": "indicated_level"}
    key = np.zeros(len(frame), dtype=np.int64)
    for column in by:
        codes = frame[code_of[column]].to_numpy(np.int64)
        key = key * (int(codes.max(initial=0)) + 1) + codes
    _, first, rows = np.unique(key, return_index=True, return_inverse=True)
    keys = frame.iloc[first][by].reset_index(drop=True)
    return rows.astype(np.int64), keys


# --------------------------------------------------------------------------- the families


def _coverage(prog: dict, cells: pd.DataFrame, arcs: pd.DataFrame, u_start: int) -> RowBlock:
    """Every child is served or (when allowed) waits: sum x + u = D'."""
    n_cells = len(cells)
    demand = cells["demand"].to_numpy(float)
    base = demand / (1.0 + prog["growth"])
    rows = np.concatenate([arcs["cell"].to_numpy(), np.arange(n_cells)])
    cols = np.concatenate([np.arange(len(arcs)), u_start + np.arange(n_cells)])
    return RowBlock(
        "coverage",
        cells[[M, N, "indicated_level"]],
        rows,
        cols,
        np.ones(len(rows)),
        demand,
        demand.copy(),
        Sensitivity("demand_growth", 0.01, "1 % more demand", d_lower=base, d_upper=base),
    )


def _step_down(instance: Instance, index: IdIndex, cells: pd.DataFrame,
               arcs: pd.DataFrame) -> RowBlock | None:
    """At most sigma[k] of a cell's children served lighter than indicated."""
    scenario = instance.scenario
    if scenario.step_down_share is None or scenario.step_down_depth == 0:
        return None
    stepped = np.flatnonzero(arcs["stepped"].to_numpy())
    arc_cell = arcs["cell"].to_numpy()[stepped]
    cell_ids, rows = np.unique(arc_cell, return_inverse=True)
    share_of_level = np.array([scenario.step_down_share_for(int(v)) for v in index.levels])
    share = share_of_level[cells["k"].to_numpy()[cell_ids]]
    demand = cells["demand"].to_numpy(float)[cell_ids]
    growth = share * demand / (1.0 + scenario.demand_growth)
    block = RowBlock(
        "step_down",
        cells.loc[cell_ids, [M, N, "indicated_level"]].reset_index(drop=True),
        rows,
        stepped,
        np.ones(len(stepped)),
        np.full(len(cell_ids), -INF),
        share * demand,
        Sensitivity("step_down_share", 0.01, "1 percentage point more step-down", d_upper=demand),
    )
    block.also.append(Sensitivity("demand_growth", 0.01, "1 % more demand", d_upper=growth))
    return block


def _provider_capacity(instance: Instance, arcs: pd.DataFrame) -> RowBlock | None:
    """No provider serves more children than its capacity."""
    if not instance.scenario.enforce_capacity:
        return None
    cap_of = instance["providers"]["capacity_children"].to_numpy(float)
    used = np.flatnonzero(~np.isnan(cap_of[arcs["p"].to_numpy()]))
    if len(used) == 0:
        return None
    rows, keys = _group_rows(arcs.iloc[used], [P])
    upper = cap_of[arcs["p"].to_numpy()[used]][np.unique(rows, return_index=True)[1]]
    return RowBlock(
        "provider_capacity",
        keys,
        rows,
        used,
        np.ones(len(used)),
        np.full(len(keys), -INF),
        upper,
        Sensitivity("capacity_children", 1.0, "one more place", d_upper=np.ones(len(keys)),
                    per_row=True),
    )


def _offer_capacity(instance: Instance, arcs: pd.DataFrame) -> RowBlock | None:
    """No offer (p, n, l) serves more children than its own capacity."""
    if not instance.scenario.enforce_capacity:
        return None
    used = np.flatnonzero(arcs["capacity_children"].notna().to_numpy())
    if len(used) == 0:
        return None
    offer = arcs["offer"].to_numpy()[used]
    _, first, rows = np.unique(offer, return_index=True, return_inverse=True)
    keys = arcs.iloc[used[first]][[P, N, "level"]].reset_index(drop=True)
    caps = arcs["capacity_children"].to_numpy(float)[used[first]]
    return RowBlock(
        "offer_capacity",
        keys,
        rows,
        used,
        np.ones(len(used)),
        np.full(len(keys), -INF),
        caps,
        Sensitivity("capacity_children", 1.0, "one more place", d_upper=np.ones(len(keys)),
                    per_row=True),
    )


def _budget(arcs: pd.DataFrame, budget: float | None, lots: ColumnBlock | None,
            contract_cost: float) -> RowBlock | None:
    """Care cost plus contract costs stay within the budget."""
    if budget is None:
        return None
    cols = np.arange(len(arcs))
    vals = arcs["price"].to_numpy(float) * MONEY_SCALE
    if lots is not None and contract_cost > 0:
        cols = np.concatenate([cols, lots.start + np.arange(lots.size)])
        vals = np.concatenate([vals, np.full(lots.size, contract_cost * MONEY_SCALE)])
    return RowBlock(
        "budget",
        pd.DataFrame({"scope": ["region"]}),
        np.zeros(len(cols), dtype=np.int64),
        cols,
        vals,
        np.array([-INF]),
        np.array([budget * MONEY_SCALE]),
        Sensitivity("budget_eur", 1e6, "EUR 1 M more budget", d_upper=np.array([MONEY_SCALE])),
    )


def _quality_floor(instance: Instance, arcs: pd.DataFrame) -> RowBlock | None:
    """Average quality of each municipality's served children at least q_min[m]."""
    own = instance["municipalities"]["quality_floor"].to_numpy(float)
    general = instance.scenario.quality_floor
    floor = np.where(np.isnan(own), np.nan if general is None else general, own)
    arc_m = arcs["m"].to_numpy()
    q_min = floor[arc_m]
    used = np.flatnonzero(~np.isnan(q_min))
    if len(used) == 0:
        return None
    rows, keys = _group_rows(arcs.iloc[used], [M])
    from_scenario = np.isnan(own)[arc_m[used]]
    return RowBlock(
        "quality_floor",
        keys,
        rows,
        used,
        arcs["quality"].to_numpy(float)[used] - q_min[used],
        np.zeros(len(keys)),
        np.full(len(keys), INF),
        Sensitivity("quality_floor", 0.01, "a quality floor 0.01 higher",
                    d_coef=np.where(from_scenario, -1.0, 0.0)),
    )


def _moved_link(arcs: pd.DataFrame, w: ColumnBlock, pair_of_arc: np.ndarray) -> RowBlock:
    """w[m,n,k,p] >= x0 - sum_l x[m,n,k,l,p]: children moved away from their provider."""
    linked = np.flatnonzero(pair_of_arc >= 0)
    rows = np.concatenate([pair_of_arc[linked], np.arange(w.size)])
    cols = np.concatenate([linked, w.start + np.arange(w.size)])
    return RowBlock(
        "moved",
        w.keys[[M, N, "level", P]].rename(columns={"level": "indicated_level"}),
        rows,
        cols,
        np.ones(len(rows)),
        w.keys["children"].to_numpy(float),
        np.full(w.size, INF),
    )


def _continuity(instance: Instance, w: ColumnBlock | None) -> RowBlock | None:
    """Children moved away from their provider at most mu x baseline children, per municipality."""
    mu = instance.scenario.continuity_max_moved_share
    if mu is None or w is None:
        return None
    rows, keys = _group_rows(w.keys, [M])
    base = np.bincount(rows, weights=w.keys["children"].to_numpy(float))
    return RowBlock(
        "continuity",
        keys,
        rows,
        w.start + np.arange(w.size),
        np.ones(w.size),
        np.full(len(keys), -INF),
        mu * base,
        Sensitivity("continuity_max_moved_share", 0.01, "1 percentage point more children moved",
                    d_upper=base),
    )


def _alliance(instance: Instance, arcs: pd.DataFrame, baseline: pd.DataFrame) -> RowBlock | None:
    """Each alliance provider keeps at least (1 - delta) of its baseline revenue."""
    delta = instance.scenario.alliance_revenue_floor
    if delta is None or baseline.empty:
        return None
    providers = instance["providers"]
    revenue0 = np.bincount(baseline["p"].to_numpy(np.int64),
                           weights=baseline["cost_eur"].to_numpy(float), minlength=len(providers))
    allied = providers["alliance"].to_numpy(bool) & (revenue0 > 0)
    used = np.flatnonzero(allied[arcs["p"].to_numpy()])
    if len(used) == 0:
        return None
    rows, keys = _group_rows(arcs.iloc[used], [P])
    first = np.unique(rows, return_index=True)[1]
    r0 = revenue0[arcs["p"].to_numpy()[used][first]] * MONEY_SCALE
    return RowBlock(
        "alliance",
        keys,
        rows,
        used,
        arcs["price"].to_numpy(float)[used] * MONEY_SCALE,
        (1.0 - delta) * r0,
        np.full(len(keys), INF),
        Sensitivity("alliance_revenue_floor", 0.01,
                    "alliance revenue floor 1 percentage point lower", d_lower=-r0),
    )


def _share_of_municipality(
    family: str, arcs: pd.DataFrame, numerator: np.ndarray, base: np.ndarray, share: float | None,
    parameter: str, label: str,
) -> RowBlock | None:
    """Per municipality: sum(numerator x) <= share x sum(base x)."""
    if share is None:
        return None
    used = np.flatnonzero(numerator | base)
    if len(used) == 0:
        return None
    rows, keys = _group_rows(arcs.iloc[used], [M])
    num = numerator[used].astype(float)
    den = base[used].astype(float)
    return RowBlock(
        family,
        keys,
        rows,
        used,
        num - share * den,
        np.full(len(keys), -INF),
        np.zeros(len(keys)),
        Sensitivity(parameter, 0.01, label, d_coef=-den),
    )


def _need_totals(arcs: pd.DataFrame, t: ColumnBlock) -> RowBlock:
    """t[n] = total children of need n (a helper for provider shares)."""
    rows = np.concatenate([arcs["n"].to_numpy(), np.arange(t.size)])
    cols = np.concatenate([np.arange(len(arcs)), t.start + np.arange(t.size)])
    vals = np.concatenate([np.ones(len(arcs)), -np.ones(t.size)])
    zeros = np.zeros(t.size)
    return RowBlock("need_total", t.keys, rows, cols, vals, zeros, zeros.copy())


def _provider_share(instance: Instance, arcs: pd.DataFrame, t: ColumnBlock | None) -> RowBlock | None:
    """No provider above rho of a need's volume."""
    rho = instance.scenario.max_provider_share
    if rho is None or t is None:
        return None
    rows, keys = _group_rows(arcs, [P, N])
    first = np.unique(rows, return_index=True)[1]
    t_cols = t.start + arcs["n"].to_numpy()[first]
    n_rows = len(keys)
    return RowBlock(
        "provider_share",
        keys,
        np.concatenate([rows, np.arange(n_rows)]),
        np.concatenate([np.arange(len(arcs)), t_cols]),
        np.concatenate([np.ones(len(arcs)), np.full(n_rows, -rho)]),
        np.full(n_rows, -INF),
        np.zeros(n_rows),
        Sensitivity("max_provider_share", 0.01, "1 percentage point larger provider share",
                    d_coef=np.concatenate([np.zeros(len(arcs)), -np.ones(n_rows)])),
    )


def _municipality_budget(instance: Instance, arcs: pd.DataFrame,
                         budget: float | None) -> RowBlock | None:
    """Each municipality's cost at most (1 + tau) x its share of the budget."""
    tau = instance.scenario.municipality_budget_tolerance
    own = instance["municipalities"]["budget_eur"].to_numpy(float)
    if tau is None or budget is None or np.isnan(own).any() or own.sum() <= 0:
        return None
    rows, keys = _group_rows(arcs, [M])
    first = np.unique(rows, return_index=True)[1]
    share = (own / own.sum())[arcs["m"].to_numpy()[first]] * budget * MONEY_SCALE
    return RowBlock(
        "municipality_budget",
        keys,
        rows,
        np.arange(len(arcs)),
        arcs["price"].to_numpy(float) * MONEY_SCALE,
        np.full(len(keys), -INF),
        (1.0 + tau) * share,
        Sensitivity("municipality_budget_tolerance", 0.01,
                    "1 percentage point more room per municipality", d_upper=share),
    )


# --------------------------------------------------------------------------- assembly


def _baseline_pairs(index: IdIndex, baseline: pd.DataFrame, cells: pd.DataFrame,
                    arcs: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Baseline (m, n, k, p) rows that meet a demand cell, and each arc's pair (or -1)."""
    key = _cell_key(index, baseline["m"].to_numpy(np.int64), baseline["n"].to_numpy(np.int64),
                    index.level(baseline["level"]))
    cell = lookup(cells["key"].to_numpy(), key)
    pairs = baseline[cell >= 0].reset_index(drop=True)
    pairs["cell"] = cell[cell >= 0]
    n_providers = len(index.providers)
    pair_of_arc = lookup(pairs["cell"].to_numpy() * n_providers + pairs["p"].to_numpy(),
                         arcs["cell"].to_numpy() * n_providers + arcs["p"].to_numpy())
    return pairs, pair_of_arc


def _cell_baseline(cells: pd.DataFrame, pairs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per demand cell: baseline children and cost [EUR] (zero without a baseline)."""
    n = len(cells)
    if pairs.empty:
        return np.zeros(n), np.zeros(n)
    cell = pairs["cell"].to_numpy()
    return (np.bincount(cell, weights=pairs["children"].to_numpy(float), minlength=n),
            np.bincount(cell, weights=pairs["cost_eur"].to_numpy(float), minlength=n))


def build_program(instance: Instance, *, budget_eur: float | None = None,
                  budget_row: bool = False) -> Program:
    """The whole program for an instance.

    ``budget_eur`` overrides the scenario's budget; ``budget_row`` keeps a budget row even
    without a budget (for frontiers and live models), with an infinite bound.
    """
    scenario = instance.scenario
    index = IdIndex(instance)
    cells = demand_cells(instance, index)
    arcs = build_arcs(instance, cells, index)
    baseline = baseline_table(instance, index)
    base_cost = float(baseline["cost_eur"].sum()) if instance.has("baseline") else None
    budget = budget_eur if budget_eur is not None else resolve_budget(instance, base_cost)
    pairs, pair_of_arc = _baseline_pairs(index, baseline, cells, arcs)

    n_arcs, n_cells = len(arcs), len(cells)
    x = ColumnBlock("x", arcs[[M, N, "indicated_level", "level", P]], np.zeros(n_arcs),
                    np.full(n_arcs, INF))
    waiting = INF if scenario.allow_waiting_list else 0.0
    u = ColumnBlock("u", cells[[M, N, "indicated_level"]], np.zeros(n_cells),
                    np.full(n_cells, waiting))
    columns = [x, u]

    needs_w = not pairs.empty and (
        scenario.continuity_max_moved_share is not None or scenario.objective == "min_disruption"
    )
    w = None
    if needs_w:
        w = ColumnBlock("w", pairs[[M, N, "level", P, "children", "m", "n", "p", "cell"]],
                        np.zeros(len(pairs)), np.full(len(pairs), INF))
        columns.append(w)
    t = None
    if scenario.max_provider_share is not None:
        needs = pd.DataFrame({N: index.needs.to_numpy(), "n": np.arange(len(index.needs))})
        t = ColumnBlock("t", needs, np.zeros(len(needs)), np.full(len(needs), INF))
        columns.append(t)
    z = None
    if scenario.procurement:
        lot_key = arcs["p"].to_numpy() * len(index.needs) + arcs["n"].to_numpy()
        first = np.unique(lot_key, return_index=True)[1]
        lots = arcs.iloc[first][[P, N, "p", "n"]].reset_index(drop=True)
        z = ColumnBlock("z", lots, np.zeros(len(lots)), np.ones(len(lots)), integer=True)
        columns.append(z)
    start = 0
    for col in columns:
        col.start = start
        start += col.size

    contract_cost = float(scenario.contract_cost_eur or 0.0)
    if budget is None and budget_row:
        budget_block = _budget(arcs, INF, z, contract_cost)
    else:
        budget_block = _budget(arcs, budget, z, contract_cost)
    ooh = arcs["out_of_home"].to_numpy(bool)
    res = arcs["residential"].to_numpy(bool)
    data: dict[str, object] = {"growth": scenario.demand_growth}
    blocks = [
        _coverage(data, cells, arcs, u.start),
        _step_down(instance, index, cells, arcs),
        _provider_capacity(instance, arcs),
        _offer_capacity(instance, arcs),
        budget_block,
        _quality_floor(instance, arcs),
        _moved_link(arcs, w, pair_of_arc) if w is not None else None,
        _continuity(instance, w),
        _alliance(instance, arcs, baseline),
        _share_of_municipality("out_of_home", arcs, ooh, np.ones(n_arcs, bool),
                               scenario.out_of_home_max_share, "out_of_home_max_share",
                               "1 percentage point more out-of-home care"),
        _share_of_municipality("residential", arcs, res, ooh,
                               scenario.residential_max_share_of_out_of_home,
                               "residential_max_share_of_out_of_home",
                               "1 percentage point more residential care"),
        _need_totals(arcs, t) if t is not None else None,
        _provider_share(instance, arcs, t),
        _municipality_budget(instance, arcs, budget),
    ]
    if z is not None:
        blocks.extend(procurement_blocks(instance, arcs, cells, z, w))
    objectives = _objectives(instance, arcs, columns, contract_cost)
    cell_children0, cell_cost0 = _cell_baseline(cells, pairs)
    data.update(budget_eur=budget, baseline=baseline, contract_cost=contract_cost,
                baseline_cost_eur=base_cost, pairs=pairs, pair_of_arc=pair_of_arc,
                cell_children0=cell_children0, cell_cost0=cell_cost0, index=index)
    return finish(columns, [b for b in blocks if b is not None], objectives, arcs, cells, data)


def waiting_list_penalty(instance: Instance, arcs: pd.DataFrame) -> float:
    """P_eur: penalty per unserved child-year in min_cost [EUR]."""
    if instance.scenario.waiting_list_penalty_eur is not None:
        return float(instance.scenario.waiting_list_penalty_eur)
    top = float(arcs["price"].max()) if len(arcs) else 1.0
    return 10.0 * top


def _objectives(instance: Instance, arcs: pd.DataFrame, columns: list[ColumnBlock],
                contract_cost: float) -> dict[str, np.ndarray]:
    """Minimisation vectors of the three objectives (max_quality negated)."""
    size = sum(c.size for c in columns)
    by_name = {c.name: c for c in columns}
    cost, quality, disruption = np.zeros(size), np.zeros(size), np.zeros(size)
    xs = by_name["x"].slice
    cost[xs] = arcs["price"].to_numpy(float) * MONEY_SCALE
    quality[xs] = -arcs["quality"].to_numpy(float)
    disruption[xs] = arcs["stepped"].to_numpy(float)
    us = by_name["u"].slice
    cost[us] = waiting_list_penalty(instance, arcs) * MONEY_SCALE
    quality[us] = 1.0
    disruption[us] = DISRUPTION_PENALTY
    if "w" in by_name:
        disruption[by_name["w"].slice] = 1.0
    if "z" in by_name:
        cost[by_name["z"].slice] = contract_cost * MONEY_SCALE
    return {"min_cost": cost, "max_quality": quality, "min_disruption": disruption}
