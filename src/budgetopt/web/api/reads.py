"""Reads of the API: the request's region in a read-only session, which on SQLite waits for no writer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from budgetopt.storage import Repository
from budgetopt.web.services import services


@contextmanager
def read_repository() -> Iterator[Repository]:
    """A repository of the request's region in a read-only transaction (``Database.read_session``)."""
    current = services()
    with current.database.read_session() as session:
        yield Repository(session, current.settings.default_region)
