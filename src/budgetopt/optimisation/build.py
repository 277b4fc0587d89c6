"""Build the program from an instance: index tables first, then one function per family.

Everything is vectorised over pandas/numpy index tables; no loop visits every index tuple.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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


def unit_prices(instance: Instance, frame: pd.DataFrame, level_col: str = "level") -> np.ndarray:
    """Unit price [EUR/child-year] of each row of ``frame`` (municipality, provider, need, level).

    A municipality's override wins over its region's, which wins over the offer's list price;
    the scenario's price index multiplies the result.
    """
    keys = frame[[M, P, N, level_col]].rename(columns={level_col: "level"})
    offers = instance["offers"][[P, N, "level", "cost_eur"]]
    price = keys.merge(offers, on=[P, N, "level"], how="left")["cost_eur"].to_numpy(float)
    if instance.has("price_overrides"):
        over = instance["price_overrides"]
        by_m = over[over[M].notna()][[M, P, N, "level", "cost_eur"]]
        by_m = by_m.drop_duplicates([M, P, N, "level"], keep="last")
        found = keys.merge(by_m, on=[M, P, N, "level"], how="left")["cost_eur"].to_numpy(float)
        by_r = over[over[M].isna() & over["region"].notna()][["region", P, N, "level", "cost_eur"]]
        by_r = by_r.drop_duplicates(["region", P, N, "level"], keep="last")
        if len(by_r):
            regions = instance["municipalities"][[M, "region"]]
            with_region = keys.merge(regions, on=M, how="left")
            via_r = with_region.merge(by_r, on=["region", P, N, "level"], how="left")
            region_price = via_r["cost_eur"].to_numpy(float)
            price = np.where(np.isnan(region_price), price, region_price)
        price = np.where(np.isnan(found), price, found)
    return price * instance.scenario.price_index


def baseline_table(instance: Instance) -> pd.DataFrame:
    """Baseline allocation per (m, n, k, p) with its cost at scenario prices [EUR]."""
    if not instance.has("baseline"):
        return pd.DataFrame(columns=[M, N, "level", P, "children", "cost_eur"])
    base = instance["baseline"][[M, N, "level", P, "children"]]
    base = base.groupby([M, N, "level", P], as_index=False, sort=True)["children"].sum()
    base = base[base["children"] > 0].reset_index(drop=True)
    base["cost_eur"] = base["children"].to_numpy() * unit_prices(instance, base)
    return base


def baseline_cost(instance: Instance) -> float | None:
    """C0: cost of today's allocation at scenario prices [EUR], or None without a baseline."""
    if not instance.has("baseline"):
        return None
    return float(baseline_table(instance)["cost_eur"].sum())


def resolve_budget(instance: Instance) -> float | None:
    """B [EUR]: budget_eur, or (1 - budget_cut) x baseline cost; None when neither is given."""
    scenario = instance.scenario
    if scenario.budget_eur is not None:
        return float(scenario.budget_eur)
    if scenario.budget_cut is not None:
        cost = baseline_cost(instance)
        return None if cost is None else (1.0 - scenario.budget_cut) * cost
    return None


# --------------------------------------------------------------------------- index tables


def demand_cells(instance: Instance) -> pd.DataFrame:
    """Demand cells (m, n, k) with D' = (1 + growth) x children > 0, numbered 0.."""
    demand = instance["demand"][[M, N, "level", "children"]]
    demand = demand.groupby([M, N, "level"], as_index=False, sort=True)["children"].sum()
    demand["demand"] = demand["children"] * (1.0 + instance.scenario.demand_growth)
    cells = demand[demand["demand"] > 0].reset_index(drop=True)
    return cells.drop(columns="children").rename(columns={"level": "indicated_level"})


def build_arcs(instance: Instance, cells: pd.DataFrame) -> pd.DataFrame:
    """Variables x: every (cell, level l, provider p) that may serve the cell.

    l runs from max(lightest, k - s) to k; p must offer (n, l) and reach m.
    """
    depth = instance.scenario.step_down_depth
    levels = np.sort(instance["levels"]["level"].to_numpy())
    steps = np.arange(depth + 1)
    rep = cells.loc[np.repeat(cells.index.to_numpy(), len(steps))].copy()
    rep["cell"] = np.repeat(cells.index.to_numpy(), len(steps))
    rep["level"] = rep["indicated_level"].to_numpy() - np.tile(steps, len(cells))
    rep = rep[np.isin(rep["level"].to_numpy(), levels)]
    offers = instance["offers"][[P, N, "level", "quality", "capacity_children"]]
    if instance.has("access"):
        access = instance["access"][[M, P]].drop_duplicates()
        arcs = rep.merge(access, on=M).merge(offers, on=[P, N, "level"])
    else:
        arcs = rep.merge(offers, on=[N, "level"])
    arcs = arcs.sort_values(["cell", "level", P], kind="stable").reset_index(drop=True)
    arcs["price"] = unit_prices(instance, arcs)
    flags = instance["levels"].set_index("level")
    arcs["out_of_home"] = arcs["level"].map(flags["out_of_home"]).astype(bool).to_numpy()
    arcs["residential"] = arcs["level"].map(flags["residential"]).astype(bool).to_numpy()
    arcs["stepped"] = arcs["level"].to_numpy() < arcs["indicated_level"].to_numpy()
    cols = ["cell", M, N, "indicated_level", "level", P, "price", "quality"]
    return arcs[[*cols, "out_of_home", "residential", "stepped", "capacity_children"]]


