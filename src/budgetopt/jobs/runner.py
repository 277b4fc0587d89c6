"""One job, end to end: claim, load the scenario, solve with heartbeat and cancel, store the outcome.

:func:`run_job` is what every executor runs (a local worker process, a Celery task). It is safe to
call again for the same job (a redelivered message): a job that is not queued, nor already running
under this worker, is left alone.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from budgetopt.errors import InstanceError
from budgetopt.jobs.heartbeat import Heartbeat
from budgetopt.jobs.models import LiveModels
from budgetopt.optimisation.monitor import Cancelled, Monitor
from budgetopt.optimisation.status import SolveStatus
from budgetopt.results import Result
from budgetopt.scenario.instance import Instance
from budgetopt.settings import Settings
from budgetopt.storage import Database, JobStatus, NotFound, Repository

log = logging.getLogger(__name__)

#: Tries to write a job's outcome when the database is briefly unreachable, and the pause between [s].
FINISH_TRIES = 5
FINISH_PAUSE_S = 1.0
#: The error of a cancelled job (it keeps no result).
CANCELLED = {"code": "cancelled", "message": "Cancelled on request."}


def worker_name() -> str:
    """This process as a job's ``worker``: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Claimed:
    """What the runner needs of a claimed job, read in one short transaction."""

    id: str
    kind: str
    options: dict[str, Any]
    dataset_sha256: str
    instance: Instance
    source: str


@dataclass
class Outcome:
    """How a job ended: its terminal status and what is stored with it."""

    status: JobStatus
    result: Result | None = None
    frontier: list[dict[str, Any]] | None = None
    error: dict[str, Any] | None = None


def run_job(db: Database, settings: Settings, job_id: str, worker: str,
            *, models: LiveModels | None = None) -> JobStatus:
    """Run job ``job_id`` as ``worker`` and return its status afterwards.

    Claims a queued job (or takes one already claimed by ``worker``), runs the solve or frontier
    with a heartbeat every ``settings.heartbeat_s`` [s] carrying phase and progress, and finishes
    it: ``succeeded`` with the result for every solver outcome (infeasible and time limits
    included), ``cancelled`` without a result when a cancel interrupted it (a cancelled job keeps no
    plan, not even the incumbent of an interrupted MIP), ``failed`` with an error code otherwise.
    ``models`` keeps live models for warm re-runs.
    """
    try:
        claimed = _claim(db, settings, job_id, worker)
    except (InstanceError, ValidationError, ValueError) as error:
        _finish(db, job_id, worker, Outcome(JobStatus.FAILED, error=_error("invalid_scenario", error)))
        return _status(db, job_id)
    except NotFound as error:
        _finish(db, job_id, worker, Outcome(JobStatus.FAILED, error=_error("not_found", error)))
        return _status(db, job_id)
    if claimed is None:
        return _status(db, job_id)
    beat = Heartbeat(db, job_id, worker, settings.heartbeat_s).start()
    try:
        outcome = _execute(claimed, beat, models)
    except Exception as error:  # any failure of the solve is the job's outcome, not the worker's
        log.exception("job %s failed", job_id)
        outcome = Outcome(JobStatus.FAILED, error=_error("internal_error", error))
    finally:
        beat.stop()
    _finish(db, job_id, worker, outcome)
    return _status(db, job_id)


def _claim(db: Database, settings: Settings, job_id: str, worker: str) -> Claimed | None:
    """Claim the job (or take it when ``worker`` holds it already) and load its instance."""
    with db.session() as session:
        repo = Repository(session, None)
        try:
            job = repo.get_job(job_id)
        except NotFound:
            log.warning("job %s does not exist", job_id)
            return None
        if job.status == JobStatus.QUEUED:
            job = repo.claim_job(job_id, worker)
            if job is None:
                return None
        elif not (job.status == JobStatus.RUNNING and job.worker == worker):
            return None
    with db.read_session() as session:
        repo = Repository(session, None)
        job = repo.get_job(job_id)
        scenario = repo.get_scenario(job.scenario_id)
        dataset = repo.get_dataset(scenario.dataset_id)
        instance = repo.scenario_instance(scenario)
        options = dict(job.options or {})
        limit = time_limit_s(options, instance, settings)
        if limit != instance.scenario.time_limit_s:
            instance = instance.with_scenario(time_limit_s=limit)
        return Claimed(id=job.id, kind=job.kind, options=options, dataset_sha256=dataset.sha256,
                       instance=instance, source=dataset_source(dataset.id, dataset.name))


