"""Celery worker entry point.

Run ``python api/worker.py [--concurrency N] [--queues budgetopt]`` (or ``budgetopt worker``), or
``celery -A api.worker:app worker``; settings come from the environment (``BUDGETOPT_*``: broker,
database, heartbeat, kill grace).
"""

from __future__ import annotations

from budgetopt.jobs.celery_app import main, make_celery
from budgetopt.settings import Settings

app = make_celery(Settings())

if __name__ == "__main__":
    main()
