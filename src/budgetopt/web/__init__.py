"""The budgetopt web service: ``create_app`` builds the APIFlask app with the ``api`` blueprint and the
analysts' pages (``web`` blueprint)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apiflask import APIFlask
from flask import Request, Response, current_app, request
from sqlalchemy import text

from budgetopt import __version__
from budgetopt.settings import Settings
from budgetopt.storage import Database
from budgetopt.web.problems import PROBLEM_MEDIA_TYPE, PROBLEM_SCHEMA, ApiProblem, register_problems
from budgetopt.web.schemas import Health
from budgetopt.web.services import EXTENSION, Services

API_PREFIX = "/api/v1"
STATIC_PATH = f"{API_PREFIX}/static"
DESCRIPTION = (
    "Allocate a youth-care region's demand across providers and care levels within budget. Upload a "
    "dataset, create scenarios, run solve or frontier jobs, read results and compare scenarios. Errors "
    "are RFC 9457 problem documents (`application/problem+json`) whose `type` names the kind of problem."
)
TAGS = [
    {"name": "datasets", "description": "Validated instances (CSV zip, XLSX, JSON)."},
    {"name": "scenarios", "description": "A dataset plus parameters; editable while a draft."},
    {"name": "jobs", "description": "Solve and frontier runs, their progress, cancel."},
    {"name": "results", "description": "Summary, KPIs, allocation and files of a finished job."},
    {"name": "comparisons", "description": "KPIs of 2-5 runs side by side against a baseline."},
    {"name": "problems", "description": "The kinds of problem documents the API answers."},
    {"name": "health", "description": "Liveness and readiness."},
]


class ApiRequest(Request):
    """An empty body reads as the empty JSON object (every field of it optional); malformed JSON is a
    ``bad-request`` problem naming the parse error."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if not self.get_data(cache=True).strip():
            return {}
        raise ApiProblem("bad-request", f"the body is not valid JSON: {e}")


def _settings(config: Mapping[str, Any]) -> Settings:
    fields = {k: v for k, v in config.items() if k in Settings.model_fields}
    return Settings(**fields)


def create_app(config: Mapping[str, Any] | None = None, *, start_executor: bool = False) -> APIFlask:
    """The app: settings from ``BUDGETOPT_*`` overridden by ``config`` (lower-case keys are
    ``Settings`` fields; upper-case keys go to Flask's config), database upgraded to the latest
    schema; the job executor is started only with ``start_executor``."""
    config = dict(config or {})
    settings = _settings(config)
    app = APIFlask(
        __name__, title="budgetopt", version=__version__, spec_path=f"{API_PREFIX}/openapi.json",
        docs_path=f"{API_PREFIX}/docs", docs_ui="swagger-ui", static_url_path=STATIC_PATH,
    )
    app.request_class = ApiRequest
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
        DESCRIPTION=DESCRIPTION,
        TAGS=TAGS,
        AUTO_SERVERS=False,
        HTTP_ERROR_SCHEMA=PROBLEM_SCHEMA,
        VALIDATION_ERROR_SCHEMA=PROBLEM_SCHEMA,
        SWAGGER_UI_CSS=f"{STATIC_PATH}/swagger-ui/swagger-ui.css",
        SWAGGER_UI_BUNDLE_JS=f"{STATIC_PATH}/swagger-ui/swagger-ui-bundle.js",
        SWAGGER_UI_STANDALONE_PRESET_JS=f"{STATIC_PATH}/swagger-ui/swagger-ui-standalone-preset.js",
        DOCS_FAVICON=f"{STATIC_PATH}/swagger-ui/favicon-32x32.png",
        # Swagger UI would otherwise fetch a validity badge from validator.swagger.io
        SWAGGER_UI_CONFIG={"validatorUrl": None},
        LICENSE={"name": "MIT"},
    )
    app.config.update({k: v for k, v in config.items() if k.isupper()})
    app.spec_processor(_finish_document)
    app.after_request(_security_headers)
    register_problems(app)

    url = settings.resolved_database_url()
    database = Database(url)
    database.upgrade()
    current = Services(settings=settings, database=database)
    app.extensions[EXTENSION] = current

    from budgetopt.web.api import api

    app.register_blueprint(api)
    from budgetopt.web.pages import init_pages

    init_pages(app)
    _health_routes(app)
    if start_executor:
        from budgetopt.jobs import make_executor

        current.executor = make_executor(settings, url)
        current.executor.start()
    return app


def services_of(app: APIFlask) -> Services:
    """The services of ``app`` (to stop them: ``services_of(app).close()``)."""
    return app.extensions[EXTENSION]


IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Send the same request again with the same key to get the same job, not a second one.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def _finish_document(spec: dict[str, Any]) -> dict[str, Any]:
    """Error responses are ``application/problem+json`` in the document, as they are on the wire, and
    the submit operations take an ``Idempotency-Key`` header."""
    for route, path in spec.get("paths", {}).items():
        for method, operation in path.items():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(status)[0] in "45" and "application/json" in content:
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
            if method == "post" and route.endswith(("/jobs", "/frontier")) and "{scenario_id}" in route:
                operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_PARAMETER))
    return spec


def _security_headers(response: Response) -> Response:
    """No sniffing of content types, no referrer, no framing; API answers are not cached."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith(API_PREFIX) and not request.path.startswith(STATIC_PATH):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _health_routes(app: APIFlask) -> None:
    @app.get("/healthz")
    @app.doc(tags=["health"])
    @app.output(Health)
    def healthz() -> dict[str, str]:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/readyz")
    @app.doc(tags=["health"], responses={503: "The database cannot be reached"})
    @app.output(Health)
    def readyz() -> dict[str, str] | Response:
        """The database answers."""
        database = current_app.extensions[EXTENSION].database
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok", "database": database.url.get_backend_name()}
