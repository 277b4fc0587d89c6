"""The procurement MIP's rows, start plan and MIP run (budgetopt.optimisation.procurement).

The reference everywhere is the textbook formulation, written here independently of the code:
x[arc] ≤ D'[cell]·z[lot] per arc, Σ_p z[p,n] ≤ K, Σ x over a lot ≥ v_min·z. On tiny instances the
reference optimum is found by enumerating every z ∈ {0, 1}^lots and solving the LP for each.
"""

from __future__ import annotations

import itertools
import time
from types import SimpleNamespace

import highspy
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from budgetopt.check import check_plan
from budgetopt.optimisation import extract
from budgetopt.optimisation.build import build_program
from budgetopt.optimisation.highs import HighsSession, SolveOptions
from budgetopt.optimisation.procurement import (
    IPM_ROOT_COLUMNS,
    VALID_INEQUALITIES,
    drop_closed_lots,
    lot_of_arcs,
    lp_incumbent,
    lp_start,
    mip_options,
    procurement_blocks,
    run_mip,
)
from budgetopt.optimisation.program import INF, MONEY_SCALE, Program, RowBlock, finish
from budgetopt.optimisation.status import SolveStatus
from budgetopt.scenario.generate import generate_instance
from budgetopt.scenario.instance import Instance
from budgetopt.scenario.params import Scenario
from tests.conftest import load

M, N, P = "municipality_id", "need_id", "provider_id"
FAMILIES = {"contract_link", "lots_per_need", "min_contract_volume", *VALID_INEQUALITIES}
TOL = 1e-6


# --------------------------------------------------------------------------- helpers


def plain_blocks(instance: Instance, arcs: pd.DataFrame, cells: pd.DataFrame, z) -> list[RowBlock]:
    """The textbook rows: per-arc big-M with D', K per need, v_min per lot."""
    scenario = instance.scenario
    lot = lot_of_arcs(arcs, z)
    n = len(arcs)
    demand = cells["demand"].to_numpy(float)[arcs["cell"].to_numpy()]
    blocks = [RowBlock("contract_link", arcs[[M, N, "indicated_level", "level", P]],
                       np.concatenate([np.arange(n), np.arange(n)]),
                       np.concatenate([np.arange(n), z.start + lot]),
                       np.concatenate([np.ones(n), -demand]), np.full(n, -INF), np.zeros(n))]
    if scenario.max_providers_per_need is not None:
        need, needs = pd.factorize(z.keys[N], sort=True)
        blocks.append(RowBlock("lots_per_need", pd.DataFrame({N: np.asarray(needs)}), need,
                               z.start + np.arange(z.size), np.ones(z.size),
                               np.full(len(needs), -INF),
                               np.full(len(needs), float(scenario.max_providers_per_need))))
    if scenario.min_contract_children:
        v = float(scenario.min_contract_children)
        blocks.append(RowBlock("min_contract_volume", z.keys[[P, N]],
                               np.concatenate([lot, np.arange(z.size)]),
                               np.concatenate([np.arange(n), z.start + np.arange(z.size)]),
                               np.concatenate([np.ones(n), np.full(z.size, -v)]),
                               np.zeros(z.size), np.full(z.size, INF)))
    return blocks


def with_rows(instance: Instance, *, plain: bool = False, **kwargs) -> Program:
    """The instance's program with its procurement families ours (or the textbook ones)."""
    program = build_program(instance)
    z = program.columns["z"]
    blocks = [b for f, b in program.blocks.items() if f not in FAMILIES]
    if plain:
        blocks += plain_blocks(instance, program.arcs, program.cells, z)
    else:
        blocks += procurement_blocks(instance, program.arcs, program.cells, z,
                                     program.columns.get("w"), **kwargs)
    return finish(list(program.columns.values()), blocks, program.objectives, program.arcs,
                  program.cells, program.data)


def without(program: Program, family: str) -> Program:
    """The program with one family of rows left out (the program itself is spent)."""
    blocks = [b for f, b in program.blocks.items() if f != family]
    return finish(list(program.columns.values()), blocks, program.objectives, program.arcs,
                  program.cells, program.data)


