"""How a solve ended."""

from __future__ import annotations

from enum import StrEnum


class SolveStatus(StrEnum):
    """How a solve ended, in the user's terms."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    TIME_LIMIT_FEASIBLE = "time_limit_feasible"
    TIME_LIMIT_NO_PLAN = "time_limit_no_plan"
    UNBOUNDED = "unbounded"
    INTERRUPTED = "interrupted"
    ERROR = "error"

    @property
    def has_plan(self) -> bool:
        """Whether the solve returned a plan."""
        return self in (SolveStatus.OPTIMAL, SolveStatus.TIME_LIMIT_FEASIBLE)
