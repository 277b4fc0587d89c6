"""The budgetopt error hierarchy: input problems are reported, never asserted."""

from __future__ import annotations


class BudgetoptError(Exception):
    """Base class of every error budgetopt raises on purpose."""


class InstanceError(BudgetoptError, ValueError):
    """The input instance has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: list, source: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        first = self.problems[0].message("en") if self.problems else "invalid input"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"{source}: {first}{more}" if source else f"{first}{more}")


class SolverUnavailableError(BudgetoptError):
    """The requested solver is not installed."""
