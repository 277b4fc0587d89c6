"""WSGI entry point: ``waitress-serve --port 8000 api.wsgi:app`` (or ``gunicorn api.wsgi:app``).

Settings come from the environment (``BUDGETOPT_*``). The job executor of the settings starts with
the app: with several server processes (gunicorn ``-w N``) use ``BUDGETOPT_EXECUTOR=celery`` and
``budgetopt worker``, so that each process does not start local workers of its own.
"""

from __future__ import annotations

from budgetopt.web import create_app

app = create_app(start_executor=True)
