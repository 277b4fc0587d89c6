"""Results of real Drenthe solves (checked by the independent checker) as the report reads them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from budgetopt.results import Result
from tests.conftest import load, solve_checked

META: dict[str, Any] = {
    "region": "drenthe", "dataset_name": "Drenthe (voorbeeld)", "scenario_name": "Bezuiniging 15%",
    "scenario_parameters": {"budget_cut": 0.15}, "job_id": "job-15",
    "created_at": "2026-11-27T20:59:58+00:00", "finished_at": "2026-11-27T21:00:01+00:00",
}


def stored(result: Result) -> dict[str, Any]:
    """The summary as the service stores and returns it (through JSON)."""
    return json.loads(json.dumps(result.to_dict()))


@pytest.fixture(scope="session")
def cut15() -> Result:
    """Drenthe at a 15 % cut: optimal, the budget binds."""
    result = solve_checked(load("drenthe", budget_cut=0.15))
    assert result.status.value == "optimal"
    return result


@pytest.fixture(scope="session")
def cut25() -> Result:
    """Drenthe at a 25 % cut: infeasible, with a diagnosis."""
    result = solve_checked(load("drenthe", budget_cut=0.25))
    assert result.status.value == "infeasible"
    assert result.diagnosis
    return result


@pytest.fixture(scope="session")
def summary15(cut15: Result) -> dict[str, Any]:
    return stored(cut15)


@pytest.fixture(scope="session")
def summary25(cut25: Result) -> dict[str, Any]:
    return stored(cut25)


@pytest.fixture(scope="session")
def meta() -> dict[str, Any]:
    return dict(META)


@pytest.fixture(scope="session")
def meta25() -> dict[str, Any]:
    return {**META, "scenario_name": "Bezuiniging 25%", "scenario_parameters": {"budget_cut": 0.25},
            "job_id": "job-25"}
