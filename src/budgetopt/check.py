"""The independent plan checker.

Every constraint of ``models/FORMULATION.md`` is recomputed from the input tables and the allocation
table alone: prices, qualities, demand after growth, baseline cost, budgets and contracted lots are
derived here from the instance, never taken from the optimisation model. A row ``lhs ≤ rhs`` is
violated when ``lhs − rhs > 1e-6·max(1, |rhs|, Σ|terms|)``; equalities are checked both ways.

The family ``contract_link`` needs no check of its own: a lot counts as contracted exactly when its
allocated volume exceeds 1e-9, so the allocation table satisfies it by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from budgetopt.scenario.instance import Instance

REL_TOL = 1e-6
"""Relative tolerance of a constraint row."""
VOLUME_EPS = 1e-9
"""A lot with more allocated volume than this counts as contracted."""

M, N, K, L, P = "municipality_id", "need_id", "indicated_level", "level", "provider_id"
CELL = [M, N, K]
ARC = [M, N, K, L, P]
OFFER = [P, N, L]
LOT = [P, N]
ALLOCATION_COLUMNS = [*ARC, "children", "cost_eur", "quality"]
UNSERVED_COLUMNS = [M, N, L, "children"]

FAMILIES = (
    "domain",
    "price",
    "coverage",
    "step_down",
    "provider_capacity",
    "offer_capacity",
    "budget",
    "quality_floor",
    "continuity",
    "alliance",
    "out_of_home",
    "residential",
    "provider_share",
    "municipality_budget",
    "lots_per_need",
    "min_contract_volume",
)
"""The families the checker reports, in the order it reports them."""


@dataclass(frozen=True)
class Violation:
    """One violated constraint row, in the user's ids and words."""

    family: str
    key: str
    lhs: float
    rhs: float
    message: str

    def __str__(self) -> str:
        return f"[{self.family}] {self.key}: {self.message}"


# --------------------------------------------------------------------------- formatting helpers


def _num(value: float) -> str:
    """A number as a reader wants it: nine significant digits, thousands separated."""
    if not np.isfinite(value):
        return str(value)
    rounded = float(f"{value:.9g}")
    text = f"{rounded:,.9f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _eur(value: float) -> str:
    return f"EUR {_num(value)}"


def _cell_key(m: object, n: object, k: object) -> str:
    return f"{m}/{n}/level {k}"


def _arc_key(m: object, n: object, k: object, level: object, p: object) -> str:
    return f"{m}/{n}/level {k}→{level}/{p}"


def _arc_keys(frame: pd.DataFrame) -> list[str]:
    return [_arc_key(*row) for row in frame[ARC].itertuples(index=False, name=None)]


def _cell_keys(frame: pd.DataFrame) -> list[str]:
    return [_cell_key(*row) for row in frame[CELL].itertuples(index=False, name=None)]


def _violated(lhs: pd.Series, rhs: pd.Series, scale: pd.Series) -> pd.Series:
    """Mask of rows ``lhs ≤ rhs`` that are violated; ``scale`` is Σ|terms| of each row."""
    tol = REL_TOL * np.maximum(1.0, np.maximum(np.abs(rhs), np.abs(scale)))
    return (lhs - rhs) > tol


def _emit(
    family: str,
    bad: pd.DataFrame,
    keys: Iterable[str],
    lhs: str,
    rhs: str,
    message: Callable[[str, float, float], str],
) -> list[Violation]:
    """Violations of ``family`` for the rows of ``bad`` (columns ``lhs``/``rhs``, keys given)."""
    return [
        Violation(family, key, float(a), float(b), message(key, float(a), float(b)))
        for key, a, b in zip(keys, bad[lhs].to_numpy(), bad[rhs].to_numpy(), strict=True)
    ]


# --------------------------------------------------------------------------- derived data


