"""The service with the Celery executor: ``budgetopt serve`` + a ``budgetopt worker`` process on Redis."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import redis

from budgetopt.check import assert_plan_ok
from budgetopt.client import Client
from budgetopt.scenario.io import load_instance
from tests.conftest import MODELS
from tests.e2e.conftest import BUDGETOPT, start_server, stop_server

#: The Redis database of these tests (emptied afterwards).
REDIS_DB = 12
BROKER_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
DRENTHE = MODELS / "drenthe"

pytestmark = pytest.mark.slow


@pytest.fixture
def celery_service(tmp_path: Path) -> Iterator[str]:
    """A service sending jobs to Celery and one ``budgetopt worker`` serving them; its base URL."""
    process, url = start_server(tmp_path, executor="celery", broker_url=BROKER_URL)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUDGETOPT_")}
    env.update({"BUDGETOPT_INSTANCE_PATH": str(tmp_path), "BUDGETOPT_EXECUTOR": "celery",
                "BUDGETOPT_BROKER_URL": BROKER_URL, "BUDGETOPT_HEARTBEAT_S": "0.5"})
    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen([*BUDGETOPT, "worker", "--concurrency", "1"], env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield url
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        stop_server(process)
        broker = redis.Redis.from_url(BROKER_URL)
        try:
            broker.flushdb()
        finally:
            broker.close()


def test_celery_worker_runs_the_service_jobs(celery_service, tmp_path):
    with Client(celery_service) as client:
        dataset = client.upload_dataset(DRENTHE)
        scenario = client.create_scenario(dataset["id"], "celery", {"budget_cut": 0.15})
        jobs = [client.submit(scenario["id"], idempotency_key=f"celery-{i}")["id"] for i in range(3)]
        finals = [client.wait(job_id, timeout_s=120) for job_id in jobs]
        assert [f["status"] for f in finals] == ["succeeded"] * 3
        assert all(f["attempt"] == 1 for f in finals)
        client.download(jobs[0], tmp_path / "out")
    plan = pd.read_csv(tmp_path / "out" / "allocation.csv",
                       dtype={"municipality_id": str, "need_id": str, "provider_id": str})
    assert_plan_ok(load_instance(DRENTHE, scenario_overrides={"budget_cut": 0.15}), plan)