def objective_of(instance: Instance) -> str:
    return instance.scenario.objective.value


def mip_value(program: Program, objective: str) -> float | None:
    """HiGHS's optimum of the MIP (gap 0), or None when infeasible."""
    session = HighsSession(program, objective, SolveOptions(mip_gap=0.0))
    raw = session.run()
    assert raw.status in (SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE)
    return raw.objective if raw.status == SolveStatus.OPTIMAL else None


def relaxation_value(program: Program, objective: str) -> float | None:
    session = HighsSession(program, objective, SolveOptions(), integer=False)
    raw = session.run()
    return raw.objective if raw.status == SolveStatus.OPTIMAL else None


def enumerate_optimum(program: Program, objective: str) -> tuple[float | None, np.ndarray | None]:
    """Best LP value over every 0/1 choice of lots, and its plan (the reference optimum)."""
    z = program.columns["z"]
    session = HighsSession(program, objective, SolveOptions(), integer=False)
    idx = np.arange(z.start, z.start + z.size, dtype=np.int32)
    best, plan = None, None
    for choice in itertools.product((0.0, 1.0), repeat=z.size):
        values = np.array(choice)
        session.highs.changeColsBounds(len(idx), idx, values, values)
        raw = session.run()
        if raw.status == SolveStatus.OPTIMAL and (best is None or raw.objective < best - 1e-9):
            best, plan = raw.objective, raw.col_value.copy()
    return best, plan


def rows_hold(program: Program, values: np.ndarray, families) -> list[str]:
    """Families among ``families`` with a row violated by ``values`` (1e-6 relative)."""
    bad = []
    for family in families:
        if family not in program.blocks:
            continue
        block = program.blocks[family]
        activity = np.zeros(block.size)
        np.add.at(activity, block.rows, block.vals * values[block.cols])
        scale = np.maximum(1.0, np.abs(block.upper.clip(-1e12, 1e12)))
        if ((activity - block.upper) > 1e-6 * scale).any() or ((block.lower - activity) > 1e-6 * scale).any():
            bad.append(family)
    return bad


def contracted(program: Program, values: np.ndarray) -> np.ndarray:
    """values with z set as the checker counts lots: contracted iff the lot has volume."""
    z = program.columns["z"]
    volume = np.bincount(lot_of_arcs(program.arcs, z), weights=program.x(values), minlength=z.size)
    out = values.copy()
    out[z.slice] = (volume > 1e-9).astype(float)
    return out


def table_instance(offers: list[tuple[str, int, float, float]], demand: dict[int, float],
                   caps: dict[str, float] | None = None, **scenario: object) -> Instance:
    """One municipality, need FAM, levels 1-2: offers (provider, level, EUR, quality)."""
    providers = sorted({o[0] for o in offers})
    caps = caps or {}
    tables = {
        "municipalities": pd.DataFrame({M: ["M1"], "name": ["M1"], "youth_population": [1000.0],
                                        "budget_eur": [np.nan], "region": ["R1"],
                                        "quality_floor": [np.nan]}),
        "needs": pd.DataFrame({N: ["FAM"], "name": ["Family"]}),
        "levels": pd.DataFrame({"level": [1, 2], "code": ["L1", "L2"], "name": ["L1", "L2"],
                                "out_of_home": [False, False], "residential": [False, False]}),
        "providers": pd.DataFrame({P: providers, "name": providers,
                                   "capacity_children": [caps.get(p, np.nan) for p in providers],
                                   "alliance": [False] * len(providers)}),
        "offers": pd.DataFrame({P: [o[0] for o in offers], N: ["FAM"] * len(offers),
                                "level": [o[1] for o in offers], "cost_eur": [o[2] for o in offers],
                                "quality": [o[3] for o in offers],
                                "capacity_children": [np.nan] * len(offers)}),
        "demand": pd.DataFrame({M: ["M1"] * len(demand), N: ["FAM"] * len(demand),
                                "level": list(demand), "children": list(demand.values())}),
    }
    return Instance(tables=tables, scenario=Scenario.model_validate({"objective": "min_cost",
                                                                     **scenario}))


