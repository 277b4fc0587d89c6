"""Stored records of the service: engine and sessions, records, migrations and the repository."""

from __future__ import annotations

from budgetopt.storage.db import Database
from budgetopt.storage.errors import Conflict, IdempotencyMismatch, NotFound, StorageError
from budgetopt.storage.records import (
    TERMINAL,
    Dataset,
    Job,
    JobStatus,
    Region,
    ResultFile,
    ResultRecord,
    Scenario,
    ScenarioStatus,
)
from budgetopt.storage.repository import Page, Repository

__all__ = [
    "TERMINAL", "Conflict", "Database", "Dataset", "IdempotencyMismatch", "Job", "JobStatus", "NotFound",
    "Page", "Region", "Repository", "ResultFile", "ResultRecord", "Scenario", "ScenarioStatus",
    "StorageError",
]
