"""Jobs, results and comparisons through the API; jobs are run for real in the test (``run_job``)."""

from __future__ import annotations

import io
import json
import threading

import pandas as pd
import pytest

from budgetopt.check import assert_plan_ok
from budgetopt.scenario.io import load_instance
from budgetopt.storage import JobStatus
from tests.web.steps import DRENTHE, drenthe_scenario, make_scenario, run

IDS = {"municipality_id": str, "need_id": str, "provider_id": str}


def _submit(client, scenario_id, body=None, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"/api/v1/scenarios/{scenario_id}/jobs", json=body or {}, headers=headers)


def test_submit_queues_without_solving_and_status_answers(client, drenthe_zip):
    scenario = drenthe_scenario(client, drenthe_zip)
    response = _submit(client, scenario["id"], {"time_limit_s": 30})
    assert response.status_code == 202
    job = response.json
    assert response.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    assert (job["status"], job["kind"], job["attempt"]) == ("queued", "solve", 0)
    assert job["options"]["time_limit_s"] == 30
    status = client.get(f"/api/v1/jobs/{job['id']}").json
    assert status["status"] == "queued"
    assert status["elapsed_s"] is None
    early = client.get(f"/api/v1/jobs/{job['id']}/result")
    assert early.status_code == 409
    assert early.json["type"] == "/api/v1/problems/no-result-yet"
    assert early.headers["Retry-After"] == "1"
    listing = client.get(f"/api/v1/jobs?scenario_id={scenario['id']}&status=queued").json
    assert [j["id"] for j in listing["items"]] == [job["id"]]


def test_same_idempotency_key_makes_one_job_and_another_body_is_refused(client, drenthe_zip):
    scenario = drenthe_scenario(client, drenthe_zip)
    first = _submit(client, scenario["id"], {"time_limit_s": 20}, key="run-1")
    again = _submit(client, scenario["id"], {"time_limit_s": 20}, key="run-1")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json["id"] == first.json["id"]
    other = _submit(client, scenario["id"], {"time_limit_s": 5}, key="run-1")
    assert other.status_code == 422
    assert other.mimetype == "application/problem+json"
    assert other.json["type"] == "/api/v1/problems/idempotency-mismatch"
    fresh = _submit(client, scenario["id"], {"time_limit_s": 20}, key="run-2")
    assert fresh.status_code == 202
    assert fresh.json["id"] != first.json["id"]
    no_body = client.post(f"/api/v1/scenarios/{scenario['id']}/jobs", headers={"Idempotency-Key": "run-3"})
    assert no_body.status_code == 202
    empty = _submit(client, scenario["id"], {}, key="run-3")
    assert (empty.status_code, empty.json["id"]) == (200, no_body.json["id"])
    assert client.get("/api/v1/jobs").json["total"] == 3


def test_concurrent_requests_with_one_key_make_one_job(app, client, drenthe_zip):
    scenario = drenthe_scenario(client, drenthe_zip)
    answers: list[tuple[int, str]] = []
    barrier = threading.Barrier(8)

    def send() -> None:
        own = app.test_client()
        barrier.wait()
        response = _submit(own, scenario["id"], {"time_limit_s": 10}, key="burst")
        answers.append((response.status_code, response.json.get("id", response.json.get("type"))))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 8
    assert len({job_id for _, job_id in answers}) == 1
    assert sorted(code for code, _ in answers) == [200] * 7 + [202]
    assert client.get("/api/v1/jobs").json["total"] == 1


def test_finished_job_gives_result_allocation_and_files(app, client, drenthe_zip):
    scenario = drenthe_scenario(client, drenthe_zip)
    job = _submit(client, scenario["id"]).json
    assert run(app, job["id"]) == JobStatus.SUCCEEDED
    status = client.get(f"/api/v1/jobs/{job['id']}").json
    assert (status["status"], status["result_status"], status["attempt"]) == ("succeeded", "optimal", 1)
    assert client.get("/api/v1/jobs?status=succeeded").json["items"] == [status | {
        "elapsed_s": pytest.approx(status["elapsed_s"])}]
    assert status["elapsed_s"] > 0
    result = client.get(f"/api/v1/jobs/{job['id']}/result").json
    assert result["status"] == "optimal"
    instance = load_instance(DRENTHE, scenario_overrides={"budget_cut": 0.15})
    assert result["input_sha256"] == instance.sha256
    assert result["kpis"]["total_cost_eur"] <= result["kpis"]["budget_eur"] * (1 + 1e-6)
    assert set(result["files"]) >= {"result.json", "allocation.csv"}

    csv = client.get(f"/api/v1/jobs/{job['id']}/result/allocation.csv")
    assert csv.status_code == 200
    assert csv.headers["Content-Disposition"] == 'attachment; filename="allocation.csv"'
    plan = pd.read_csv(io.BytesIO(csv.data), dtype=IDS)
    assert_plan_ok(instance, plan)
    assert plan["cost_eur"].sum() == pytest.approx(result["kpis"]["care_cost_eur"], rel=1e-9)

    page = client.get(f"/api/v1/jobs/{job['id']}/result/allocation?page=2&per_page=50").json
    assert page["total"] == len(plan)
    assert page["columns"] == list(plan.columns)
    assert [row["provider_id"] for row in page["items"]] == plan["provider_id"].iloc[50:100].tolist()
    document = json.loads(client.get(f"/api/v1/jobs/{job['id']}/result/result.json").data)
    assert document["status"] == "optimal"
    assert document["kpis"] == result["kpis"]
    assert client.get(f"/api/v1/jobs/{job['id']}/result/frontier").status_code == 404