# --------------------------------------------------------------------------- hand-checked cases


@pytest.mark.parametrize(("k", "expected"), [(1, 1050.0), (2, 100 * 10 / 3 + 80 * 20 / 3 + 100)])
def test_tiny_procurement_case_keeps_its_optimum(k, expected):
    # models/tiny/procurement (see test_tiny.py): K = 1 contracts A alone for 1000 + 50.
    instance = load("tiny/procurement", max_providers_per_need=k)
    for program in (with_rows(instance), with_rows(instance, plain=True)):
        assert mip_value(program, "min_cost") == pytest.approx(expected * MONEY_SCALE, abs=TOL)
    program = with_rows(instance)
    raw = run_mip(HighsSession(program, "min_cost", SolveOptions()), program)
    assert raw.status == SolveStatus.OPTIMAL
    assert raw.objective == pytest.approx(expected * MONEY_SCALE, abs=TOL)


def test_cell_cover_lifts_the_relaxation_to_the_contract_a_step_down_cannot_avoid():
    # 10 children at level 2, at most 30 % served one level lighter. A offers level 2 at 100 and
    # level 1 at 40; B only level 1 at 30; EUR 50 per contract. At least 7 children need A, so A
    # is contracted in every plan: A alone costs 700 + 3 x 40 + 50 = 870, A and B 700 + 90 + 100.
    instance = table_instance([("A", 2, 100.0, 0.8), ("A", 1, 40.0, 0.7), ("B", 1, 30.0, 0.7)],
                              {2: 10.0}, step_down_share=0.3, contract_cost_eur=50.0)
    ours, plain = with_rows(instance), with_rows(instance, plain=True)
    assert "cell_cover" in ours.blocks
    assert mip_value(ours, "min_cost") == pytest.approx(0.870, abs=TOL)
    assert mip_value(plain, "min_cost") == pytest.approx(0.870, abs=TOL)
    # Plain relaxation: z_A >= 0.7, z_B >= 0.3: 700 + 90 + 50 = 840. With the cover z_A = 1,
    # and B's 3 children cost 90 + 0.3 x 50 = 105 < 120 at A: 700 + 50 + 105 = 855.
    assert relaxation_value(plain, "min_cost") == pytest.approx(0.840, abs=TOL)
    assert relaxation_value(ours, "min_cost") == pytest.approx(0.855, abs=TOL)


def test_lot_capacity_charges_a_small_provider_its_whole_contract():
    # 10 children; A costs 10 with capacity 4, B costs 20; EUR 100 per contract. A and B:
    # 40 + 120 + 200 = 360; B alone 200 + 100 = 300 (optimal). Plain relaxation: z_A = 0.4,
    # z_B = 0.6: 40 + 120 + 100 = 260. With Σx_A ≤ 4 z_A a child at A costs 10 + 100/4 = 35
    # against 20 + 100/10 = 30 at B, so the relaxation is all B: 300.
    instance = table_instance([("A", 1, 10.0, 0.8), ("B", 1, 20.0, 0.8)], {1: 10.0},
                              caps={"A": 4.0}, contract_cost_eur=100.0)
    ours, plain = with_rows(instance), with_rows(instance, plain=True)
    assert "lot_capacity" in ours.blocks
    assert mip_value(ours, "min_cost") == pytest.approx(0.300, abs=TOL)
    assert mip_value(plain, "min_cost") == pytest.approx(0.300, abs=TOL)
    assert relaxation_value(plain, "min_cost") == pytest.approx(0.260, abs=TOL)
    assert relaxation_value(ours, "min_cost") == pytest.approx(0.300, abs=TOL)


