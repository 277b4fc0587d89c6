"""Jobs: idempotent creation, claims that never run one job twice, cancel, heartbeat, one result per job,
and the reaper's and watchdog's queries."""

from __future__ import annotations

import io
import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pandas as pd
import pytest

from budgetopt.check import assert_plan_ok
from budgetopt.results import Result
from budgetopt.scenario.instance import Instance
from budgetopt.storage import (
    Database,
    IdempotencyMismatch,
    JobStatus,
    NotFound,
    Repository,
    Scenario,
    ScenarioStatus,
)
from budgetopt.storage.records import utcnow
from tests.storage.conftest import OTHER_REGION, REGION, add_dataset, add_scenario


def _create(db: Database, scenario: Scenario, region: str = REGION, **kwargs: object) -> tuple[str, bool]:
    with db.session() as session:
        job, created = Repository(session, region).create_job(scenario.id, **kwargs)
        return job.id, created


def _queue(db: Database, scenario: Scenario, n: int) -> list[str]:
    return [_create(db, scenario)[0] for _ in range(n)]


def _claim(db: Database, job_id: str, worker: str = "w1"):
    with db.session() as session:
        return Repository(session, None).claim_job(job_id, worker)


def _job(db: Database, job_id: str, region: str | None = REGION):
    with db.session() as session:
        return Repository(session, region).get_job(job_id)


# ------------------------------------------------------------------------------------- creating


def test_create_job_records_the_input_and_submits_the_scenario(db: Database, scenario: Scenario,
                                                               small: Instance) -> None:
    with db.session() as session:
        repo = Repository(session, REGION)
        job, created = repo.create_job(scenario.id, kind="frontier",
                                       options={"time_limit_s": 5, "points": 4, "low": 0.0, "high": 0.2})
        expected_sha = repo.scenario_instance(repo.get_scenario(scenario.id)).sha256
    with db.session() as session:
        solved = Repository(session, None).job_instance(job)
    assert created
    assert solved.sha256 == expected_sha
    assert solved.scenario.budget_cut == 0.15
    assert (job.status, job.kind, job.attempt, job.region_id) == ("queued", "frontier", 0, REGION)
    assert job.input_sha256 == expected_sha == small.with_scenario(budget_cut=0.15).sha256
    assert job.options["points"] == 4
    assert job.time_limit_s == 5.0
    assert job.created_at.tzinfo is not None
    assert not job.is_terminal
    with db.session() as session:
        repo = Repository(session, REGION)
        assert repo.get_scenario(scenario.id).status == ScenarioStatus.SUBMITTED
        with pytest.raises(ValueError, match="JobKind"):
            repo.create_job(scenario.id, kind="guess")


def test_same_idempotency_key_gives_the_same_job(db: Database, scenario: Scenario, small: Instance) -> None:
    first = _create(db, scenario, idempotency_key="key-1", request_sha256="a" * 64)
    again = _create(db, scenario, idempotency_key="key-1", request_sha256="a" * 64)
    assert first[1] is True
    assert again == (first[0], False)
    with pytest.raises(IdempotencyMismatch, match="key-1"):
        _create(db, scenario, idempotency_key="key-1", request_sha256="b" * 64)
    # another region has its own keys
    theirs = add_scenario(db, add_dataset(db, small, region=OTHER_REGION), region=OTHER_REGION)
    other = _create(db, theirs, region=OTHER_REGION, idempotency_key="key-1", request_sha256="b" * 64)
    assert other[1] is True
    assert other[0] != first[0]
    # without a key every request is a new job
    assert len({_create(db, scenario)[0] for _ in range(3)}) == 3
    with db.session() as session:
        assert Repository(session, REGION).list_jobs(scenario_id=scenario.id).total == 4


def test_concurrent_identical_requests_make_one_job(db: Database, scenario: Scenario) -> None:
    threads = 8
    barrier = threading.Barrier(threads)

    def submit(_: int) -> tuple[str, bool]:
        barrier.wait()
        return _create(db, scenario, idempotency_key="same", request_sha256="c" * 64)

    with ThreadPoolExecutor(threads) as pool:
        answers = list(pool.map(submit, range(threads)))
    assert len({job_id for job_id, _ in answers}) == 1
    assert sum(created for _, created in answers) == 1
    with db.session() as session:
        assert Repository(session, REGION).list_jobs().total == 1


# --------------------------------------------------------------------------------------- claims


def test_a_job_is_claimed_once(db: Database, scenario: Scenario) -> None:
    job_id = _queue(db, scenario, 1)[0]
    claimed = _claim(db, job_id, "host:1")
    assert claimed is not None
    assert (claimed.status, claimed.attempt, claimed.worker) == ("running", 1, "host:1")
    assert claimed.started_at == claimed.heartbeat_at
    assert _claim(db, job_id, "host:2") is None
    assert _job(db, job_id).worker == "host:1"


