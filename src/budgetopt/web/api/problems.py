"""The catalogue of problem types: each ``type`` URI of an error document resolves here."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from budgetopt.web.api.blueprint import api
from budgetopt.web.problems import PROBLEMS, ApiProblem, problem_type


class ProblemType(BaseModel):
    """One kind of problem document."""

    type: str
    code: str
    status: int
    title: str


class ProblemTypes(BaseModel):
    """Every kind of problem document the API answers."""

    items: list[ProblemType]


def _entry(code: str) -> dict[str, Any]:
    status, title = PROBLEMS[code]
    return {"type": problem_type(code), "code": code, "status": status, "title": title}


@api.get("/problems")
@api.doc(tags=["problems"])
@api.output(ProblemTypes)
def list_problem_types() -> dict[str, Any]:
    """Every problem ``type`` with its HTTP status and title."""
    return {"items": [_entry(code) for code in PROBLEMS]}


@api.get("/problems/<string:code>")
@api.doc(tags=["problems"])
@api.output(ProblemType)
def get_problem_type(code: str) -> dict[str, Any]:
    """What one problem ``type`` means."""
    if code not in PROBLEMS:
        raise ApiProblem("not-found", f"no problem type {code!r}")
    return _entry(code)