def test_moved_link_makes_a_closed_lot_move_its_baseline_children():
    # models/tiny/min_disruption (baseline A 6, B 4; budget 880; 30 % may step down to A's
    # level 1 at 40) with one lot per need and EUR 30 per contract. A alone: B's 4 move and
    # 1000 - 60 a1 + 30 <= 880 steps a1 = 2.5 down: 6.5. B alone: A's 6 move, 800 + 30: 6.
    instance = load("tiny/min_disruption", max_providers_per_need=1, contract_cost_eur=30.0)
    ours, plain = with_rows(instance), with_rows(instance, plain=True)
    assert "moved_link" in ours.blocks
    assert mip_value(ours, "min_disruption") == pytest.approx(6.0, abs=TOL)
    assert mip_value(plain, "min_disruption") == pytest.approx(6.0, abs=TOL)
    # Plain relaxation: nobody moves with z_A = a2/10, z_B = 0.4 (x <= 10 z per arc), and the
    # budget 100 (6 - a1) + 40 a1 + 320 + 30 (0.4 + (6 - a1)/10) <= 880 steps a1 = 10/9 down.
    # Ours, with z_A = t = 1 - z_B: w >= 6 (1 - t) + 4 t, A takes at most 10 t children, and
    # the budget 830 + 200 t - 60 a1 <= 880 binds from t = 1/4: 6 - 2t + max(0, (200 t - 50)/60),
    # least at t = 1/4: 5.5.
    assert relaxation_value(plain, "min_disruption") == pytest.approx(10 / 9, abs=TOL)
    assert relaxation_value(ours, "min_disruption") == pytest.approx(5.5, abs=TOL)


def test_intake_moves_count_the_children_a_small_contract_must_take_in():
    # models/tiny/min_disruption (baseline A 6, B 4 in one cell of 10) with room in the budget
    # (EUR 1,000 against a baseline of 920), free contracts and at least 5 children per
    # contract. B kept open needs one of A's children: 1 moved; B closed moves its 4.
    instance = load("tiny/min_disruption", budget_eur=1000.0, min_contract_children=5.0,
                    contract_cost_eur=0.0)
    ours = with_rows(instance)
    assert "intake_moves" in ours.blocks
    assert mip_value(ours, "min_disruption") == pytest.approx(1.0, abs=TOL)
    assert mip_value(with_rows(instance, plain=True), "min_disruption") == pytest.approx(1.0, abs=TOL)
    # Without the row: z_B = 0.8 keeps B's 4 (4 >= 5 z_B) and moved_link charges 4 (1 - z_B).
    # With it: w_A + w_B >= 4 - (4 - 1) z_B >= 1.
    assert relaxation_value(without(ours, "intake_moves"), "min_disruption") == pytest.approx(0.8, abs=TOL)
    assert relaxation_value(with_rows(instance), "min_disruption") == pytest.approx(1.0, abs=TOL)


def test_both_link_forms_give_the_same_optimum():
    instance = load("tiny/procurement", max_providers_per_need=2)
    values = [mip_value(with_rows(instance, link=link), "min_cost") for link in ("lot", "cell")]
    assert values[0] == pytest.approx(values[1], abs=TOL)
    with pytest.raises(ValueError, match="link"):
        with_rows(instance, link="arc")


def test_a_waiting_list_drops_the_cover():
    instance = table_instance([("A", 1, 10.0, 0.8)], {1: 10.0}, contract_cost_eur=1.0,
                              allow_waiting_list=True)
    assert "cell_cover" not in with_rows(instance).blocks


# --------------------------------------------------------------------------- start plan and options


@pytest.fixture(scope="module")
def small() -> Instance:
    return generate_instance(12, 30, procurement=True, seed=0)


@pytest.mark.parametrize("objective", ["min_cost", "min_disruption", "max_quality"])
def test_the_start_plan_passes_the_independent_checker(small, objective):
    instance = small.with_scenario(objective=objective)
    program = with_rows(instance)
    session = HighsSession(program, objective, SolveOptions())
    start = lp_start(session, program)
    assert start.values is not None
    z = start.values[program.columns["z"].slice]
    assert set(np.unique(z)) <= {0.0, 1.0}
    assert check_plan(instance, extract.allocation_table(program, start.values),
                      extract.unserved_table(program, start.values)) == []
    assert start.bound <= start.objective + 1e-9 * abs(start.objective)
    assert start.objective == pytest.approx(program.objectives[objective] @ start.values)


