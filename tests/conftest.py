"""Shared fixtures: the shipped instances and a solve that always passes the independent checker."""

from __future__ import annotations

from pathlib import Path

import pytest

from budgetopt.check import check_plan
from budgetopt.optimisation.solve import solve_instance
from budgetopt.results import Result
from budgetopt.scenario.instance import Instance
from budgetopt.scenario.io import load_instance

MODELS = Path(__file__).resolve().parents[1] / "models"


def load(name: str, **overrides: object) -> Instance:
    """A shipped instance (``tiny/...`` or a region), with scenario overrides."""
    return load_instance(MODELS / name, scenario_overrides=overrides or None)


def solve_checked(instance: Instance) -> Result:
    """Solve and, whenever a plan comes back, require the independent checker to accept it."""
    result = solve_instance(instance)
    if result.has_plan:
        violations = check_plan(instance, result.allocation, result.unserved)
        assert violations == [], "\n".join(str(v) for v in violations)
    return result


@pytest.fixture(scope="session")
def drenthe() -> Instance:
    """The Drenthe example region with its own scenario."""
    return load("drenthe")
