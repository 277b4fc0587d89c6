"""What the service asks of job execution, and the executor its settings choose."""

from __future__ import annotations

from typing import Protocol

from budgetopt.settings import Settings


class Executor(Protocol):
    """Runs queued jobs somewhere: started and stopped with the service; told of each new job."""

    def start(self) -> None:
        """Start workers and supervision."""

    def enqueue(self, job_id: str) -> None:
        """Hand over a job already committed as queued."""

    def stop(self) -> None:
        """Stop cleanly."""


class NoExecutor:
    """Runs nothing: jobs stay queued (a service without workers, e.g. to test the API alone)."""

    def start(self) -> None:
        """Nothing to start."""

    def enqueue(self, job_id: str) -> None:
        """The job stays queued."""

    def stop(self) -> None:
        """Nothing to stop."""


def make_executor(settings: Settings, db_url: str | None = None) -> Executor:
    """The executor of ``settings.executor``: ``local``, ``celery`` or ``none``."""
    url = db_url or settings.resolved_database_url()
    if settings.executor == "local":
        from budgetopt.jobs.local import LocalExecutor

        return LocalExecutor(settings, url)
    if settings.executor == "celery":
        from budgetopt.jobs.celery_app import CeleryExecutor

        return CeleryExecutor(settings, url)
    return NoExecutor()
