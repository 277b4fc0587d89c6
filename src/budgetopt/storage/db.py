"""The database: engine, sessions and schema upgrades (Alembic, run in-process)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Execution option of the engine that read sessions use: their SQLite transactions take no write lock.
READ_ONLY = "budgetopt_read_only"
# Alembic keeps its running context in module globals: one upgrade at a time per process.
_UPGRADE_LOCK = threading.Lock()


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, open transactions (see the "begin" listener).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    _set_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _set_wal(cursor: Any) -> None:
    """Switch the file to WAL mode. SQLite answers "database is locked" at once, without waiting for
    the busy timeout, while another process holds a lock during the switch (seen when two processes
    create one database together): retry until the timeout has passed."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_begin(connection: Any) -> None:
    # Take the write lock at the start: one writer at a time, and no read-then-write upgrade that
    # SQLite would refuse with "database is locked" in WAL mode. Read sessions begin deferred: in WAL
    # mode they read a snapshot while a writer works, and wait for nobody.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def migrations_config(connection: Any | None = None) -> Config:
    """An Alembic configuration for the packaged migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(files("budgetopt.storage") / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


class Database:
    """One database: SQLite (WAL, busy timeout, foreign keys) or PostgreSQL (psycopg 3)."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
            if self.url.database in (None, "", ":memory:"):
                kwargs["poolclass"] = StaticPool  # one in-memory database shared by every session
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._reads = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
        # SQLite has one writer at a time; threads of this process queue here in turn rather than
        # polling the file lock (whose back-off leaves some waiting far longer than others).
        self._turn: threading.RLock | None = threading.RLock() if self.is_sqlite else None
        self._pid = os.getpid()

    def _after_fork(self) -> None:
        # A forked child must not reuse the parent's connections or its lock state.
        if os.getpid() != self._pid:
            self._pid = os.getpid()
            self.engine.dispose(close=False)
            if self._turn is not None:
                self._turn = threading.RLock()

    @property
    def is_sqlite(self) -> bool:
        """Whether this is a SQLite database."""
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        """Whether this is a PostgreSQL database."""
        return self.url.get_backend_name() == "postgresql"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        self._after_fork()
        if self._turn is None:
            with self._sessions.begin() as session:
                yield session
            return
        with self._turn, self._sessions.begin() as session:
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session for reading only, in one transaction.

        On SQLite a plain deferred ``BEGIN`` without the in-process turn: it reads a snapshot and never
        waits for a writer (WAL), nor does a writer wait for it. A write in it is refused (``database is
        locked``) whenever another writer is active, so write only through :meth:`session`. On
        PostgreSQL it is a normal :meth:`session`."""
        self._after_fork()
        if self._turn is None:
            with self.session() as session:
                yield session
            return
        with self._reads.begin() as session:
            yield session

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` (Alembic ``upgrade``); safe to run from several processes."""
        with _UPGRADE_LOCK, self.engine.connect() as connection:
            command.upgrade(migrations_config(connection), revision)
            connection.commit()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
