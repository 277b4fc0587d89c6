"""The reaper and the watchdog: jobs whose worker was lost, and jobs running past their hard limit."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from budgetopt.settings import Settings
from budgetopt.storage import Database, JobStatus, Repository

log = logging.getLogger(__name__)

#: Error code of a job killed by the watchdog.
HARD_TIME_LIMIT = "hard_time_limit"


@dataclass(frozen=True)
class Overdue:
    """A running job past its time limit plus the kill grace."""

    job_id: str
    worker: str | None
    time_limit_s: float | None


def reap(db: Database, settings: Settings) -> list[tuple[str, str]]:
    """Running jobs with a heartbeat older than ``stale_after_s``: re-queued, or failed as ``worker_lost``."""
    with db.session() as session:
        reaped = Repository(session, None).reap(stale_after_s=settings.stale_after_s,
                                                max_attempts=settings.max_attempts)
    for job_id, status in reaped:
        log.warning("job %s lost its worker: now %s", job_id, status)
    return reaped


def release(db: Database, settings: Settings, worker: str) -> list[tuple[str, str]]:
    """The running jobs of a worker process that died: re-queued at once, or failed as ``worker_lost``."""
    with db.session() as session:
        released = Repository(session, None).release_worker(worker, max_attempts=settings.max_attempts)
    for job_id, status in released:
        log.warning("job %s lost its worker %s: now %s", job_id, worker, status)
    return released


def overdue(db: Database, settings: Settings) -> list[Overdue]:
    """Running jobs whose start + time limit + ``kill_grace_s`` has passed."""
    with db.read_session() as session:
        jobs = Repository(session, None).overdue(grace_s=settings.kill_grace_s,
                                                 default_time_limit_s=settings.default_time_limit_s)
        return [Overdue(job.id, job.worker, job.time_limit_s) for job in jobs]


def mark_timed_out(db: Database, settings: Settings, job: Overdue) -> bool:
    """End an overdue job ``timed_out`` (``hard_time_limit``); False when it had ended meanwhile."""
    limit = job.time_limit_s if job.time_limit_s is not None else settings.default_time_limit_s
    message = (f"The solve ran past its time limit of {limit:g} s plus {settings.kill_grace_s:g} s "
               "and was stopped.")
    with db.session() as session:
        done = Repository(session, None).finish_job(
            job.job_id, JobStatus.TIMED_OUT, error={"code": HARD_TIME_LIMIT, "message": message},
            worker=job.worker)
    if done:
        log.warning("job %s timed out on %s", job.job_id, job.worker)
    return done


class Ticker:
    """Calls ``tick`` every ``every_s`` seconds [s] in a daemon thread until stopped; errors are logged."""

    def __init__(self, name: str, every_s: float, tick: Callable[[], None]) -> None:
        self.every_s = every_s
        self._tick = tick
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        """Start ticking."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current tick."""
        self._halt.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while not self._halt.wait(self.every_s):
            try:
                self._tick()
            except SQLAlchemyError:
                log.warning("supervision tick failed (database)", exc_info=True)
            except Exception:
                log.exception("supervision tick failed")
