"""Tests of the independent plan checker on small hand-written instances.

The base instance has two municipalities (region NORTH), two needs, three levels (1 ambulant,
2 foster care = out of home, 3 residential) and three providers (PA in the alliance). Its base plan
satisfies every family, each switched on with a loose parameter; every case below breaks one rule.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from budgetopt.check import FAMILIES, Violation, assert_plan_ok, check_plan, plan_figures
from budgetopt.scenario.instance import Instance
from budgetopt.scenario.params import Scenario

OPTIONAL_COLUMNS: dict[str, dict[str, Any]] = {
    "municipalities": {
        "name": "",
        "youth_population": 1000.0,
        "budget_eur": np.nan,
        "region": np.nan,
        "quality_floor": np.nan,
    },
    "needs": {"name": ""},
    "levels": {"code": "", "name": "", "out_of_home": False, "residential": False},
    "providers": {"name": "", "capacity_children": np.nan, "alliance": False},
    "offers": {"capacity_children": np.nan},
    "price_overrides": {"municipality_id": np.nan, "region": np.nan},
}
FLOAT_COLUMNS = {
    "youth_population",
    "budget_eur",
    "quality_floor",
    "capacity_children",
    "cost_eur",
    "quality",
    "children",
}
ID_COLUMNS = {"municipality_id", "need_id", "provider_id", "region"}


def frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A canonical input table: optional columns filled, ids str, amounts float, levels int."""
    defaults = OPTIONAL_COLUMNS.get(name, {})
    df = pd.DataFrame([{**defaults, **row} for row in rows])
    for col in df.columns:
        if col in FLOAT_COLUMNS:
            df[col] = df[col].astype(float)
        elif col == "level":
            df[col] = df[col].astype("int64")
        elif col in ID_COLUMNS:
            df[col] = df[col].astype(object).where(df[col].notna(), np.nan)
        elif col in {"out_of_home", "residential", "alliance"}:
            df[col] = df[col].astype(bool)
    return df


def make_instance(tables: dict[str, list[dict[str, Any]]], **scenario: Any) -> Instance:
    """An instance from rows per table; tables not given are absent."""
    return Instance(
        tables={name: frame(name, rows) for name, rows in tables.items()},
        scenario=Scenario(**scenario),
    )


def base_tables() -> dict[str, list[dict[str, Any]]]:
    """The base instance's rows (fresh lists, free to edit)."""
    return {
        "municipalities": [
            {"municipality_id": "GM01", "budget_eur": 600.0, "region": "NORTH"},
            {"municipality_id": "GM02", "budget_eur": 400.0, "region": "NORTH"},
        ],
        "needs": [{"need_id": "FAM"}, {"need_id": "GGZ"}],
        "levels": [
            {"level": 1, "code": "AMB"},
            {"level": 2, "code": "FOS", "out_of_home": True},
            {"level": 3, "code": "RES", "out_of_home": True, "residential": True},
        ],
        "providers": [
            {"provider_id": "PA", "capacity_children": 30.0, "alliance": True},
            {"provider_id": "PB"},
            {"provider_id": "PC", "capacity_children": 20.0},
        ],
        "offers": [
            offer("PA", "FAM", 1, 10, 0.8),
            offer("PA", "FAM", 2, 20, 0.7),
            offer("PA", "FAM", 3, 40, 0.9),
            offer("PB", "FAM", 1, 8, 0.6, capacity=15),
            offer("PB", "FAM", 2, 18, 0.8),
            offer("PB", "GGZ", 1, 12, 0.7),
            offer("PC", "GGZ", 1, 11, 0.9),
            offer("PC", "GGZ", 2, 25, 0.8),
        ],
        "access": [
            {"municipality_id": m, "provider_id": p}
            for m, p in [
                ("GM01", "PA"),
                ("GM01", "PB"),
                ("GM01", "PC"),
                ("GM02", "PA"),
                ("GM02", "PB"),
            ]
        ],
        "demand": [
            cell("GM01", "FAM", 1, 6),
            cell("GM01", "FAM", 2, 4),
            cell("GM01", "GGZ", 1, 5),
            cell("GM02", "FAM", 1, 4),
            cell("GM02", "FAM", 3, 2),
            cell("GM02", "GGZ", 1, 3),
        ],
        "baseline": [
            {**cell("GM01", "FAM", 1, 6), "provider_id": "PA"},
            {**cell("GM01", "FAM", 2, 4), "provider_id": "PA"},
            {**cell("GM01", "GGZ", 1, 5), "provider_id": "PC"},
            {**cell("GM02", "FAM", 1, 4), "provider_id": "PB"},
            {**cell("GM02", "FAM", 3, 2), "provider_id": "PA"},
            {**cell("GM02", "GGZ", 1, 3), "provider_id": "PB"},
        ],
        "price_overrides": [
            {"provider_id": "PB", "need_id": "FAM", "level": 1, "cost_eur": 9.0, "region": "NORTH"},
            {
                "provider_id": "PB",
                "need_id": "FAM",
                "level": 1,
                "cost_eur": 7.0,
                "municipality_id": "GM01",
            },
        ],
    }