def _group_rows(keys: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Row number of each entry and the unique key table (sorted) of a grouping."""
    columns = list(keys.columns)
    codes = keys.groupby(columns, sort=True).ngroup().to_numpy(np.int64)
    uniques = keys.drop_duplicates().sort_values(columns).reset_index(drop=True)
    return codes, uniques


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


def _step_down(instance: Instance, cells: pd.DataFrame, arcs: pd.DataFrame) -> RowBlock | None:
    """At most sigma[k] of a cell's children served lighter than indicated."""
    scenario = instance.scenario
    if scenario.step_down_share is None or scenario.step_down_depth == 0:
        return None
    stepped = arcs[arcs["stepped"]]
    cell_ids = np.unique(stepped["cell"].to_numpy())
    row_of_cell = np.full(len(cells), -1)
    row_of_cell[cell_ids] = np.arange(len(cell_ids))
    chosen = cells.loc[cell_ids]
    share = chosen["indicated_level"].map(lambda k: scenario.step_down_share_for(int(k)))
    demand = chosen["demand"].to_numpy(float)
    upper = share.to_numpy(float) * demand
    growth = share.to_numpy(float) * demand / (1.0 + scenario.demand_growth)
    block = RowBlock(
        "step_down",
        chosen[[M, N, "indicated_level"]].reset_index(drop=True),
        row_of_cell[stepped["cell"].to_numpy()],
        stepped.index.to_numpy(),
        np.ones(len(stepped)),
        np.full(len(cell_ids), -INF),
        upper,
        Sensitivity("step_down_share", 0.01, "1 percentage point more step-down", d_upper=demand),
    )
    block.also.append(Sensitivity("demand_growth", 0.01, "1 % more demand", d_upper=growth))
    return block


def _provider_capacity(instance: Instance, arcs: pd.DataFrame) -> RowBlock | None:
    """No provider serves more children than its capacity."""
    if not instance.scenario.enforce_capacity:
        return None
    caps = instance["providers"].set_index(P)["capacity_children"]
    cap = arcs[P].map(caps).to_numpy(float)
    used = arcs[~np.isnan(cap)]
    if used.empty:
        return None
    rows, keys = _group_rows(used[[P]])
    upper = keys[P].map(caps).to_numpy(float)
    return RowBlock(
        "provider_capacity",
        keys,
        rows,
        used.index.to_numpy(),
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
    used = arcs[arcs["capacity_children"].notna()]
    if used.empty:
        return None
    rows, keys = _group_rows(used[[P, N, "level"]])
    caps = used.groupby([P, N, "level"], sort=True)["capacity_children"].first().to_numpy(float)
    return RowBlock(
        "offer_capacity",
        keys,
        rows,
        used.index.to_numpy(),
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
    cols = arcs.index.to_numpy()
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
    munis = instance["municipalities"].set_index(M)
    own = munis["quality_floor"].astype(float)
    general = instance.scenario.quality_floor
    floor = own.fillna(general if general is not None else np.nan)
    q_min = arcs[M].map(floor).to_numpy(float)
    used = arcs[~np.isnan(q_min)]
    if used.empty:
        return None
    rows, keys = _group_rows(used[[M]])
    q_used = q_min[~np.isnan(q_min)]
    from_scenario = arcs[M].map(own.isna()).to_numpy(bool)[~np.isnan(q_min)]
    return RowBlock(
        "quality_floor",
        keys,
        rows,
        used.index.to_numpy(),
        used["quality"].to_numpy(float) - q_used,
        np.zeros(len(keys)),
        np.full(len(keys), INF),
        Sensitivity("quality_floor", 0.01, "a quality floor 0.01 higher",
                    d_coef=np.where(from_scenario, -1.0, 0.0)),
    )


def _moved_link(baseline: pd.DataFrame, arcs: pd.DataFrame, w: ColumnBlock) -> RowBlock:
    """w[m,n,k,p] >= x0 - sum_l x[m,n,k,l,p]: children moved away from their provider."""
    keys = w.keys
    pair = keys.reset_index().rename(columns={"index": "row", "level": "indicated_level"})
    linked = arcs.reset_index().merge(pair[["row", M, N, "indicated_level", P]],
                                      on=[M, N, "indicated_level", P])
    rows = np.concatenate([linked["row"].to_numpy(), np.arange(w.size)])
    cols = np.concatenate([linked["index"].to_numpy(), w.start + np.arange(w.size)])
    return RowBlock(
        "moved",
        keys[[M, N, "level", P]].rename(columns={"level": "indicated_level"}),
        rows,
        cols,
        np.ones(len(rows)),
        keys["children"].to_numpy(float),
        np.full(w.size, INF),
    )


def _continuity(instance: Instance, w: ColumnBlock | None) -> RowBlock | None:
    """Children moved away from their provider at most mu x baseline children, per municipality."""
    mu = instance.scenario.continuity_max_moved_share
    if mu is None or w is None:
        return None
    rows, keys = _group_rows(w.keys[[M]])
    base = w.keys.groupby(M, sort=True)["children"].sum().to_numpy(float)
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
    allied = set(providers.loc[providers["alliance"].astype(bool), P])
    revenue0 = baseline[baseline[P].isin(allied)].groupby(P, sort=True)["cost_eur"].sum()
    revenue0 = revenue0[revenue0 > 0]
    used = arcs[arcs[P].isin(set(revenue0.index))]
    if used.empty:
        return None
    rows, keys = _group_rows(used[[P]])
    r0 = keys[P].map(revenue0).to_numpy(float) * MONEY_SCALE
    return RowBlock(
        "alliance",
        keys,
        rows,
        used.index.to_numpy(),
        used["price"].to_numpy(float) * MONEY_SCALE,
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
    mask = numerator | base
    used = arcs[mask]
    if used.empty:
        return None
    rows, keys = _group_rows(used[[M]])
    num = numerator[mask].astype(float)
    den = base[mask].astype(float)
    return RowBlock(
        family,
        keys,
        rows,
        used.index.to_numpy(),
        num - share * den,
        np.full(len(keys), -INF),
        np.zeros(len(keys)),
        Sensitivity(parameter, 0.01, label, d_coef=-den),
    )


def _need_totals(arcs: pd.DataFrame, t: ColumnBlock) -> RowBlock:
    """t[n] = total children of need n (a helper for provider shares)."""
    row_of_need = pd.Series(np.arange(t.size), index=t.keys[N])
    rows = np.concatenate([arcs[N].map(row_of_need).to_numpy(), np.arange(t.size)])
    cols = np.concatenate([arcs.index.to_numpy(), t.start + np.arange(t.size)])
    vals = np.concatenate([np.ones(len(arcs)), -np.ones(t.size)])
    zeros = np.zeros(t.size)
    return RowBlock("need_total", t.keys, rows, cols, vals, zeros, zeros.copy())


def _provider_share(instance: Instance, arcs: pd.DataFrame, t: ColumnBlock | None) -> RowBlock | None:
    """No provider above rho of a need's volume."""
    rho = instance.scenario.max_provider_share
    if rho is None or t is None:
        return None
    rows, keys = _group_rows(arcs[[P, N]])
    row_of_need = pd.Series(np.arange(t.size), index=t.keys[N])
    t_cols = t.start + keys[N].map(row_of_need).to_numpy()
    n_rows = len(keys)
    return RowBlock(
        "provider_share",
        keys,
        np.concatenate([rows, np.arange(n_rows)]),
        np.concatenate([arcs.index.to_numpy(), t_cols]),
        np.concatenate([np.ones(len(arcs)), np.full(n_rows, -rho)]),
        np.full(n_rows, -INF),
        np.zeros(n_rows),
        Sensitivity("max_provider_share", 0.01, "1 percentage point larger provider share",
                    d_coef=np.concatenate([np.zeros(len(arcs)), -np.ones(n_rows)])),
    )


def _municipality_budget(instance: Instance, arcs: pd.DataFrame, budget: float | None) -> RowBlock | None:
    """Each municipality's cost at most (1 + tau) x its share of the budget."""
    tau = instance.scenario.municipality_budget_tolerance
    munis = instance["municipalities"]
    own = munis.set_index(M)["budget_eur"].astype(float)
    if tau is None or budget is None or own.isna().any() or own.sum() <= 0:
        return None
    rows, keys = _group_rows(arcs[[M]])
    share = keys[M].map(own / own.sum()).to_numpy(float) * budget * MONEY_SCALE
    return RowBlock(
        "municipality_budget",
        keys,
        rows,
        arcs.index.to_numpy(),
        arcs["price"].to_numpy(float) * MONEY_SCALE,
        np.full(len(keys), -INF),
        (1.0 + tau) * share,
        Sensitivity("municipality_budget_tolerance", 0.01,
                    "1 percentage point more room per municipality", d_upper=share),
    )


def _procurement(instance: Instance, arcs: pd.DataFrame, cells: pd.DataFrame,
                 z: ColumnBlock) -> list[RowBlock]:
    """Contract lots: arcs only with a contracted lot, lots per need, minimum lot volume."""
    scenario = instance.scenario
    lot_row = pd.MultiIndex.from_frame(z.keys[[P, N]])
    lot_of_arc = lot_row.get_indexer(pd.MultiIndex.from_frame(arcs[[P, N]]))
    demand = cells["demand"].to_numpy(float)[arcs["cell"].to_numpy()]
    n_arcs = len(arcs)
    blocks = [
        RowBlock(
            "contract_link",
            arcs[[M, N, "indicated_level", "level", P]],
            np.concatenate([np.arange(n_arcs), np.arange(n_arcs)]),
            np.concatenate([np.arange(n_arcs), z.start + lot_of_arc]),
            np.concatenate([np.ones(n_arcs), -demand]),
            np.full(n_arcs, -INF),
            np.zeros(n_arcs),
        )
    ]
    if scenario.max_providers_per_need is not None:
        rows, keys = _group_rows(z.keys[[N]])
        blocks.append(RowBlock(
            "lots_per_need", keys, rows, z.start + np.arange(z.size), np.ones(z.size),
            np.full(len(keys), -INF), np.full(len(keys), float(scenario.max_providers_per_need)),
        ))
    if scenario.min_contract_children:
        vmin = float(scenario.min_contract_children)
        blocks.append(RowBlock(
            "min_contract_volume", z.keys[[P, N]],
            np.concatenate([lot_of_arc, np.arange(z.size)]),
            np.concatenate([np.arange(n_arcs), z.start + np.arange(z.size)]),
            np.concatenate([np.ones(n_arcs), np.full(z.size, -vmin)]),
            np.zeros(z.size), np.full(z.size, INF),
        ))
    return blocks


# --------------------------------------------------------------------------- assembly


def build_program(instance: Instance, *, budget_eur: float | None = None,
                  budget_row: bool = False) -> Program:
    """The whole program for an instance.

    ``budget_eur`` overrides the scenario's budget; ``budget_row`` keeps a budget row even
    without a budget (for frontiers), with an infinite bound.
    """
    scenario = instance.scenario
    cells = demand_cells(instance)
    arcs = build_arcs(instance, cells)
    baseline = baseline_table(instance)
    budget = budget_eur if budget_eur is not None else resolve_budget(instance)

    n_arcs, n_cells = len(arcs), len(cells)
    x = ColumnBlock("x", arcs[[M, N, "indicated_level", "level", P]], np.zeros(n_arcs),
                    np.full(n_arcs, INF))
    waiting = INF if scenario.allow_waiting_list else 0.0
    u = ColumnBlock("u", cells[[M, N, "indicated_level"]], np.zeros(n_cells),
                    np.full(n_cells, waiting))
    columns = [x, u]

    needs_w = not baseline.empty and (
        scenario.continuity_max_moved_share is not None or scenario.objective == "min_disruption"
    )
    w = None
    if needs_w:
        cell_keys = cells.rename(columns={"indicated_level": "level"})[[M, N, "level"]]
        pairs = baseline.merge(cell_keys, on=[M, N, "level"])
        w = ColumnBlock("w", pairs[[M, N, "level", P, "children"]].reset_index(drop=True),
                        np.zeros(len(pairs)), np.full(len(pairs), INF))
        columns.append(w)
    t = None
    if scenario.max_provider_share is not None:
        needs = pd.DataFrame({N: np.sort(arcs[N].unique())})
        t = ColumnBlock("t", needs, np.zeros(len(needs)), np.full(len(needs), INF))
        columns.append(t)
    z = None
    if scenario.procurement:
        lots = arcs[[P, N]].drop_duplicates().sort_values([P, N]).reset_index(drop=True)
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
    data = {"growth": scenario.demand_growth}
    blocks = [
        _coverage(data, cells, arcs, u.start),
        _step_down(instance, cells, arcs),
        _provider_capacity(instance, arcs),
        _offer_capacity(instance, arcs),
        budget_block,
        _quality_floor(instance, arcs),
        _moved_link(baseline, arcs, w) if w is not None else None,
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
        blocks.extend(_procurement(instance, arcs, cells, z))
    objectives = _objectives(instance, arcs, columns, contract_cost)
    data.update(budget_eur=budget, baseline=baseline, contract_cost=contract_cost)
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