def _unit_prices(instance: Instance, frame: pd.DataFrame, level: str) -> pd.Series:
    """c[m,p,n,l] = π·(municipality override, else region override, else list price)."""
    keys = pd.DataFrame(
        {
            M: frame[M].to_numpy(),
            P: frame[P].to_numpy(),
            N: frame[N].to_numpy(),
            L: frame[level].to_numpy(),
        }
    )
    offers = instance["offers"][[*OFFER, "cost_eur"]].drop_duplicates(OFFER)
    price = keys.merge(offers, on=OFFER, how="left")["cost_eur"]
    if instance.has("price_overrides"):
        po = instance["price_overrides"]
        cols = [*OFFER, "cost_eur"]
        by_m = po.loc[po[M].notna(), [M, *cols]].astype({M: str}).drop_duplicates([M, *OFFER])
        by_r = (
            po.loc[po[M].isna() & po["region"].notna(), ["region", *cols]]
            .astype({"region": str})
            .drop_duplicates(["region", *OFFER])
        )
        regions = instance["municipalities"][[M, "region"]].drop_duplicates(M)
        regions = regions.loc[regions["region"].notna()].astype({"region": str})
        m_price = keys.merge(by_m, on=[M, *OFFER], how="left")["cost_eur"]
        r_price = keys.merge(regions, on=M, how="left").merge(
            by_r, on=["region", *OFFER], how="left"
        )
        price = m_price.combine_first(r_price["cost_eur"]).combine_first(price)
    return pd.Series(price.to_numpy(dtype=float) * instance.scenario.price_index, index=frame.index)