def offer(
    p: str, n: str, level: int, cost: float, quality: float, capacity: float = np.nan
) -> dict[str, Any]:
    return {
        "provider_id": p,
        "need_id": n,
        "level": level,
        "cost_eur": cost,
        "quality": quality,
        "capacity_children": capacity,
    }


def cell(m: str, n: str, level: int, children: float) -> dict[str, Any]:
    return {"municipality_id": m, "need_id": n, "level": level, "children": children}


BASE_SCENARIO: dict[str, Any] = {
    "budget_eur": 400.0,
    "step_down_share": 0.5,
    "max_step_down_levels": 1,
    "quality_floor": 0.6,
    "continuity_max_moved_share": 0.5,
    "alliance_revenue_floor": 0.5,
    "out_of_home_max_share": 0.5,
    "residential_max_share_of_out_of_home": 1.0,
    "max_provider_share": 0.8,
    "municipality_budget_tolerance": 0.1,
    "max_providers_per_need": 2,
    "min_contract_children": 2.0,
    "contract_cost_eur": 5.0,
}

# (municipality, need, indicated level, level, provider, children, cost_eur, quality)
Row = tuple[str, str, int, int, str, float, float, float]
BASE_PLAN: list[Row] = [
    ("GM01", "FAM", 1, 1, "PA", 6, 60, 0.8),
    ("GM01", "FAM", 2, 2, "PA", 3, 60, 0.7),
    ("GM01", "FAM", 2, 1, "PB", 1, 7, 0.6),
    ("GM01", "GGZ", 1, 1, "PC", 5, 55, 0.9),
    ("GM02", "FAM", 1, 1, "PB", 4, 36, 0.6),
    ("GM02", "FAM", 3, 3, "PA", 1, 40, 0.9),
    ("GM02", "FAM", 3, 2, "PA", 1, 20, 0.7),
    ("GM02", "GGZ", 1, 1, "PB", 3, 36, 0.7),
]
COLUMNS = [
    "municipality_id",
    "need_id",
    "indicated_level",
    "level",
    "provider_id",
    "children",
    "cost_eur",
    "quality",
]


def allocation(rows: list[Row]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=COLUMNS)
    return df.astype({"children": float, "cost_eur": float, "quality": float})


def base_instance(**changes: Any) -> Instance:
    return make_instance(base_tables(), **{**BASE_SCENARIO, **changes})


def replace_row(rows: list[Row], old: Row, *new: Row) -> list[Row]:
    """The plan with row ``old`` replaced by the rows ``new``."""
    assert old in rows
    i = rows.index(old)
    return [*rows[:i], *new, *rows[i + 1 :]]


