"""The ``api`` blueprint under ``/api/v1``: datasets, scenarios, jobs, results, comparisons, problems."""

from __future__ import annotations

from budgetopt.web.api import comparisons, datasets, jobs, problems, reports, results, scenarios  # noqa: F401
from budgetopt.web.api.blueprint import api

__all__ = ["api"]
