"""Build the example regions ``models/drenthe``, ``models/twente`` and ``models/ijsselland``.

Deterministic: the same sources and knobs give byte-identical CSV files, ``scenario.toml`` and
``README.md``. The inputs are the example data in ``models/tools/sources/`` (tags S/D/E/SYN and the
numbered sources are explained in ``sources/README.md`` and ``sources/domain-brief.md``).

Every calibration knob is a named constant below. Change one, then run::

    .venv/bin/python models/tools/build_regions.py

It then solves, per region, the cheapest plan that respects the scenario's levers (coverage,
step-down, capacity, quality floor, continuity, alliance revenue, out-of-home and residential
shares; see ``models/FORMULATION.md``), prints the largest budget cut that plan reaches and exits
with 1 when that cut is not in [``CHECK_CUT_REACHABLE``, ``CHECK_CUT_UNREACHABLE``).
"""

from __future__ import annotations

import argparse
import math
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

TOOLS = Path(__file__).resolve().parent
SOURCES = TOOLS / "sources"
MODELS = TOOLS.parent

# ---------------------------------------------------------------------------------------------
# Calibration knobs (all [E] unless a source is named).
# ---------------------------------------------------------------------------------------------
SEED = 2018
"""Seed of the per-offer quality noise (hashed with the offer key, so offers are independent)."""

DRENTHE_CHILDREN = 14_500
"""Drenthe: "ruim 14,500 kinderen" with jeugdhulp, 2018 [S 1]; demand is scaled to this total."""
TWENTE_CHILDREN = 15_000
"""Twente: "ongeveer 15,000 jeugdigen" (2022) [S 18]."""
IJSSELLAND_CHILDREN: int | None = None
"""IJsselland: None keeps the sum of ``jeugdhulp_youths_0_17_est`` (12 % of <18 [S 17])."""

DRENTHE_BASELINE_COST_EUR = 169_000_000
"""Drenthe target baseline cost: EUR 22 M deficit [S 1] = ~15 % [S 1] -> 22/0.15 + 22 [D/E]."""
BASELINE_COST_EUR_PER_YOUTH = 1_832
"""Twente, IJsselland target cost: 0-17 estimate x this (2022 national spend per youth [D, 14])."""
UPLIFT_DECIMALS = 3
"""The uplift (target cost / cost at example prices) is rounded to this many decimals."""

BUDGET_GAP = 0.15
"""Baseline cost exceeds the budget by this fraction: Drenthe "about 15 %" [S 1]; applied to all."""
BUDGET_YOUTH_WEIGHT = 0.3
"""Municipality budgets: this weight on a per-youth split, the rest on the baseline-cost split."""

NEED_SHARES = {"FAM": 0.50, "GGZ": 0.30, "LVB": 0.20}
"""Split of every municipality's children over the support needs [E]."""
L2_SHARE_OF_AMBULANT = 0.5
"""Share of the CBS ambulant count (L2+L3) put at L2 [E, as in care_levels.csv]."""
REFERENCE_RATE_0_22_PCT = 8.0
"""Overijssel: a municipality with a known 0-22 jeugdzorg rate [S 20] gets demand x rate / this."""
OVERIJSSEL_APPROX_RATES_PCT = {"GM0153": 100 / 12, "GM1774": 100 / 19, "GM0183": 100 / 19}
"""Rates quoted in words [S 20]: Enschede about 1 in 12, Dinkelland and Tubbergen 1 in 18-20."""

QUALITY_BASE_BY_KIND = {
    "institution": 0.70,
    "mental_health_trust": 0.70,
    "wijkteam": 0.64,
    "free_practice": 0.72,
    "ambulant": 0.68,
    "care_farm": 0.71,
    "gezinshuis": 0.76,
    "secure": 0.60,
}
"""Base quality of a provider by kind [SYN]; the same for every real provider (no outcome data)."""
QUALITY_LEVEL_SHIFT = {1: -0.04, 2: -0.02, 3: 0.0, 4: 0.01, 5: 0.03, 6: -0.02}
"""Quality shift by level [SYN]: heavier is not automatically better (residential has drop-out)."""
QUALITY_NOISE_SD = 0.03
QUALITY_RANGE = (0.55, 0.85)
QUALITY_FLOOR_MARGIN = 0.01
"""Scenario quality floor = lowest municipality baseline average quality - this, rounded down."""

CAPACITY_HEADROOM = 1.25
"""Provider capacity = its baseline volume x this (room to re-allocate)."""

PRICE_INDEX_SYNTHETIC = {
    "institution": 1.0,
    "mental_health_trust": 1.1,
    "wijkteam": 0.9,
    "free_practice": 0.9,
    "ambulant": 0.95,
    "care_farm": 0.9,
    "gezinshuis": 1.0,
    "secure": 1.6,
}
"""Price index by kind, synthetic providers of Twente and IJsselland [E, as providers_drenthe]."""

TWENTE_AVERAGE_PRICE_CELLS = (("FAM", 2), ("FAM", 3), ("GGZ", 2), ("GGZ", 3), ("LVB", 3))
"""Twents Model illustration: one region-wide price per (need, level) for these cells [E]."""

# Scenario levers written to every scenario.toml.
BUDGET_CUT = 0.15
MAX_STEP_DOWN_LEVELS = 1
STEP_DOWN_SHARE = 0.3
CONTINUITY_MAX_MOVED_SHARE = 0.2
ALLIANCE_REVENUE_FLOOR = 0.15
SHARE_CAP_SLACK = 0.02
"""Out-of-home and residential caps = highest municipality baseline share + this, rounded up."""
TIME_LIMIT_S = 60

CHECK_CUT_REACHABLE = 0.15
CHECK_CUT_UNREACHABLE = 0.25

# ---------------------------------------------------------------------------------------------
# Region and provider specifications.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderSpec:
    """One provider as the example data describes it (capacity_est only weighs the baseline)."""

    provider_id: str
    name: str
    kind: str
    needs: tuple[str, ...]
    levels: tuple[int, ...]
    capacity_est: float
    price_index: float
    alliance: bool
    synthetic: bool
    municipality_id: str | None = None  # a wijkteam serves only its own municipality


@dataclass(frozen=True)
class RegionSpec:
    """How one region is built."""

    key: str
    region_id: str
    source_region: str
    title: str
    target_children: int | None
    target_cost_eur: float | None
    price_override_cells: tuple[tuple[str, int], ...] = ()