def _as_level(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Levels as numbers and the mask of those that are whole numbers."""
    numeric = pd.to_numeric(values, errors="coerce").astype(float)
    ok = numeric.notna() & np.isfinite(numeric) & (numeric == np.round(numeric))
    return numeric, ok


@dataclass(frozen=True)
class _Plan:
    """The allocation, unserved children and the derived data, all recomputed from the inputs."""

    instance: Instance
    x: pd.DataFrame
    """Allocation rows with valid levels: ARC, children, cost_eur, quality, price, q, care_cost."""
    unserved: pd.DataFrame
    """CELL, children (summed per cell)."""
    demand: pd.DataFrame
    """CELL, demand (after growth, summed per cell)."""
    baseline: pd.DataFrame | None
    """CELL, provider_id, children (summed per key), price at the indicated level (0 if unknown)."""
    lots: pd.DataFrame
    """provider_id, need_id, children: allocated volume of every contracted lot."""
    domain: list[Violation]
    """Rows that could not be read at all."""

    @property
    def baseline_cost(self) -> float | None:
        """C0 at scenario prices, or None without a baseline."""
        if self.baseline is None:
            return None
        return float((self.baseline["children"] * self.baseline["price"]).sum())

    @property
    def budget(self) -> float | None:
        """B: the scenario's budget, or (1 − budget_cut)·C0, or None."""
        scenario = self.instance.scenario
        if scenario.budget_eur is not None:
            return float(scenario.budget_eur)
        if scenario.budget_cut is not None:
            return (1.0 - scenario.budget_cut) * (self.baseline_cost or 0.0)
        return None

    @property
    def contract_cost(self) -> float:
        """f × number of contracted lots."""
        return float(self.instance.scenario.contract_cost_eur or 0.0) * len(self.lots)


def _read_allocation(allocation: pd.DataFrame) -> tuple[pd.DataFrame, list[Violation]]:
    missing = [c for c in ALLOCATION_COLUMNS if c not in allocation.columns]
    if missing:
        msg = f"allocation lacks column(s): {', '.join(missing)}"
        raise ValueError(msg)
    x = allocation[ALLOCATION_COLUMNS].reset_index(drop=True)
    x = x.astype({M: str, N: str, P: str})
    for col in ("children", "cost_eur", "quality"):
        x[col] = pd.to_numeric(x[col], errors="coerce").astype(float)
    k, k_ok = _as_level(x[K])
    level, l_ok = _as_level(x[L])
    bad = x.loc[~(k_ok & l_ok)]
    problems = [
        Violation(
            "domain", key, float("nan"), float("nan"), f"{key}: a level is not a whole number."
        )
        for key in _arc_keys(bad)
    ]
    x = x.loc[k_ok & l_ok].copy()
    x[K] = k[k_ok & l_ok].astype("int64")
    x[L] = level[k_ok & l_ok].astype("int64")
    return x.reset_index(drop=True), problems


def _read_unserved(unserved: pd.DataFrame | None) -> tuple[pd.DataFrame, list[Violation]]:
    empty = pd.DataFrame(
        {
            M: pd.Series(dtype=str),
            N: pd.Series(dtype=str),
            K: pd.Series(dtype="int64"),
            "children": pd.Series(dtype=float),
        }
    )
    if unserved is None or len(unserved) == 0:
        return empty, []
    missing = [c for c in UNSERVED_COLUMNS if c not in unserved.columns]
    if missing:
        msg = f"unserved lacks column(s): {', '.join(missing)}"
        raise ValueError(msg)
    u = unserved[UNSERVED_COLUMNS].rename(columns={L: K}).reset_index(drop=True)
    u = u.astype({M: str, N: str})
    u["children"] = pd.to_numeric(u["children"], errors="coerce").astype(float)
    k, ok = _as_level(u[K])
    problems = [
        Violation(
            "domain",
            f"{key} (unserved)",
            float("nan"),
            float("nan"),
            f"{key}: the unserved level is not a whole number.",
        )
        for key in _cell_keys(u.loc[~ok])
    ]
    u = u.loc[ok].copy()
    u[K] = k[ok].astype("int64")
    for key in _cell_keys(u.loc[u.duplicated(CELL)].drop_duplicates(CELL)):
        problems.append(
            Violation(
                "domain",
                f"{key} (unserved)",
                float("nan"),
                1.0,
                f"{key}: the unserved children are listed more than once.",
            )
        )
    bad = u.loc[~np.isfinite(u["children"]) | (u["children"] < -REL_TOL)]
    problems += [
        Violation(
            "domain",
            f"{key} (unserved)",
            float(c),
            0.0,
            f"{key}: {_num(c)} unserved children; unserved children must be 0 or more.",
        )
        for key, c in zip(_cell_keys(bad), bad["children"], strict=True)
    ]
    return u.groupby(CELL, as_index=False)["children"].sum(), problems


def _prepare(instance: Instance, allocation: pd.DataFrame, unserved: pd.DataFrame | None) -> _Plan:
    scenario = instance.scenario
    x, problems = _read_allocation(allocation)
    u, u_problems = _read_unserved(unserved)

    offers = instance["offers"][[*OFFER, "quality"]].drop_duplicates(OFFER)
    x["price"] = _unit_prices(instance, x, L)
    x["q"] = x[OFFER].merge(offers, on=OFFER, how="left")["quality"].to_numpy()
    x["q"] = x["q"].fillna(x["quality"])
    x["care_cost"] = (x["children"] * x["price"]).fillna(x["cost_eur"]).fillna(0.0)

    demand = instance["demand"].rename(columns={L: K})
    demand = demand.groupby(CELL, as_index=False)["children"].sum()
    demand = demand.rename(columns={"children": "demand"})
    demand["demand"] *= 1.0 + scenario.demand_growth

    baseline = None
    if instance.has("baseline"):
        baseline = instance["baseline"].rename(columns={L: K})
        baseline = baseline.groupby([*CELL, P], as_index=False)["children"].sum()
        baseline["price"] = _unit_prices(instance, baseline, K).fillna(0.0)

    volume = x.groupby(LOT, as_index=False)["children"].sum()
    lots = volume.loc[volume["children"] > VOLUME_EPS].reset_index(drop=True)
    return _Plan(instance, x, u, demand, baseline, lots, problems + u_problems)


# --------------------------------------------------------------------------- constraint families


def _domain(plan: _Plan) -> list[Violation]:
    """Children ≥ 0, known municipality, existing offer, access, step direction and depth, no
    duplicate keys."""
    inst, x = plan.instance, plan.x
    out = list(plan.domain)
    s = inst.scenario.step_down_depth

    bad = x.loc[~np.isfinite(x["children"])]
    out += [
        Violation("domain", key, float("nan"), 0.0, f"{key}: the number of children is missing.")
        for key in _arc_keys(bad)
    ]
    bad = x.loc[-x["children"] > REL_TOL * np.maximum(1.0, np.abs(x["children"]))]
    out += _emit(
        "domain",
        bad.assign(rhs=0.0),
        _arc_keys(bad),
        "children",
        "rhs",
        lambda k, a, b: f"{k}: {_num(a)} children allocated; children must be 0 or more.",
    )

    known = set(inst["municipalities"][M].astype(str))
    bad = x.loc[~x[M].isin(known)]
    out += [
        Violation(
            "domain",
            key,
            float("nan"),
            float("nan"),
            f"{key}: municipality {m} is not in the municipalities table.",
        )
        for key, m in zip(_arc_keys(bad), bad[M], strict=True)
    ]

    offers = inst["offers"][OFFER].drop_duplicates()
    found = x[OFFER].merge(offers, on=OFFER, how="left", indicator=True)["_merge"].to_numpy()
    bad = x.loc[found != "both"]
    out += [
        Violation(
            "domain",
            key,
            float("nan"),
            float("nan"),
            f"{key}: provider {p} has no offer for need {n} at level {lv}.",
        )
        for key, p, n, lv in zip(_arc_keys(bad), bad[P], bad[N], bad[L], strict=True)
    ]

    if inst.has("access"):
        access = inst["access"][[M, P]].astype(str).drop_duplicates()
        found = x[[M, P]].merge(access, on=[M, P], how="left", indicator=True)["_merge"].to_numpy()
        bad = x.loc[found != "both"]
        out += [
            Violation(
                "domain",
                key,
                float("nan"),
                float("nan"),
                f"{key}: provider {p} does not serve municipality {m}.",
            )
            for key, p, m in zip(_arc_keys(bad), bad[P], bad[M], strict=True)
        ]

    bad = x.loc[x[L] > x[K]]
    out += _emit(
        "domain",
        bad,
        _arc_keys(bad),
        L,
        K,
        lambda k, a, b: f"{k}: served at level {a:.0f}, heavier than the indicated level {b:.0f}.",
    )
    bad = x.loc[x[K] - x[L] > s].assign(steps=lambda f: f[K] - f[L], depth=float(s))
    out += _emit(
        "domain",
        bad,
        _arc_keys(bad),
        "steps",
        "depth",
        lambda k, a, b: (
            f"{k}: served {a:.0f} level(s) lighter than indicated; at most {b:.0f} allowed."
        ),
    )

    dup = x.loc[x.duplicated(ARC, keep=False)]
    counts = dup.groupby(ARC, as_index=False).size().assign(one=1.0)
    out += _emit(
        "domain",
        counts,
        _arc_keys(counts),
        "size",
        "one",
        lambda k, a, b: f"{k}: this allocation row appears {a:.0f} times.",
    )
    return out


def _price(plan: _Plan) -> list[Violation]:
    """cost_eur = children × c[m,p,n,l] and quality = q[p,n,l], where price and offer are known."""
    x = plan.x
    expected = x["children"] * x["price"]
    priced = x.assign(expected=expected).loc[expected.notna()]
    off = ~(
        np.abs(priced["cost_eur"] - priced["expected"])
        <= REL_TOL * np.maximum(1.0, np.abs(priced["cost_eur"]) + np.abs(priced["expected"]))
    )
    bad = priced.loc[off]
    out = _emit(
        "price",
        bad,
        _arc_keys(bad),
        "cost_eur",
        "expected",
        lambda k, a, b: (
            f"{k}: cost is {_eur(a)}, but the children at the contract price cost {_eur(b)}."
        ),
    )

    offers = plan.instance["offers"][[*OFFER, "quality"]].drop_duplicates(OFFER)
    rated = x.drop(columns="q").merge(offers.rename(columns={"quality": "q"}), on=OFFER)
    off = ~(np.abs(rated["quality"] - rated["q"]) <= REL_TOL * np.maximum(1.0, np.abs(rated["q"])))
    bad = rated.loc[off]
    out += _emit(
        "price",
        bad,
        _arc_keys(bad),
        "quality",
        "q",
        lambda k, a, b: f"{k}: quality is {_num(a)}, but the offer's quality is {_num(b)}.",
    )
    return out


def _coverage(plan: _Plan) -> list[Violation]:
    """Served + unserved = D'[m,n,k] for every demand, allocated or unserved cell; no unserved
    children unless waiting lists are allowed."""
    x = plan.x.assign(absolute=np.abs(plan.x["children"]))
    served = x.groupby(CELL, as_index=False).agg(
        served=("children", "sum"), served_abs=("absolute", "sum")
    )
    cells = plan.demand.merge(served, on=CELL, how="outer")
    cells = cells.merge(
        plan.unserved.rename(columns={"children": "unserved"}), on=CELL, how="outer"
    ).fillna({"demand": 0.0, "served": 0.0, "served_abs": 0.0, "unserved": 0.0})
    cells["lhs"] = cells["served"] + cells["unserved"]
    scale = cells["served_abs"] + np.abs(cells["unserved"]) + np.abs(cells["demand"])
    off = _violated(cells["lhs"], cells["demand"], scale) | _violated(
        cells["demand"], cells["lhs"], scale
    )
    bad = cells.loc[off]
    out = _emit(
        "coverage",
        bad,
        _cell_keys(bad),
        "lhs",
        "demand",
        lambda k, a, b: (
            f"{k}: {_num(a)} children served or waiting, but the demand after growth is {_num(b)}."
        ),
    )
    if not plan.instance.scenario.allow_waiting_list:
        waiting = cells.assign(zero=0.0)
        bad = waiting.loc[_violated(waiting["unserved"], waiting["zero"], waiting["unserved"])]
        out += _emit(
            "coverage",
            bad,
            _cell_keys(bad),
            "unserved",
            "zero",
            lambda k, a, b: (
                f"{k}: {_num(a)} children left unserved, but waiting lists are not allowed."
            ),
        )
    return out


def _step_down(plan: _Plan) -> list[Violation]:
    """Children served lighter than indicated ≤ σ[k]·D'[m,n,k]."""
    scenario = plan.instance.scenario
    if scenario.step_down_depth <= 0 or scenario.step_down_share is None:
        return []
    x = plan.x.loc[plan.x[L] < plan.x[K]]
    stepped = (
        x.assign(absolute=np.abs(x["children"]))
        .groupby(CELL, as_index=False)
        .agg(stepped=("children", "sum"), stepped_abs=("absolute", "sum"))
    )
    rows = stepped.merge(plan.demand, on=CELL, how="left").fillna({"demand": 0.0})
    sigma = rows[K].map(lambda k: scenario.step_down_share_for(int(k))).astype(float)
    rows["rhs"] = sigma * rows["demand"]
    bad = rows.loc[_violated(rows["stepped"], rows["rhs"], rows["stepped_abs"] + rows["rhs"])]
    return _emit(
        "step_down",
        bad,
        _cell_keys(bad),
        "stepped",
        "rhs",
        lambda k, a, b: (
            f"{k}: {_num(a)} children served lighter than indicated; at most {_num(b)} allowed."
        ),
    )


def _sum_abs(frame: pd.DataFrame, by: list[str], value: str = "children") -> pd.DataFrame:
    """Σ value and Σ|value| per group, as columns ``lhs`` and ``lhs_abs``."""
    return (
        frame.assign(absolute=np.abs(frame[value]))
        .groupby(by, as_index=False)
        .agg(lhs=(value, "sum"), lhs_abs=("absolute", "sum"))
    )


def _provider_capacity(plan: _Plan) -> list[Violation]:
    """Σ x over provider p ≤ cap[p]."""
    if not plan.instance.scenario.enforce_capacity:
        return []
    caps = plan.instance["providers"][[P, "capacity_children"]].dropna().astype({P: str})
    rows = _sum_abs(plan.x, [P]).merge(caps.drop_duplicates(P), on=P)
    bad = rows.loc[_violated(rows["lhs"], rows["capacity_children"], rows["lhs_abs"])]
    return _emit(
        "provider_capacity",
        bad,
        [f"provider {p}" for p in bad[P]],
        "lhs",
        "capacity_children",
        lambda k, a, b: f"{k}: {_num(a)} children allocated, above its capacity of {_num(b)}.",
    )


def _offer_capacity(plan: _Plan) -> list[Violation]:
    """Σ x over offer (p,n,l) ≤ cap[p,n,l]."""
    if not plan.instance.scenario.enforce_capacity:
        return []
    caps = plan.instance["offers"][[*OFFER, "capacity_children"]].dropna().drop_duplicates(OFFER)
    rows = _sum_abs(plan.x, OFFER).merge(caps, on=OFFER)
    bad = rows.loc[_violated(rows["lhs"], rows["capacity_children"], rows["lhs_abs"])]
    keys = [f"{p}/{n}/level {lv}" for p, n, lv in bad[OFFER].itertuples(index=False, name=None)]
    return _emit(
        "offer_capacity",
        bad,
        keys,
        "lhs",
        "capacity_children",
        lambda k, a, b: (
            f"offer {k}: {_num(a)} children allocated, above its capacity of {_num(b)}."
        ),
    )


def _budget(plan: _Plan) -> list[Violation]:
    """Σ c·x + f·(contracted lots) ≤ B."""
    budget = plan.budget
    if budget is None:
        return []
    lhs = float(plan.x["care_cost"].sum()) + plan.contract_cost
    scale = float(np.abs(plan.x["care_cost"]).sum()) + plan.contract_cost
    row = pd.DataFrame({"lhs": [lhs], "rhs": [budget], "scale": [scale]})
    bad = row.loc[_violated(row["lhs"], row["rhs"], row["scale"])]
    return _emit(
        "budget",
        bad,
        ["region"] * len(bad),
        "lhs",
        "rhs",
        lambda k, a, b: (
            f"the plan costs {_eur(a)} (contract costs included), above the budget of {_eur(b)}."
        ),
    )


def _quality_floor(plan: _Plan) -> list[Violation]:
    """Σ (q − q_min[m])·x ≥ 0 per municipality; lhs/rhs report average quality and floor."""
    floors = plan.instance["municipalities"][[M, "quality_floor"]].drop_duplicates(M)
    floors = floors.astype({M: str}).set_index(M)["quality_floor"]
    default = plan.instance.scenario.quality_floor
    x = plan.x
    q_min = x[M].map(floors).astype(float)
    if default is not None:
        q_min = q_min.fillna(default)
    x = x.assign(q_min=q_min).loc[q_min.notna()]
    x = x.assign(slack=(x["q"] - x["q_min"]) * x["children"], qx=x["q"] * x["children"])
    rows = _sum_abs(x, [M], "slack").merge(
        x.groupby(M, as_index=False).agg(
            qx=("qx", "sum"), served=("children", "sum"), q_min=("q_min", "first")
        ),
        on=M,
    )
    rows["zero"] = 0.0
    bad = rows.loc[_violated(rows["zero"], rows["lhs"], rows["lhs_abs"])]
    bad = bad.assign(average=bad["qx"] / bad["served"])
    return _emit(
        "quality_floor",
        bad,
        [f"municipality {m}" for m in bad[M]],
        "average",
        "q_min",
        lambda k, a, b: (
            f"{k}: the served children's average quality is {_num(a)}, "
            f"below the floor of {_num(b)}."
        ),
    )


def _moved(plan: _Plan, baseline: pd.DataFrame) -> pd.DataFrame:
    """w[m,n,k,p] = max(0, x0 − Σ_l x) per baseline row, with x0 as column ``x0``."""
    served = plan.x.groupby([*CELL, P], as_index=False)["children"].sum()
    rows = (
        baseline.rename(columns={"children": "x0"})
        .merge(served, on=[*CELL, P], how="left")
        .fillna({"children": 0.0})
    )
    return rows.assign(w=np.maximum(0.0, rows["x0"] - rows["children"]))


def _continuity(plan: _Plan) -> list[Violation]:
    """Σ w per municipality ≤ μ·(baseline children of the municipality)."""
    mu = plan.instance.scenario.continuity_max_moved_share
    if mu is None or plan.baseline is None:
        return []
    rows = (
        _moved(plan, plan.baseline).groupby(M, as_index=False).agg(w=("w", "sum"), x0=("x0", "sum"))
    )
    rows["rhs"] = mu * rows["x0"]
    bad = rows.loc[_violated(rows["w"], rows["rhs"], rows["w"] + np.abs(rows["rhs"]))]
    return _emit(
        "continuity",
        bad,
        [f"municipality {m}" for m in bad[M]],
        "w",
        "rhs",
        lambda k, a, b: (
            f"{k}: {_num(a)} children moved away from their provider; at most {_num(b)} allowed."
        ),
    )


def _alliance(plan: _Plan) -> list[Violation]:
    """Revenue of each alliance provider ≥ (1 − δ)·baseline revenue, both at scenario prices."""
    delta = plan.instance.scenario.alliance_revenue_floor
    if delta is None or plan.baseline is None:
        return []
    providers = plan.instance["providers"]
    alliance = providers.loc[providers["alliance"].astype(bool), [P]].astype(str).drop_duplicates()
    revenue = _sum_abs(plan.x, [P], "care_cost")
    base = plan.baseline.assign(r0=plan.baseline["children"] * plan.baseline["price"])
    base = base.groupby(P, as_index=False)["r0"].sum()
    rows = alliance.merge(revenue, on=P, how="left").merge(base, on=P, how="left").fillna(0.0)
    rows["rhs"] = (1.0 - delta) * rows["r0"]
    bad = rows.loc[_violated(rows["rhs"], rows["lhs"], rows["lhs_abs"] + np.abs(rows["rhs"]))]
    return _emit(
        "alliance",
        bad,
        [f"provider {p}" for p in bad[P]],
        "lhs",
        "rhs",
        lambda k, a, b: f"{k}: revenue of {_eur(a)}, below the alliance floor of {_eur(b)}.",
    )


def _level_flags(plan: _Plan) -> pd.DataFrame:
    """The allocation with children at out-of-home and residential levels as columns."""
    levels = plan.instance["levels"][[L, "out_of_home", "residential"]].drop_duplicates(L)
    flags = plan.x[[L]].merge(levels, on=L, how="left")
    ooh = flags["out_of_home"].fillna(False).astype(bool).to_numpy()
    res = flags["residential"].fillna(False).astype(bool).to_numpy()
    x = plan.x[[M, "children"]]
    return x.assign(ooh=np.where(ooh, x["children"], 0.0), res=np.where(res, x["children"], 0.0))


def _out_of_home(plan: _Plan) -> list[Violation]:
    """Children at out-of-home levels ≤ h·(all children) per municipality."""
    h = plan.instance.scenario.out_of_home_max_share
    if h is None:
        return []
    x = _level_flags(plan)
    x = x.assign(total_abs=np.abs(x["children"]), ooh_abs=np.abs(x["ooh"]))
    rows = x.groupby(M, as_index=False).agg(
        ooh=("ooh", "sum"),
        total=("children", "sum"),
        ooh_abs=("ooh_abs", "sum"),
        total_abs=("total_abs", "sum"),
    )
    rows["rhs"] = h * rows["total"]
    bad = rows.loc[_violated(rows["ooh"], rows["rhs"], rows["ooh_abs"] + h * rows["total_abs"])]
    return _emit(
        "out_of_home",
        bad,
        [f"municipality {m}" for m in bad[M]],
        "ooh",
        "rhs",
        lambda k, a, b: f"{k}: {_num(a)} children in out-of-home care; at most {_num(b)} allowed.",
    )


def _residential(plan: _Plan) -> list[Violation]:
    """Children at residential levels ≤ r·(children out of home) per municipality."""
    r = plan.instance.scenario.residential_max_share_of_out_of_home
    if r is None:
        return []
    x = _level_flags(plan)
    x = x.assign(res_abs=np.abs(x["res"]), ooh_abs=np.abs(x["ooh"]))
    rows = x.groupby(M, as_index=False).agg(
        res=("res", "sum"),
        ooh=("ooh", "sum"),
        res_abs=("res_abs", "sum"),
        ooh_abs=("ooh_abs", "sum"),
    )
    rows["rhs"] = r * rows["ooh"]
    bad = rows.loc[_violated(rows["res"], rows["rhs"], rows["res_abs"] + r * rows["ooh_abs"])]
    return _emit(
        "residential",
        bad,
        [f"municipality {m}" for m in bad[M]],
        "res",
        "rhs",
        lambda k, a, b: f"{k}: {_num(a)} children in residential care; at most {_num(b)} allowed.",
    )


def _provider_share(plan: _Plan) -> list[Violation]:
    """Volume of (p,n) ≤ ρ·(volume of need n)."""
    rho = plan.instance.scenario.max_provider_share
    if rho is None:
        return []
    rows = _sum_abs(plan.x, LOT)
    totals = rows.groupby(N).agg(total=("lhs", "sum"), total_abs=("lhs_abs", "sum"))
    rows = rows.merge(totals, left_on=N, right_index=True)
    rows["rhs"] = rho * rows["total"]
    bad = rows.loc[_violated(rows["lhs"], rows["rhs"], rows["lhs_abs"] + rho * rows["total_abs"])]
    return _emit(
        "provider_share",
        bad,
        [f"{p}/{n}" for p, n in zip(bad[P], bad[N], strict=True)],
        "lhs",
        "rhs",
        lambda k, a, b: (
            f"{k}: the provider serves {_num(a)} children of this need; at most {_num(b)} allowed."
        ),
    )


def _municipality_budget(plan: _Plan) -> list[Violation]:
    """Σ c·x of m ≤ (1 + τ)·B·b[m]/Σ b."""
    tau, budget = plan.instance.scenario.municipality_budget_tolerance, plan.budget
    shares = plan.instance["municipalities"][[M, "budget_eur"]].drop_duplicates(M)
    if tau is None or budget is None or shares["budget_eur"].isna().any():
        return []
    total = float(shares["budget_eur"].sum())
    if total <= 0:
        return []
    rows = shares.astype({M: str}).merge(_sum_abs(plan.x, [M], "care_cost"), on=M, how="left")
    rows = rows.fillna({"lhs": 0.0, "lhs_abs": 0.0})
    rows["rhs"] = (1.0 + tau) * budget * rows["budget_eur"] / total
    bad = rows.loc[_violated(rows["lhs"], rows["rhs"], rows["lhs_abs"])]
    return _emit(
        "municipality_budget",
        bad,
        [f"municipality {m}" for m in bad[M]],
        "lhs",
        "rhs",
        lambda k, a, b: (
            f"{k}: care costs {_eur(a)}, above its budget share with tolerance of {_eur(b)}."
        ),
    )


def _lots_per_need(plan: _Plan) -> list[Violation]:
    """Contracted lots per need ≤ K."""
    cap = plan.instance.scenario.max_providers_per_need
    if cap is None:
        return []
    rows = plan.lots.groupby(N, as_index=False).size().assign(rhs=float(cap))
    bad = rows.loc[_violated(rows["size"].astype(float), rows["rhs"], rows["size"])]
    return _emit(
        "lots_per_need",
        bad,
        [f"need {n}" for n in bad[N]],
        "size",
        "rhs",
        lambda k, a, b: f"{k}: {a:.0f} providers contracted; at most {b:.0f} allowed.",
    )


def _min_contract_volume(plan: _Plan) -> list[Violation]:
    """Volume of every contracted lot ≥ v_min."""
    v_min = plan.instance.scenario.min_contract_children
    if v_min is None:
        return []
    rows = plan.lots.assign(rhs=float(v_min))
    bad = rows.loc[_violated(rows["rhs"], rows["children"], rows["children"] + rows["rhs"])]
    return _emit(
        "min_contract_volume",
        bad,
        [f"{p}/{n}" for p, n in zip(bad[P], bad[N], strict=True)],
        "children",
        "rhs",
        lambda k, a, b: (
            f"lot {k}: {_num(a)} children contracted, below the minimum volume of {_num(b)}."
        ),
    )


_CHECKS: tuple[Callable[[_Plan], list[Violation]], ...] = (
    _domain,
    _price,
    _coverage,
    _step_down,
    _provider_capacity,
    _offer_capacity,
    _budget,
    _quality_floor,
    _continuity,
    _alliance,
    _out_of_home,
    _residential,
    _provider_share,
    _municipality_budget,
    _lots_per_need,
    _min_contract_volume,
)


# --------------------------------------------------------------------------- public API


def check_plan(
    instance: Instance, allocation: pd.DataFrame, unserved: pd.DataFrame | None = None
) -> list[Violation]:
    """Every violated constraint row of the plan, family by family (see ``FAMILIES``).

    ``allocation`` has the columns of ``allocation.csv``; ``unserved`` (municipality_id, need_id,
    level, children) may be None or empty when no child is left unserved.
    """
    plan = _prepare(instance, allocation, unserved)
    return [violation for check in _CHECKS for violation in check(plan)]


def assert_plan_ok(
    instance: Instance, allocation: pd.DataFrame, unserved: pd.DataFrame | None = None
) -> None:
    """Raise AssertionError listing every violation of the plan, if there is any."""
    violations = check_plan(instance, allocation, unserved)
    if violations:
        lines = "\n".join(f"  {v}" for v in violations)
        msg = f"the plan violates {len(violations)} constraint row(s):\n{lines}"
        raise AssertionError(msg)


def plan_figures(
    instance: Instance, allocation: pd.DataFrame, unserved: pd.DataFrame | None = None
) -> dict[str, float | int | None]:
    """The plan's headline figures, recomputed from the inputs.

    ``total_cost_eur`` is care cost plus contract costs (``care_cost_eur`` + ``contract_cost_eur``);
    ``average_quality`` is None when no child is served; ``children_moved`` is 0 without a baseline.
    """
    plan = _prepare(instance, allocation, unserved)
    x = plan.x
    served = float(x["children"].sum())
    care = float(x["care_cost"].sum())
    stepped = float(x.loc[x[L] < x[K], "children"].sum())
    moved = float(_moved(plan, plan.baseline)["w"].sum()) if plan.baseline is not None else 0.0
    quality = float((x["q"] * x["children"]).sum()) / served if served > VOLUME_EPS else None
    return {
        "total_cost_eur": care + plan.contract_cost,
        "care_cost_eur": care,
        "contract_cost_eur": plan.contract_cost,
        "children_served": served,
        "children_unserved": float(plan.unserved["children"].sum()),
        "average_quality": quality,
        "children_stepped_down": stepped,
        "children_moved": moved,
        "baseline_cost_eur": plan.baseline_cost,
        "budget_eur": plan.budget,
        "contracted_lots": len(plan.lots),
    }