def keys(violations: list[Violation]) -> list[tuple[str, str]]:
    return [(v.family, v.key) for v in violations]


# --------------------------------------------------------------------------- feasible plan


def test_base_plan_passes() -> None:
    assert check_plan(base_instance(), allocation(BASE_PLAN)) == []
    assert_plan_ok(base_instance(), allocation(BASE_PLAN))


def test_base_plan_passes_with_empty_unserved_and_extra_columns() -> None:
    alloc = allocation(BASE_PLAN).assign(note="extra")
    empty = pd.DataFrame(columns=["municipality_id", "need_id", "level", "children"])
    assert check_plan(base_instance(), alloc, empty) == []


def test_every_family_is_switched_on_in_the_base_scenario() -> None:
    scenario = base_instance().scenario
    assert scenario.procurement
    assert scenario.step_down_depth == 1
    assert scenario.enforce_capacity


# --------------------------------------------------------------------------- one case per family

Case = Callable[[], tuple[Instance, pd.DataFrame, pd.DataFrame | None]]


def plan_case(rows: list[Row], unserved: pd.DataFrame | None = None, **scenario: Any) -> Case:
    return lambda: (base_instance(**scenario), allocation(rows), unserved)


def table_case(edit: Callable[[dict[str, list[dict[str, Any]]]], None], **scenario: Any) -> Case:
    def build() -> tuple[Instance, pd.DataFrame, pd.DataFrame | None]:
        tables = base_tables()
        edit(tables)
        return make_instance(tables, **{**BASE_SCENARIO, **scenario}), allocation(BASE_PLAN), None

    return build


def set_value(table: str, match: dict[str, Any], column: str, value: Any) -> Callable[..., None]:
    def edit(tables: dict[str, list[dict[str, Any]]]) -> None:
        rows = [r for r in tables[table] if all(r.get(k) == v for k, v in match.items())]
        assert len(rows) == 1
        rows[0][column] = value

    return edit