def test_claim_next_takes_the_oldest_queued_job(db: Database, scenario: Scenario) -> None:
    first, second = _queue(db, scenario, 2)
    with db.session() as session:
        repo = Repository(session, None)
        assert repo.claim_next("w").id == first
        assert repo.claim_next("w").id == second
        assert repo.claim_next("w") is None


def test_threads_racing_claim_each_job_once(db: Database, scenario: Scenario) -> None:
    job_ids = _queue(db, scenario, 12)
    threads = 4
    barrier = threading.Barrier(threads)

    def drain(worker: int) -> list[str]:
        barrier.wait()
        taken = []
        while True:
            with db.session() as session:
                job = Repository(session, None).claim_next(f"w{worker}")
            if job is None:
                return taken
            taken.append(job.id)

    with ThreadPoolExecutor(threads) as pool:
        taken = [job_id for ids in pool.map(drain, range(threads)) for job_id in ids]
    assert sorted(taken) == sorted(job_ids)
    with db.session() as session:
        jobs = Repository(session, REGION).list_jobs(per_page=100).items
    assert {(j.status, j.attempt) for j in jobs} == {("running", 1)}


def _drain_in_process(url: str, worker: str, start: multiprocessing.synchronize.Barrier,
                      out: multiprocessing.Queue) -> None:
    db = Database(url)
    start.wait(60)
    taken = []
    while True:
        with db.session() as session:
            job = Repository(session, None).claim_next(worker)
        if job is None:
            break
        taken.append(job.id)
    db.dispose()
    out.put(taken)


def test_processes_racing_claim_each_job_once(db: Database, database_url: str, scenario: Scenario) -> None:
    job_ids = _queue(db, scenario, 16)
    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(3), context.Queue()
    processes = [context.Process(target=_drain_in_process, args=(database_url, f"p{i}", start, out))
                 for i in range(2)]
    for process in processes:
        process.start()
    start.wait(60)
    shares = [out.get(timeout=60) for _ in processes]
    taken = [job_id for share in shares for job_id in share]
    for process in processes:
        process.join(30)
    out.close()
    out.join_thread()
    assert [p.exitcode for p in processes] == [0, 0]
    assert sorted(taken) == sorted(job_ids)


# ------------------------------------------------------------------------------ cancel, heartbeat


def test_cancel_a_queued_job_ends_it_and_it_never_starts(db: Database, scenario: Scenario) -> None:
    job_id = _queue(db, scenario, 1)[0]
    with db.session() as session:
        job = Repository(session, REGION).request_cancel(job_id)
    assert (job.status, job.cancel_requested) == ("cancelled", True)
    assert job.finished_at is not None
    assert _claim(db, job_id) is None
    with db.session() as session:
        assert Repository(session, None).claim_next("w") is None
        assert Repository(session, None).stale_queued(older_than_s=0) == []


def test_cancel_a_running_job_asks_its_runner_to_stop(db: Database, scenario: Scenario) -> None:
    job_id = _queue(db, scenario, 1)[0]
    _claim(db, job_id, "w1")
    with db.session() as session:
        repo = Repository(session, None)
        assert repo.heartbeat(job_id, "w1", phase="solving", progress={"gap": 0.5}) is False
    with db.session() as session:
        job = Repository(session, REGION).request_cancel(job_id)
    assert (job.status, job.cancel_requested, job.phase, job.progress) == ("running", True, "solving",
                                                                         {"gap": 0.5})
    with db.session() as session:
        repo = Repository(session, None)
        assert repo.heartbeat(job_id, "w1", progress={"gap": 0.4}) is True
        assert repo.finish_job(job_id, JobStatus.CANCELLED, worker="w1") is True
    with db.session() as session:
        job = Repository(session, REGION).request_cancel(job_id)  # terminal: unchanged
    assert (job.status, job.progress) == ("cancelled", {"gap": 0.4})


def test_heartbeat_of_a_worker_that_lost_the_job(db: Database, scenario: Scenario) -> None:
    job_id = _queue(db, scenario, 1)[0]
    before = _claim(db, job_id, "w1").heartbeat_at
    with db.session() as session:
        repo = Repository(session, None)
        assert repo.heartbeat(job_id, "w2", phase="stolen") is True
        assert repo.heartbeat(job_id, "w1") is False
    job = _job(db, job_id)
    assert job.phase == "starting"
    assert job.heartbeat_at > before


# ------------------------------------------------------------------------------------- results


