"""Benchmark fixtures: seeded generated instances at three scales and the shipped regions.

Scales come from ``--scales`` or ``BUDGETOPT_BENCH_SCALES`` (comma-separated names of
:data:`SCALES`); with ``--benchmark-disable`` (the smoke run) the default is ``small`` only,
otherwise every scale. Benchmarks run from the repository root.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

from budgetopt.scenario.generate import generate_instance
from budgetopt.scenario.instance import Instance
from budgetopt.scenario.io import load_instance

MODELS = Path(__file__).resolve().parents[1] / "models"
REGIONS = ("drenthe", "twente", "ijsselland")
#: scale -> (municipalities, providers); national uses the generator's sparse access (~30 per m).
SCALES: dict[str, tuple[int, int]] = {"small": (12, 30), "medium": (120, 400), "national": (342, 3000)}
SEED = 20261127
ENV = "BUDGETOPT_BENCH_SCALES"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--scales", default=None,
                     help=f"comma-separated scales of {', '.join(SCALES)} (env {ENV})")


def selected_scales(config: pytest.Config) -> list[str]:
    """Scales to run: option, else environment, else small (smoke) or all."""
    text = config.getoption("--scales") or os.environ.get(ENV)
    if not text:
        smoke = bool(config.getoption("benchmark_disable", default=False))
        return ["small"] if smoke else list(SCALES)
    names = [s.strip() for s in text.split(",") if s.strip()]
    unknown = set(names) - set(SCALES)
    if unknown:
        msg = f"unknown scale(s) {sorted(unknown)}; choose from {list(SCALES)}"
        raise pytest.UsageError(msg)
    return names


@cache
def scale_instance(scale: str, objective: str | None = None) -> Instance:
    """The seeded generated instance of a scale (its own scenario unless ``objective`` is given)."""
    n_m, n_p = SCALES[scale]
    instance = generate_instance(n_m, n_p, seed=SEED)
    return instance if objective is None else instance.with_scenario(objective=objective)


def small_instance(n_m: int = 12, n_p: int = 30, seed: int = SEED) -> Instance:
    """A small generated instance."""
    return generate_instance(n_m, n_p, seed=seed)


@cache
def region_instance(region: str, objective: str | None = None) -> Instance:
    """A shipped region with its own scenario (or another objective)."""
    instance = load_instance(MODELS / region)
    return instance if objective is None else instance.with_scenario(objective=objective)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise ``case`` over the selected scales and the shipped regions."""
    if "case" in metafunc.fixturenames:
        cases = [f"scale:{s}" for s in selected_scales(metafunc.config)]
        cases += [f"region:{r}" for r in REGIONS]
        metafunc.parametrize("case", cases)
    if "scale" in metafunc.fixturenames:
        metafunc.parametrize("scale", selected_scales(metafunc.config))


def case_instance(case: str, objective: str | None = None) -> Instance:
    """The instance of a ``case`` id (``scale:medium``, ``region:twente``)."""
    kind, name = case.split(":", 1)
    return scale_instance(name, objective) if kind == "scale" else region_instance(name, objective)


@pytest.fixture(scope="session")
def drenthe_quality() -> Instance:
    """Drenthe with the max_quality objective (the frontier's natural question)."""
    return region_instance("drenthe", "max_quality")
