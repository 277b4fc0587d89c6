"""What a request needs besides itself: settings, the database and the job executor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app

from budgetopt.settings import Settings
from budgetopt.storage import Database, Repository

if TYPE_CHECKING:
    from budgetopt.jobs.executor import Executor

EXTENSION = "budgetopt"


@dataclass
class Services:
    """The service's long-lived parts, one per app."""

    settings: Settings
    database: Database
    executor: Executor | None = None

    def enqueue(self, job_id: str) -> None:
        """Hand a committed job to the executor (a no-op without one: workers find queued jobs)."""
        if self.executor is not None:
            self.executor.enqueue(job_id)

    def close(self) -> None:
        """Stop the executor and close the database connections."""
        if self.executor is not None:
            self.executor.stop()
            self.executor = None
        self.database.dispose()


def services() -> Services:
    """The services of the current app."""
    return current_app.extensions[EXTENSION]


@contextmanager
def repository() -> Iterator[Repository]:
    """A repository of the request's region in one transaction (committed on success)."""
    current = services()
    with current.database.session() as session:
        yield Repository(session, current.settings.default_region)
