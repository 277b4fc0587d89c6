"""Job execution: one job end to end, local worker processes, Celery tasks, the reaper and the watchdog."""

from __future__ import annotations

from budgetopt.jobs.executor import Executor, make_executor
from budgetopt.jobs.runner import run_job, worker_name

__all__ = ["Executor", "make_executor", "run_job", "worker_name"]
