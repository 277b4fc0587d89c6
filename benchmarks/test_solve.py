"""One solve of each shipped region with its own scenario (build + solve + extract)."""

from __future__ import annotations

import pytest

from benchmarks.conftest import MODELS
from budgetopt.optimisation.solve import solve_instance
from budgetopt.scenario.io import load_instance


@pytest.mark.parametrize("region", ["drenthe", "twente", "ijsselland"])
def test_solve_region(benchmark, region):
    instance = load_instance(MODELS / region)
    result = benchmark.pedantic(solve_instance, args=(instance,), rounds=3, iterations=1)
    assert result.has_plan