def dataset_source(dataset_id: str, name: str) -> str:
    """Where a job's input comes from, as ``provenance.source`` of its result: ``dataset:<id> (<name>)``."""
    return f"dataset:{dataset_id} ({name})"


def time_limit_s(options: dict[str, Any], instance: Instance, settings: Settings) -> float:
    """The job's time limit [s]: its ``time_limit_s`` option, else the scenario's capped at the
    service default (the watchdog counts with the same default)."""
    if options.get("time_limit_s") is not None:
        return float(options["time_limit_s"])
    return min(instance.scenario.time_limit_s, settings.default_time_limit_s)


def _execute(job: Claimed, beat: Heartbeat, models: LiveModels | None) -> Outcome:
    if job.kind == "frontier":
        return _frontier(job, beat)
    monitor = Monitor(on_progress=beat.report, should_stop=beat.cancel.is_set)
    try:
        if models is not None:
            result = models.solve(job.dataset_sha256, job.instance, monitor)
        else:
            from budgetopt.optimisation.solve import solve_instance

            result = solve_instance(job.instance, monitor=monitor)
    except Cancelled:
        return Outcome(JobStatus.CANCELLED, error=CANCELLED)
    if beat.cancel.is_set() and result.status == SolveStatus.INTERRUPTED:
        return Outcome(JobStatus.CANCELLED, error=CANCELLED)
    beat.report({**monitor.state, "phase": "saving"})
    result.provenance["source"] = job.source
    return Outcome(JobStatus.SUCCEEDED, result=result)


def _frontier(job: Claimed, beat: Heartbeat) -> Outcome:
    """A budget frontier; its time limit [s] holds for the whole sweep (each point stops on time too)."""
    from budgetopt.optimisation.frontier import budget_frontier, frontier_budgets

    options = job.options
    limit = job.instance.scenario.time_limit_s
    started = time.perf_counter()

    def over_time() -> bool:
        return time.perf_counter() - started > limit

    try:
        budgets = options.get("budgets") or frontier_budgets(
            job.instance, int(options.get("points", 20)), float(options.get("low", 0.8)),
            float(options.get("high", 1.0)))
    except ValueError as error:
        return Outcome(JobStatus.FAILED, error=_error("invalid_options", error))
    monitor = Monitor(on_progress=beat.report, should_stop=lambda: beat.cancel.is_set() or over_time())
    try:
        table = budget_frontier(job.instance, [float(b) for b in budgets], monitor=monitor)
    except Cancelled:
        if beat.cancel.is_set():
            return Outcome(JobStatus.CANCELLED, error=CANCELLED)
        message = f"The frontier did not finish within its time limit of {limit:g} s."
        return Outcome(JobStatus.TIMED_OUT, error={"code": "time_limit", "message": message})
    points = json.loads(table.to_json(orient="records"))
    return Outcome(JobStatus.SUCCEEDED, frontier=points)


def _finish(db: Database, job_id: str, worker: str, outcome: Outcome) -> bool:
    """Store the outcome with the terminal status (one transaction); retried while the database is away."""
    for attempt in range(1, FINISH_TRIES + 1):
        try:
            with db.session() as session:
                return Repository(session, None).finish_job(
                    job_id, outcome.status, result=outcome.result, frontier=outcome.frontier,
                    error=outcome.error, worker=worker)
        except SQLAlchemyError:
            if attempt == FINISH_TRIES:
                raise
            log.warning("outcome of job %s not written (try %d)", job_id, attempt, exc_info=True)
            time.sleep(FINISH_PAUSE_S)
    return False


def _status(db: Database, job_id: str) -> JobStatus:
    with db.read_session() as session:
        return JobStatus(Repository(session, None).get_job(job_id).status)


def _error(code: str, error: BaseException) -> dict[str, Any]:
    return {"code": code, "message": str(error) or type(error).__name__}
