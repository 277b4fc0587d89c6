"""The database: migrations bring an empty database to head, equal to the records; engines stay sound
across in-memory use and forked processes."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select

from budgetopt.storage import Database, Region
from budgetopt.storage.db import migrations_config
from budgetopt.storage.records import Base

TABLES = {"regions", "datasets", "scenarios", "scenario_tags", "jobs", "results", "result_files",
          "alembic_version"}


def _differences(db: Database) -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def _revision(db: Database) -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_empty_database_upgrades_to_head_equal_to_the_records(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert set(inspect(db.engine).get_table_names()) == set()
        db.upgrade()
        assert set(inspect(db.engine).get_table_names()) == TABLES
        head = ScriptDirectory.from_config(migrations_config()).get_current_head()
        assert _revision(db) == head
        assert _differences(db) == []
        db.upgrade()  # a second upgrade is a no-op
        assert _revision(db) == head
    finally:
        db.dispose()


def test_downgrade_to_base_and_back(database_url: str) -> None:
    db = Database(database_url)
    try:
        db.upgrade()
        with db.engine.connect() as connection:
            command.downgrade(migrations_config(connection), "base")
            connection.commit()
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.upgrade()
        assert _differences(db) == []
    finally:
        db.dispose()


def _upgrade(url: str) -> None:
    db = Database(url)
    db.upgrade()
    db.dispose()


def test_processes_starting_together_upgrade_in_turn(database_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_upgrade, args=(database_url,)) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    assert [p.exitcode for p in processes] == [0, 0]
    db = Database(database_url)
    try:
        assert _differences(db) == []
    finally:
        db.dispose()


def test_an_in_memory_database_is_one_database_for_every_session() -> None:
    db = Database("sqlite://")
    try:
        db.upgrade()
        assert _differences(db) == []
        for _ in range(2):
            with db.engine.connect() as connection:
                assert set(inspect(connection).get_table_names()) == TABLES
    finally:
        db.dispose()


# Python 3.12+ warns when forking a process that runs threads; the child here only opens a session.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_process_opens_its_own_connections(db: Database) -> None:
    with db.session() as session:  # the parent's pool now holds a connection
        assert session.scalar(select(func.count()).select_from(Region)) == 0
    context = multiprocessing.get_context("fork")
    process = context.Process(target=_add_region, args=(db, "forked"))
    process.start()
    process.join(30)
    assert process.exitcode == 0
    with db.session() as session:
        assert session.get(Region, "forked") is not None


def _add_region(db: Database, region_id: str) -> None:
    with db.session() as session:
        session.add(Region(id=region_id, name=region_id))


def _region_ids(db: Database) -> set[str]:
    with db.read_session() as session:
        return set(session.scalars(select(Region.id)))


def test_a_read_session_waits_for_no_writer_and_sees_only_committed_rows(db: Database) -> None:
    with db.session() as session:
        session.add(Region(id="committed", name="committed"))
    writing, release = threading.Event(), threading.Event()

    def write() -> None:
        with db.session() as session:  # holds SQLite's write lock (and the in-process turn) meanwhile
            session.add(Region(id="pending", name="pending"))
            session.flush()
            writing.set()
            release.wait(30)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert writing.wait(30)
        started = time.perf_counter()
        seen = _region_ids(db)
        took = time.perf_counter() - started
    finally:
        release.set()
        writer.join(30)
    assert seen == {"committed"}
    assert took < 1.0, f"the read waited {took:.2f} s for the writer"
    assert _region_ids(db) == {"committed", "pending"}
