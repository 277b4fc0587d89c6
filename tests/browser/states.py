"""Service states the pages are checked in, made through the JSON API of the demo service."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd

from budgetopt.check import assert_plan_ok
from budgetopt.client import Client
from budgetopt.scenario.io import load_instance
from budgetopt.web.demo import DEMO_DATASET
from tests.conftest import MODELS

JOB_TIMEOUT_S = 120.0
IDS = {"municipality_id": str, "need_id": str, "provider_id": str}


@dataclass(frozen=True)
class States:
    """Ids of the demo service's records in each state a page can show."""

    dataset: str
    draft: str
    solved: str
    job_15: str
    job_10: str
    job_infeasible: str
    job_frontier: str


def make_states(api: Client) -> States:
    """A draft, two solved scenarios (15 % and 10 % cut), an infeasible one (60 % cut) and a budget
    frontier, all on the demo's Drenthe dataset; waits for every job to end."""
    datasets = api.http.get("/datasets", params={"per_page": 100}).json()["items"]
    dataset = next(d["id"] for d in datasets if d["name"] == DEMO_DATASET)
    draft = api.create_scenario(dataset, "Concept 12 % bezuiniging", {"budget_cut": 0.12},
                                description="Nog niet doorgerekend.", tags=["concept"])
    solved = api.create_scenario(dataset, "Bezuiniging 15 %", {"budget_cut": 0.15}, tags=["bestuur"])
    milder = api.create_scenario(dataset, "Bezuiniging 10 %", {"budget_cut": 0.10}, tags=["bestuur"])
    impossible = api.create_scenario(dataset, "Bezuiniging 60 %", {"budget_cut": 0.60})
    frontier = api.create_scenario(dataset, "Grens 75-100 %", {"budget_cut": 0.15})
    jobs = [api.submit(solved["id"]), api.submit(milder["id"]), api.submit(impossible["id"]),
            api.frontier(frontier["id"], points=4, low=0.75, high=1.0)]
    ended = [api.wait(job["id"], timeout_s=JOB_TIMEOUT_S) for job in jobs]
    assert [job["status"] for job in ended] == ["succeeded"] * 4, ended
    return States(dataset=dataset, draft=draft["id"], solved=solved["id"], job_15=jobs[0]["id"],
                  job_10=jobs[1]["id"], job_infeasible=jobs[2]["id"], job_frontier=jobs[3]["id"])


def check_plan(api: Client, job_id: str, budget_cut: float) -> None:
    """The job's allocation passes the independent checker on Drenthe at ``budget_cut``."""
    plan = pd.read_csv(io.BytesIO(api.result_file(job_id, "allocation.csv")), dtype=IDS)
    assert_plan_ok(load_instance(MODELS / "drenthe", scenario_overrides={"budget_cut": budget_cut}), plan)