def test_finish_stores_one_result_with_the_exact_files(db: Database, scenario: Scenario, small: Instance,
                                                       small_result: Result) -> None:
    job_id = _queue(db, scenario, 1)[0]
    with db.session() as session, pytest.raises(NotFound, match="no result"):
        Repository(session, REGION).get_result(job_id)
    _claim(db, job_id, "w1")
    with db.session() as session:
        repo = Repository(session, None)
        assert repo.finish_job(job_id, JobStatus.SUCCEEDED, result=small_result, worker="w2") is False
        with pytest.raises(ValueError, match="terminal"):
            repo.finish_job(job_id, JobStatus.RUNNING)
        assert repo.finish_job(job_id, JobStatus.SUCCEEDED, result=small_result, worker="w1") is True
    with db.session() as session:
        repo = Repository(session, None)
        assert repo.finish_job(job_id, JobStatus.FAILED, error={"code": "late"}) is False
        assert repo.finish_job(job_id, JobStatus.SUCCEEDED, result=small_result) is False
    with db.session() as session:
        repo = Repository(session, REGION)
        job, record = repo.get_job(job_id), repo.get_result(job_id)
        files = {name: repo.result_file(record, name) for name in record.file_names}
        with pytest.raises(NotFound):
            repo.result_file(record, "other.csv")
    assert (job.status, job.error, job.phase) == ("succeeded", None, "done")
    assert job.finished_at >= job.started_at
    assert files == small_result.files()
    assert record.status == small_result.status.value
    assert record.summary == small_result.to_dict()
    assert record.region_id == REGION
    allocation = pd.read_csv(io.BytesIO(files["allocation.csv"]), dtype={"municipality_id": str,
                                                                         "need_id": str, "provider_id": str})
    assert_plan_ok(small, allocation, small_result.unserved)
    with db.session() as session, pytest.raises(NotFound):
        Repository(session, OTHER_REGION).get_result(job_id)


def test_racing_finishers_store_one_result(db: Database, scenario: Scenario, small_result: Result) -> None:
    job_id = _queue(db, scenario, 1)[0]
    _claim(db, job_id, "w1")
    barrier = threading.Barrier(4)

    def finish(n: int) -> bool:
        barrier.wait()
        with db.session() as session:
            status = JobStatus.SUCCEEDED if n % 2 else JobStatus.TIMED_OUT
            return Repository(session, None).finish_job(job_id, status, result=small_result)

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(finish, range(4)))
    assert sorted(outcomes) == [False, False, False, True]
    with db.session() as session:
        record = Repository(session, REGION).get_result(job_id)
        assert record.file_names == sorted(small_result.files())


def test_frontier_result_and_failure_without_result(db: Database, scenario: Scenario) -> None:
    frontier_job, failed_job = _queue(db, scenario, 2)
    points = [{"budget_cut": 0.0, "status": "optimal", "total_cost_eur": 100.0},
              {"budget_cut": 0.1, "status": "optimal", "total_cost_eur": 90.0}]
    with db.session() as session:
        repo = Repository(session, None)
        assert repo.finish_job(frontier_job, JobStatus.SUCCEEDED, frontier=points)
        assert repo.finish_job(failed_job, JobStatus.FAILED, error={"code": "solver_error", "message": "x"})
    with db.session() as session:
        repo = Repository(session, REGION)
        record = repo.get_result(frontier_job)
        assert (record.frontier, record.status, record.file_names) == (points, None, [])
        assert repo.get_job(failed_job).error == {"code": "solver_error", "message": "x"}
        with pytest.raises(NotFound):
            repo.get_result(failed_job)
        assert repo.list_jobs(status="failed").total == 1


# ------------------------------------------------------------------------- reaper and watchdog


def test_reap_requeues_then_fails_a_job_whose_worker_died(db: Database, scenario: Scenario) -> None:
    lost, alive = _queue(db, scenario, 2)
    _claim(db, lost, "dead:1")
    _claim(db, alive, "alive:2")
    later = utcnow() + timedelta(seconds=30)
    with db.session() as session:
        repo = Repository(session, None)
        repo.heartbeat(alive, "alive:2")
        assert repo.reap(stale_after_s=20, max_attempts=2) == []  # both heartbeats are fresh
        assert repo.heartbeat(alive, "alive:2") is False
    with db.session() as session:
        repo = Repository(session, None)
        reaped = repo.reap(now=later, stale_after_s=20, max_attempts=2)
    assert sorted(reaped) == sorted([(lost, "queued"), (alive, "queued")])
    job = _job(db, lost)
    assert (job.status, job.attempt, job.worker, job.error["code"]) == ("queued", 1, None, "worker_lost")
    assert job.queued_at > job.created_at
    with db.session() as session:
        repo = Repository(session, None)
        assert repo.heartbeat(lost, "dead:1") is True  # the old run must stop
        assert repo.finish_job(lost, JobStatus.SUCCEEDED, worker="dead:1") is False
        assert repo.stale_queued(older_than_s=10, now=later + timedelta(seconds=5)) == []
        assert set(repo.stale_queued(older_than_s=10, now=later + timedelta(seconds=11))) == {lost, alive}
    again = _claim(db, lost, "new:3")
    assert (again.attempt, again.error) == (2, None)
    with db.session() as session:
        reaped = Repository(session, None).reap(now=later + timedelta(minutes=5), stale_after_s=20,
                                                max_attempts=2)
    assert reaped == [(lost, "failed")]
    job = _job(db, lost)
    assert (job.status, job.error["code"]) == ("failed", "worker_lost")
    assert "new:3" in job.error["message"]
    assert job.finished_at is not None


