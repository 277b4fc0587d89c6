"""Results of finished jobs: summary with KPIs and diagnosis, the allocation paged or as CSV, the exact
files ``budgetopt solve`` writes, and frontier points."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from flask import Response

from budgetopt.storage import TERMINAL, NotFound, Repository, ResultRecord
from budgetopt.web.api.blueprint import api
from budgetopt.web.api.reads import read_repository
from budgetopt.web.api.represent import attachment
from budgetopt.web.problems import ApiProblem
from budgetopt.web.schemas import AllocationPage, FrontierOut, Paging, ResultOut

TAG = {"tags": ["results"]}
RESPONSES = {404: "No such job, or it ended without a result", 409: "The job has no result yet"}
FILES = {"result.json": "application/json", "allocation.csv": "text/csv", "unserved.csv": "text/csv"}
ID_COLUMNS = {"municipality_id": str, "need_id": str, "provider_id": str}
_BINARY = {"schema": {"type": "string", "format": "binary"}}


def result_of(repo: Repository, job_id: str) -> ResultRecord:
    """The job's result; ``no-result-yet`` while it runs, ``not-found`` when it ended without one."""
    job = repo.get_job(job_id)
    try:
        return repo.get_result(job_id)
    except NotFound:
        if job.status not in TERMINAL:
            raise ApiProblem("no-result-yet", f"the job is {job.status}", job_status=job.status,
                             headers={"Retry-After": "1"}) from None
        error = (job.error or {}).get("code")
        raise ApiProblem("not-found", f"the job ended {job.status} without a result"
                         + (f" ({error})" if error else ""), job_status=job.status) from None


@api.get("/jobs/<string:job_id>/result")
@api.doc(**TAG, responses=RESPONSES)
@api.output(ResultOut)
def get_result(job_id: str) -> dict[str, Any]:
    """Status, objective, KPIs, binding constraint groups and (when infeasible) the diagnosis."""
    with read_repository() as repo:
        record = result_of(repo, job_id)
        summary = record.summary or {}
        return {
            "job_id": job_id, "status": record.status or summary.get("status") or "",
            "message": summary.get("message") or "", "objective": summary.get("objective") or {},
            "kpis": summary.get("kpis") or {}, "constraint_groups": summary.get("constraint_groups") or [],
            "diagnosis": summary.get("diagnosis"), "solver": summary.get("solver") or {},
            "input_sha256": summary.get("input_sha256"), "files": record.file_names,
        }


@api.get("/jobs/<string:job_id>/result/allocation")
@api.doc(**TAG, responses=RESPONSES)
@api.input(Paging, location="query")
@api.output(AllocationPage)
def get_allocation(job_id: str, query_data: Paging) -> dict[str, Any]:
    """The allocation table (rows of ``allocation.csv``), paged."""
    with read_repository() as repo:
        content = repo.result_file(result_of(repo, job_id), "allocation.csv")
    frame = pd.read_csv(io.BytesIO(content), dtype=ID_COLUMNS)
    start = (query_data.page - 1) * query_data.per_page
    rows = frame.iloc[start:start + query_data.per_page]
    items = [{k: (None if pd.isna(v) else v) for k, v in row.items()}
             for row in rows.astype(object).to_dict(orient="records")]
    return {"columns": list(frame.columns), "items": items, "total": len(frame),
            "page": query_data.page, "per_page": query_data.per_page}


def _file(job_id: str, name: str) -> Response:
    with read_repository() as repo:
        content = repo.result_file(result_of(repo, job_id), name)
    return attachment(content, name, FILES[name])


@api.get("/jobs/<string:job_id>/result/allocation.csv")
@api.doc(**TAG, responses={**RESPONSES, 200: {"description": "allocation.csv",
                                                "content": {"text/csv": _BINARY}}})
def get_allocation_csv(job_id: str) -> Response:
    """``allocation.csv`` exactly as ``budgetopt solve`` writes it."""
    return _file(job_id, "allocation.csv")


@api.get("/jobs/<string:job_id>/result/unserved.csv")
@api.doc(**TAG, responses={**RESPONSES, 200: {"description": "unserved.csv",
                                                "content": {"text/csv": _BINARY}}})
def get_unserved_csv(job_id: str) -> Response:
    """``unserved.csv`` (only when some children are left unserved)."""
    return _file(job_id, "unserved.csv")


@api.get("/jobs/<string:job_id>/result/result.json")
@api.doc(**TAG, responses={**RESPONSES, 200: {"description": "result.json",
                                                "content": {"application/json": _BINARY}}})
def get_result_json(job_id: str) -> Response:
    """``result.json`` exactly as ``budgetopt solve`` writes it."""
    return _file(job_id, "result.json")


@api.get("/jobs/<string:job_id>/result/frontier")
@api.doc(**TAG, responses=RESPONSES)
@api.output(FrontierOut)
def get_frontier(job_id: str) -> dict[str, Any]:
    """The points of a frontier job: budget, status, objective and KPIs per point."""
    with read_repository() as repo:
        record = result_of(repo, job_id)
        if record.frontier is None:
            raise ApiProblem("not-found", "this job is not a frontier")
        return {"job_id": job_id, "points": list(record.frontier)}
