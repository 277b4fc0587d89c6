"""Records as response bodies, and file responses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app

from budgetopt.storage import Dataset, Job, JobStatus, Page, Scenario


def dataset_out(dataset: Dataset) -> dict[str, Any]:
    """A dataset as ``DatasetOut``."""
    return {
        "id": dataset.id, "name": dataset.name, "source_format": dataset.source_format,
        "sha256": dataset.sha256, "size_bytes": dataset.size_bytes,
        "row_counts": dict(dataset.row_counts or {}), "created_at": dataset.created_at,
    }


def scenario_out(scenario: Scenario) -> dict[str, Any]:
    """A scenario as ``ScenarioOut``."""
    return {
        "id": scenario.id, "dataset_id": scenario.dataset_id, "name": scenario.name,
        "description": scenario.description or "", "tags": list(scenario.tags),
        "parameters": dict(scenario.parameters or {}), "status": scenario.status,
        "parent_id": scenario.parent_id, "created_at": scenario.created_at,
        "updated_at": scenario.updated_at,
    }


def _elapsed(job: Job, now: datetime) -> float | None:
    if job.started_at is None:
        return None
    end = job.finished_at if job.finished_at is not None and job.is_terminal else now
    return max(0.0, (end - job.started_at).total_seconds())


def job_out(job: Job, result_status: str | None = None) -> dict[str, Any]:
    """A job as ``JobOut``: progress figures from its last heartbeat, elapsed time from now."""
    progress = job.progress or {}
    error = job.error if job.error else None
    if error is not None:
        error = {"code": str(error.get("code", "error")), "message": str(error.get("message", ""))}
    elapsed = _elapsed(job, datetime.now(UTC))
    if elapsed is None and job.status == JobStatus.RUNNING:
        elapsed = progress.get("elapsed_s")
    return {
        "id": job.id, "kind": job.kind, "scenario_id": job.scenario_id, "status": job.status,
        "phase": job.phase, "attempt": job.attempt, "max_attempts": job.max_attempts,
        "cancel_requested": bool(job.cancel_requested), "elapsed_s": elapsed,
        "incumbent": _number(progress.get("incumbent")), "bound": _number(progress.get("bound")),
        "gap": _number(progress.get("gap")), "options": dict(job.options or {}), "error": error,
        "result_status": result_status, "created_at": job.created_at, "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def _number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def page_out(page: Page, item: Any) -> dict[str, Any]:
    """A page of records with each item represented by ``item``."""
    return {"items": [item(r) for r in page.items], "total": page.total, "page": page.page,
            "per_page": page.per_page}


def attachment(content: bytes, filename: str, mimetype: str) -> Response:
    """A file download under a name the service makes."""
    response = current_app.response_class(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Content-Length"] = str(len(content))
    return response
