"""Errors as RFC 9457 ``application/problem+json`` documents with stable ``type`` URIs.

Every error the API answers, its own and Flask's/APIFlask's (validation, 404, 405, 413, 500), leaves
through :func:`problem_response`. The ``type`` of a problem is ``/api/v1/problems/<code>``; the
catalogue of codes is served at that address.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from apiflask import APIFlask, HTTPError
from flask import Response, current_app, json, request
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from budgetopt.errors import InstanceError
from budgetopt.storage.errors import Conflict, IdempotencyMismatch, NotFound

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "/api/v1/problems/"
LANGUAGES = ("en", "nl")

log = logging.getLogger(__name__)

# code -> (status, title)
PROBLEMS: dict[str, tuple[int, str]] = {
    "invalid-input": (422, "The request or its data has problems"),
    "bad-request": (400, "The request cannot be read"),
    "not-found": (404, "No such resource"),
    "method-not-allowed": (405, "Method not allowed on this resource"),
    "conflict": (409, "The resource is in a state that does not allow this"),
    "idempotency-mismatch": (422, "This Idempotency-Key was used with another request body"),
    "payload-too-large": (413, "The request body is larger than the service accepts"),
    "unsupported-media-type": (415, "Unsupported media type"),
    "no-result-yet": (409, "The job has no result yet"),
    "not-acceptable": (406, "No representation in the requested format"),
    "service-unavailable": (503, "The service cannot answer now"),
    "client-error": (400, "The request was refused"),
    "internal-error": (500, "Internal server error"),
}
_BY_STATUS = {400: "bad-request", 404: "not-found", 405: "method-not-allowed", 406: "not-acceptable",
              409: "conflict", 413: "payload-too-large", 415: "unsupported-media-type",
              422: "invalid-input", 503: "service-unavailable"}

# The OpenAPI schema of a problem document (components/schemas/Problem).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "description": "Stable URI of the kind of problem."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The request path."},
        "errors": {
            "type": "array",
            "description": "Request fields that failed validation.",
            "items": {
                "type": "object",
                "properties": {"location": {"type": "string"}, "field": {"type": "string"},
                               "message": {"type": "string"}},
            },
        },
        "problems": {
            "type": "array",
            "description": "Every problem of the uploaded or derived instance, located.",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"}, "file": {"type": "string"},
                    "sheet": {"type": ["string", "null"]}, "table": {"type": ["string", "null"]},
                    "row": {"type": ["integer", "null"]}, "column": {"type": ["string", "null"]},
                    "expected": {"type": "string"}, "found": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
    "required": ["type", "title", "status"],
}


def problem_type(code: str) -> str:
    """The stable ``type`` URI of a problem code."""
    return PROBLEM_BASE + code


def request_language() -> str:
    """``nl`` or ``en`` from the request's ``Accept-Language`` (``en`` when none fits)."""
    return request.accept_languages.best_match(LANGUAGES, default="en") or "en"


class ApiProblem(HTTPError):
    """An error answered as a problem document of a given code."""

    def __init__(self, code: str, detail: str = "", *, status: int | None = None,
                 headers: Mapping[str, str] | None = None, **members: Any) -> None:
        default_status, title = PROBLEMS[code]
        super().__init__(status or default_status, title, headers=dict(headers or {}),
                         extra_data={"problem_code": code, "problem_detail": detail, **members})


def invalid_instance(error: InstanceError, lang: str) -> ApiProblem:
    """422 listing every problem of an instance, messages in ``lang``."""
    problems = [_problem_record(p, lang) for p in error.problems]
    count = len(problems)
    if lang == "nl":
        detail = f"invoer afgekeurd: {count} {'probleem' if count == 1 else 'problemen'}"
    else:
        detail = f"input rejected: {count} problem{'' if count == 1 else 's'}"
    return ApiProblem("invalid-input", detail, problems=problems)


def invalid_fields(error: ValidationError, location: str = "json", prefix: str = "") -> ApiProblem:
    """422 from a pydantic validation error of request fields (``prefix``: the object they sit in)."""
    errors = [{"location": location,
               "field": ".".join([prefix] * bool(prefix) + [str(p) for p in item["loc"]]) or "_schema",
               "message": item["msg"]} for item in error.errors()]
    return ApiProblem("invalid-input", "; ".join(f"{e['field']}: {e['message']}" for e in errors),
                      errors=errors)


