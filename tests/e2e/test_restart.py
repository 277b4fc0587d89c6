"""The service killed (SIGKILL) with jobs queued and running, then started again on the same database:
every job ends terminal, none twice."""

from __future__ import annotations

import sqlite3
import time

import pytest

from budgetopt.client import TERMINAL, Client
from budgetopt.scenario.generate import generate_instance
from budgetopt.scenario.io import write_instance
from tests.e2e.conftest import start_server, stop_server

pytestmark = pytest.mark.slow
FAST_REAPER = {"stale_after_s": "3", "heartbeat_s": "0.5", "kill_grace_s": "10"}


def test_jobs_survive_a_killed_service(tmp_path):
    instance = tmp_path / "procurement.json"
    write_instance(generate_instance(40, 120, seed=0, procurement=True), instance)
    process, url = start_server(tmp_path, **FAST_REAPER)
    try:
        with Client(url) as client:
            dataset = client.upload_dataset(instance)
            scenario = client.create_scenario(dataset["id"], "lots", {"time_limit_s": 3})
            jobs = [client.submit(scenario["id"], idempotency_key=f"restart-{i}")["id"] for i in range(4)]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if any(client.status(j)["status"] == "running" for j in jobs):
                    break
                time.sleep(0.2)
            statuses = {client.status(j)["status"] for j in jobs}
        assert "running" in statuses
        assert "queued" in statuses
    finally:
        process.kill()
        process.wait()

    process, url = start_server(tmp_path, **FAST_REAPER)
    try:
        with Client(url) as client:
            finals = [client.wait(j, timeout_s=120, max_poll_s=1.0) for j in jobs]
            assert all(f["status"] in TERMINAL for f in finals)
            assert sum(f["status"] == "succeeded" for f in finals) >= 3
            assert client.submit(scenario["id"], idempotency_key="restart-0")["id"] == jobs[0]
            listed = client.http.get("/jobs", params={"per_page": 50}).json()
            assert listed["total"] == len(jobs)
    finally:
        assert stop_server(process) == 0
    with sqlite3.connect(tmp_path / "budgetopt.sqlite3") as database:
        rows = database.execute("SELECT job_id, COUNT(*) FROM results GROUP BY job_id").fetchall()
    database.close()
    assert all(count == 1 for _, count in rows)
    assert {job_id for job_id, _ in rows} == {f["id"] for f in finals if f["status"] == "succeeded"}
