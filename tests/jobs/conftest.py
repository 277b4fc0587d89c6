"""Job tests: real databases (a SQLite file, a throwaway PostgreSQL database) and real solves."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from budgetopt.check import assert_plan_ok
from budgetopt.scenario.generate import generate_instance
from budgetopt.scenario.instance import Instance
from budgetopt.settings import Settings
from budgetopt.storage import Database, Job, NotFound, Repository, ResultRecord
from tests.conftest import load
from tests.pg import pg_url

REGION = "default"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with pg_url() as url:
            yield url


def sqlite_url(folder: Path) -> str:
    """A SQLite file database in ``folder``."""
    return f"sqlite:///{(folder / 'budgetopt.sqlite3').as_posix()}"


def migrated(url: str) -> Database:
    """The database at ``url`` upgraded to head."""
    database = Database(url)
    database.upgrade()
    return database


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A database migrated to head."""
    database = migrated(database_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    """A SQLite file database migrated to head."""
    database = migrated(sqlite_url(tmp_path))
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def drenthe_instance() -> Instance:
    """The Drenthe example region."""
    return load("drenthe")


@pytest.fixture(scope="session")
def hard_mip() -> Instance:
    """A procurement MIP that HiGHS does not finish within seconds (120 municipalities, 400 providers)."""
    return generate_instance(120, 400, seed=0, procurement=True)


def job_settings(**changes: object) -> Settings:
    """Service settings for tests: quick heartbeats and reaping."""
    values: dict[str, object] = {"heartbeat_s": 0.5, "stale_after_s": 3.0, "kill_grace_s": 30.0,
                                 "max_attempts": 2, "workers": 2, "executor": "local"}
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


@dataclass
class Store:
    """Datasets, scenarios and jobs of the test region, through the repository."""

    db: Database

    def dataset(self, instance: Instance, name: str = "data") -> str:
        with self.db.session() as session:
            return Repository(session, REGION).add_dataset(name, "json", instance).id

    def job(self, dataset_id: str, parameters: dict | None = None, *, kind: str = "solve",
            options: dict | None = None) -> str:
        with self.db.session() as session:
            repo = Repository(session, REGION)
            scenario = repo.add_scenario(dataset_id, "scenario", parameters or {})
            job, created = repo.create_job(scenario.id, kind=kind, options=options)
            assert created
            return job.id

    def get(self, job_id: str) -> Job:
        with self.db.session() as session:
            return Repository(session, REGION).get_job(job_id)

    def cancel(self, job_id: str) -> Job:
        with self.db.session() as session:
            return Repository(session, REGION).request_cancel(job_id)

    def result(self, job_id: str) -> ResultRecord:
        with self.db.session() as session:
            return Repository(session, REGION).get_result(job_id)

    def file(self, job_id: str, name: str) -> bytes:
        with self.db.session() as session:
            repo = Repository(session, REGION)
            return repo.result_file(repo.get_result(job_id), name)

    def instance(self, job_id: str) -> Instance:
        with self.db.session() as session:
            repo = Repository(session, REGION)
            return repo.scenario_instance(repo.get_scenario(repo.get_job(job_id).scenario_id))

    def results_per_job(self) -> dict[str, int]:
        """Result rows per job id, counted in the table itself."""
        with self.db.session() as session:
            rows = session.execute(select(ResultRecord.job_id, func.count()).group_by(ResultRecord.job_id))
            return {job_id: count for job_id, count in rows}

    def wait(self, job_id: str, until: Callable[[Job], bool], timeout_s: float = 60.0) -> Job:
        """Poll the job until ``until`` holds; fails after ``timeout_s`` [s]."""
        deadline = time.monotonic() + timeout_s
        while True:
            job = self.get(job_id)
            if until(job):
                return job
            if time.monotonic() > deadline:
                pytest.fail(f"job {job_id} still {job.status} (phase {job.phase}) after {timeout_s} s")
            time.sleep(0.05)

    def assert_plan_checked(self, job_id: str) -> pd.DataFrame:
        """The stored allocation of the job, after the independent checker accepted it."""
        ids = {"municipality_id": str, "need_id": str, "provider_id": str}
        allocation = pd.read_csv(io.BytesIO(self.file(job_id, "allocation.csv")), dtype=ids)
        try:
            unserved = pd.read_csv(io.BytesIO(self.file(job_id, "unserved.csv")),
                                   dtype={"municipality_id": str, "need_id": str})
        except NotFound:  # no unserved children: no file
            unserved = None
        assert len(allocation) > 0
        assert_plan_ok(self.instance(job_id), allocation, unserved)
        return allocation


@pytest.fixture
def store(db: Database) -> Store:
    """The repository of the test region on ``db`` (SQLite and PostgreSQL)."""
    return Store(db)


@pytest.fixture
def pg_store() -> Iterator[Store]:
    """The repository of the test region on a throwaway PostgreSQL database."""
    with pg_url() as url:
        database = migrated(url)
        yield Store(database)
        database.dispose()


@pytest.fixture
def sqlite_store(sqlite_db: Database) -> Store:
    """The repository of the test region on a SQLite file."""
    return Store(sqlite_db)
