"""Jobs: submit a solve or a frontier (idempotent with ``Idempotency-Key``), status, cancel, list.

A submit only records the job and hands its id to the executor; no solve runs in a request.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import request

from budgetopt.storage import TERMINAL, Job, NotFound, Repository
from budgetopt.web.api.blueprint import api
from budgetopt.web.api.reads import read_repository
from budgetopt.web.api.represent import job_out, page_out
from budgetopt.web.problems import ApiProblem
from budgetopt.web.schemas import FrontierIn, JobIn, JobOut, JobPage, JobQuery
from budgetopt.web.services import repository, services

TAG = {"tags": ["jobs"]}
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
SUBMIT_RESPONSES = {
    200: "The job this Idempotency-Key already made",
    404: "No such scenario",
    422: "Invalid options, or an Idempotency-Key used with another body",
}


def _idempotency_key() -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApiProblem("invalid-input", f"{IDEMPOTENCY_HEADER}: 1 to {MAX_KEY_LENGTH} characters",
                         errors=[{"location": "headers", "field": IDEMPOTENCY_HEADER,
                                  "message": f"1 to {MAX_KEY_LENGTH} characters"}])
    return key


def _request_hash(scenario_id: str, kind: str, body: dict[str, Any]) -> str:
    document = json.dumps({"scenario_id": scenario_id, "kind": kind, "body": body}, sort_keys=True)
    return hashlib.sha256(document.encode()).hexdigest()


def _submit(scenario_id: str, kind: str, body: dict[str, Any], options: dict[str, Any]
            ) -> tuple[dict[str, Any], int, dict[str, str]]:
    key = _idempotency_key()
    current = services()
    with repository() as repo:
        if options.get("time_limit_s") is None:
            own = (repo.get_scenario(scenario_id).parameters or {}).get("time_limit_s")
            options["time_limit_s"] = float(own) if own is not None else current.settings.default_time_limit_s
        job, created = repo.create_job(scenario_id, kind=kind, options=options, idempotency_key=key,
                                       request_sha256=_request_hash(scenario_id, kind, body),
                                       max_attempts=current.settings.max_attempts)
        out = job_out(job)
    if created:
        current.enqueue(out["id"])
    headers = {"Location": f"/api/v1/jobs/{out['id']}"}
    if key is not None:
        headers[IDEMPOTENCY_HEADER] = key
    return out, 202 if created else 200, headers


def _result_status(repo: Repository, job: Job) -> str | None:
    """How the job's solve ended, once it has a result."""
    if job.status not in TERMINAL:
        return None
    try:
        return repo.get_result(job.id).status
    except NotFound:
        return None


@api.post("/scenarios/<string:scenario_id>/jobs")
@api.doc(**TAG, responses=SUBMIT_RESPONSES)
@api.input(JobIn, location="json")
@api.output(JobOut, status_code=202)
def submit_solve(scenario_id: str, json_data: JobIn) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Queue a solve of the scenario. With an ``Idempotency-Key`` header, the same request sent again
    answers the same job (200); the same key with another body is a 422 ``idempotency-mismatch``."""
    body = json_data.model_dump()
    return _submit(scenario_id, "solve", body, {"time_limit_s": json_data.time_limit_s})


@api.post("/scenarios/<string:scenario_id>/frontier")
@api.doc(**TAG, responses=SUBMIT_RESPONSES)
@api.input(FrontierIn, location="json")
@api.output(JobOut, status_code=202)
def submit_frontier(scenario_id: str, json_data: FrontierIn) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Queue a budget frontier: ``points`` budgets from ``low`` to ``high`` x the baseline cost."""
    if json_data.low >= json_data.high:
        raise ApiProblem("invalid-input", "low must be below high",
                         errors=[{"location": "json", "field": "low", "message": "must be below high"}])
    body = json_data.model_dump()
    options = {"points": json_data.points, "low": json_data.low, "high": json_data.high,
               "time_limit_s": json_data.time_limit_s}
    return _submit(scenario_id, "frontier", body, options)


@api.get("/jobs")
@api.doc(**TAG)
@api.input(JobQuery, location="query")
@api.output(JobPage)
def list_jobs(query_data: JobQuery) -> dict[str, Any]:
    """Jobs of the region, newest first, by scenario and status."""
    with read_repository() as repo:
        page = repo.list_jobs(scenario_id=query_data.scenario_id, status=query_data.status,
                              page=query_data.page, per_page=query_data.per_page)
        return page_out(page, lambda job: job_out(job, _result_status(repo, job)))


@api.get("/jobs/<string:job_id>")
@api.doc(**TAG)
@api.output(JobOut)
def get_job(job_id: str) -> dict[str, Any]:
    """Status, phase, elapsed time, incumbent, bound and gap of a job."""
    with read_repository() as repo:
        job = repo.get_job(job_id)
        return job_out(job, _result_status(repo, job))


@api.post("/jobs/<string:job_id>/cancel")
@api.doc(**TAG)
@api.output(JobOut, status_code=202)
def cancel_job(job_id: str) -> dict[str, Any]:
    """Cancel: a queued job never starts; a running one is interrupted (a cancelled job keeps no plan).
    A finished job is answered unchanged."""
    with repository() as repo:
        return job_out(repo.request_cancel(job_id))
