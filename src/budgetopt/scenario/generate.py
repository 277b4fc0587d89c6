"""Synthetic instances of any size, from one region to national scale.

``generate_instance`` draws municipalities and providers on a random unit-square map, lets every
provider reach its nearest municipalities, and fills every table of the data dictionary with
realistic magnitudes (youth population, share in care, indicated-level mix, prices per child-year,
quality, capacity). Everything is vectorised and deterministic for a seed.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from budgetopt.scenario.instance import Instance
from budgetopt.scenario.params import Scenario

#: Indicated-level mix of children in care, lightest first (6 levels; other counts interpolate).
LEVEL_MIX_6 = np.array([0.34, 0.25, 0.18, 0.12, 0.07, 0.04])
#: Support needs: (code, name); needs beyond this list are numbered.
NEED_NAMES = (
    ("FAM", "Parenting and family problems"),
    ("GGZ", "Youth mental health"),
    ("LVB", "Mild intellectual disability and developmental problems"),
    ("ASS", "Autism spectrum"),
    ("TRA", "Trauma and abuse"),
    ("GED", "Behavioural problems"),
    ("VSL", "Addiction"),
    ("SOM", "Chronic illness and care needs"),
)
YOUTH_MEDIAN = 7_000  # persons 0-17 per municipality (lognormal median)
YOUTH_SIGMA = 0.8
CARE_SHARE = 0.11  # share of 0-17 in care
PRICE_LIGHTEST_EUR = 1_500.0  # per child-year at level 1
PRICE_RATIO_TOP = 80.0  # heaviest / lightest level price
PRICE_CLIP_EUR = (700.0, 200_000.0)
CAPACITY_HEADROOM = 1.25
ALLIANCE_SHARE = 0.05
MUNICIPALITIES_PER_REGION = 8.5  # default number of regions: ~40 for 342 municipalities
BUDGET_GAP = 0.15  # baseline cost over the municipalities' own budgets
CONTINUITY_MAX_MOVED_SHARE = 0.2
ALLIANCE_REVENUE_FLOOR = 0.15
QUALITY_FLOOR_MARGIN = 0.02  # regional floor below the baseline average quality
QUALITY_FLOOR_OWN_MARGIN = 0.01  # own floor of a municipality already below the regional one
PROCUREMENT_LOTS_PER_REGION = (10, 25)  # providers a regional purchaser contracts per need
PROCUREMENT_MIN_CHILDREN = (10, 25)  # minimum volume of a contracted lot [child-years]
PROCUREMENT_CONTRACT_COST_EUR = (25_000.0, 60_000.0)  # per lot and year


def _width(n: int) -> int:
    return max(3, len(str(n)))


def _ids(prefix: str, n: int) -> np.ndarray:
    w = _width(n)
    return np.array([f"{prefix}{i:0{w}d}" for i in range(1, n + 1)], dtype=object)


def _round_in_groups(values: np.ndarray, groups: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Integers per row summing to ``totals[g]`` within each group g, close to ``values``.

    ``values`` must already sum to ``totals`` per group (largest-remainder rounding; ties go to
    the earlier row). ``groups`` are integer codes 0..G-1.
    """
    floor = np.floor(values + 1e-9)
    deficit = np.rint(totals - np.bincount(groups, weights=floor, minlength=len(totals)))
    order = np.lexsort((np.arange(len(values)), -(values - floor), groups))
    sorted_groups = groups[order]
    starts = np.searchsorted(sorted_groups, sorted_groups, side="left")
    rank = np.arange(len(values)) - starts
    add = np.zeros(len(values))
    add[order] = rank < deficit[sorted_groups]
    return (floor + add).astype(np.int64)


