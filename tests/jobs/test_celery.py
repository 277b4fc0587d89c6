"""Celery executor: real ``celery worker`` processes (api/worker.py) on a real Redis broker."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from budgetopt.jobs.celery_app import CeleryExecutor
from budgetopt.scenario.instance import Instance
from budgetopt.settings import Settings
from budgetopt.storage import JobStatus
from tests.jobs.conftest import Store, job_settings
from tests.jobs.test_local import alive, pid_of

ROOT = Path(__file__).resolve().parents[2]
#: The Redis database these tests use (flushed after each test), and its URL.
REDIS_DB = 13
BROKER_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"

pytestmark = pytest.mark.slow


@pytest.fixture
def queue() -> Iterator[str]:
    """A queue of this test only; the broker's database is emptied afterwards."""
    yield f"budgetopt-test-{uuid.uuid4().hex[:12]}"
    client = redis.Redis.from_url(BROKER_URL)
    try:
        client.flushdb()
    finally:
        client.close()


def celery_settings(**changes: object) -> Settings:
    """Job settings with the test broker."""
    return job_settings(executor="celery", broker_url=BROKER_URL, **changes)


@contextmanager
def celery_worker(store: Store, settings: Settings, queue: str, log: Path,
                  concurrency: int = 1) -> Iterator[subprocess.Popen[bytes]]:
    """A ``python api/worker.py`` process (its own process group), stopped and killed afterwards."""
    env = {**os.environ, "BUDGETOPT_DATABASE_URL": store.db.engine.url.render_as_string(hide_password=False),
           "BUDGETOPT_BROKER_URL": settings.broker_url, "BUDGETOPT_HEARTBEAT_S": str(settings.heartbeat_s),
           "PYTHONPATH": str(ROOT / "src")}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "api" / "worker.py"), f"--concurrency={concurrency}",
             f"--queues={queue}", "--loglevel=INFO"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def executor_running(store: Store, settings: Settings, queue: str) -> Iterator[CeleryExecutor]:
    """The service side: sends jobs, runs reaper, watchdog and sweep."""
    executor = CeleryExecutor(settings, store.db.engine.url.render_as_string(hide_password=False),
                              queue=queue, requeue_after_s=5.0)
    executor.start()
    try:
        yield executor
    finally:
        executor.stop()


def submit(store: Store, executor: CeleryExecutor, dataset_id: str, parameters: dict | None = None,
           **options: object) -> str:
    """Create a queued job and send it to the broker."""
    job_id = store.job(dataset_id, parameters, options=dict(options) or None)
    executor.enqueue(job_id)
    return job_id


def test_celery_workers_run_jobs(store: Store, drenthe_instance: Instance, queue: str,
                                 tmp_path: Path) -> None:
    settings = celery_settings()
    dataset = store.dataset(drenthe_instance)
    with celery_worker(store, settings, queue, tmp_path / "worker.log", concurrency=2), \
            executor_running(store, settings, queue) as executor:
        jobs = [submit(store, executor, dataset, {"budget_cut": cut}) for cut in (0.05, 0.10, 0.15)]
        finished = [store.wait(j, lambda j: j.is_terminal, timeout_s=60) for j in jobs]
    assert [j.status for j in finished] == [JobStatus.SUCCEEDED] * 3, (tmp_path / "worker.log").read_text()
    assert all(j.attempt == 1 for j in finished)
    for job_id in jobs:
        assert store.result(job_id).status == "optimal"
        store.assert_plan_checked(job_id)
    assert store.results_per_job() == dict.fromkeys(jobs, 1)


