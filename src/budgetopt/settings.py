"""Service settings, read from the environment (variables ``BUDGETOPT_*``) by pydantic-settings."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SQLITE_FILE = "budgetopt.sqlite3"


class Settings(BaseSettings):
    """Everything a deployment can set; each field is the variable ``BUDGETOPT_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="BUDGETOPT_", extra="ignore")

    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default: a SQLite file in the instance folder.")
    instance_path: Path = Field(Path("instance"), description="Folder of the SQLite file.")
    executor: Literal["local", "celery", "none"] = Field(
        "local", description="local worker processes, Celery workers, or none (no solving).")
    workers: int = Field(2, ge=0, description="Local worker processes.")
    broker_url: str = Field("redis://127.0.0.1:6379/0", description="Celery broker URL.")
    default_region: str = Field("default", description="Region (tenant) of requests.")
    max_upload_mb: int = Field(50, gt=0, description="Request body limit [MB].")
    kill_grace_s: float = Field(
        30.0, ge=0, description="A solve this long past its time limit is killed [s].",
    )
    heartbeat_s: float = Field(2.0, gt=0, description="Heartbeat and progress interval of a running job [s].")
    stale_after_s: float = Field(20.0, gt=0, description="A running job with an older heartbeat is lost [s].")
    max_attempts: int = Field(2, ge=1, description="Runs of one job before it fails as worker_lost.")
    default_time_limit_s: float = Field(60.0, gt=0, description="Time limit of a solve not given one [s].")

    def resolved_database_url(self) -> str:
        """The database URL; without one, a SQLite file in ``instance_path`` (the folder is created)."""
        if self.database_url:
            return self.database_url
        folder = self.instance_path.resolve()
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(folder / SQLITE_FILE).as_posix()}"