CASES: dict[str, tuple[Case, list[tuple[str, str]]]] = {
    "domain: negative children": (
        plan_case(
            replace_row(
                BASE_PLAN,
                ("GM01", "FAM", 2, 2, "PA", 3, 60, 0.7),
                ("GM01", "FAM", 2, 2, "PA", 4, 80, 0.7),
                ("GM01", "FAM", 2, 1, "PA", -1, -10, 0.8),
            )
        ),
        [("domain", "GM01/FAM/level 2→1/PA")],
    ),
    "domain: no such offer": (
        plan_case(
            replace_row(
                BASE_PLAN,
                ("GM02", "FAM", 3, 3, "PA", 1, 40, 0.9),
                ("GM02", "FAM", 3, 3, "PB", 1, 40, 0.9),
            )
        ),
        [("domain", "GM02/FAM/level 3→3/PB")],
    ),
    "domain: no access": (
        plan_case(
            replace_row(
                BASE_PLAN,
                ("GM02", "GGZ", 1, 1, "PB", 3, 36, 0.7),
                ("GM02", "GGZ", 1, 1, "PB", 2, 24, 0.7),
                ("GM02", "GGZ", 1, 1, "PC", 1, 11, 0.9),
            )
        ),
        [("domain", "GM02/GGZ/level 1→1/PC")],
    ),
    "domain: heavier than indicated": (
        plan_case(
            replace_row(
                BASE_PLAN,
                ("GM01", "FAM", 1, 1, "PA", 6, 60, 0.8),
                ("GM01", "FAM", 1, 1, "PA", 5, 50, 0.8),
                ("GM01", "FAM", 1, 2, "PA", 1, 20, 0.7),
            )
        ),
        [("domain", "GM01/FAM/level 1→2/PA")],
    ),
    "domain: stepped down too far": (
        plan_case(
            replace_row(
                BASE_PLAN,
                ("GM02", "FAM", 3, 2, "PA", 1, 20, 0.7),
                ("GM02", "FAM", 3, 1, "PA", 1, 10, 0.8),
            )
        ),
        [("domain", "GM02/FAM/level 3→1/PA")],
    ),
    "domain: duplicate row": (
        plan_case(
            replace_row(
                BASE_PLAN,
                ("GM01", "GGZ", 1, 1, "PC", 5, 55, 0.9),
                ("GM01", "GGZ", 1, 1, "PC", 2, 22, 0.9),
                ("GM01", "GGZ", 1, 1, "PC", 3, 33, 0.9),
            )
        ),
        [("domain", "GM01/GGZ/level 1→1/PC")],
    ),
    "price: cost at the list price instead of the municipal override": (
        plan_case(
            replace_row(
                BASE_PLAN,
                ("GM01", "FAM", 2, 1, "PB", 1, 7, 0.6),
                ("GM01", "FAM", 2, 1, "PB", 1, 8, 0.6),
            )
        ),
        [("price", "GM01/FAM/level 2→1/PB")],
    ),
    "price: wrong quality": (
        plan_case(
            replace_row(
                BASE_PLAN,
                ("GM01", "GGZ", 1, 1, "PC", 5, 55, 0.9),
                ("GM01", "GGZ", 1, 1, "PC", 5, 55, 0.8),
            )
        ),
        [("price", "GM01/GGZ/level 1→1/PC")],
    ),
    "coverage: too few children served": (
        plan_case(
            replace_row(
                BASE_PLAN,
                ("GM01", "GGZ", 1, 1, "PC", 5, 55, 0.9),
                ("GM01", "GGZ", 1, 1, "PC", 4, 44, 0.9),
            )
        ),
        [("coverage", "GM01/GGZ/level 1")],
    ),
    "coverage: a demand cell missing from the allocation": (
        plan_case(replace_row(BASE_PLAN, ("GM01", "FAM", 1, 1, "PA", 6, 60, 0.8))),
        [("coverage", "GM01/FAM/level 1")],
    ),
    "coverage: a cell without demand": (
        lambda: (
            make_instance(
                {
                    **base_tables(),
                    "demand": [
                        c
                        for c in base_tables()["demand"]
                        if c["need_id"] != "GGZ" or c["municipality_id"] != "GM02"
                    ],
                },
                **BASE_SCENARIO,
            ),
            allocation(BASE_PLAN),
            None,
        ),
        [("coverage", "GM02/GGZ/level 1")],
    ),
    "coverage: unserved children without a waiting list": (
        plan_case(
            replace_row(
                BASE_PLAN,
                ("GM01", "GGZ", 1, 1, "PC", 5, 55, 0.9),
                ("GM01", "GGZ", 1, 1, "PC", 4, 44, 0.9),
            ),
            pd.DataFrame([cell("GM01", "GGZ", 1, 1.0)]),
        ),
        [("coverage", "GM01/GGZ/level 1")],
    ),
    "step_down": (
        plan_case(
            replace_row(
                replace_row(
                    BASE_PLAN,
                    ("GM01", "FAM", 2, 2, "PA", 3, 60, 0.7),
                    ("GM01", "FAM", 2, 2, "PA", 1, 20, 0.7),
                ),
                ("GM01", "FAM", 2, 1, "PB", 1, 7, 0.6),
                ("GM01", "FAM", 2, 1, "PB", 3, 21, 0.6),
            )
        ),
        [("step_down", "GM01/FAM/level 2")],
    ),
    "step_down: per-level share": (
        plan_case(BASE_PLAN, step_down_share={2: 0.5}),
        [("step_down", "GM02/FAM/level 3")],
    ),
    "provider_capacity": (
        table_case(set_value("providers", {"provider_id": "PA"}, "capacity_children", 10.0)),
        [("provider_capacity", "provider PA")],
    ),
    "offer_capacity": (
        table_case(
            set_value(
                "offers",
                {"provider_id": "PB", "need_id": "FAM", "level": 1},
                "capacity_children",
                4.0,
            )
        ),
        [("offer_capacity", "PB/FAM/level 1")],
    ),
    "budget: contract costs count": (
        plan_case(BASE_PLAN, budget_eur=320.0),
        [("budget", "region")],
    ),
    "quality_floor: municipality column": (
        table_case(set_value("municipalities", {"municipality_id": "GM02"}, "quality_floor", 0.7)),
        [("quality_floor", "municipality GM02")],
    ),
    "continuity": (
        plan_case(BASE_PLAN, continuity_max_moved_share=0.05),
        [("continuity", "municipality GM01")],
    ),
    "alliance": (plan_case(BASE_PLAN, alliance_revenue_floor=0.1), [("alliance", "provider PA")]),
    "out_of_home": (
        plan_case(BASE_PLAN, out_of_home_max_share=0.21),
        [("out_of_home", "municipality GM02")],
    ),
    "residential": (
        plan_case(BASE_PLAN, residential_max_share_of_out_of_home=0.4),
        [("residential", "municipality GM02")],
    ),
    "provider_share": (
        plan_case(BASE_PLAN, max_provider_share=0.65),
        [("provider_share", "PA/FAM")],
    ),
    "municipality_budget": (
        table_case(set_value("municipalities", {"municipality_id": "GM02"}, "budget_eur", 200.0)),
        [("municipality_budget", "municipality GM02")],
    ),
    "lots_per_need": (
        plan_case(BASE_PLAN, max_providers_per_need=1),
        [("lots_per_need", "need FAM"), ("lots_per_need", "need GGZ")],
    ),
    "min_contract_volume": (
        plan_case(BASE_PLAN, min_contract_children=4.0),
        [("min_contract_volume", "PB/GGZ")],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_rule_is_reported(name: str) -> None:
    build, expected = CASES[name]
    instance, alloc, unserved = build()
    violations = check_plan(instance, alloc, unserved)
    assert keys(violations) == expected
    for v in violations:
        assert v.message
        assert v.message.endswith(".")


def test_every_family_has_a_case() -> None:
    covered = {family for _, expected in CASES.values() for family, _ in expected}
    assert covered == set(FAMILIES)


# --------------------------------------------------------------------------- numbers in violations


def test_violation_sides_and_message() -> None:
    (v,) = check_plan(base_instance(budget_eur=320.0), allocation(BASE_PLAN))
    assert v.lhs == pytest.approx(334.0)
    assert v.rhs == pytest.approx(320.0)
    assert "334" in v.message
    assert "320" in v.message
    assert str(v).startswith("[budget] region: ")


def test_quality_floor_reports_average_and_floor() -> None:
    tables = base_tables()
    set_value("municipalities", {"municipality_id": "GM02"}, "quality_floor", 0.7)(tables)
    (v,) = check_plan(make_instance(tables, **BASE_SCENARIO), allocation(BASE_PLAN))
    assert v.lhs == pytest.approx(6.1 / 9)
    assert v.rhs == pytest.approx(0.7)


def test_municipality_floor_overrides_the_scenario_floor() -> None:
    tables = base_tables()
    set_value("municipalities", {"municipality_id": "GM01"}, "quality_floor", 0.5)(tables)
    instance = make_instance(tables, **{**BASE_SCENARIO, "quality_floor": 0.85})
    assert keys(check_plan(instance, allocation(BASE_PLAN))) == [
        ("quality_floor", "municipality GM02")
    ]


def test_municipality_without_served_children_passes_the_quality_floor() -> None:
    tables = base_tables()
    tables["municipalities"].append({"municipality_id": "GM03", "quality_floor": 0.99})
    assert check_plan(make_instance(tables, **BASE_SCENARIO), allocation(BASE_PLAN)) == []


def test_assert_plan_ok_lists_every_violation() -> None:
    instance = base_instance(budget_eur=320.0, alliance_revenue_floor=0.1)
    with pytest.raises(AssertionError) as info:
        assert_plan_ok(instance, allocation(BASE_PLAN))
    text = str(info.value)
    assert "2 constraint row(s)" in text
    assert "[budget] region" in text
    assert "[alliance] provider PA" in text


def test_deviations_within_tolerance_pass() -> None:
    rows = replace_row(
        BASE_PLAN,
        ("GM01", "GGZ", 1, 1, "PC", 5, 55, 0.9),
        ("GM01", "GGZ", 1, 1, "PC", 5 + 1e-9, 55 + 1e-8, 0.9),
    )
    assert check_plan(base_instance(), allocation(rows)) == []


def test_families_switched_off_report_nothing() -> None:
    instance = make_instance(base_tables(), max_step_down_levels=1)
    assert check_plan(instance, allocation(BASE_PLAN)) == []
    tables = base_tables()
    set_value("providers", {"provider_id": "PA"}, "capacity_children", 1.0)(tables)
    set_value(
        "offers", {"provider_id": "PB", "need_id": "FAM", "level": 1}, "capacity_children", 1.0
    )(tables)
    capped = make_instance(tables, max_step_down_levels=1)
    assert {v.family for v in check_plan(capped, allocation(BASE_PLAN))} == {
        "provider_capacity",
        "offer_capacity",
    }
    uncapped = make_instance(tables, max_step_down_levels=1, enforce_capacity=False)
    assert check_plan(uncapped, allocation(BASE_PLAN)) == []


# --------------------------------------------------------------------------- waiting lists


def test_unserved_children_allowed_with_a_waiting_list() -> None:
    rows = replace_row(
        BASE_PLAN, ("GM01", "GGZ", 1, 1, "PC", 5, 55, 0.9), ("GM01", "GGZ", 1, 1, "PC", 4, 44, 0.9)
    )
    unserved = pd.DataFrame([cell("GM01", "GGZ", 1, 1.0)])
    instance = base_instance(allow_waiting_list=True)
    assert check_plan(instance, allocation(rows), unserved) == []
    assert plan_figures(instance, allocation(rows), unserved)["children_unserved"] == 1.0


def test_negative_unserved_is_a_domain_violation() -> None:
    unserved = pd.DataFrame([cell("GM01", "GGZ", 1, -1.0)])
    violations = check_plan(base_instance(allow_waiting_list=True), allocation(BASE_PLAN), unserved)
    assert keys(violations) == [
        ("domain", "GM01/GGZ/level 1 (unserved)"),
        ("coverage", "GM01/GGZ/level 1"),
    ]


# --------------------------------------------------------------------------- prices


def priced(m: str, cost: float) -> pd.DataFrame:
    """A one-child plan row of PB/FAM/level 1 for municipality m at the given cost."""
    return allocation([(m, "FAM", 1, 1, "PB", 1, cost, 0.6)])


def price_violations(instance: Instance, m: str, cost: float) -> list[Violation]:
    return [v for v in check_plan(instance, priced(m, cost)) if v.family == "price"]


def test_price_override_precedence() -> None:
    tables = base_tables()
    tables["municipalities"].append({"municipality_id": "GM03", "region": "SOUTH"})
    instance = make_instance(tables)
    # GM01 has its own contract (7) and its region's (9): the municipality row wins
    assert price_violations(instance, "GM01", 7.0) == []
    assert len(price_violations(instance, "GM01", 9.0)) == 1
    # GM02 has only the region's contract
    assert price_violations(instance, "GM02", 9.0) == []
    assert len(price_violations(instance, "GM02", 8.0)) == 1
    # GM03 lies in another region: the list price
    assert price_violations(instance, "GM03", 8.0) == []
    (v,) = price_violations(instance, "GM03", 9.0)
    assert v.key == "GM03/FAM/level 1→1/PB"
    assert v.lhs == 9.0
    assert v.rhs == pytest.approx(8.0)


def test_price_index_multiplies_every_price() -> None:
    instance = base_instance(price_index=1.1, budget_eur=None)
    indexed = allocation(BASE_PLAN).assign(cost_eur=lambda f: f["cost_eur"] * 1.1)
    assert check_plan(instance, indexed) == []
    unindexed = check_plan(instance, allocation(BASE_PLAN))
    assert {v.family for v in unindexed} == {"price"}
    assert len(unindexed) == len(BASE_PLAN)


def test_budget_cut_is_taken_on_baseline_cost_at_scenario_prices() -> None:
    figures = plan_figures(base_instance(budget_eur=None, budget_cut=0.1), allocation(BASE_PLAN))
    assert figures["baseline_cost_eur"] == pytest.approx(347.0)
    assert figures["budget_eur"] == pytest.approx(0.9 * 347.0)
    instance = base_instance(budget_eur=None, budget_cut=0.1, price_index=2.0)
    figures = plan_figures(instance, allocation(BASE_PLAN))
    assert figures["baseline_cost_eur"] == pytest.approx(694.0)
    assert figures["budget_eur"] == pytest.approx(0.9 * 694.0)


# --------------------------------------------------------------------------- demand growth, access


def test_demand_growth() -> None:
    instance = base_instance(demand_growth=0.5, budget_eur=None)
    grown = allocation(BASE_PLAN).assign(
        children=lambda f: f["children"] * 1.5, cost_eur=lambda f: f["cost_eur"] * 1.5
    )
    assert check_plan(instance, grown) == []
    violations = check_plan(instance, allocation(BASE_PLAN))
    assert {v.family for v in violations} == {"coverage"}
    assert len(violations) == 6
    (gm01_fam1,) = [v for v in violations if v.key == "GM01/FAM/level 1"]
    assert gm01_fam1.lhs == 6.0
    assert gm01_fam1.rhs == pytest.approx(9.0)


def test_absent_access_table_means_every_provider_serves_everyone() -> None:
    rows = replace_row(
        BASE_PLAN,
        ("GM02", "GGZ", 1, 1, "PB", 3, 36, 0.7),
        ("GM02", "GGZ", 1, 1, "PB", 2, 24, 0.7),
        ("GM02", "GGZ", 1, 1, "PC", 1, 11, 0.9),
    )
    tables = base_tables()
    del tables["access"]
    instance = make_instance(tables, **BASE_SCENARIO)
    assert not instance.has("access")
    assert check_plan(instance, allocation(rows)) == []
    assert keys(check_plan(base_instance(), allocation(rows))) == [
        ("domain", "GM02/GGZ/level 1→1/PC")
    ]


def test_without_baseline_continuity_and_alliance_are_off() -> None:
    tables = base_tables()
    del tables["baseline"]
    instance = make_instance(
        tables,
        continuity_max_moved_share=0.0,
        alliance_revenue_floor=0.0,
        quality_floor=0.6,
        max_step_down_levels=1,
    )
    assert check_plan(instance, allocation(BASE_PLAN)) == []
    figures = plan_figures(instance, allocation(BASE_PLAN))
    assert figures["baseline_cost_eur"] is None
    assert figures["children_moved"] == 0.0
    assert figures["budget_eur"] is None


# --------------------------------------------------------------------------- figures


def test_plan_figures() -> None:
    figures = plan_figures(base_instance(), allocation(BASE_PLAN))
    assert figures == {
        "total_cost_eur": pytest.approx(314.0 + 4 * 5.0),
        "care_cost_eur": pytest.approx(314.0),
        "contract_cost_eur": pytest.approx(20.0),
        "children_served": pytest.approx(24.0),
        "children_unserved": 0.0,
        "average_quality": pytest.approx(18.1 / 24),
        "children_stepped_down": pytest.approx(2.0),
        "children_moved": pytest.approx(1.0),
        "baseline_cost_eur": pytest.approx(347.0),
        "budget_eur": pytest.approx(400.0),
        "contracted_lots": 4,
    }


def test_plan_figures_recompute_costs_from_the_inputs() -> None:
    wrong = allocation(BASE_PLAN).assign(cost_eur=0.0, quality=0.0)
    figures = plan_figures(base_instance(), wrong)
    assert figures["care_cost_eur"] == pytest.approx(314.0)
    assert figures["average_quality"] == pytest.approx(18.1 / 24)


def test_plan_figures_of_an_empty_plan() -> None:
    figures = plan_figures(base_instance(), allocation([]))
    assert figures["children_served"] == 0.0
    assert figures["average_quality"] is None
    assert figures["contracted_lots"] == 0
    assert figures["children_moved"] == pytest.approx(24.0)


# --------------------------------------------------------------------------- input handling


def test_missing_allocation_column_is_an_error() -> None:
    with pytest.raises(ValueError, match="cost_eur"):
        check_plan(base_instance(), allocation(BASE_PLAN).drop(columns="cost_eur"))


def test_non_integer_level_is_a_domain_violation() -> None:
    alloc = allocation(BASE_PLAN).astype({"level": float})
    alloc.loc[0, "level"] = 1.5
    violations = check_plan(base_instance(), alloc)
    assert ("domain", "GM01/FAM/level 1→1.5/PA") in keys(violations)


# --------------------------------------------------------------------------- scale


def large_case(
    municipalities: int = 100, needs: int = 10, levels: int = 5, providers: int = 20
) -> tuple[Instance, pd.DataFrame]:
    """A feasible instance and plan with about 100k allocation rows."""
    rng = np.random.default_rng(7)
    ms = [f"GM{i:04d}" for i in range(municipalities)]
    ns = [f"N{i}" for i in range(needs)]
    ps = [f"P{i:02d}" for i in range(providers)]
    ls = list(range(1, levels + 1))
    offers = pd.DataFrame(
        [(p, n, lv) for p in ps for n in ns for lv in ls],
        columns=["provider_id", "need_id", "level"],
    ).assign(
        cost_eur=lambda f: rng.uniform(1e3, 1e5, len(f)),
        quality=lambda f: rng.uniform(0.5, 1.0, len(f)),
    )
    demand = pd.DataFrame(
        [(m, n, lv) for m in ms for n in ns for lv in ls],
        columns=["municipality_id", "need_id", "level"],
    ).assign(children=lambda f: rng.uniform(1, 50, len(f)))
    tables = {
        "municipalities": [{"municipality_id": m} for m in ms],
        "needs": [{"need_id": n} for n in ns],
        "levels": [{"level": lv, "out_of_home": lv >= 4, "residential": lv == 5} for lv in ls],
        "providers": [{"provider_id": p} for p in ps],
        "offers": offers.to_dict("records"),
        "demand": demand.to_dict("records"),
    }
    instance = make_instance(tables)
    alloc = demand.rename(columns={"level": "indicated_level"}).merge(
        pd.DataFrame({"provider_id": ps}), how="cross"
    )
    alloc["level"] = alloc["indicated_level"]
    alloc["children"] = alloc["children"] / providers
    alloc = alloc.merge(offers, on=["provider_id", "need_id", "level"])
    alloc["cost_eur"] = alloc["children"] * alloc["cost_eur"]
    return instance, alloc


@pytest.mark.slow
def test_large_plan_checks_quickly() -> None:
    instance, alloc = large_case()
    assert len(alloc) == 100_000
    start = time.perf_counter()
    assert check_plan(instance, alloc) == []
    elapsed = time.perf_counter() - start
    assert elapsed < 10.0
    broken = alloc.copy()
    broken.loc[17, "cost_eur"] += 1.0
    assert keys(check_plan(instance, broken)) == [("price", "GM0000/N0/level 1→1/P17")]
