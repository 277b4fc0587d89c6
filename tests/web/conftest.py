"""API tests on a real SQLite file and a real PostgreSQL database.

One database per backend for the session; every test gets an app of its own region (tenant), so
tests are isolated by the repository's region scoping, which they exercise at the same time.
"""

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
        yield f"sqlite:///{(tmp_path_factory.mktemp('web-db') / 'api.sqlite3').as_posix()}"
        return
    with pg_url("budgetopt_web") as url:
        yield url


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    """An app of a fresh region on the session's database, without an executor."""
    application = create_app({"database_url": database_url, "instance_path": tmp_path, "executor": "none",
                              "default_region": f"test-{uuid.uuid4().hex[:12]}", "heartbeat_s": 0.2})
    yield application
    services_of(application).close()


@pytest.fixture
def client(app: Any) -> FlaskClient:
    """Flask's test client of the app."""
    return app.test_client()


@pytest.fixture(scope="session")
def drenthe_zip() -> bytes:
    """The Drenthe example as a zip of its CSV files (and scenario.toml)."""
    return instance_upload(DRENTHE)[1]