def test_release_worker_requeues_then_fails_a_dead_workers_job_at_once(db: Database,
                                                                        scenario: Scenario) -> None:
    lost, alive = _queue(db, scenario, 2)
    _claim(db, lost, "dead:1")
    _claim(db, alive, "alive:2")
    with db.session() as session:  # both heartbeats are fresh: only the worker's death counts
        released = Repository(session, None).release_worker("dead:1", max_attempts=2)
    assert released == [(lost, "queued")]
    job = _job(db, lost)
    assert (job.status, job.attempt, job.worker, job.error["code"]) == ("queued", 1, None, "worker_lost")
    assert "dead:1" in job.error["message"]
    assert job.queued_at > job.created_at
    assert _job(db, alive).status == "running"
    with db.session() as session:
        repo = Repository(session, None)
        assert repo.heartbeat(lost, "dead:1") is True  # a run of that worker must stop
        assert repo.release_worker("dead:1", max_attempts=2) == []
    assert _claim(db, lost, "dead:3").attempt == 2
    with db.session() as session:
        assert Repository(session, None).release_worker("dead:3", max_attempts=2) == [(lost, "failed")]
    job = _job(db, lost)
    assert (job.status, job.error["code"]) == ("failed", "worker_lost")
    assert job.finished_at is not None
    assert _job(db, alive).status == "running"


def test_release_worker_ends_a_job_that_was_being_cancelled(db: Database, scenario: Scenario) -> None:
    job_id = _queue(db, scenario, 1)[0]
    _claim(db, job_id, "dead:1")
    with db.session() as session:
        Repository(session, REGION).request_cancel(job_id)
    with db.session() as session:
        assert Repository(session, None).release_worker("dead:1", max_attempts=5) == [(job_id, "cancelled")]
    job = _job(db, job_id)
    assert (job.status, job.error["code"]) == ("cancelled", "worker_lost")
    assert job.finished_at is not None


def test_reap_ends_a_lost_job_that_was_being_cancelled(db: Database, scenario: Scenario) -> None:
    job_id = _queue(db, scenario, 1)[0]
    _claim(db, job_id)
    with db.session() as session:
        Repository(session, REGION).request_cancel(job_id)
    with db.session() as session:
        reaped = Repository(session, None).reap(now=utcnow() + timedelta(minutes=1), stale_after_s=20,
                                                max_attempts=5)
    assert reaped == [(job_id, "cancelled")]
    assert _job(db, job_id).status == "cancelled"


def test_overdue_finds_jobs_past_their_time_limit(db: Database, scenario: Scenario) -> None:
    with db.session() as session:
        repo = Repository(session, REGION)
        limited = repo.create_job(scenario.id, options={"time_limit_s": 5})[0].id
        default = repo.create_job(scenario.id)[0].id
        queued = repo.create_job(scenario.id, options={"time_limit_s": 1})[0].id
    started = _claim(db, limited).started_at
    _claim(db, default)

    def overdue(after_s: float) -> list[str]:
        with db.session() as session:
            return [j.id for j in Repository(session, None).overdue(
                now=started + timedelta(seconds=after_s), grace_s=30, default_time_limit_s=60)]

    assert overdue(30) == []
    assert overdue(36) == [limited]
    assert sorted(overdue(95)) == sorted([limited, default])
    assert queued not in overdue(1000)
    with db.session() as session:
        repo = Repository(session, None)
        assert repo.finish_job(limited, JobStatus.TIMED_OUT,
                               error={"code": "time_limit", "message": "killed after 35 s"})
    assert overdue(95) == [default]
    assert _job(db, limited).status == JobStatus.TIMED_OUT


def test_input_hash_follows_the_parameters_of_each_submission(db: Database, dataset, small: Instance) -> None:
    first = add_scenario(db, dataset, parameters={"budget_cut": 0.15})
    second = add_scenario(db, dataset, parameters={"budget_cut": 0.15})
    with db.session() as session:
        repo = Repository(session, REGION)
        repo.update_scenario(second.id, parameters={"budget_cut": 0.05})
        hashes = [repo.create_job(s.id)[0].input_sha256 for s in (first, second, first)]
    cut15, cut5 = (small.with_scenario(budget_cut=cut).sha256 for cut in (0.15, 0.05))
    assert hashes == [cut15, cut5, cut15]
