"""Benchmarks run from the repository root; the shipped instances are loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from budgetopt.scenario.io import load_instance

MODELS = Path(__file__).resolve().parents[1] / "models"


@pytest.fixture(scope="session")
def drenthe_quality():
    """Drenthe with the max_quality objective (the frontier's natural question)."""
    return load_instance(MODELS / "drenthe", scenario_overrides={"objective": "max_quality"})
