"""The synthetic instance generator: deterministic, consistent, sparse, valid at every scale."""

from __future__ import annotations

import importlib.util
import time

import numpy as np
import pandas as pd
import pytest

from budgetopt.scenario.generate import generate_instance
from budgetopt.scenario.instance import Instance

CELL = ["municipality_id", "need_id", "level"]
OFFER = ["provider_id", "need_id", "level"]
COLUMNS = {
    "municipalities": [
        "municipality_id",
        "name",
        "youth_population",
        "budget_eur",
        "region",
        "quality_floor",
    ],
    "needs": ["need_id", "name"],
    "levels": ["level", "code", "name", "out_of_home", "residential"],
    "providers": ["provider_id", "name", "capacity_children", "alliance"],
    "offers": ["provider_id", "need_id", "level", "cost_eur", "quality", "capacity_children"],
    "access": ["municipality_id", "provider_id"],
    "demand": ["municipality_id", "need_id", "level", "children"],
    "baseline": ["municipality_id", "need_id", "level", "provider_id", "children"],
}
IDS = {"municipality_id", "provider_id", "need_id", "region", "name", "code"}
FLAGS = {"out_of_home", "residential", "alliance"}


@pytest.fixture(scope="module")
def medium() -> Instance:
    return generate_instance(120, 400, seed=7)


def servable_cells(inst: Instance) -> pd.DataFrame:
    """Demand cells with children and at least one reachable provider offering them."""
    demand = inst["demand"][inst["demand"]["children"] > 0]
    arcs = demand.merge(inst["access"], on="municipality_id").merge(inst["offers"][OFFER], on=OFFER)
    return arcs[CELL].drop_duplicates()


def test_same_seed_same_instance_other_seed_other_instance() -> None:
    a = generate_instance(20, 60, seed=3)
    b = generate_instance(20, 60, seed=3)
    for name in a.tables:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert a.scenario == b.scenario
    assert a.sha256 == b.sha256
    assert generate_instance(20, 60, seed=4).sha256 != a.sha256


def test_columns_and_canonical_dtypes(medium: Instance) -> None:
    assert set(medium.tables) == set(COLUMNS)
    for name, columns in COLUMNS.items():
        frame = medium[name]
        assert list(frame.columns) == columns, name
        for column in columns:
            dtype = frame[column].dtype
            if column in IDS:
                assert pd.api.types.is_string_dtype(dtype), (name, column, dtype)
            elif column == "level":
                assert dtype == np.int64, (name, column, dtype)
            elif column in FLAGS:
                assert pd.api.types.is_bool_dtype(dtype), (name, column, dtype)
            else:
                assert dtype == np.float64, (name, column, dtype)
    assert medium["offers"]["capacity_children"].isna().all()


@pytest.mark.parametrize(
    ("n_m", "n_p", "n_needs", "n_levels"), [(12, 30, 8, 6), (5, 9, 3, 4), (30, 80, 10, 6), (1, 1, 1, 1)]
)
def test_sizes(n_m: int, n_p: int, n_needs: int, n_levels: int) -> None:
    inst = generate_instance(n_m, n_p, n_needs=n_needs, n_levels=n_levels, seed=1)
    assert len(inst["municipalities"]) == n_m
    assert len(inst["providers"]) == n_p
    assert len(inst["needs"]) == n_needs
    assert list(inst["levels"]["level"]) == list(range(1, n_levels + 1))
    assert len(inst["demand"]) == n_m * n_needs * n_levels
    for name, key in (
        ("municipalities", ["municipality_id"]),
        ("providers", ["provider_id"]),
        ("needs", ["need_id"]),
        ("offers", OFFER),
        ("demand", CELL),
        ("access", ["municipality_id", "provider_id"]),
        ("baseline", [*CELL, "provider_id"]),
    ):
        assert not inst[name].duplicated(key).any(), name
    assert inst["needs"]["need_id"].is_unique


def test_levels_and_regions() -> None:
    inst = generate_instance(60, 150, seed=2, regions=7)
    levels = inst["levels"].set_index("level")
    assert list(levels.index[levels["out_of_home"]]) == [5, 6]
    assert list(levels.index[levels["residential"]]) == [6]
    assert inst["municipalities"]["region"].nunique() == 7
    default = generate_instance(342, 400, seed=2)
    assert 35 <= default["municipalities"]["region"].nunique() <= 45


def test_baseline_equals_demand_at_the_indicated_level(medium: Instance) -> None:
    demand = medium["demand"].set_index(CELL)["children"]
    served = medium["baseline"].groupby(CELL)["children"].sum().reindex(demand.index, fill_value=0)
    assert (served == demand).all()
    assert (medium["baseline"]["children"] > 0).all()
    assert (demand == demand.round()).all()
    base = medium["baseline"]
    offered = base.merge(medium["offers"][OFFER], on=OFFER, how="left", indicator=True)
    assert (offered["_merge"] == "both").all()
    reach = base.merge(medium["access"], on=["municipality_id", "provider_id"], how="left", indicator=True)
    assert (reach["_merge"] == "both").all()