def test_cancel_while_queued_means_the_job_never_starts(app, client, drenthe_zip):
    scenario = drenthe_scenario(client, drenthe_zip)
    job = _submit(client, scenario["id"]).json
    cancelled = client.post(f"/api/v1/jobs/{job['id']}/cancel")
    assert cancelled.status_code == 202
    assert cancelled.json["status"] == "cancelled"
    assert run(app, job["id"]) == JobStatus.CANCELLED
    status = client.get(f"/api/v1/jobs/{job['id']}").json
    assert (status["status"], status["attempt"], status["started_at"]) == ("cancelled", 0, None)
    none = client.get(f"/api/v1/jobs/{job['id']}/result")
    assert none.status_code == 404
    assert none.json["job_status"] == "cancelled"
    assert client.post(f"/api/v1/jobs/{job['id']}/cancel").json["status"] == "cancelled"


def test_frontier_job_gives_points(app, client, drenthe_zip):
    scenario = drenthe_scenario(client, drenthe_zip)
    refused = client.post(f"/api/v1/scenarios/{scenario['id']}/frontier", json={"low": 1.0, "high": 0.9})
    assert refused.status_code == 422
    response = client.post(f"/api/v1/scenarios/{scenario['id']}/frontier",
                           json={"points": 3, "low": 0.85, "high": 1.0})
    assert response.status_code == 202
    assert response.json["kind"] == "frontier"
    assert run(app, response.json["id"]) == JobStatus.SUCCEEDED
    frontier = client.get(f"/api/v1/jobs/{response.json['id']}/result/frontier").json
    assert len(frontier["points"]) == 3
    budgets = [p["budget_eur"] for p in frontier["points"]]
    assert budgets == sorted(budgets)


def test_comparison_against_the_dataset_baseline_and_a_job(app, client, drenthe_zip):
    scenario = drenthe_scenario(client, drenthe_zip)
    milder = make_scenario(client, scenario["dataset_id"], "mild", parameters={"budget_cut": 0.05})
    jobs = [_submit(client, s["id"]).json["id"] for s in (scenario, milder)]
    waiting = client.post("/api/v1/comparisons", json={"job_ids": jobs})
    assert waiting.status_code == 409
    for job_id in jobs:
        assert run(app, job_id) == JobStatus.SUCCEEDED
    results = [client.get(f"/api/v1/jobs/{j}/result").json["kpis"] for j in jobs]
    body = client.post("/api/v1/comparisons", json={"job_ids": jobs}).json
    assert body["baseline"]["kpis"]["total_cost_eur"] == pytest.approx(results[0]["baseline_cost_eur"])
    assert [r["label"] for r in body["runs"]] == ["cut", "mild"]
    for run_, kpis in zip(body["runs"], results, strict=True):
        assert run_["kpis"]["total_cost_eur"] == pytest.approx(kpis["total_cost_eur"])
        assert run_["deltas"]["total_cost_eur"] == pytest.approx(
            kpis["total_cost_eur"] - kpis["baseline_cost_eur"])
    assert body["runs"][0]["deltas"]["total_cost_eur"] < body["runs"][1]["deltas"]["total_cost_eur"] < 0
    against_job = client.post("/api/v1/comparisons", json={"job_ids": jobs, "baseline": jobs[1]}).json
    assert against_job["baseline"]["job_id"] == jobs[1]
    assert against_job["runs"][1]["deltas"]["total_cost_eur"] == 0
    assert client.post("/api/v1/comparisons", json={"job_ids": jobs[:1]}).status_code == 422
    assert client.post("/api/v1/comparisons", json={"job_ids": [jobs[0], "nope"]}).status_code == 404