REGIONS = (
    RegionSpec(
        key="drenthe",
        region_id="DRENTHE",
        source_region="Jeugdhulpregio Drenthe",
        title="Jeugdhulpregio Drenthe",
        target_children=DRENTHE_CHILDREN,
        target_cost_eur=DRENTHE_BASELINE_COST_EUR,
    ),
    RegionSpec(
        key="twente",
        region_id="TWENTE",
        source_region="Twente (OZJT/Samen14)",
        title="Twente (OZJT / Samen14)",
        target_children=TWENTE_CHILDREN,
        target_cost_eur=None,
        price_override_cells=TWENTE_AVERAGE_PRICE_CELLS,
    ),
    RegionSpec(
        key="ijsselland",
        region_id="IJSSELLAND",
        source_region="IJsselland (regio Zwolle)",
        title="IJsselland (youth region of the eleven municipalities around Zwolle)",
        target_children=IJSSELLAND_CHILDREN,
        target_cost_eur=None,
    ),
)

KIND_BY_DRENTHE_ID = {
    "ACCARE": "institution",
    "AMBIQ": "institution",
    "COSIS": "institution",
    "GGZDRENTHE": "mental_health_trust",
    "YORNEO": "institution",
    "SYN_WIJKTEAM": "wijkteam",
    "SYN_GGZPRAKTIJK": "free_practice",
    "SYN_AMBULANT": "ambulant",
    "SYN_ZORGBOERDERIJ": "care_farm",
    "SYN_GEZINSHUIS": "gezinshuis",
    "SYN_JZPLUS": "secure",
}
ALLIANCE_DRENTHE = ("ACCARE", "AMBIQ", "COSIS", "GGZDRENTHE", "YORNEO")

# Synthetic institutions standing in for the regional partners outside Drenthe (generic names).
SYNTHETIC_INSTITUTIONS = (
    (
        "SYN_JGGZ",
        "Youth mental-health institution (synthetic)",
        "institution",
        ("GGZ", "LVB"),
        (3, 4, 6),
        1800,
        1.1,
        True,
    ),
    (
        "SYN_JEUGDHULP",
        "Youth and family care institution with foster care (synthetic)",
        "institution",
        ("FAM",),
        (2, 3, 4, 5, 6),
        1200,
        1.0,
        True,
    ),
    (
        "SYN_VG",
        "Disability-care organisation, youth line (synthetic)",
        "institution",
        ("LVB", "GGZ"),
        (2, 3, 4, 5, 6),
        400,
        1.0,
        True,
    ),
    (
        "SYN_GGZ",
        "Mental-health trust, youth and transition care (synthetic)",
        "mental_health_trust",
        ("GGZ",),
        (3, 6),
        250,
        1.1,
        False,
    ),
)
SYNTHETIC_NAMES = {
    "SYN_GGZPRAKTIJK": "Free-practice youth mental-health cluster (synthetic)",
    "SYN_AMBULANT": "Generalist ambulant youth-care provider (synthetic)",
    "SYN_ZORGBOERDERIJ": "Care farm and day activities, LVB (synthetic)",
    "SYN_GEZINSHUIS": "Family-home (gezinshuis) collective (synthetic)",
    "SYN_JZPLUS": "Supra-regional secure youth-care institution (synthetic)",
}


def slug(name: str) -> str:
    """Upper-case id fragment of a municipality name (``Aa en Hunze`` -> ``AA_EN_HUNZE``)."""
    return "".join(ch if ch.isalnum() else "_" for ch in name.upper()).strip("_")


def read_sources() -> dict[str, pd.DataFrame]:
    """The example-data tables."""
    return {
        name: pd.read_csv(SOURCES / f"{name}.csv")
        for name in ("municipalities", "care_levels", "care_matrix", "providers_drenthe")
    }


def parse_codes(cell: str) -> tuple[str, ...]:
    """``GGZ;LVB(+psychiatry)`` -> ``("GGZ", "LVB")``."""
    return tuple(part.split("(")[0].strip() for part in str(cell).split(";"))


def provider_specs(
    region: RegionSpec, src: dict[str, pd.DataFrame], munis: pd.DataFrame
) -> list[ProviderSpec]:
    """The region's providers; wijkteams are split per municipality by demand."""
    rows = src["providers_drenthe"].set_index("provider_id")
    drenthe_children = float(
        src["municipalities"]
        .loc[src["municipalities"]["region"] == "Jeugdhulpregio Drenthe", "jeugdhulp_youths_0_17_est"]
        .sum()
    )
    scale = 1.0 if region.key == "drenthe" else munis["children"].sum() / drenthe_children
    specs: list[ProviderSpec] = []

    def from_row(pid: str, **changes: object) -> ProviderSpec:
        row = rows.loc[pid]
        base = {
            "provider_id": pid,
            "name": str(row["name"]),
            "kind": KIND_BY_DRENTHE_ID[pid],
            "needs": parse_codes(row["support_needs"]),
            "levels": tuple(int(v) for v in parse_codes(row["levels_offered"])),
            "capacity_est": float(row["drenthe_capacity_child_years_est"]) * scale,
            "price_index": float(row["price_index_est"]),
            "alliance": False,
            "synthetic": bool(row["synthetic"]),
        }
        base.update(changes)
        return ProviderSpec(**base)  # type: ignore[arg-type]

    if region.key == "drenthe":
        specs += [from_row(pid, alliance=True) for pid in ALLIANCE_DRENTHE]
    else:
        specs.append(from_row("AMBIQ", alliance=True))
        for pid, name, kind, needs, levels, cap, index, alliance in SYNTHETIC_INSTITUTIONS:
            specs.append(ProviderSpec(pid, name, kind, needs, levels, cap * scale, index, alliance, True))
    for pid in (
        "SYN_GGZPRAKTIJK",
        "SYN_AMBULANT",
        "SYN_ZORGBOERDERIJ",
        "SYN_GEZINSHUIS",
        "SYN_JZPLUS",
    ):
        changes: dict[str, object] = {"name": SYNTHETIC_NAMES[pid]}
        if region.key != "drenthe":
            changes["price_index"] = PRICE_INDEX_SYNTHETIC[KIND_BY_DRENTHE_ID[pid]]
        specs.append(from_row(pid, **changes))
    team = from_row("SYN_WIJKTEAM")
    share = munis["children"] / munis["children"].sum()
    for (_, m), s in zip(munis.iterrows(), share, strict=True):
        specs.append(
            ProviderSpec(
                provider_id=f"SYN_WIJKTEAM_{slug(m['name'])}",
                name=f"Wijkteam {m['name']} (synthetic)",
                kind="wijkteam",
                needs=team.needs,
                levels=team.levels,
                capacity_est=team.capacity_est * float(s),
                price_index=(
                    team.price_index if region.key == "drenthe" else PRICE_INDEX_SYNTHETIC["wijkteam"]
                ),
                alliance=False,
                synthetic=True,
                municipality_id=m["municipality_id"],
            )
        )
    return specs


