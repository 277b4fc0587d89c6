"""End to end against a real ``budgetopt serve`` process: upload → scenario → job → progress → result.

Every plan read here passes the independent checker (``budgetopt check`` and ``assert_plan_ok``).
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import time

import pandas as pd

from budgetopt.check import assert_plan_ok
from budgetopt.client import Client
from budgetopt.scenario.generate import generate_instance
from budgetopt.scenario.io import load_instance, write_instance
from tests.conftest import MODELS
from tests.e2e.conftest import BUDGETOPT

DRENTHE = MODELS / "drenthe"
IDS = {"municipality_id": str, "need_id": str, "provider_id": str}
# Fields of result.json that differ between any two solves of the same input (timings, warm starts).
VOLATILE = {("solver", "time_s"), ("solver", "build_s"), ("solver", "iterations"), ("solver", "warm_start")}


def _stable(document: dict) -> dict:
    copy = json.loads(json.dumps(document))
    for section, key in VOLATILE:
        copy.get(section, {}).pop(key, None)
    return copy


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*BUDGETOPT, *args], capture_output=True, text=True, timeout=300, check=False)


def test_demo_example_is_loaded_and_solves(server):
    with Client(server) as client:
        scenarios = client.http.get("/scenarios", params={"q": "Drenthe 15"}).json()["items"]
        assert [s["name"] for s in scenarios] == ["Drenthe 15 % cut"]
        assert scenarios[0]["parameters"] == {"budget_cut": 0.15}
        job = client.wait(client.submit(scenarios[0]["id"])["id"], timeout_s=120)
        assert (job["status"], job["result_status"]) == ("succeeded", "optimal")
        assert client.result(job["id"])["kpis"]["within_budget"] is True


def test_drenthe_upload_scenario_job_progress_result_checked(server, tmp_path):
    with Client(server) as client:
        dataset = client.upload_dataset(DRENTHE, name="Drenthe")
        scenario = client.create_scenario(dataset["id"], "Drenthe 15 % cut", {"budget_cut": 0.15})
        seen: list[dict] = []
        job = client.submit(scenario["id"], idempotency_key="e2e-drenthe")
        assert job["status"] == "queued"
        final = client.wait(job["id"], timeout_s=120, poll_s=0.02, on_status=seen.append)
        assert final["status"] == "succeeded"
        assert final["result_status"] == "optimal"
        assert seen[0]["status"] in ("queued", "running", "succeeded")
        assert [s["status"] for s in seen].count("succeeded") == 1
        assert final["elapsed_s"] > 0
        assert client.submit(scenario["id"], idempotency_key="e2e-drenthe")["id"] == job["id"]

        result = client.result(job["id"])
        assert result["kpis"]["total_cost_eur"] <= result["kpis"]["budget_eur"] * (1 + 1e-6)
        written = client.download(job["id"], tmp_path / "out")
        assert {p.name for p in written} >= {"result.json", "allocation.csv"}
        page = client.allocation(job["id"], per_page=200)

    allocation = tmp_path / "out" / "allocation.csv"
    instance = load_instance(DRENTHE, scenario_overrides={"budget_cut": 0.15})
    plan = pd.read_csv(allocation, dtype=IDS)
    assert_plan_ok(instance, plan)
    assert page["total"] == len(plan)
    checked = _cli("check", str(DRENTHE), str(allocation))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "plan satisfies every rule" in checked.stdout


def test_submit_wait_out_writes_what_solve_writes(server, tmp_path):
    submitted = _cli("submit", str(DRENTHE), "--server", server, "--budget-cut", "0.15", "--wait",
                     "--out", str(tmp_path / "service"))
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    job_id = submitted.stdout.split()[1].rstrip(":")
    solved = _cli("solve", str(DRENTHE), "--budget-cut", "0.15", "--out", str(tmp_path / "local"))
    assert solved.returncode == 0, solved.stderr
    service, local = tmp_path / "service", tmp_path / "local"
    assert sorted(p.name for p in service.iterdir()) == sorted(p.name for p in local.iterdir())
    assert (service / "allocation.csv").read_bytes() == (local / "allocation.csv").read_bytes()
    ours = json.loads((service / "result.json").read_text(encoding="utf-8"))
    theirs = json.loads((local / "result.json").read_text(encoding="utf-8"))
    # where the input came from: the stored dataset, or the folder given to `budgetopt solve`
    assert re.fullmatch(r"dataset:[0-9a-f-]{36} \(.+\)", ours["provenance"].pop("source"))
    assert theirs["provenance"].pop("source") == str(DRENTHE)
    assert _stable(ours) == _stable(theirs)

    status = _cli("status", job_id, "--server", server)
    assert status.returncode == 0
    assert f"job {job_id}: succeeded" in status.stdout
    again = _cli("download", job_id, "--server", server, "--out", str(tmp_path / "again"))
    assert again.returncode == 0, again.stderr
    for name in ("result.json", "allocation.csv"):
        assert (tmp_path / "again" / name).read_bytes() == (service / name).read_bytes()
    unchanged = _cli("cancel", job_id, "--server", server)
    assert unchanged.returncode == 0
    assert f"job {job_id}: succeeded" in unchanged.stdout
    missing = _cli("status", "no-such-job", "--server", server)
    assert missing.returncode == 1
    assert "HTTP 404" in missing.stderr
    refused = _cli("submit", str(DRENTHE / "demand.csv"), "--server", server, "--lang", "nl")
    assert refused.returncode == 1
    assert "HTTP 422: invoer afgekeurd" in refused.stderr
    assert "demand.csv" in refused.stderr


def test_mip_progress_is_reported_and_cancel_interrupts_it(server, tmp_path):
    path = tmp_path / "procurement.json"
    write_instance(generate_instance(40, 120, seed=0, procurement=True), path)
    with Client(server) as client:
        dataset = client.upload_dataset(path)
        # With the default MIP gap this MIP closes in ~9 s (Lagrangian bound); a gap of 0 keeps
        # HiGHS searching until the time limit, so the cancel meets a running solve.
        scenario = client.create_scenario(dataset["id"], "lots", {"time_limit_s": 60, "mip_gap": 0.0})
        job = client.submit(scenario["id"])
        progress = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = client.status(job["id"])
            if status["status"] == "running" and status["incumbent"] is not None:
                progress.append(status)
                if len(progress) >= 2:
                    break
            assert status["status"] in ("queued", "running"), status
            time.sleep(0.3)
        assert len(progress) >= 2, "no progress with an incumbent was reported"
        assert progress[-1]["elapsed_s"] > progress[0]["elapsed_s"] - 1e-9
        assert progress[-1]["gap"] is None or progress[-1]["gap"] >= 0
        assert progress[-1]["phase"]
        asked = time.monotonic()
        answer = client.cancel(job["id"])
        assert answer["cancel_requested"] or answer["status"] == "cancelled"
        final = client.wait(job["id"], timeout_s=30, poll_s=0.1, max_poll_s=0.5)
        took = time.monotonic() - asked
    assert final["status"] == "cancelled"
    assert took < 10


def test_status_answers_fast_while_jobs_run(server):
    with Client(server) as client:
        dataset = client.upload_dataset(DRENTHE)
        scenario = client.create_scenario(dataset["id"], "speed", {"budget_cut": 0.1})
        jobs = [client.submit(scenario["id"])["id"] for _ in range(4)]
        timings = []
        for _ in range(5):
            for job_id in jobs:
                started = time.perf_counter()
                client.status(job_id)
                timings.append(time.perf_counter() - started)
        finals = [client.wait(job_id, timeout_s=120) for job_id in jobs]
    assert {f["status"] for f in finals} == {"succeeded"}
    assert statistics.median(timings) < 0.25