def _problem_record(problem: Any, lang: str) -> dict[str, Any]:
    record = problem.to_dict(lang) if hasattr(problem, "to_dict") else {"message": str(problem)}
    record.pop("detail", None)
    return record


def problem_response(status: int, code: str, *, title: str | None = None, detail: str = "",
                     headers: Mapping[str, str] | None = None, **members: Any) -> Response:
    """A problem document as a Flask response."""
    body: dict[str, Any] = {"type": problem_type(code), "title": title or PROBLEMS[code][1],
                            "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    body.update({k: v for k, v in members.items() if v is not None})
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _code_of(status: int) -> str:
    """The problem code of an HTTP status that carries no code of its own."""
    return _BY_STATUS.get(status, "internal-error" if status >= 500 else "client-error")


def _from_http_error(error: HTTPError) -> Response:
    extra = dict(error.extra_data or {})
    code = extra.pop("problem_code", None)
    detail = extra.pop("problem_detail", "")
    headers = dict(error.headers or {})
    if code is None:
        code = _code_of(error.status_code)
        if error.status_code == 422 and isinstance(error.detail, dict) and error.detail:
            extra["errors"] = _validation_errors(error.detail)
            detail = "; ".join(f"{e['field']}: {e['message']}" for e in extra["errors"])
        elif isinstance(error.detail, str):
            detail = error.detail
    own_title = code == "client-error" or code not in PROBLEMS
    title = (error.message or "Error") if own_title else PROBLEMS[code][1]
    return problem_response(error.status_code, code, title=title, detail=detail, headers=headers, **extra)


def _validation_errors(detail: Mapping[str, Any]) -> list[dict[str, str]]:
    """APIFlask's ``{location: {field: [messages]}}`` as a flat list."""
    errors = []
    for location, fields in detail.items():
        if not isinstance(fields, Mapping):
            errors.append({"location": str(location), "field": "_schema", "message": str(fields)})
            continue
        for field, messages in fields.items():
            for message in messages if isinstance(messages, list) else [messages]:
                errors.append({"location": str(location), "field": str(field), "message": str(message)})
    return errors


def register_problems(app: APIFlask) -> None:
    """Answer every error of ``app`` as problem+json."""
    app.json_errors = True

    @app.error_processor
    def _processor(error: HTTPError) -> Response:
        return _from_http_error(error)

    @app.errorhandler(InstanceError)
    def _instance_error(error: InstanceError) -> Response:
        return _from_http_error(invalid_instance(error, request_language()))

    @app.errorhandler(ValidationError)
    def _pydantic_error(error: ValidationError) -> Response:
        return _from_http_error(invalid_fields(error))

    @app.errorhandler(IdempotencyMismatch)
    def _idempotency(error: IdempotencyMismatch) -> Response:
        return problem_response(422, "idempotency-mismatch", detail=str(error))

    @app.errorhandler(NotFound)
    def _not_found(error: NotFound) -> Response:
        return problem_response(404, "not-found", detail=str(error))

    @app.errorhandler(Conflict)
    def _conflict(error: Conflict) -> Response:
        return problem_response(409, "conflict", detail=str(error))

    @app.errorhandler(OperationalError)
    def _database_down(error: OperationalError) -> Response:
        log.warning("database unavailable: %s", error.orig)
        return problem_response(503, "service-unavailable", detail="the database cannot be reached",
                                headers={"Retry-After": "5"})

    @app.errorhandler(HTTPException)
    def _werkzeug_error(error: HTTPException) -> Response:
        status = error.code or 500
        code = _code_of(status)
        detail = error.description or ""
        if status == 413:
            limit = current_app.config.get("MAX_CONTENT_LENGTH")
            detail = f"the limit is {limit} bytes" if limit else detail
        headers = {}
        if status == 405 and getattr(error, "valid_methods", None):
            headers["Allow"] = ", ".join(error.valid_methods)
        title = (error.name or "Error") if code == "client-error" else PROBLEMS[code][1]
        return problem_response(status, code, title=title, detail=detail, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return _werkzeug_error(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(500, "internal-error", detail="the error was logged")