# ---------------------------------------------------------------------------------------------
# Building blocks.
# ---------------------------------------------------------------------------------------------


def round_to_total(values: np.ndarray, total: int) -> np.ndarray:
    """Integers summing to ``total``, close to ``values`` (largest remainder, ties by position)."""
    values = np.asarray(values, dtype=float)
    values = values * (total / values.sum()) if values.sum() > 0 else values
    floor = np.floor(values + 1e-9)
    rest = round(total - float(floor.sum()))
    order = np.argsort(-(values - floor), kind="stable")
    floor[order[:rest]] += 1
    return floor.astype(np.int64)


def level_shares(levels: pd.DataFrame) -> np.ndarray:
    """Indicated-level mix from the CBS 2019 counts, L2/L3 split by ``L2_SHARE_OF_AMBULANT``."""
    pct = levels.set_index("level")["cbs2019_share_of_jeugdhulp_youths_pct"].astype(float)
    ambulant = pct[2] + pct[3]
    pct[2], pct[3] = ambulant * L2_SHARE_OF_AMBULANT, ambulant * (1 - L2_SHARE_OF_AMBULANT)
    return (pct / pct.sum()).to_numpy()


def offer_quality(provider: ProviderSpec, need: str, level: int) -> float:
    """Synthetic offer quality in [0, 1], stable per (provider, need, level)."""
    key = zlib.crc32(f"{provider.provider_id}|{need}|{level}".encode())
    noise = np.random.default_rng([SEED, key]).normal(0.0, QUALITY_NOISE_SD)
    value = QUALITY_BASE_BY_KIND[provider.kind] + QUALITY_LEVEL_SHIFT[level] + noise
    return round(float(np.clip(value, *QUALITY_RANGE)), 3)