def test_lp_start_leaves_the_session_as_it_found_it(small):
    program = with_rows(small.with_scenario(objective="min_cost"))
    session = HighsSession(program, "min_cost", SolveOptions(time_limit_s=30.0))
    h = session.highs
    before = (h.getOptionValue("solver")[1], h.getOptionValue("time_limit")[1])
    assert lp_incumbent(session, program) is not None
    z = program.columns["z"]
    lp = h.getLp()
    assert (h.getOptionValue("solver")[1], h.getOptionValue("time_limit")[1]) == before
    assert all(lp.integrality_[i] == highspy.HighsVarType.kInteger for i in range(z.start, z.start + z.size))
    assert np.array_equal(np.asarray(lp.col_lower_)[z.slice], z.lower)
    assert np.array_equal(np.asarray(lp.col_upper_)[z.slice], z.upper)


def test_mip_options_pick_interior_point_for_big_root_lps(small):
    program = with_rows(small)
    assert program.num_cols < IPM_ROOT_COLUMNS
    assert mip_options(program) == {}
    assert mip_options(SimpleNamespace(num_cols=IPM_ROOT_COLUMNS)) == {"mip_lp_solver": "ipm"}


def test_run_mip_reports_a_bound_it_has_proven(small):
    instance = small.with_scenario(objective="min_cost")
    program = with_rows(instance)
    details: dict[str, object] = {}
    raw = run_mip(HighsSession(program, "min_cost", SolveOptions(mip_gap=0.01)), program,
                  details=details)
    assert raw.status == SolveStatus.OPTIMAL
    assert raw.gap <= 0.01
    assert details["start_bound"] <= raw.bound <= raw.objective
    assert raw.objective * (1 - raw.gap) == pytest.approx(raw.bound, rel=1e-9)


def test_the_isolated_mip_finds_the_optimum_in_a_child_process():
    # tiny/procurement with K = 2: the start plan (both lots) is optimal but its gap to the
    # relaxation (0.9167) is 5 %, so HiGHS's MIP runs, here in a child process, and proves it.
    program = with_rows(load("tiny/procurement", max_providers_per_need=2))
    details: dict[str, object] = {}
    raw = run_mip(HighsSession(program, "min_cost", SolveOptions()), program, isolate=True,
                  details=details)
    assert details["isolated"] is True
    assert raw.status == SolveStatus.OPTIMAL
    assert raw.objective == pytest.approx((100 * 10 / 3 + 80 * 20 / 3 + 100) * MONEY_SCALE, abs=TOL)
    assert raw.bound == pytest.approx(raw.objective, rel=1e-4)


@pytest.mark.slow
def test_a_mip_past_its_deadline_is_stopped_and_reports_what_it_proved():
    # min_disruption on this instance is still ~9 % from its bound after 8 s (measured): the
    # child is killed at the deadline and the plan and bound it had are reported.
    instance = generate_instance(25, 60, procurement=True, seed=1).with_scenario(objective="min_disruption")
    program = with_rows(instance)
    details: dict[str, object] = {}
    started = time.perf_counter()
    raw = run_mip(HighsSession(program, "min_disruption", SolveOptions(time_limit_s=8.0)), program,
                  isolate=True, details=details)
    assert time.perf_counter() - started < 8.0 + 2.0
    assert raw.status == SolveStatus.TIME_LIMIT_FEASIBLE
    assert details["start_bound"] <= raw.bound <= raw.objective <= details["start_objective"]
    assert raw.gap == pytest.approx((raw.objective - raw.bound) / raw.objective)
    assert check_plan(instance, extract.allocation_table(program, raw.col_value),
                      extract.unserved_table(program, raw.col_value)) == []


# --------------------------------------------------------------------------- property: never cut off