def test_sigkilled_celery_child_job_is_run_again(sqlite_store: Store, hard_mip: Instance, queue: str,
                                                 tmp_path: Path) -> None:
    store = sqlite_store
    settings = celery_settings(stale_after_s=1.5, heartbeat_s=0.25)
    with celery_worker(store, settings, queue, tmp_path / "worker.log") as worker, \
            executor_running(store, settings, queue) as executor:
        job_id = submit(store, executor, store.dataset(hard_mip), time_limit_s=1.5)
        job = store.wait(job_id, lambda j: j.phase == "solving", timeout_s=60)
        child = pid_of(job.worker)
        assert child != worker.pid
        os.kill(child, signal.SIGKILL)
        killed = time.monotonic()
        job = store.wait(job_id, lambda j: j.is_terminal, timeout_s=60)
        took = time.monotonic() - killed
    print(f"SIGKILL of the Celery child -> re-run and succeeded: {took:.1f} s")
    log = (tmp_path / "worker.log").read_text()
    assert job.status == JobStatus.SUCCEEDED, log
    assert job.attempt == 2
    assert pid_of(job.worker) != child
    assert took < 60
    assert "WorkerLostError" in log or "signal 9" in log
    assert store.result(job_id).status in ("time_limit_no_plan", "time_limit_feasible")
    assert store.results_per_job() == {job_id: 1}


def test_celery_hard_time_limit_kills_a_stuck_child(sqlite_store: Store, hard_mip: Instance,
                                                    drenthe_instance: Instance, queue: str,
                                                    tmp_path: Path) -> None:
    store = sqlite_store
    settings = celery_settings(kill_grace_s=0.5, stale_after_s=60.0)
    with celery_worker(store, settings, queue, tmp_path / "worker.log"), \
            executor_running(store, settings, queue) as executor:
        job_id = submit(store, executor, store.dataset(hard_mip), time_limit_s=2)
        job = store.wait(job_id, lambda j: j.phase == "solving", timeout_s=60)
        stuck = pid_of(job.worker)
        os.kill(stuck, signal.SIGSTOP)  # a solve stuck where HiGHS cannot stop it
        job = store.wait(job_id, lambda j: j.is_terminal, timeout_s=30)
        deadline = time.monotonic() + 10
        while alive(stuck) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(stuck), "Celery did not kill the child at the hard time limit"
        after = submit(store, executor, store.dataset(drenthe_instance), {"budget_cut": 0.15})
        after_job = store.wait(after, lambda j: j.is_terminal, timeout_s=60)
    log = (tmp_path / "worker.log").read_text()
    assert job.status == JobStatus.TIMED_OUT, log
    assert job.error is not None
    assert job.error["code"] == "hard_time_limit"
    assert "Hard time limit (2.5s) exceeded" in log
    assert after_job.status == JobStatus.SUCCEEDED
    assert store.results_per_job() == {after: 1}


def test_restart_with_workers_killed(pg_store: Store, hard_mip: Instance, drenthe_instance: Instance,
                                     queue: str, tmp_path: Path) -> None:
    store = pg_store
    settings = celery_settings(stale_after_s=1.5, heartbeat_s=0.25)
    with executor_running(store, settings, queue) as executor, \
            celery_worker(store, settings, queue, tmp_path / "first.log") as worker:
        long_job = submit(store, executor, store.dataset(hard_mip), time_limit_s=1.5)
        store.wait(long_job, lambda j: j.phase == "solving", timeout_s=60)
        drenthe = store.dataset(drenthe_instance)
        queued = [submit(store, executor, drenthe, {"budget_cut": cut}) for cut in (0.1, 0.15)]
        os.killpg(worker.pid, signal.SIGKILL)  # the machine of the worker goes down
        worker.wait()
    jobs = [long_job, *queued]
    assert [store.get(j).status for j in jobs] == ["running", "queued", "queued"]

    with executor_running(store, settings, queue), \
            celery_worker(store, settings, queue, tmp_path / "second.log", concurrency=2):
        finished = [store.wait(j, lambda j: j.is_terminal, timeout_s=60) for j in jobs]
    assert [j.status for j in finished] == [JobStatus.SUCCEEDED] * 3, (tmp_path / "second.log").read_text()
    assert [j.attempt for j in finished] == [2, 1, 1]
    assert store.results_per_job() == dict.fromkeys(jobs, 1)
    for job_id in queued:
        store.assert_plan_checked(job_id)
