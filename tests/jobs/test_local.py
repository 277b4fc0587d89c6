"""Local worker processes: real spawned workers, real kills, a real supervisor."""

from __future__ import annotations

import os
import signal
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from budgetopt.jobs.local import LocalExecutor
from budgetopt.scenario.instance import Instance
from budgetopt.settings import Settings
from budgetopt.storage import JobStatus
from tests.jobs.conftest import Store, job_settings


@contextmanager
def running(settings: Settings, store: Store) -> Iterator[LocalExecutor]:
    """A started local executor on the store's database, always stopped afterwards."""
    executor = LocalExecutor(settings, store.db.engine.url.render_as_string(hide_password=False))
    executor.start()
    try:
        yield executor
    finally:
        executor.stop()


def submit(store: Store, executor: LocalExecutor, dataset_id: str, parameters: dict | None = None,
           **options: object) -> str:
    """Create a queued job and hand it to the executor."""
    job_id = store.job(dataset_id, parameters, options=dict(options) or None)
    executor.enqueue(job_id)
    return job_id


def pid_of(worker: str | None) -> int:
    """The process id of a job's ``host:pid`` worker."""
    assert worker is not None
    return int(worker.rsplit(":", 1)[1])


def alive(pid: int) -> bool:
    """Whether the process exists (and is not a zombie of ours)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_jobs_succeed_and_a_drenthe_solve_takes_under_a_second(store: Store,
                                                               drenthe_instance: Instance) -> None:
    dataset = store.dataset(drenthe_instance)
    with running(job_settings(), store) as executor:
        first = [submit(store, executor, dataset, {"budget_cut": cut}) for cut in (0.05, 0.10, 0.12, 0.15)]
        for job_id in first:
            assert store.wait(job_id, lambda j: j.is_terminal, timeout_s=60).status == JobStatus.SUCCEEDED
        latencies = []
        for _ in range(5):
            started = time.perf_counter()
            job_id = submit(store, executor, dataset, {"budget_cut": 0.15})
            store.wait(job_id, lambda j: j.is_terminal, timeout_s=30)
            latencies.append(time.perf_counter() - started)
            assert store.get(job_id).status == JobStatus.SUCCEEDED
        workers = {store.get(job_id).worker for job_id in first}
        assert {pid_of(w) for w in workers} <= set(executor.worker_pids)
    print(f"submit->result latency: median {statistics.median(latencies):.3f} s, max {max(latencies):.3f} s")
    assert statistics.median(latencies) < 1.0
    for job_id in first:
        assert store.result(job_id).status == "optimal"
        store.assert_plan_checked(job_id)
    assert set(store.results_per_job().values()) == {1}


@pytest.mark.slow
def test_sigkilled_worker_job_is_requeued_at_once_and_run_again(sqlite_store: Store,
                                                                hard_mip: Instance) -> None:
    store = sqlite_store
    dataset = store.dataset(hard_mip)
    # a heartbeat would go stale only after a minute: the supervisor sees the death itself
    with running(job_settings(stale_after_s=60.0, heartbeat_s=0.25), store) as executor:
        job_id = submit(store, executor, dataset, time_limit_s=1.5)
        job = store.wait(job_id, lambda j: j.phase == "solving", timeout_s=30)
        victim = pid_of(job.worker)
        assert victim in executor.worker_pids
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        store.wait(job_id, lambda j: j.status == JobStatus.QUEUED or j.attempt >= 2, timeout_s=10)
        requeued = time.monotonic() - killed
        job = store.wait(job_id, lambda j: j.is_terminal, timeout_s=60)
        took = time.monotonic() - killed
        print(f"SIGKILL -> re-queued {requeued:.2f} s, succeeded {took:.1f} s")
        assert job.status == JobStatus.SUCCEEDED
        assert job.attempt == 2
        assert pid_of(job.worker) != victim
        assert job.error is None
        assert victim not in executor.worker_pids
        assert len(executor.worker_pids) == 2
    assert requeued < 2.0
    assert took < 60
    assert store.result(job_id).status in ("time_limit_no_plan", "time_limit_feasible")
    assert store.results_per_job() == {job_id: 1}


def test_watchdog_kills_a_worker_that_does_not_stop(sqlite_store: Store, hard_mip: Instance,
                                                     drenthe_instance: Instance) -> None:
    store = sqlite_store
    settings = job_settings(kill_grace_s=0.5, stale_after_s=60.0, workers=1)
    with running(settings, store) as executor:
        job_id = submit(store, executor, store.dataset(hard_mip), time_limit_s=2)
        job = store.wait(job_id, lambda j: j.phase == "solving", timeout_s=30)
        hung = pid_of(job.worker)
        os.kill(hung, signal.SIGSTOP)  # a solve stuck where HiGHS cannot stop it
        job = store.wait(job_id, lambda j: j.is_terminal, timeout_s=30)
        assert job.status == JobStatus.TIMED_OUT
        assert job.error is not None
        assert job.error["code"] == "hard_time_limit"
        assert job.finished_at is not None
        assert job.started_at is not None
        assert 2.5 <= (job.finished_at - job.started_at).total_seconds() < 10
        assert not alive(hung)
        after = submit(store, executor, store.dataset(drenthe_instance), {"budget_cut": 0.15})
        assert store.wait(after, lambda j: j.is_terminal, timeout_s=30).status == JobStatus.SUCCEEDED
        assert pid_of(store.get(after).worker) in executor.worker_pids
    assert store.results_per_job() == {after: 1}


@pytest.mark.slow
def test_restart_with_jobs_queued_and_running(store: Store, hard_mip: Instance,
                                              drenthe_instance: Instance) -> None:
    settings = job_settings(stale_after_s=1.5, heartbeat_s=0.25, workers=1)
    with running(settings, store) as executor:
        long_job = submit(store, executor, store.dataset(hard_mip), time_limit_s=1.5)
        store.wait(long_job, lambda j: j.phase == "solving", timeout_s=30)
        drenthe = store.dataset(drenthe_instance)
        queued = [submit(store, executor, drenthe, {"budget_cut": cut}) for cut in (0.1, 0.15)]
        pids = executor.worker_pids
        executor.stop(timeout_s=0)  # the service goes down mid-solve; its workers are killed
    assert not any(alive(pid) for pid in pids)
    jobs = [long_job, *queued]
    assert [store.get(j).status for j in jobs] == ["running", "queued", "queued"]

    with running(settings, store):
        finished = [store.wait(j, lambda j: j.is_terminal, timeout_s=60) for j in jobs]
    assert [j.status for j in finished] == [JobStatus.SUCCEEDED] * 3
    assert [j.attempt for j in finished] == [2, 1, 1]
    assert store.results_per_job() == dict.fromkeys(jobs, 1)
    for job_id in queued:
        store.assert_plan_checked(job_id)