def tiny_instances(needs: tuple[int, int] = (1, 2)) -> st.SearchStrategy[Instance]:
    """Generated procurement instances small enough to enumerate every choice of lots."""
    return st.builds(
        generate_instance,
        n_municipalities=st.integers(1, 3),
        n_providers=st.integers(2, 4),
        n_needs=st.integers(*needs),
        n_levels=st.integers(2, 3),
        seed=st.integers(0, 10_000),
        access_per_municipality=st.integers(2, 4),
        procurement=st.just(True),
    )
tiny_levers = st.fixed_dictionaries({
    "objective": st.sampled_from(["min_cost", "max_quality", "min_disruption"]),
    "max_providers_per_need": st.one_of(st.none(), st.integers(1, 3)),
    "min_contract_children": st.one_of(st.none(), st.floats(0.0, 40.0)),
    "contract_cost_eur": st.one_of(st.none(), st.floats(0.0, 60_000.0)),
    "step_down_share": st.one_of(st.none(), st.floats(0.0, 1.0)),
    "budget_cut": st.one_of(st.none(), st.floats(0.0, 0.2)),
    "continuity_max_moved_share": st.one_of(st.none(), st.floats(0.0, 1.0)),
    "allow_waiting_list": st.booleans(),
    "demand_growth": st.one_of(st.just(0.0), st.floats(0.0, 0.3)),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=tiny_instances(), changes=tiny_levers)
def test_our_rows_never_cut_off_the_optimum_of_the_plain_formulation(instance, changes):
    if changes["contract_cost_eur"] is None and changes["min_contract_children"] is None:
        changes["contract_cost_eur"] = 1000.0  # keep the procurement variant on
    instance = instance.with_scenario(**changes)
    objective = objective_of(instance)
    plain = with_rows(instance, plain=True)
    assume(plain.columns["z"].size <= 6)
    best, plan = enumerate_optimum(plain, objective)
    event("infeasible" if best is None else "feasible")
    for link in ("lot", "cell"):
        ours = with_rows(instance, link=link)
        value = mip_value(ours, objective)
        if best is None:
            assert value is None
            continue
        assert value == pytest.approx(best, rel=1e-6, abs=1e-6)
        # the reference optimum, with lots counted as the checker counts them, meets every row
        assert rows_hold(ours, contracted(ours, plan), ours.blocks) == []
        relaxed = relaxation_value(ours, objective)
        assert relaxed <= best + 1e-6 * max(1.0, abs(best))
    if best is not None:
        ours = with_rows(instance)
        start = lp_start(HighsSession(ours, objective, SolveOptions()), ours)
        if start.values is not None:
            assert start.objective >= best - 1e-6 * max(1.0, abs(best))
            assert check_plan(instance, extract.allocation_table(ours, start.values),
                              extract.unserved_table(ours, start.values)) == []


def test_a_closed_lot_keeps_no_trace_of_solver_tolerance(small):
    # A solve may leave a closed lot's arcs a feasibility tolerance (~1e-7) above zero; the
    # checker counts a lot from 1e-9 children, so such a trace would contract and charge it.
    instance = small.with_scenario(objective="min_cost", min_contract_children=5.0)
    program = with_rows(instance)
    raw = run_mip(HighsSession(program, "min_cost", SolveOptions()), program)
    z, lot = program.columns["z"], lot_of_arcs(program.arcs, program.columns["z"])
    closed = np.flatnonzero(raw.col_value[z.slice] < 0.5)
    assert len(closed) > 0
    traced = raw.col_value.copy()
    traced[program.columns["x"].start + np.flatnonzero(lot == closed[0])] = 5e-8
    families = {v.family for v in check_plan(instance, extract.allocation_table(program, traced),
                                             extract.unserved_table(program, traced))}
    assert "min_contract_volume" in families
    cleaned = drop_closed_lots(program, traced)
    assert np.all(cleaned[program.columns["x"].start + np.flatnonzero(lot == closed[0])] == 0.0)
    assert check_plan(instance, extract.allocation_table(program, cleaned),
                      extract.unserved_table(program, cleaned)) == []
