"""Every page of the ``web`` blueprint."""

from __future__ import annotations

from budgetopt.web.pages import datasets, general, jobs, scenarios  # noqa: F401
