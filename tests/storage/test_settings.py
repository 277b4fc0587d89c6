"""Settings come from BUDGETOPT_* variables; the default database is a SQLite file in the instance folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from budgetopt.settings import Settings


def test_defaults_put_a_sqlite_file_in_the_instance_folder(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUDGETOPT_DATABASE_URL", raising=False)
    folder = tmp_path / "instance" / "nested"
    settings = Settings(instance_path=folder)
    url = settings.resolved_database_url()
    assert folder.is_dir()
    assert url == f"sqlite:///{(folder.resolve() / 'budgetopt.sqlite3').as_posix()}"
    assert (settings.executor, settings.workers, settings.max_attempts) == ("local", 2, 2)
    assert settings.kill_grace_s == 30.0
    assert settings.stale_after_s > settings.heartbeat_s


def test_environment_variables_set_every_field(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BUDGETOPT_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("BUDGETOPT_EXECUTOR", "celery")
    monkeypatch.setenv("BUDGETOPT_WORKERS", "5")
    monkeypatch.setenv("BUDGETOPT_DEFAULT_REGION", "twente")
    monkeypatch.setenv("BUDGETOPT_STALE_AFTER_S", "7.5")
    monkeypatch.setenv("BUDGETOPT_INSTANCE_PATH", str(tmp_path / "x"))
    settings = Settings()
    assert settings.resolved_database_url() == "postgresql+psycopg://u@h/db"
    assert not (tmp_path / "x").exists()
    assert (settings.executor, settings.workers, settings.default_region) == ("celery", 5, "twente")
    assert settings.stale_after_s == 7.5


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGETOPT_EXECUTOR", "threads")
    with pytest.raises(ValidationError, match="executor"):
        Settings()
    monkeypatch.delenv("BUDGETOPT_EXECUTOR")
    with pytest.raises(ValidationError, match="max_attempts"):
        Settings(max_attempts=0)
