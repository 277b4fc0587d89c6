"""Storage tests run on a SQLite file and on a throwaway PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from budgetopt.check import assert_plan_ok
from budgetopt.optimisation.solve import solve_instance
from budgetopt.results import Result
from budgetopt.scenario.generate import generate_instance
from budgetopt.scenario.instance import Instance
from budgetopt.storage import Database, Dataset, Repository, Scenario
from tests.pg import pg_url

REGION = "drenthe"
OTHER_REGION = "twente"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'budgetopt.sqlite3').as_posix()}"
    else:
        with pg_url() as url:
            yield url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A database migrated to head."""
    database = Database(database_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def small() -> Instance:
    """A small generated instance (3 municipalities, 5 providers) with a 10 % budget cut."""
    return generate_instance(3, 5, seed=0).with_scenario(budget_cut=0.1)


@pytest.fixture(scope="session")
def small_result(small: Instance) -> Result:
    """A real solve of ``small`` whose plan passes the independent checker."""
    result = solve_instance(small)
    assert result.has_plan
    assert_plan_ok(small, result.allocation, result.unserved)
    return result


def add_dataset(db: Database, instance: Instance, region: str = REGION, name: str = "small") -> Dataset:
    """Store ``instance`` as a dataset of ``region``."""
    with db.session() as session:
        return Repository(session, region).add_dataset(name, "json", instance)


def add_scenario(db: Database, dataset: Dataset, name: str = "cut", *, parameters: dict | None = None,
                 region: str = REGION, **kwargs: object) -> Scenario:
    """A draft scenario of ``dataset``."""
    with db.session() as session:
        return Repository(session, region).add_scenario(dataset.id, name, parameters or {}, **kwargs)


@pytest.fixture
def dataset(db: Database, small: Instance) -> Dataset:
    """``small`` stored in region ``drenthe``."""
    return add_dataset(db, small)


@pytest.fixture
def scenario(db: Database, dataset: Dataset) -> Scenario:
    """A draft scenario of ``dataset`` at a 15 % cut."""
    return add_scenario(db, dataset, parameters={"budget_cut": 0.15})
