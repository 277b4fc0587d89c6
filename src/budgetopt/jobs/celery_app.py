"""Celery with a Redis broker: workers on many machines run jobs whose record stays in our database.

The broker only carries job ids. Tasks are acknowledged after they ran (``acks_late``) and put back
when their worker process dies (``task_reject_on_worker_lost``); a redelivered job that another
process holds is left alone (:func:`~budgetopt.jobs.runner.run_job`), and the reaper re-queues it
once its heartbeat is stale. Each task carries a hard ``time_limit`` (the job's time limit plus
``kill_grace_s``), at which Celery kills the pool process; the service's watchdog then ends the job
``timed_out``. No result backend: results are read from the database.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import threading
import time
from collections.abc import Sequence
from typing import Any

from celery import Celery

from budgetopt.jobs import supervision
from budgetopt.settings import Settings
from budgetopt.storage import Database, NotFound, Repository

log = logging.getLogger(__name__)

#: Default queue of budgetopt's tasks.
QUEUE = "budgetopt"
#: Name of the task that runs one job.
TASK = "budgetopt.run_job"
#: How often the service's reaper, watchdog and re-enqueue sweep run [s].
SUPERVISE_S = 1.0
#: A queued job not sent to the broker for this long is sent again [s].
REQUEUE_AFTER_S = 60.0
#: Redis redelivers a task not acknowledged within this time [s]; longer than any solve.
VISIBILITY_TIMEOUT_S = 6 * 3600


class _WorkerState:
    """What a worker process keeps between tasks: its database connections and live models."""

    def __init__(self, settings: Settings, db_url: str | None) -> None:
        self.settings = settings
        self.db_url = db_url
        self._pid: int | None = None
        self._db: Database | None = None
        self.models: Any = None

    def db(self) -> Database:
        """This process's database (a forked pool process opens its own connections)."""
        if self._pid != os.getpid():
            from budgetopt.jobs.models import LiveModels

            self._db = Database(self.db_url or self.settings.resolved_database_url())
            self.models = LiveModels()
            self._pid = os.getpid()
        assert self._db is not None
        return self._db


def make_celery(settings: Settings, db_url: str | None = None, *, queue: str = QUEUE) -> Celery:
    """The Celery app of ``settings`` (broker ``settings.broker_url``) with the task :data:`TASK`."""
    app = Celery("budgetopt", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_store_errors_even_if_ignored=False,
        task_default_queue=queue,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_S},
        worker_send_task_events=False,
        worker_hijack_root_logger=False,
    )
    state = _WorkerState(settings, db_url)

    @app.task(name=TASK, ignore_result=True)
    def run(job_id: str) -> str | None:
        """Run one job (see :func:`budgetopt.jobs.runner.run_job`); its status afterwards."""
        from budgetopt.jobs.runner import run_job, worker_name

        db = state.db()
        try:
            return run_job(db, settings, job_id, worker_name(), models=state.models).value
        except NotFound:
            log.warning("job %s no longer exists", job_id)
            return None

    return app


class CeleryExecutor:
    """Hands jobs to Celery workers; runs the reaper, the watchdog and the re-enqueue sweep here."""

    def __init__(self, settings: Settings, db_url: str, *, queue: str = QUEUE,
                 requeue_after_s: float = REQUEUE_AFTER_S) -> None:
        self.settings = settings
        self.db_url = db_url
        self.queue = queue
        self.requeue_after_s = requeue_after_s
        self.app = make_celery(settings, db_url, queue=queue)
        self._db: Database | None = None
        self._ticker: supervision.Ticker | None = None
        self._sent: dict[str, float] = {}
        self._send_lock = threading.Lock()
        self._connection: Any = None
        self._producer: Any = None

    def start(self) -> None:
        """Start the reaper, watchdog and sweep (every ``SUPERVISE_S`` seconds)."""
        if self._ticker is not None:
            return
        self._db = Database(self.db_url)
        self._ticker = supervision.Ticker("budgetopt-celery-supervisor", SUPERVISE_S, self.supervise)
        self._ticker.start()

    def enqueue(self, job_id: str) -> None:
        """Send the job to the broker with a hard time limit of its time limit + ``kill_grace_s``."""
        time_limit = self._time_limit_s(job_id) + self.settings.kill_grace_s
        with self._send_lock:  # one broker connection of this executor, not shared between threads
            if self._producer is None:
                self._connection = self.app.connection_for_write()
                self._producer = self.app.amqp.Producer(self._connection)
            self.app.send_task(TASK, args=[job_id], queue=self.queue, time_limit=time_limit,
                               producer=self._producer)
            self._sent[job_id] = time.monotonic()

    def stop(self) -> None:
        """Stop supervision and close the broker connections."""
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        with self._send_lock:
            if self._connection is not None:
                self._connection.release()
            self._connection = self._producer = None
        self.app.close()
        if self._db is not None:
            self._db.dispose()
            self._db = None

    def supervise(self) -> None:
        """One round: re-queue lost jobs (and send them), end overdue ones, resend forgotten ones."""
        db = self._database()
        for job_id, status in supervision.reap(db, self.settings):
            if status == "queued":
                self.enqueue(job_id)
        for job in supervision.overdue(db, self.settings):
            supervision.mark_timed_out(db, self.settings, job)
        with db.read_session() as session:
            waiting = Repository(session, None).stale_queued(older_than_s=self.requeue_after_s)
        now = time.monotonic()
        for job_id in waiting:
            if now - self._sent.get(job_id, -float("inf")) >= self.requeue_after_s:
                log.info("job %s queued for long: sent again", job_id)
                self.enqueue(job_id)
        self._sent = {k: v for k, v in self._sent.items() if now - v < 2 * self.requeue_after_s}

    def _database(self) -> Database:
        if self._db is None:
            self._db = Database(self.db_url)
        return self._db

    def _time_limit_s(self, job_id: str) -> float:
        with self._database().read_session() as session:
            limit = Repository(session, None).get_job(job_id).time_limit_s
        return self.settings.default_time_limit_s if limit is None else limit


def run_worker(settings: Settings, concurrency: int = 1, queues: Sequence[str] = (QUEUE,), *,
               db_url: str | None = None, loglevel: str = "INFO") -> None:
    """Run a Celery worker in this process (prefork pool of ``concurrency`` processes) until stopped.

    The solver is imported here once, before the pool processes are forked.
    """
    import budgetopt.optimisation.frontier
    import budgetopt.optimisation.live  # noqa: F401

    queues = list(queues) or [QUEUE]
    app = make_celery(settings, db_url, queue=queues[0])
    app.worker_main([
        "worker", f"--concurrency={concurrency}", f"--queues={','.join(queues)}", "--pool=prefork",
        f"--loglevel={loglevel}", f"--hostname=budgetopt-{os.getpid()}@{socket.gethostname()}",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ])


def main(argv: Sequence[str] | None = None) -> None:
    """``python api/worker.py [--concurrency N] [--queues Q1,Q2]``, settings from the environment."""
    parser = argparse.ArgumentParser(description="Run a budgetopt Celery worker.")
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 1, help="pool processes")
    parser.add_argument("--queues", default=QUEUE, help="comma-separated queues to consume")
    parser.add_argument("--loglevel", default="INFO")
    args = parser.parse_args(argv)
    run_worker(Settings(), args.concurrency, [q for q in args.queues.split(",") if q], loglevel=args.loglevel)
