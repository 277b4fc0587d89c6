"""Page tests: the Flask test client on a real SQLite file and a real PostgreSQL database, CSRF on.

Each test gets an app of its own region on the session's database; jobs are run to their end in the
test by ``budgetopt.jobs.run_job`` (a real solve), as a worker would."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from budgetopt.client import instance_upload
from budgetopt.web import create_app, services_of
from tests.pg import pg_url
from tests.web.steps import DRENTHE


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a database for the whole session, per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path_factory.mktemp('pages-db') / 'pages.sqlite3').as_posix()}"
        return
    with pg_url("budgetopt_pages") as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database for tests whose storage does not differ by backend."""
    return f"sqlite:///{(tmp_path_factory.mktemp('pages-lite') / 'pages.sqlite3').as_posix()}"


def _app(url: str, tmp_path: Path) -> Any:
    return create_app({"database_url": url, "instance_path": tmp_path, "executor": "none",
                       "default_region": f"pages-{uuid.uuid4().hex[:12]}", "SECRET_KEY": "test-secret"})


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    """An app of a fresh region on each backend, without an executor."""
    application = _app(database_url, tmp_path)
    yield application
    services_of(application).close()


@pytest.fixture
def lite_app(sqlite_url: str, tmp_path: Path) -> Iterator[Any]:
    """An app of a fresh region on SQLite only."""
    application = _app(sqlite_url, tmp_path)
    yield application
    services_of(application).close()


@pytest.fixture
def client(app: Any) -> FlaskClient:
    """Flask's test client of the app (keeps cookies: session, language)."""
    return app.test_client()


@pytest.fixture
def lite_client(lite_app: Any) -> FlaskClient:
    """Flask's test client of the SQLite app."""
    return lite_app.test_client()


@pytest.fixture(scope="session")
def drenthe_zip() -> bytes:
    """The Drenthe example as a zip of its CSV files (and scenario.toml)."""
    return instance_upload(DRENTHE)[1]