def _split(weights: np.ndarray, groups: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Split integer ``totals[g]`` over the rows of group g in proportion to ``weights``."""
    sums = np.bincount(groups, weights=weights, minlength=len(totals))
    share = weights / sums[groups]
    return _round_in_groups(share * totals[groups], groups, totals.astype(float))


def _level_mix(n_levels: int) -> np.ndarray:
    if n_levels == len(LEVEL_MIX_6):
        return LEVEL_MIX_6 / LEVEL_MIX_6.sum()
    grid = np.linspace(0.0, 1.0, len(LEVEL_MIX_6))
    mix = np.interp(np.linspace(0.0, 1.0, n_levels), grid, LEVEL_MIX_6)
    return mix / mix.sum()


def _nearest(distance: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (row, column) linking each row to its ``k[row]`` nearest columns."""
    order = np.argsort(distance, axis=1, kind="stable")
    keep = np.arange(distance.shape[1])[None, :] < k[:, None]
    rows = np.broadcast_to(np.arange(distance.shape[0])[:, None], order.shape)
    return rows[keep], order[keep]


def generate_instance(
    n_municipalities: int,
    n_providers: int,
    *,
    n_needs: int = 8,
    n_levels: int = 6,
    seed: int = 0,
    regions: int | None = None,
    access_per_municipality: int = 30,
    procurement: bool = False,
) -> Instance:
    """A synthetic instance with every data-dictionary table filled.

    Map and access: municipalities and providers lie on a random unit square; each provider reaches
    its k nearest municipalities (k grows with the square root of the provider's size) so that a
    municipality reaches about ``access_per_municipality`` providers; every municipality also
    reaches its few nearest providers. ``regions`` contract regions (default: one per ~8.5
    municipalities, ~40 nationally) are Voronoi cells around random municipalities.

    Data: youth population (0-17, persons) lognormal with median 7,000; about 11 % in care
    (children are child-years, integers); need split Dirichlet per municipality; indicated-level
    mix Dirichlet around (0.34, 0.25, 0.18, 0.12, 0.07, 0.04). Each provider offers 1-3 needs with
    one contiguous band of 2-4 levels; price per child-year [EUR] 1,500 x 80^((l-1)/(L-1)) x need
    factor (0.8-1.25) x provider factor (lognormal, sd 0.15) x offer noise, clipped to
    700-200,000; quality = provider Beta(6, 2.5) + N(0, 0.07) per offer, clipped to [0, 1]; the
    largest ~5 % of providers are alliance members. Where no reachable provider offers a demanded
    (need, level), the reachable provider closest in level band gets that offer, so every demand
    cell can be served at its indicated level; where no reachable lot (provider x need) could
    reach 25 child-years, the municipality also gets access to the nearest provider whose lot can.
    The baseline splits each cell over its reachable offering providers by size x noise (integers
    summing to demand exactly); provider capacity [child-years] is 1.25 x its baseline volume x
    lognormal noise (sd 0.2), at least 1.05 x that volume and at least 31; each municipality's
    ``budget_eur`` is its baseline cost / 1.15 x noise (sd 0.05).

    Scenario: ``min_disruption``, a 10 % cut on the baseline cost, one level of step-down for at
    most 30 % of a cell, quality floor 0.02 below the baseline average quality (rounded down; a
    municipality whose own baseline average is lower gets ``quality_floor`` = its average - 0.01
    in its row, so today's plan meets every floor), at most 20 % of children moved per
    municipality, alliance revenue at least 85 % of baseline, out-of-home and residential caps
    0.02 above the highest municipality's baseline share.

    Procurement (``procurement=True``; the tables are the same as without it): what a regional
    purchaser would set. ``max_providers_per_need`` (K) bounds contracted lots per need over the
    whole instance, so nationally it is a sum over regions: a share of the providers offering a
    need (hundreds nationally) would barely bind. A purchaser contracts some 10-25 providers per
    need (fewer providers is the advice reported for Twente), so K = regions x a count drawn from 10-25,
    raised, if needed, to the greedy set cover of each need's demand cells (every cell keeps a
    provider that can serve it at its indicated level). ``min_contract_children`` is drawn from
    10-25 child-years, lowered where some cell's biggest reachable lot could not reach it;
    ``contract_cost_eur`` is drawn from EUR 25,000-60,000 per lot and year (Drenthe counted EUR
    2.5 M extra administration at its five largest providers). The procurement draws come after
    every table is drawn, so ``procurement`` changes the scenario only.
    """
    if n_municipalities < 1 or n_providers < 1 or n_needs < 1 or n_levels < 1:
        msg = "n_municipalities, n_providers, n_needs and n_levels must be at least 1"
        raise ValueError(msg)
    rng = np.random.default_rng(seed)
    n_m, n_p, n_n, n_l = n_municipalities, n_providers, n_needs, n_levels
    n_regions = regions if regions is not None else max(1, round(n_m / MUNICIPALITIES_PER_REGION))
    n_regions = min(max(1, n_regions), n_m)

    # --- map, municipalities, regions -------------------------------------------------------
    m_xy = rng.random((n_m, 2))
    p_xy = rng.random((n_p, 2))
    youth = np.maximum(200, np.rint(YOUTH_MEDIAN * rng.lognormal(0.0, YOUTH_SIGMA, n_m)))
    in_care = np.rint(youth * CARE_SHARE * rng.lognormal(0.0, 0.15, n_m)).astype(np.int64)
    seeds = rng.choice(n_m, size=n_regions, replace=False)
    seed_d = ((m_xy[:, None, :] - m_xy[seeds][None, :, :]) ** 2).sum(axis=2)
    region_of_m = np.argmin(seed_d, axis=1)
    region_ids = _ids("R", n_regions)
    m_ids = _ids("M", n_m)

    # --- needs and levels ----------------------------------------------------------------
    need_codes = [NEED_NAMES[i][0] if i < len(NEED_NAMES) else f"N{i + 1:02d}" for i in range(n_n)]
    need_names = [NEED_NAMES[i][1] if i < len(NEED_NAMES) else f"Support need {i + 1}" for i in range(n_n)]
    need_base = np.sort(rng.dirichlet(np.full(n_n, 3.0)))[::-1]
    need_factor = rng.uniform(0.8, 1.25, n_n)
    level_no = np.arange(1, n_l + 1)
    out_of_home = level_no >= max(2, n_l - 1) if n_l >= 3 else np.zeros(n_l, dtype=bool)
    residential = (level_no == n_l) & out_of_home

    # --- demand: municipality x need x level, integers per municipality ---------------------
    need_mix = rng.dirichlet(30.0 * need_base, size=n_m)  # (M, N)
    level_mix = rng.dirichlet(40.0 * _level_mix(n_l), size=(n_m, n_n))  # (M, N, L)
    share = (need_mix[:, :, None] * level_mix).reshape(n_m, -1)
    cell_m = np.repeat(np.arange(n_m), n_n * n_l)
    children = _round_in_groups((share * in_care[:, None]).ravel(), cell_m, in_care.astype(float))
    cell_n = np.tile(np.repeat(np.arange(n_n), n_l), n_m)
    cell_l = np.tile(np.arange(n_l), n_m * n_n)

    # --- providers and offers --------------------------------------------------------------
    size = rng.lognormal(0.0, 1.0, n_p)
    n_offered = np.minimum(1 + rng.binomial(2, 0.35, n_p), n_n)
    gumbel = np.log(need_base)[None, :] - np.log(-np.log(rng.random((n_p, n_n))))
    need_rank = np.argsort(np.argsort(-gumbel, axis=1, kind="stable"), axis=1, kind="stable")
    offers_need = need_rank < n_offered[:, None]  # (P, N)
    band = np.minimum(rng.integers(2, 5, n_p), n_l)
    start = rng.integers(0, n_l - band + 1)  # 0-based first level
    in_band = (np.arange(n_l)[None, :] >= start[:, None]) & (
        np.arange(n_l)[None, :] < (start + band)[:, None]
    )  # (P, L)
    offered = offers_need[:, :, None] & in_band[:, None, :]  # (P, N, L)
    n_alliance = max(1, round(ALLIANCE_SHARE * n_p)) if n_p >= 2 else 0
    alliance = np.zeros(n_p, dtype=bool)
    alliance[np.argsort(-size, kind="stable")[:n_alliance]] = True

    # --- access: provider -> k nearest municipalities (+ each municipality's nearest) ----------
    distance = np.sqrt(((p_xy[:, None, :] - m_xy[None, :, :]) ** 2).sum(axis=2))  # (P, M)
    reach = np.sqrt(size)
    k = np.clip(np.rint(reach / reach.sum() * n_m * access_per_municipality), 1, n_m)
    acc_p, acc_m = _nearest(distance, k.astype(np.int64))
    own = np.full(n_m, min(n_p, max(3, access_per_municipality // 5)))
    own_m, own_p = _nearest(distance.T, own)
    access_code = np.unique(np.concatenate([acc_m * n_p + acc_p, own_m * n_p + own_p]))

    # --- every demanded (m, n, k) servable at k: add offers where needed --------------------
    offered = _make_servable(offered, access_code, children, cell_m, cell_n, cell_l, start, band, size, n_p)

    # --- every such cell also reachable by a lot big enough to contract --------------------
    access_code = _viable_lots(access_code, offered, children, cell_m, cell_n, cell_l, distance, n_m, n_p)
    acc_m_all, acc_p_all = np.divmod(access_code, n_p)

    # --- baseline: each demand cell over its reachable offering providers -------------------
    arc_cell, arc_p = _arcs(access_code, offered, children, cell_m, cell_n, cell_l, n_m, n_p)
    cell_code, arc_group = np.unique(arc_cell, return_inverse=True)
    weight = size[arc_p] * rng.lognormal(0.0, 0.5, len(arc_p))
    base_children = _split(weight, arc_group, children[cell_code].astype(float))
    keep = base_children > 0
    b_cell, b_p, b_children = arc_cell[keep], arc_p[keep], base_children[keep]

    # --- prices, quality, capacity -----------------------------------------------------------
    o_p, o_n, o_l = np.nonzero(offered)
    provider_factor = rng.lognormal(0.0, 0.15, n_p)
    price = (
        PRICE_LIGHTEST_EUR
        * PRICE_RATIO_TOP ** (o_l / max(1, n_l - 1))
        * need_factor[o_n]
        * provider_factor[o_p]
        * rng.lognormal(0.0, 0.05, len(o_p))
    )
    price = np.rint(np.clip(price, *PRICE_CLIP_EUR))
    provider_quality = rng.beta(6.0, 2.5, n_p)
    quality = np.round(np.clip(provider_quality[o_p] + rng.normal(0.0, 0.07, len(o_p)), 0, 1), 3)
    offer_index = np.full(offered.shape, -1, dtype=np.int64)
    offer_index[o_p, o_n, o_l] = np.arange(len(o_p))
    b_offer = offer_index[b_p, cell_n[b_cell], cell_l[b_cell]]
    load = np.bincount(b_p, weights=b_children, minlength=n_p)
    fair = size / size.sum() * children.sum()
    noise = CAPACITY_HEADROOM * rng.lognormal(0.0, 0.2, n_p)
    capacity = np.where(load > 0, np.maximum(load * noise, 1.05 * load), fair * noise)
    capacity = np.ceil(np.maximum(capacity, CAPACITY_HEADROOM * PROCUREMENT_MIN_CHILDREN[1]))

    # --- budgets and scenario figures ------------------------------------------------------
    b_cost = price[b_offer] * b_children
    m_of_b = cell_m[b_cell]
    cost_m = np.bincount(m_of_b, weights=b_cost, minlength=n_m)
    budget = np.rint(cost_m / (1 + BUDGET_GAP) * rng.lognormal(0.0, 0.05, n_m))
    served_m = np.bincount(m_of_b, weights=b_children, minlength=n_m)
    q_m = np.bincount(m_of_b, weights=quality[b_offer] * b_children, minlength=n_m)
    with np.errstate(invalid="ignore", divide="ignore"):
        avg_q = q_m / served_m
        ooh = np.bincount(m_of_b, weights=b_children * out_of_home[cell_l[b_cell]], minlength=n_m)
        res = np.bincount(m_of_b, weights=b_children * residential[cell_l[b_cell]], minlength=n_m)
        ooh_share = np.nanmax(np.where(served_m > 0, ooh / served_m, np.nan), initial=0.0)
        res_share = np.nanmax(np.where(ooh > 0, res / ooh, np.nan), initial=0.0)
    overall_q = float(q_m.sum() / max(served_m.sum(), 1.0))
    floor = max(0.0, math.floor((overall_q - QUALITY_FLOOR_MARGIN) * 100) / 100)
    below = avg_q < floor  # NaN (no children) compares False
    own_floor = np.where(
        below, np.floor((np.nan_to_num(avg_q) - QUALITY_FLOOR_OWN_MARGIN) * 100) / 100, np.nan
    )
    own_floor = np.where(below, np.maximum(own_floor, 0.0), np.nan)
    scenario: dict[str, object] = {
        "name": f"generated-{n_m}x{n_p}-seed{seed}",
        "description": (
            f"Synthetic instance: {n_m} municipalities in {n_regions} regions, {n_p} providers, "
            f"{n_n} needs, {n_l} levels (seed {seed}); a 10 % cut with minimal disruption."
        ),
        "objective": "min_disruption",
        "budget_cut": 0.1,
        "max_step_down_levels": 1,
        "step_down_share": 0.3,
        "quality_floor": floor,
        "continuity_max_moved_share": CONTINUITY_MAX_MOVED_SHARE,
        "alliance_revenue_floor": ALLIANCE_REVENUE_FLOOR if alliance.any() else None,
        "out_of_home_max_share": (
            min(1.0, math.ceil((ooh_share + 0.02) * 100) / 100) if out_of_home.any() else None
        ),
        "residential_max_share_of_out_of_home": (
            min(1.0, math.ceil((res_share + 0.02) * 100) / 100) if residential.any() else None
        ),
        "time_limit_s": 60.0,
    }
    if procurement:
        scenario.update(_procurement(rng, arc_cell, arc_p, children, cell_n, n_n, n_p, n_regions))

    # --- tables -------------------------------------------------------------------------
    p_ids = _ids("P", n_p)
    need_ids = np.array(need_codes, dtype=object)
    tables = {
        "municipalities": pd.DataFrame(
            {
                "municipality_id": m_ids,
                "name": [f"Municipality {i}" for i in range(1, n_m + 1)],
                "youth_population": youth.astype(np.float64),
                "budget_eur": budget.astype(np.float64),
                "region": region_ids[region_of_m],
                "quality_floor": own_floor.astype(np.float64),
            }
        ),
        "needs": pd.DataFrame({"need_id": need_ids, "name": need_names}),
        "levels": pd.DataFrame(
            {
                "level": level_no.astype(np.int64),
                "code": [f"L{i}" for i in level_no],
                "name": [f"Level {i}" for i in level_no],
                "out_of_home": out_of_home,
                "residential": residential,
            }
        ),
        "providers": pd.DataFrame(
            {
                "provider_id": p_ids,
                "name": [f"Provider {i}" for i in range(1, n_p + 1)],
                "capacity_children": capacity.astype(np.float64),
                "alliance": alliance,
            }
        ),
        "offers": pd.DataFrame(
            {
                "provider_id": p_ids[o_p],
                "need_id": need_ids[o_n],
                "level": (o_l + 1).astype(np.int64),
                "cost_eur": price.astype(np.float64),
                "quality": quality.astype(np.float64),
                "capacity_children": np.full(len(o_p), np.nan),
            }
        ),
        "access": pd.DataFrame({"municipality_id": m_ids[acc_m_all], "provider_id": p_ids[acc_p_all]}),
        "demand": pd.DataFrame(
            {
                "municipality_id": m_ids[cell_m],
                "need_id": need_ids[cell_n],
                "level": (cell_l + 1).astype(np.int64),
                "children": children.astype(np.float64),
            }
        ),
        "baseline": pd.DataFrame(
            {
                "municipality_id": m_ids[cell_m[b_cell]],
                "need_id": need_ids[cell_n[b_cell]],
                "level": (cell_l[b_cell] + 1).astype(np.int64),
                "provider_id": p_ids[b_p],
                "children": b_children.astype(np.float64),
            }
        ),
    }
    for frame in tables.values():
        for column in ("municipality_id", "provider_id", "need_id", "region", "name", "code"):
            if column in frame.columns:
                frame[column] = frame[column].astype(str)
    source = f"generated:{n_m}x{n_p}:needs={n_n}:levels={n_l}:seed={seed}"
    return Instance(tables=tables, scenario=Scenario.model_validate(scenario), source=source)


def _arcs(
    access_code: np.ndarray,
    offered: np.ndarray,
    children: np.ndarray,
    cell_m: np.ndarray,
    cell_n: np.ndarray,
    cell_l: np.ndarray,
    n_m: int,
    n_p: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Every (demand cell with children, provider) pair: p reaches m and offers (n, k)."""
    live = np.flatnonzero(children > 0)
    acc_m, acc_p = np.divmod(access_code, n_p)  # access_code is sorted, so by municipality
    by_m = np.searchsorted(acc_m, np.arange(n_m + 1))
    count = by_m[cell_m[live] + 1] - by_m[cell_m[live]]
    arc_cell = np.repeat(live, count)
    first = np.repeat(by_m[cell_m[live]] - (np.cumsum(count) - count), count)
    arc_p = acc_p[first + np.arange(len(arc_cell))]
    ok = offered[arc_p, cell_n[arc_cell], cell_l[arc_cell]]
    return arc_cell[ok], arc_p[ok]


def _viable_lots(
    access_code: np.ndarray,
    offered: np.ndarray,
    children: np.ndarray,
    cell_m: np.ndarray,
    cell_n: np.ndarray,
    cell_l: np.ndarray,
    distance: np.ndarray,
    n_m: int,
    n_p: int,
) -> np.ndarray:
    """Add access so every demand cell is reachable by a lot of at least the largest minimum
    contract volume (a provider x need whose reachable cells hold that many children).

    A cell without one gets access to the nearest provider offering its (need, level) whose lot
    is big enough (or, if none is, the provider with the biggest lot).
    """
    n_n = offered.shape[1]
    arc_cell, arc_p = _arcs(access_code, offered, children, cell_m, cell_n, cell_l, n_m, n_p)
    lot = arc_p.astype(np.int64) * n_n + cell_n[arc_cell]
    potential = np.bincount(lot, weights=children[arc_cell], minlength=n_p * n_n)
    best = np.zeros(len(children))
    np.maximum.at(best, arc_cell, potential[lot])
    need = PROCUREMENT_MIN_CHILDREN[1]
    weak = np.flatnonzero((children > 0) & (best < need))
    if len(weak) == 0:
        return access_code
    o_p, o_n, o_l = np.nonzero(offered)
    cand = pd.DataFrame({"cell": weak, "n": cell_n[weak], "l": cell_l[weak]}).merge(
        pd.DataFrame({"p": o_p, "n": o_n, "l": o_l}), on=["n", "l"]
    )
    c_cell, c_p = cand["cell"].to_numpy(), cand["p"].to_numpy()
    big = potential[c_p * n_n + cell_n[c_cell]] >= need
    cand["score"] = np.where(
        big, distance[c_p, cell_m[c_cell]], 10.0 - potential[c_p * n_n + cell_n[c_cell]] / need
    )
    chosen = cand.sort_values(["cell", "score", "p"], kind="stable").drop_duplicates("cell")
    added = cell_m[chosen["cell"].to_numpy()].astype(np.int64) * n_p + chosen["p"].to_numpy()
    return np.unique(np.concatenate([access_code, added]))


def _make_servable(
    offered: np.ndarray,
    access_code: np.ndarray,
    children: np.ndarray,
    cell_m: np.ndarray,
    cell_n: np.ndarray,
    cell_l: np.ndarray,
    start: np.ndarray,
    band: np.ndarray,
    size: np.ndarray,
    n_p: int,
) -> np.ndarray:
    """Add offers so that every demanded cell has a reachable provider offering it at its level.

    A cell nobody serves gets an offer from a reachable provider: one already offering the need
    if any, else any; among those the one whose level band is closest, then the largest.
    """
    acc_m, acc_p = np.divmod(access_code, n_p)
    n_m = int(cell_m.max()) + 1
    n_n, n_l = offered.shape[1], offered.shape[2]
    # servable[m, n, l] = any reachable p offers (n, l)
    servable = np.zeros((n_m, n_n, n_l), dtype=bool)
    np.logical_or.at(servable, acc_m, offered[acc_p])
    cells = np.flatnonzero((children > 0) & ~servable[cell_m, cell_n, cell_l])
    if len(cells) == 0:
        return offered
    frame = pd.DataFrame({"cell": cells, "m": cell_m[cells]}).merge(
        pd.DataFrame({"m": acc_m, "p": acc_p}), on="m"
    )
    p = frame["p"].to_numpy()
    n = cell_n[frame["cell"].to_numpy()]
    lvl = cell_l[frame["cell"].to_numpy()]
    gap = np.maximum(start[p] - lvl, 0) + np.maximum(lvl - (start[p] + band[p] - 1), 0)
    frame["score"] = (~offered[p, n, :].any(axis=1)) * 1e6 + gap * 1e3 - size[p] / size.max()
    best = frame.sort_values(["cell", "score", "p"], kind="stable").drop_duplicates("cell")
    chosen = best["p"].to_numpy()
    fixed = best["cell"].to_numpy()
    offered = offered.copy()
    offered[chosen, cell_n[fixed], cell_l[fixed]] = True
    return offered


def _procurement(
    rng: np.random.Generator,
    arc_cell: np.ndarray,
    arc_p: np.ndarray,
    children: np.ndarray,
    cell_n: np.ndarray,
    n_n: int,
    n_p: int,
    n_regions: int,
) -> dict[str, object]:
    """Procurement levers of a regional purchaser (reasoning in ``generate_instance``).

    ``arc_cell``/``arc_p`` list every (demand cell, provider) pair that can serve the cell at its
    indicated level.
    """
    from scipy.sparse import csr_matrix

    arc_n = cell_n[arc_cell]
    cover = 0
    for n in range(n_n):
        on = arc_n == n
        cells, local = np.unique(arc_cell[on], return_inverse=True)
        if len(cells) == 0:
            continue
        serve = csr_matrix((np.ones(on.sum()), (arc_p[on], local)), shape=(n_p, len(cells))).astype(bool)
        cover = max(cover, _greedy_cover_size(serve))
    per_region = int(rng.integers(PROCUREMENT_LOTS_PER_REGION[0], PROCUREMENT_LOTS_PER_REGION[1] + 1))
    k = max(cover, n_regions * per_region)
    # Potential volume of a lot: children of the cells it can serve at their indicated level.
    lot = arc_p.astype(np.int64) * n_n + arc_n
    potential = np.bincount(lot, weights=children[arc_cell], minlength=n_p * n_n)
    best_per_cell = pd.Series(potential[lot]).groupby(arc_cell).max()
    drawn = int(rng.integers(PROCUREMENT_MIN_CHILDREN[0], PROCUREMENT_MIN_CHILDREN[1] + 1))
    v_min = float(min(drawn, math.floor(best_per_cell.min()))) if len(best_per_cell) else 0.0
    contract_cost = float(round(rng.uniform(*PROCUREMENT_CONTRACT_COST_EUR), -3))
    return {
        "max_providers_per_need": int(k),
        "min_contract_children": max(0.0, v_min),
        "contract_cost_eur": contract_cost,
    }


def _greedy_cover_size(serve: object) -> int:
    """Providers a greedy set cover needs so that every column (cell) has one (sparse bool P x C)."""
    uncovered = np.ones(serve.shape[1], dtype=bool)  # type: ignore[attr-defined]
    picks = 0
    while uncovered.any():
        best = int(np.argmax(serve @ uncovered.astype(float)))  # type: ignore[operator]
        uncovered[serve[best].indices] = False  # type: ignore[index]
        picks += 1
    return picks