def municipalities_of(region: RegionSpec, src: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Municipalities with their (integer) number of children in care."""
    raw = src["municipalities"]
    raw = raw[raw["region"] == region.source_region].reset_index(drop=True)
    weight = raw["jeugdhulp_youths_0_17_est"].astype(float)
    rate = pd.Series(np.nan, index=raw.index)
    if region.key != "drenthe":
        known = raw["pct_0_22_jeugdzorg_h1_2021_cbs"].astype(float)
        rate = known.fillna(raw["gm_code"].map(OVERIJSSEL_APPROX_RATES_PCT).astype(float))
        weight = weight * (rate / REFERENCE_RATE_0_22_PCT).fillna(1.0)
    target = region.target_children or int(raw["jeugdhulp_youths_0_17_est"].sum())
    return pd.DataFrame(
        {
            "municipality_id": raw["gm_code"],
            "name": raw["municipality"],
            "region": region.region_id,
            "youth_population": raw["youth_0_17_est"].astype(np.int64),
            "population_2021": raw["population_2021"].astype(np.int64),
            "children": round_to_total(weight.to_numpy(), target),
            "rate_0_22_pct": rate.astype(float),
        }
    )


def build_region(region: RegionSpec, src: dict[str, pd.DataFrame]) -> dict[str, object]:
    """All tables, the scenario and the calibration figures of one region."""
    munis = municipalities_of(region, src)
    specs = provider_specs(region, src, munis)
    matrix = src["care_matrix"]
    levels_src = src["care_levels"]
    need_ids = list(NEED_SHARES)
    level_ids = levels_src["level"].astype(int).tolist()

    needs = (
        matrix.drop_duplicates("need")[["need", "need_name"]]
        .rename(columns={"need": "need_id", "need_name": "name"})
        .reset_index(drop=True)
    )
    levels = pd.DataFrame(
        {
            "level": levels_src["level"].astype(np.int64),
            "code": levels_src["code"],
            "name": levels_src["name"],
            "out_of_home": levels_src["level"] >= 5,
            "residential": levels_src["level"] == 6,
        }
    )

    # Demand: children per municipality x need share x level share, integers per municipality.
    lshare = level_shares(levels_src)
    cell_share = np.outer([NEED_SHARES[n] for n in need_ids], lshare).ravel()
    demand_rows = []
    for m, total in zip(munis["municipality_id"], munis["children"], strict=True):
        counts = round_to_total(cell_share * total, int(total))
        for i, count in enumerate(counts):
            n, k = need_ids[i // len(level_ids)], level_ids[i % len(level_ids)]
            demand_rows.append((m, n, k, int(count)))
    demand = pd.DataFrame(demand_rows, columns=["municipality_id", "need_id", "level", "children"])

    # Offers and access.
    base_cost = matrix.set_index(["need", "level"])["cost_per_child_year_eur"].astype(float)
    offer_rows = []
    for p in specs:
        for n in need_ids:
            if n not in p.needs:
                continue
            for k in p.levels:
                offer_rows.append(
                    (p.provider_id, n, k, base_cost[(n, k)] * p.price_index, offer_quality(p, n, k))
                )
    offers = pd.DataFrame(offer_rows, columns=["provider_id", "need_id", "level", "list_cost", "quality"])
    access = pd.DataFrame(
        [
            (m, p.provider_id)
            for m in munis["municipality_id"]
            for p in specs
            if p.municipality_id in (None, m)
        ],
        columns=["municipality_id", "provider_id"],
    )

    # Baseline: each cell split over the offering, accessible providers by capacity per offer.
    n_offers = offers.groupby("provider_id").size()
    weight = {p.provider_id: p.capacity_est / n_offers[p.provider_id] for p in specs}
    eligible = (
        demand.merge(access, on="municipality_id")
        .merge(offers[["provider_id", "need_id", "level"]], on=["provider_id", "need_id", "level"])
        .sort_values(["municipality_id", "need_id", "level", "provider_id"])
    )
    missing = demand.merge(
        eligible[["municipality_id", "need_id", "level"]].drop_duplicates(),
        how="left",
        indicator=True,
    )
    missing = missing[(missing["_merge"] == "left_only") & (missing["children"] > 0)]
    if len(missing):
        raise SystemExit(f"{region.key}: demand cells nobody can serve:\n{missing}")
    baseline_parts = []
    for (_m, _n, _k), group in eligible.groupby(["municipality_id", "need_id", "level"], sort=True):
        total = int(group["children"].iloc[0])
        if total == 0:
            continue
        part = group[["municipality_id", "need_id", "level", "provider_id"]].copy()
        part["children"] = round_to_total(group["provider_id"].map(weight).to_numpy(), total)
        baseline_parts.append(part[part["children"] > 0])
    baseline = pd.concat(baseline_parts, ignore_index=True)

    # Prices: example cost x price index x uplift, calibrated on the baseline cost.
    priced = baseline.merge(offers, on=["provider_id", "need_id", "level"])
    list_cost0 = float((priced["list_cost"] * priced["children"]).sum())
    target = region.target_cost_eur or float((munis["youth_population"] * BASELINE_COST_EUR_PER_YOUTH).sum())
    uplift = round(target / list_cost0, UPLIFT_DECIMALS)
    offers["cost_eur"] = (offers["list_cost"] * uplift).round().astype(np.int64)
    offers = offers[["provider_id", "need_id", "level", "cost_eur", "quality"]]

    # Twents Model: one region-wide price per (need, level), the baseline-weighted average.
    overrides = pd.DataFrame(columns=["provider_id", "need_id", "level", "cost_eur", "region"])
    priced = baseline.merge(offers, on=["provider_id", "need_id", "level"])
    if region.price_override_cells:
        wijkteams = [p.provider_id for p in specs if p.kind == "wijkteam"]
        rows = []
        for n, k in region.price_override_cells:
            cell = priced[
                (priced["need_id"] == n) & (priced["level"] == k) & ~priced["provider_id"].isin(wijkteams)
            ]
            average = round(float((cell["cost_eur"] * cell["children"]).sum() / cell["children"].sum()))
            offering = offers.loc[
                (offers["need_id"] == n) & (offers["level"] == k) & ~offers["provider_id"].isin(wijkteams),
                "provider_id",
            ]
            rows += [(pid, n, k, average, region.region_id) for pid in offering]
        overrides = pd.DataFrame(rows, columns=overrides.columns)
        overrides["level"] = overrides["level"].astype(np.int64)
        overrides["cost_eur"] = overrides["cost_eur"].astype(np.int64)

    unit = unit_prices(priced, overrides, region.region_id)
    priced["cost"] = unit * priced["children"]
    baseline_cost = float(priced["cost"].sum())

    # Capacity: baseline volume x headroom.
    load = baseline.groupby("provider_id")["children"].sum()
    providers = pd.DataFrame(
        {
            "provider_id": [p.provider_id for p in specs],
            "name": [p.name for p in specs],
            "capacity_children": [
                math.ceil(CAPACITY_HEADROOM * float(load.get(p.provider_id, 0))) for p in specs
            ],
            "alliance": [p.alliance for p in specs],
        }
    )

    # Budgets: region total = baseline cost / (1 + gap), split by cost and by youth.
    cost_m = priced.groupby("municipality_id")["cost"].sum().reindex(munis["municipality_id"])
    youth = munis["youth_population"].astype(float).to_numpy()
    split = (1 - BUDGET_YOUTH_WEIGHT) * cost_m.to_numpy() / baseline_cost
    split += BUDGET_YOUTH_WEIGHT * youth / youth.sum()
    budget_total = baseline_cost / (1 + BUDGET_GAP)
    munis["budget_eur"] = np.round(split * budget_total).astype(np.int64)

    # Scenario: floors and caps relative to the baseline.
    priced["quality_x"] = priced["quality"] * priced["children"]
    by_m = priced.groupby("municipality_id")
    quality_avg = by_m["quality_x"].sum() / by_m["children"].sum()
    quality_floor = math.floor((quality_avg.min() - QUALITY_FLOOR_MARGIN) * 100) / 100
    ooh = priced[priced["level"] >= 5].groupby("municipality_id")["children"].sum()
    res = priced[priced["level"] == 6].groupby("municipality_id")["children"].sum()
    ooh_share = (ooh / by_m["children"].sum()).max()
    res_share = (res / ooh).max()
    scenario = {
        "name": f"{region.key}-cut-15",
        "description": (
            f"{region.title}: close a {BUDGET_CUT:.0%} budget gap while changing as little as "
            "possible for children (example data; E and SYN figures are estimates)."
        ),
        "objective": "min_disruption",
        "budget_cut": BUDGET_CUT,
        "max_step_down_levels": MAX_STEP_DOWN_LEVELS,
        "step_down_share": STEP_DOWN_SHARE,
        "quality_floor": quality_floor,
        "continuity_max_moved_share": CONTINUITY_MAX_MOVED_SHARE,
        "alliance_revenue_floor": ALLIANCE_REVENUE_FLOOR,
        "out_of_home_max_share": math.ceil((ooh_share + SHARE_CAP_SLACK) * 100) / 100,
        "residential_max_share_of_out_of_home": math.ceil((res_share + SHARE_CAP_SLACK) * 100) / 100,
        "time_limit_s": TIME_LIMIT_S,
    }

    tables = {
        "municipalities": munis[["municipality_id", "name", "region", "youth_population", "budget_eur"]],
        "needs": needs,
        "levels": levels,
        "providers": providers,
        "offers": offers.reset_index(drop=True),
        "access": access,
        "demand": demand,
        "baseline": baseline,
    }
    if len(overrides):
        tables["price_overrides"] = overrides
    figures = {
        "children": int(demand["children"].sum()),
        "baseline_cost_eur": baseline_cost,
        "budget_eur": float(munis["budget_eur"].sum()),
        "target_cost_eur": target,
        "uplift": uplift,
        "quality_avg": float(priced["quality_x"].sum() / priced["children"].sum()),
        "quality_avg_min": float(quality_avg.min()),
        "population": int(munis["population_2021"].sum()),
        "youth": int(munis["youth_population"].sum()),
        "alliance_revenue_share": float(
            priced.loc[
                priced["provider_id"].isin(providers.loc[providers["alliance"], "provider_id"]),
                "cost",
            ].sum()
            / baseline_cost
        ),
        "specs": specs,
        "munis": munis,
    }
    return {"tables": tables, "scenario": scenario, "figures": figures}


def unit_prices(arcs: pd.DataFrame, overrides: pd.DataFrame, region_id: str) -> np.ndarray:
    """Contract price of each (provider, need, level) row: the region override, else cost_eur."""
    if len(overrides) == 0:
        return arcs["cost_eur"].to_numpy(dtype=float)
    ov = overrides[overrides["region"] == region_id][["provider_id", "need_id", "level", "cost_eur"]]
    merged = arcs[["provider_id", "need_id", "level", "cost_eur"]].merge(
        ov.rename(columns={"cost_eur": "override"}),
        on=["provider_id", "need_id", "level"],
        how="left",
    )
    return merged["override"].fillna(merged["cost_eur"]).to_numpy(dtype=float)


# ---------------------------------------------------------------------------------------------
# Writing.
# ---------------------------------------------------------------------------------------------


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV with ``,``, ``.``, UTF-8, booleans as true/false, LF line ends."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == bool:
            out[col] = out[col].map({True: "true", False: "false"})
    out.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def toml_value(value: object) -> str:
    """A scalar as TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_scenario(scenario: dict[str, object], path: Path) -> None:
    """``scenario.toml`` (validated against the Scenario model when budgetopt is importable)."""
    try:
        from budgetopt.scenario.params import Scenario
    except ImportError:  # pragma: no cover - the tool also runs outside the package
        pass
    else:
        Scenario.model_validate(scenario)
    lines = [f"{key} = {toml_value(value)}" for key, value in scenario.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def eur_m(value: float) -> str:
    """EUR millions with one decimal."""
    return f"EUR {value / 1e6:,.1f} M"


def write_region(region: RegionSpec, built: dict[str, object], folder: Path) -> None:
    """Write one region's CSV files, scenario.toml and README.md."""
    folder.mkdir(parents=True, exist_ok=True)
    tables: dict[str, pd.DataFrame] = built["tables"]  # type: ignore[assignment]
    for stale in folder.glob("*.csv"):
        if stale.stem not in tables:
            stale.unlink()
    for name, frame in tables.items():
        write_csv(frame, folder / f"{name}.csv")
    write_scenario(built["scenario"], folder / "scenario.toml")  # type: ignore[arg-type]
    (folder / "README.md").write_text(readme(region, built), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# README.
# ---------------------------------------------------------------------------------------------

REGION_INTRO = {
    "drenthe": (
        "Jeugdhulpregio Drenthe: the twelve Drenthe municipalities buy youth care together. "
        "Their youth-care deficit grew from EUR 3 M (2016) to EUR 17 M (2017) and EUR 22 M (2018), "
        'which the alderman put at "about 15 %"; the region counted "ruim 14,500 kinderen" with '
        "jeugdhulp [S 1]. Drenthe's own analysis: child count flat, cost per child rising, "
        'placements heavier "to be safe", EUR 2.5 M extra administration at the big five [S 2]. '
        "The five large "
        "providers here (Accare, Ambiq, Cosis, GGZ Drenthe, Yorneo) are real organisations [S 35]; "
        "every other provider is synthetic."
    ),
    "twente": (
        "Twente: fourteen municipalities purchasing together (OZJT / Samen14) under the Twents "
        "Model (one family, one plan, one coordinator; integrated Jeugdwet and Wmo purchasing) "
        "[S 19]; about 15,000 youths in care (2022) [S 18]. An average price per support need "
        "and fewer providers are the advice reported for Twente after the nine audit offices' "
        "study [19], whose own wording we have not verified; `price_overrides.csv` illustrates "
        "such region-wide prices [E]. Ambiq is a real provider with Twente as a core region and a "
        "treatment facility in Hengelo [S 35]; every other provider is synthetic."
    ),
    "ijsselland": (
        "IJsselland: the eleven-municipality youth region around Zwolle; about 12 % of its "
        "under-18s had youth care in 2019 [S 17]. Zwolle ran a youth deficit of EUR 2.5 M (2017) "
        "and about EUR 3 M (2020) [S 38]; the region's covenant with 17 providers (2023) aims at "
        "zero out-of-home placements and living groups of at most six [S 33]. Ambiq is a real "
        "provider with IJsselland as a core region [S 35]; every other provider is synthetic."
    ),
}


def md_table(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def readme(region: RegionSpec, built: dict[str, object]) -> str:
    """The region's README.md."""
    fig: dict = built["figures"]  # type: ignore[assignment]
    scen: dict = built["scenario"]  # type: ignore[assignment]
    check: dict = built.get("check", {})  # type: ignore[assignment]
    tables: dict[str, pd.DataFrame] = built["tables"]  # type: ignore[assignment]
    specs: list[ProviderSpec] = fig["specs"]
    munis: pd.DataFrame = fig["munis"]
    spec_by_id = {p.provider_id: p for p in specs}
    real = ", ".join(p.name for p in specs if not p.synthetic)
    alliance = ", ".join(p.provider_id for p in specs if p.alliance)
    n_syn = sum(p.synthetic for p in specs)
    n_team = sum(p.kind == "wijkteam" for p in specs)
    shares = level_shares(read_sources()["care_levels"])
    level_mix = ", ".join(f"L{i + 1} {s:.1%}" for i, s in enumerate(shares))
    need_mix = ", ".join(f"{n} {s:.0%}" for n, s in NEED_SHARES.items())
    quality_base = ", ".join(f"{k} {v:g}" for k, v in QUALITY_BASE_BY_KIND.items())
    quality_shift = ", ".join(f"L{k} {v:+g}" for k, v in QUALITY_LEVEL_SHIFT.items())
    check_txt = (
        f"{eur_m(check['min_cost_eur'])}: a cut of at most {check['max_cut']:.1%}"
        if check.get("status") == 0
        else "not computed"
    )

    if region.key == "drenthe":
        children_rule = (
            "`jeugdhulp_youths_0_17_est` (CBS 2016 share of 0-17 with jeugdhulp [S 5] x the 0-17 "
            f"estimate [E]) scaled so the region totals {fig['children']:,} children, the "
            '"ruim 14,500 kinderen" of 2018 [S 1] (the scaling is E)'
        )
        cost_rule = (
            f"target {eur_m(DRENTHE_BASELINE_COST_EUR)}: the EUR 22 M deficit [S 1] read as 15 % "
            "of the budget [S 1], so 22 / 0.15 + 22 [D/E]; the quote is ambiguous about what the "
            "15 % refers to [E]. The 2022 national spend per youth gives a similar "
            f"{eur_m(fig['youth'] * BASELINE_COST_EUR_PER_YOUTH)} [D from S 14]"
        )
        alliance_rule = (
            'the five real providers of the example data, read as the "big five" [S 2] and '
            "partners of the Drenthe accord [S 3]; membership of the accord is not verified"
        )
    else:
        anchor = (
            "about 15,000 youths (2022) [S 18]"
            if region.key == "twente"
            else "12 % of the 0-17 estimate (2019) [S 17], the sum of `jeugdhulp_youths_0_17_est`"
        )
        rates = ", ".join(
            f"{name} {rate:.1f} %"
            for name, rate in zip(munis["name"], munis["rate_0_22_pct"], strict=True)
            if not math.isnan(rate)
        )
        children_rule = (
            f"regional total {fig['children']:,} = {anchor}; spread over municipalities by the "
            "0-17 estimate [E], weighted where a municipality's 0-22 jeugdzorg rate is known "
            "(CBS first half 2021 [S 20]; Enschede, Dinkelland and Tubbergen quoted in words as "
            f"about 1 in 12 and 1 in 19) by rate / {REFERENCE_RATE_0_22_PCT:g} % [E reference]: "
            f"{rates}"
        )
        cost_rule = (
            f"target {eur_m(fig['target_cost_eur'])} = 0-17 estimate x "
            f"EUR {BASELINE_COST_EUR_PER_YOUTH:,} (2022 national youth-care spend per 0-17 youth, "
            "EUR 6.1 bn / 3.33 M [D from S 14]); a flat national average, not the region's "
            "actual spend (CBS 83454NED would give that)"
        )
        alliance_rule = (
            "Ambiq and the three synthetic regional institutions stand for the region's main "
            "contract partners; the region's real partner list is not modelled"
        )

    calibration = md_table(
        ("figure", "value", "how"),
        [
            (
                "municipalities",
                len(munis),
                f"[S 17, 18, 38]; population 1 Jan 2021 {fig['population']:,} [D, 37]",
            ),
            ("youths 0-17", f"{fig['youth']:,}", "[E] 0-14 + 0.6 x 15-19 from CBS 83502NED [37]"),
            ("children in care (baseline)", f"{fig['children']:,}", children_rule),
            ("baseline cost C0", eur_m(fig["baseline_cost_eur"]), cost_rule),
            (
                "uplift",
                f"{fig['uplift']:.3f}",
                "[E] target cost / baseline cost at the example prices x price index",
            ),
            (
                "budget (sum of `budget_eur`)",
                eur_m(fig["budget_eur"]),
                f"[E] C0 / (1 + {BUDGET_GAP:g}): the baseline costs {BUDGET_GAP:.0%} more than the "
                'budget ("about 15 %" [S 1])',
            ),
            ("cost / budget", f"{fig['baseline_cost_eur'] / fig['budget_eur']:.3f}", ""),
            (
                "average baseline quality",
                f"{fig['quality_avg']:.3f} (lowest municipality {fig['quality_avg_min']:.3f})",
                "[SYN]",
            ),
            ("alliance share of baseline cost", f"{fig['alliance_revenue_share']:.1%}", "[E/SYN]"),
            (
                "cheapest plan under the scenario's levers",
                check_txt,
                "LP in `build_regions.py` (every lever of `scenario.toml`, no budget row)",
            ),
        ],
    )

    files = [
        (
            "municipalities.csv",
            "municipality_id, name",
            "S",
            "CBS GM codes; region composition [17, 18, 38]",
        ),
        ("municipalities.csv", "region", "S", f"the purchasing region (`{region.region_id}`)"),
        (
            "municipalities.csv",
            "youth_population",
            "E",
            "0-14 + 0.6 x 15-19, 1 Jan 2021, CBS 83502NED summed from postcodes [37]",
        ),
        (
            "municipalities.csv",
            "budget_eur",
            "E",
            f"region total = C0 / (1 + {BUDGET_GAP:g}); split {1 - BUDGET_YOUTH_WEIGHT:.0%} by the "
            f"municipality's baseline cost and {BUDGET_YOUTH_WEIGHT:.0%} by youth population (a "
            "stand-in for the real gemeentefonds distribution)",
        ),
        (
            "needs.csv",
            "need_id, name",
            "E",
            "FAM / GGZ / LVB, the tariff split regions publish [24]",
        ),
        (
            "levels.csv",
            "level, code, name",
            "E",
            "six intensity levels mapped to iJW product categories [21]",
        ),
        (
            "levels.csv",
            "out_of_home, residential",
            "E",
            "by definition: L5 and L6 are out of home, L6 is residential",
        ),
        (
            "providers.csv",
            "provider_id, name",
            "S / SYN",
            f"real: {real} [35]; {n_syn} synthetic providers with generic names, including "
            f"{n_team} wijkteams",
        ),
        (
            "providers.csv",
            "capacity_children",
            "E/SYN",
            f"baseline volume x {CAPACITY_HEADROOM:g} (headroom to re-allocate)",
        ),
        ("providers.csv", "alliance", "E", f"{alliance_rule}: {alliance}"),
        (
            "offers.csv",
            "provider_id, need_id, level",
            "E/SYN",
            "needs and levels per provider from `providers_drenthe.csv` (real providers: sourced "
            "descriptions [35], levels inferred [E]; GGZ Drenthe's youth levels are not verified)",
        ),
        (
            "offers.csv",
            "cost_eur",
            "D x E",
            "care_matrix cost per child-year (sourced tariffs [23, 24, 25] x estimated volumes; "
            "the "
            "foster-care rate of EUR 50/day is a placeholder, L6 a lower bound) x provider price "
            f"index [E] x uplift {fig['uplift']:.3f} [E]",
        ),
        (
            "offers.csv",
            "quality",
            "SYN",
            f"base by kind ({quality_base}) + level shift ({quality_shift}) + noise (sd "
            f"{QUALITY_NOISE_SD:g}), clipped to {QUALITY_RANGE[0]:g}-{QUALITY_RANGE[1]:g}: "
            "heavier is "
            "not automatically better, wijkteam light care is modest",
        ),
        (
            "access.csv",
            "municipality_id, provider_id",
            "E",
            "every provider contracted region-wide; each wijkteam serves only its own municipality",
        ),
        (
            "demand.csv",
            "children",
            "E",
            f"municipality children (below) x need share ({need_mix}) [E] x indicated-level mix "
            f"{level_mix} (CBS 2019 counts by form of help [8], overlapping; L2/L3 split "
            f"{L2_SHARE_OF_AMBULANT:.0%} [E]), rounded to integers per municipality",
        ),
        (
            "baseline.csv",
            "children",
            "SYN",
            "each demand cell served at its indicated level, split over the providers that offer "
            "it "
            "and serve the municipality, in proportion to their estimated capacity per offer "
            "(`drenthe_capacity_child_years_est` [E]); integers that sum to demand exactly",
        ),
    ]
    if "price_overrides" in tables:
        cells = ", ".join(f"{n} L{k}" for n, k in region.price_override_cells)
        files += [
            (
                "price_overrides.csv",
                "provider_id, need_id, level, region",
                "E",
                "the Twents Model idea of one average price per support need [19]",
            ),
            (
                "price_overrides.csv",
                "cost_eur",
                "E",
                f"for {cells}: one region-wide price for every provider except the wijkteams, the "
                "baseline-volume-weighted average of their list prices, so the baseline cost is "
                "unchanged (up to rounding); the real Twente trajectory prices are not in our "
                "sources [gap]",
            ),
        ]
    files.append(("scenario.toml", "all", "E", "see below"))

    municipalities = md_table(
        ("municipality_id", "name", "youths 0-17 [E]", "children in care [E]", "budget_eur [E]"),
        [
            (
                r.municipality_id,
                r.name,
                f"{r.youth_population:,}",
                f"{r.children:,}",
                f"{r.budget_eur:,}",
            )
            for r in munis.itertuples()
        ],
    )
    load = tables["baseline"].groupby("provider_id")["children"].sum()
    providers = md_table(
        (
            "provider_id",
            "name",
            "tag",
            "needs",
            "levels",
            "price index [E]",
            "baseline children",
            "capacity",
            "alliance",
        ),
        [
            (
                r.provider_id,
                r.name,
                "SYN" if spec_by_id[r.provider_id].synthetic else "S",
                "/".join(spec_by_id[r.provider_id].needs),
                ",".join(str(v) for v in spec_by_id[r.provider_id].levels),
                f"{spec_by_id[r.provider_id].price_index:g}",
                f"{int(load.get(r.provider_id, 0)):,}",
                f"{r.capacity_children:,}",
                "yes" if r.alliance else "",
            )
            for r in tables["providers"].itertuples()
        ],
    )
    scenario = md_table(("parameter", "value"), [(k, toml_value(v)) for k, v in scen.items()])
    rows = ", ".join(f"{name} {len(frame)}" for name, frame in tables.items())

    return f"""# {region.title}: example instance

> **Warning.** This is demonstration data. Figures tagged **E** (estimate or assumption) and
> **SYN** (synthetic) are not facts, and no figure here describes the real performance, prices,
> capacity or quality of any named organisation. Quality scores are synthetic for every provider,
> including the real ones. Replace E and SYN figures with the region's own contract prices, CBS
> 83454NED actuals and outcome indicators before using results for decisions.

{REGION_INTRO[region.key]}

Built by `models/tools/build_regions.py` from the example data in `models/tools/sources/`; do not
edit these files by hand: change a knob in the script and run it again. Tags: **S** sourced,
**D** derived by arithmetic from sourced figures, **E** estimate or assumption, **SYN** synthetic.
Numbers in brackets refer to the source list of `models/tools/sources/domain-brief.md`.

## Calibration

{calibration}

## Files and figures

{md_table(("file", "column", "tag", "source and method"), files)}

Children per municipality: {children_rule}.

{municipalities}

## Providers

{providers}

## Scenario (`scenario.toml`)

{scenario}

The quality floor sits {QUALITY_FLOOR_MARGIN:g} below the lowest municipality's baseline average
quality (rounded down); the out-of-home and residential caps sit {SHARE_CAP_SLACK:g} above the
highest municipality's baseline share (rounded up), so they barely bind at the baseline. With these
levers the region is calibrated so that a {CHECK_CUT_REACHABLE:.0%} cut can be reached and a
{CHECK_CUT_UNREACHABLE:.0%} cut cannot (see the calibration table).

Rows: {rows}.
"""


# ---------------------------------------------------------------------------------------------
# Calibration check: the cheapest plan under the scenario's levers (a small LP).
# ---------------------------------------------------------------------------------------------


def cheapest_plan(tables: dict[str, pd.DataFrame], scenario: dict[str, object]) -> dict[str, float]:
    """Minimum cost under the scenario's levers, and the cut it reaches (LP via SciPy/HiGHS)."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    demand = tables["demand"]
    demand = demand[demand["children"] > 0].reset_index(drop=True)
    demand["cell"] = np.arange(len(demand))
    s = int(scenario.get("max_step_down_levels", 0))  # type: ignore[arg-type]
    sigma = float(scenario["step_down_share"])  # type: ignore[arg-type]
    served = pd.concat([demand.assign(served=demand["level"] - d) for d in range(s + 1)], ignore_index=True)
    served = served[served["served"] >= 1]
    offers = tables["offers"].rename(columns={"level": "served"})
    arcs = (
        served.merge(tables["access"], on="municipality_id")
        .merge(offers, on=["provider_id", "need_id", "served"])
        .reset_index(drop=True)
    )
    overrides = tables.get("price_overrides", pd.DataFrame())
    region = tables["municipalities"].set_index("municipality_id")["region"]
    if len(overrides):
        arcs = arcs.merge(
            overrides.rename(columns={"level": "served", "cost_eur": "override"}),
            on=["provider_id", "need_id", "served"],
            how="left",
        )
        hit = arcs["override"].notna() & (arcs["municipality_id"].map(region) == arcs["region"])
        arcs["cost_eur"] = np.where(hit, arcs["override"], arcs["cost_eur"])
    arcs["cost_eur"] = arcs["cost_eur"].astype(float)
    nx = len(arcs)

    base = tables["baseline"].merge(demand[["municipality_id", "need_id", "level", "cell"]])
    base = base.reset_index(drop=True)
    nw = len(base)
    n_var = nx + nw
    cost = np.concatenate([arcs["cost_eur"].to_numpy(), np.zeros(nw)])
    base_price = base.merge(
        arcs[arcs["served"] == arcs["level"]][["cell", "provider_id", "cost_eur"]],
        on=["cell", "provider_id"],
    )
    c0 = float((base_price["cost_eur"] * base_price["children"]).sum())

    rows_ub: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    rhs_ub: list[np.ndarray] = []
    names: list[str] = []

    def add(group: str, row: np.ndarray, col: np.ndarray, val: np.ndarray, rhs: np.ndarray) -> None:
        offset = sum(len(r) for r in rhs_ub)
        rows_ub.append((row + offset, col, val))
        rhs_ub.append(rhs)
        names.extend([group] * len(rhs))

    ix = np.arange(nx)
    # step-down
    down = arcs["served"] < arcs["level"]
    add(
        "step_down",
        arcs.loc[down, "cell"].to_numpy(),
        ix[down.to_numpy()],
        np.ones(down.sum()),
        sigma * demand["children"].to_numpy(dtype=float),
    )
    # capacity
    pcode, puniq = pd.factorize(arcs["provider_id"])
    cap = tables["providers"].set_index("provider_id")["capacity_children"].reindex(puniq)
    add("capacity", pcode, ix, np.ones(nx), cap.to_numpy(dtype=float))
    # quality floor per municipality
    mcode, muniq = pd.factorize(arcs["municipality_id"])
    qmin = float(scenario["quality_floor"])  # type: ignore[arg-type]
    add("quality", mcode, ix, -(arcs["quality"].to_numpy() - qmin), np.zeros(len(muniq)))
    # out of home / residential
    ooh = (arcs["served"] >= 5).to_numpy()
    res = (arcs["served"] == 6).to_numpy()
    h = float(scenario["out_of_home_max_share"])  # type: ignore[arg-type]
    r = float(scenario["residential_max_share_of_out_of_home"])  # type: ignore[arg-type]
    add("out_of_home", mcode, ix, ooh.astype(float) - h, np.zeros(len(muniq)))
    add("residential", mcode, ix, res.astype(float) - r * ooh, np.zeros(len(muniq)))
    # continuity: -w - sum_l x[cell, p] <= -x0 ; sum_m w <= mu * sum x0
    key = arcs[["cell", "provider_id"]].merge(
        base[["cell", "provider_id"]].reset_index(names="w"), how="left"
    )["w"]
    has = key.notna().to_numpy()
    w_of_arc = key[has].to_numpy(dtype=np.int64)
    rows = np.concatenate([w_of_arc, np.arange(nw)])
    cols = np.concatenate([ix[has], nx + np.arange(nw)])
    add("continuity_link", rows, cols, -np.ones(len(rows)), -base["children"].to_numpy(dtype=float))
    wm = pd.Index(muniq).get_indexer(base["municipality_id"])
    x0_m = np.bincount(wm, weights=base["children"].to_numpy(dtype=float), minlength=len(muniq))
    mu = float(scenario["continuity_max_moved_share"])  # type: ignore[arg-type]
    add("continuity", wm, nx + np.arange(nw), np.ones(nw), mu * x0_m)
    # alliance revenue
    allies = tables["providers"].loc[tables["providers"]["alliance"], "provider_id"]
    delta = float(scenario["alliance_revenue_floor"])  # type: ignore[arg-type]
    rev0 = base_price.groupby("provider_id").apply(
        lambda g: float((g["cost_eur"] * g["children"]).sum()), include_groups=False
    )
    acode = pd.Index(list(allies)).get_indexer(arcs["provider_id"])
    on = acode >= 0
    add(
        "alliance",
        acode[on],
        ix[on],
        -arcs["cost_eur"].to_numpy()[on],
        -(1 - delta) * rev0.reindex(list(allies)).fillna(0).to_numpy(),
    )

    a_ub = coo_matrix(
        (
            np.concatenate([v for _, _, v in rows_ub]),
            (
                np.concatenate([r for r, _, _ in rows_ub]),
                np.concatenate([c for _, c, _ in rows_ub]),
            ),
        ),
        shape=(sum(len(b) for b in rhs_ub), n_var),
    ).tocsr()
    a_eq = coo_matrix((np.ones(nx), (arcs["cell"].to_numpy(), ix)), shape=(len(demand), n_var)).tocsr()
    res_lp = linprog(
        cost,
        A_ub=a_ub,
        b_ub=np.concatenate(rhs_ub),
        A_eq=a_eq,
        b_eq=demand["children"].to_numpy(dtype=float),
        bounds=(0, None),
        method="highs",
    )
    if res_lp.status != 0:
        return {"baseline_cost_eur": c0, "status": float(res_lp.status)}
    marg = pd.Series(res_lp.ineqlin.marginals, index=names)
    binding = (marg.abs() > 1e-6).groupby(level=0).sum()
    out = {
        "baseline_cost_eur": c0,
        "min_cost_eur": float(res_lp.fun),
        "max_cut": 1 - float(res_lp.fun) / c0,
        "status": 0.0,
    }
    out.update({f"binding_{k}": float(v) for k, v in binding.items()})
    return out


def main(argv: list[str] | None = None) -> int:
    """Build the regions and check their calibration; exit 1 when a region misses its window."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODELS, help="folder holding the regions")
    args = parser.parse_args(argv)
    src = read_sources()
    ok = True
    for region in REGIONS:
        built = build_region(region, src)
        check = cheapest_plan(built["tables"], built["scenario"])  # type: ignore[arg-type]
        built["check"] = check
        write_region(region, built, args.out / region.key)
        fig = built["figures"]
        line = (
            f"{region.key:11s} children {fig['children']:>6,}  "
            f"baseline {eur_m(fig['baseline_cost_eur'])}  budget {eur_m(fig['budget_eur'])}  "
            f"uplift {fig['uplift']:.3f}  quality floor {built['scenario']['quality_floor']}"
        )
        if check["status"] != 0:
            line += f"  cheapest plan: LP status {check['status']:g}"
            ok = False
        else:
            cut = check["max_cut"]
            inside = CHECK_CUT_REACHABLE <= cut < CHECK_CUT_UNREACHABLE
            ok &= inside
            binding = ", ".join(f"{k[8:]} {v:g}" for k, v in check.items() if k.startswith("binding_") and v)
            line += f"  max cut {cut:.1%}{'' if inside else ' (OUTSIDE WINDOW)'}  binding: {binding}"
        print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
