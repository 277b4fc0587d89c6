"""Watching a solve: phases and solver figures go out, a stop request interrupts HiGHS."""

from __future__ import annotations

import threading
import time

import pytest

from budgetopt.check import check_plan
from budgetopt.optimisation.frontier import budget_frontier
from budgetopt.optimisation.live import LiveModel
from budgetopt.optimisation.monitor import PHASES, Cancelled, Monitor
from budgetopt.optimisation.solve import solve_instance
from budgetopt.optimisation.status import SolveStatus
from budgetopt.scenario.generate import generate_instance
from tests.conftest import load


class Recorder:
    """Collects what a monitor sends, and asks to stop once ``stop_after`` seconds have passed."""

    def __init__(self, stop_after: float | None = None) -> None:
        self.updates: list[dict[str, object]] = []
        self.stop_after = stop_after
        self.started = time.perf_counter()
        self.lock = threading.Lock()

    def progress(self, update: dict[str, object]) -> None:
        with self.lock:
            self.updates.append(update)

    def should_stop(self) -> bool:
        return self.stop_after is not None and time.perf_counter() - self.started >= self.stop_after

    def phases(self) -> list[str]:
        seen: list[str] = []
        for update in self.updates:
            if not seen or seen[-1] != update["phase"]:
                seen.append(str(update["phase"]))
        return seen


def test_a_watched_solve_reports_its_phases_in_order_and_keeps_its_plan():
    instance = load("drenthe", budget_cut=0.15)
    recorder = Recorder()
    result = solve_instance(instance, monitor=Monitor(recorder.progress, recorder.should_stop))
    assert result.status == SolveStatus.OPTIMAL
    assert check_plan(instance, result.allocation, result.unserved) == []
    assert recorder.phases() == ["building", "solving", "extracting"]
    assert set(recorder.phases()) <= set(PHASES)
    elapsed = [float(u["elapsed_s"]) for u in recorder.updates]
    assert elapsed == sorted(elapsed)


def test_an_infeasible_solve_reports_the_diagnosis_phase():
    recorder = Recorder()
    result = solve_instance(load("drenthe", budget_cut=0.25), monitor=Monitor(recorder.progress))
    assert result.status == SolveStatus.INFEASIBLE
    assert recorder.phases()[-1] == "diagnosing"
    assert result.diagnosis is not None


def test_a_stop_request_between_phases_raises_cancelled():
    monitor = Monitor(should_stop=lambda: True, poll_s=0.0)
    with pytest.raises(Cancelled):
        solve_instance(load("drenthe", budget_cut=0.15), monitor=monitor)


@pytest.mark.slow
def test_a_stop_request_interrupts_a_mip_once_it_has_reported_a_plan():
    # The medium procurement MIP runs for its whole 60 s limit unless stopped; the stop comes as
    # soon as the first plan (incumbent and bound) has been reported.
    instance = generate_instance(120, 400, seed=0, procurement=True).with_scenario(time_limit_s=60.0)
    recorder = Recorder()
    asked: list[float] = []

    def stop_once_a_plan_is_known() -> bool:
        if not asked and any("incumbent" in u for u in recorder.updates):
            asked.append(time.perf_counter())
        return bool(asked)

    result = solve_instance(instance, monitor=Monitor(recorder.progress, stop_once_a_plan_is_known,
                                                      every_s=0.1))
    assert asked, "a plan was reported before the time limit"
    assert time.perf_counter() - asked[0] < 10.0
    assert result.status == SolveStatus.INTERRUPTED
    assert not result.has_plan
    for update in (u for u in recorder.updates if "incumbent" in u):
        assert float(update["incumbent"]) >= float(update["bound"]) - 1e-6 * abs(float(update["incumbent"]))
        assert 0.0 <= float(update["gap"]) < 1.0


def test_a_stop_request_interrupts_an_lp_in_the_simplex_loop():
    instance = generate_instance(60, 200, seed=1).with_scenario(objective="max_quality")
    calls: list[str] = []

    def from_the_solver() -> bool:
        # the first call is at the start of the phase; later ones come from HiGHS's callbacks
        calls.append(monitor.phase_name)
        return calls.count("solving") >= 2

    monitor = Monitor(should_stop=from_the_solver, poll_s=0.0)
    result = solve_instance(instance, monitor=monitor)
    assert result.status == SolveStatus.INTERRUPTED
    assert result.solver["iterations"] < 1000


def test_a_live_model_reports_to_the_monitor_of_each_solve():
    live = LiveModel(load("drenthe", budget_cut=0.15))
    first, second = Recorder(), Recorder()
    earlier = live.solve(monitor=Monitor(first.progress))
    assert earlier.status == SolveStatus.OPTIMAL
    assert check_plan(load("drenthe", budget_cut=0.15), earlier.allocation, earlier.unserved) == []
    result = live.solve(monitor=Monitor(second.progress), budget_cut=0.16)
    assert result.status == SolveStatus.OPTIMAL
    assert check_plan(live.instance, result.allocation, result.unserved) == []
    assert result.solver["warm_start"] is True
    assert first.phases() == second.phases() == ["building", "solving", "extracting"]


def test_a_frontier_counts_its_points_and_stops_between_them():
    instance = load("drenthe")
    recorder = Recorder()
    budgets = [1.3e8, 1.4e8, 1.5e8]
    frontier = budget_frontier(instance, budgets, monitor=Monitor(recorder.progress, every_s=0.0))
    assert len(frontier) == 3
    assert [u["points_done"] for u in recorder.updates if "points_done" in u][-1] == 3
    done = []

    def stop() -> bool:
        return len(done) >= 1

    def note(update: dict[str, object]) -> None:
        if "points_done" in update and update["points_done"] not in done:
            done.append(update["points_done"])

    with pytest.raises(Cancelled):
        budget_frontier(instance, budgets, monitor=Monitor(note, stop, every_s=0.0, poll_s=0.0))
    assert done == [1]
