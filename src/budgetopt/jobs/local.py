"""Local worker processes started with the service, and their supervisor.

Each worker is a long-lived process (``spawn``) that imports the solver once and loops: claim the
oldest queued job, run it, repeat; when idle it waits on a shared semaphore that
:meth:`LocalExecutor.enqueue` releases, polling the database every ``POLL_S`` seconds anyway. A
supervisor thread in the service respawns dead workers (re-queueing at once the job a dead worker
held), runs the reaper, and kills (SIGKILL) a worker still in a job ``kill_grace_s`` past the job's
time limit, ending that job ``timed_out``.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import time
from multiprocessing.context import SpawnProcess
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from budgetopt.jobs import supervision
from budgetopt.settings import Settings
from budgetopt.storage import Database, Repository

log = logging.getLogger(__name__)

#: How often an idle worker looks for queued jobs without being woken [s].
POLL_S = 0.2
#: How often the supervisor checks workers, stale jobs and overdue jobs [s].
SUPERVISE_S = 0.5
#: A worker slot is not respawned more often than this [s].
RESPAWN_PAUSE_S = 1.0


def worker_main(settings: Settings, db_url: str, wake: Any, stopping: Any, parent: int) -> None:
    """A worker process: claim and run jobs until ``stopping`` is set or its service ``parent`` is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the service stops its workers itself
    os.setpgrp()  # a kill of the worker's group also ends the solver processes it started
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(processName)s %(name)s: %(message)s")
    import budgetopt.optimisation.frontier
    import budgetopt.optimisation.live  # noqa: F401  (imported once, before the first job)
    from budgetopt.jobs.models import LiveModels
    from budgetopt.jobs.runner import run_job, worker_name

    db = Database(db_url)
    worker = worker_name()
    models = LiveModels()
    try:
        while not stopping.value and os.getppid() == parent:
            try:
                with db.session() as session:
                    job = Repository(session, None).claim_next(worker)
                    job_id = job.id if job is not None else None
            except SQLAlchemyError:
                log.warning("claim failed", exc_info=True)
                job_id = None
            if job_id is not None:
                try:
                    run_job(db, settings, job_id, worker, models=models)
                except Exception:  # the database went away mid-job: the reaper re-queues it
                    log.exception("job %s left unfinished", job_id)
                    time.sleep(POLL_S)
                continue
            wake.acquire(timeout=POLL_S)
    finally:
        db.dispose()


def signal_group(pid: int | None, signum: int) -> None:
    """Send ``signum`` to a worker and the processes it started (its process group)."""
    if pid is None:
        return
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):  # not (yet) a group leader
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


class LocalExecutor:
    """``settings.workers`` worker processes on this machine, supervised by a thread of the service."""

    def __init__(self, settings: Settings, db_url: str) -> None:
        self.settings = settings
        self.db_url = db_url
        self._ctx = multiprocessing.get_context("spawn")
        self._wake = self._ctx.Semaphore(0)
        self._stopping = self._ctx.RawValue("b", 0)
        self._workers: list[SpawnProcess | None] = []
        self._spawned_at: list[float] = []
        self._db: Database | None = None
        self._ticker: supervision.Ticker | None = None
        self._host = socket.gethostname()

    @property
    def worker_pids(self) -> list[int]:
        """Process ids of the live workers."""
        return [p.pid for p in self._workers if p is not None and p.pid is not None and p.is_alive()]

    def start(self) -> None:
        """Spawn the workers and start the supervisor."""
        if self._ticker is not None:
            return
        self._db = Database(self.db_url)
        self._stopping.value = 0
        self._workers = [None] * self.settings.workers
        self._spawned_at = [0.0] * self.settings.workers
        for slot in range(self.settings.workers):
            self._spawn(slot)
        self._ticker = supervision.Ticker("budgetopt-supervisor", SUPERVISE_S, self.supervise)
        self._ticker.start()

    def enqueue(self, job_id: str) -> None:
        """Wake an idle worker (the job is already queued in the database)."""
        self._wake.release()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the supervisor, then the workers: a worker still in a job after ``timeout_s`` [s] is
        terminated (its job is re-queued by the reaper of the next start)."""
        if self._ticker is None:
            return
        self._ticker.stop()
        self._ticker = None
        self._stopping.value = 1
        for _ in self._workers:
            self._wake.release()
        deadline = time.monotonic() + timeout_s
        for process in self._workers:
            if process is not None:
                process.join(max(0.0, deadline - time.monotonic()))
        for process in self._workers:
            if process is None:
                continue
            if process.is_alive():
                signal_group(process.pid, signal.SIGTERM)
                process.join(2.0)
            if process.is_alive():
                signal_group(process.pid, signal.SIGKILL)
                process.join()
            process.close()
        self._workers = []
        if self._db is not None:
            self._db.dispose()
            self._db = None

    def supervise(self) -> None:
        """One round: respawn dead workers, reap lost jobs, kill workers past the hard limit."""
        assert self._db is not None
        self._respawn()
        if supervision.reap(self._db, self.settings):
            self._wake.release()
        for job in supervision.overdue(self._db, self.settings):
            slot = self._slot_of(job.worker)
            if slot is None:
                continue  # another service's worker, or a dead one the reaper handles
            process = self._workers[slot]
            assert process is not None
            assert process.pid is not None
            signal_group(process.pid, signal.SIGKILL)
            process.join(5.0)
            supervision.mark_timed_out(self._db, self.settings, job)
            self._respawn()

    def _slot_of(self, worker: str | None) -> int | None:
        for slot, process in enumerate(self._workers):
            if process is not None and worker == f"{self._host}:{process.pid}":
                return slot
        return None

    def _respawn(self) -> None:
        for slot, process in enumerate(self._workers):
            if process is not None and process.is_alive():
                continue
            if process is not None:
                process.join(0)
                log.warning("worker %s ended (exit code %s); starting another", process.pid, process.exitcode)
                pid = process.pid
                process.close()
                self._workers[slot] = None
                if pid is not None:
                    self._release(pid)
            if time.monotonic() - self._spawned_at[slot] >= RESPAWN_PAUSE_S:
                self._spawn(slot)

    def _release(self, pid: int) -> None:
        """After worker ``pid`` died: end the solver processes it left (its process group) and give its
        job back to the queue at once, rather than after ``stale_after_s``."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)  # the group only: never a process that reused the pid
        if self._db is not None and supervision.release(self._db, self.settings, f"{self._host}:{pid}"):
            self._wake.release()

    def _spawn(self, slot: int) -> None:
        args = (self.settings, self.db_url, self._wake, self._stopping, os.getpid())
        process = self._ctx.Process(target=worker_main, name=f"budgetopt-worker-{slot}", args=args,
                                    daemon=True)
        process.start()
        self._workers[slot] = process
        self._spawned_at[slot] = time.monotonic()