@pytest.mark.parametrize("seed", range(5))
def test_every_demand_cell_is_servable_at_its_level(seed: int) -> None:
    inst = generate_instance(25, 40, seed=seed, access_per_municipality=4)
    needed = inst["demand"][inst["demand"]["children"] > 0][CELL].drop_duplicates()
    assert len(servable_cells(inst)) == len(needed)


def test_access_is_sparse(medium: Instance) -> None:
    per_m = medium["access"].groupby("municipality_id").size()
    assert len(per_m) == 120
    assert 24 <= per_m.mean() <= 40
    assert per_m.min() >= 3
    assert len(medium["access"]) < 0.15 * 120 * 400


def test_magnitudes(medium: Instance) -> None:
    muni = medium["municipalities"]
    assert 4_000 <= muni["youth_population"].median() <= 11_000
    share = medium["demand"]["children"].sum() / muni["youth_population"].sum()
    assert 0.09 <= share <= 0.13
    offers = medium["offers"]
    assert offers["cost_eur"].between(700, 200_000).all()
    assert offers["quality"].between(0, 1).all()
    by_level = offers.groupby("level")["cost_eur"].median()
    assert by_level.is_monotonic_increasing
    assert 0.02 <= medium["providers"]["alliance"].mean() <= 0.08
    load = medium["baseline"].groupby("provider_id")["children"].sum()
    capacity = medium["providers"].set_index("provider_id")["capacity_children"]
    assert (capacity.reindex(load.index) >= 1.05 * load - 1e-9).all()
    offered = offers.groupby("provider_id")["need_id"].nunique()
    assert offered.median() <= 3


def test_budgets_and_scenario(medium: Instance) -> None:
    scenario = medium.scenario
    assert scenario.objective == "min_disruption"
    assert scenario.budget_cut == pytest.approx(0.1)
    assert scenario.step_down_depth == 1
    assert scenario.step_down_share == pytest.approx(0.3)
    assert not scenario.procurement
    arcs = medium["baseline"].merge(medium["offers"], on=OFFER)
    cost = float((arcs["cost_eur"] * arcs["children"]).sum())
    assert 1.1 <= cost / medium["municipalities"]["budget_eur"].sum() <= 1.2
    arcs["qx"] = arcs["quality"] * arcs["children"]
    average = arcs["qx"].sum() / arcs["children"].sum()
    assert scenario.quality_floor is not None
    assert average - 0.05 < scenario.quality_floor < average
    per_m = arcs.groupby("municipality_id")[["qx", "children"]].sum()
    own = medium["municipalities"].set_index("municipality_id")["quality_floor"]
    floor = own.fillna(scenario.quality_floor).reindex(per_m.index)
    assert (per_m["qx"] / per_m["children"] >= floor - 1e-9).all(), "baseline below a floor"


def test_procurement_changes_only_the_scenario() -> None:
    plain = generate_instance(40, 120, seed=5)
    bought = generate_instance(40, 120, seed=5, procurement=True)
    for name in plain.tables:
        pd.testing.assert_frame_equal(plain[name], bought[name])
    s = bought.scenario
    assert s.procurement
    assert s.max_providers_per_need is not None
    assert s.max_providers_per_need >= 10
    assert s.min_contract_children is not None
    assert 0 < s.min_contract_children <= 25
    assert s.contract_cost_eur is not None
    assert 25_000 <= s.contract_cost_eur <= 60_000


def test_national_procurement_bound_binds() -> None:
    inst = generate_instance(342, 3000, seed=0, procurement=True)
    offering = inst["offers"].groupby("need_id")["provider_id"].nunique()
    k = inst.scenario.max_providers_per_need
    assert k is not None
    assert k < offering.max(), "K should bind for the largest needs nationally"
    regions = inst["municipalities"]["region"].nunique()
    assert 10 * regions <= k <= 25 * regions


def test_national_scale_generates_quickly() -> None:
    start = time.perf_counter()
    inst = generate_instance(342, 3000, seed=11)
    elapsed = time.perf_counter() - start
    assert elapsed < 20
    assert len(inst["municipalities"]) == 342
    assert len(inst["providers"]) == 3000
    per_m = inst["access"].groupby("municipality_id").size()
    assert 25 <= per_m.mean() <= 40
    assert len(inst["access"]) < 0.02 * 342 * 3000
    assert 250_000 <= inst["demand"]["children"].sum() <= 550_000
    needed = inst["demand"][inst["demand"]["children"] > 0][CELL].drop_duplicates()
    assert len(servable_cells(inst)) == len(needed)


def test_rejects_empty_sizes() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        generate_instance(0, 10)


@pytest.mark.skipif(
    importlib.util.find_spec("budgetopt.scenario.validate") is None,
    reason="budgetopt.scenario.validate is not available",
)
@pytest.mark.parametrize(
    ("n_m", "n_p", "n_needs", "procurement"), [(3, 4, 2, False), (12, 30, 8, True), (342, 3000, 8, False)]
)
def test_generated_instances_pass_validation(n_m: int, n_p: int, n_needs: int, procurement: bool) -> None:
    from budgetopt.scenario.validate import validate_instance

    inst = generate_instance(n_m, n_p, n_needs=n_needs, seed=9, procurement=procurement)
    assert validate_instance(inst) == []
