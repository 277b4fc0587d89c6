"""Scenarios: create from a dataset and parameters, duplicate, edit while a draft, search, delete."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError

from budgetopt.web.api.blueprint import api
from budgetopt.web.api.reads import read_repository
from budgetopt.web.api.represent import page_out, scenario_out
from budgetopt.web.problems import invalid_fields
from budgetopt.web.schemas import (
    ScenarioDuplicate,
    ScenarioIn,
    ScenarioOut,
    ScenarioPage,
    ScenarioPatch,
    ScenarioQuery,
)
from budgetopt.web.services import repository

TAG = {"tags": ["scenarios"]}


@contextmanager
def _parameters_checked() -> Iterator[None]:
    """Scenario parameters the core refuses answer 422 located under ``parameters``."""
    try:
        yield
    except ValidationError as error:
        raise invalid_fields(error, "json", prefix="parameters") from None


@api.post("/scenarios")
@api.doc(**TAG, responses={404: "No such dataset"})
@api.input(ScenarioIn, location="json")
@api.output(ScenarioOut, status_code=201)
def create_scenario(json_data: ScenarioIn) -> tuple[dict[str, Any], int, dict[str, str]]:
    """A draft scenario; its parameters are validated against the dataset (422 lists the problems)."""
    with repository() as repo, _parameters_checked():
        scenario = repo.add_scenario(json_data.dataset_id, json_data.name, json_data.parameters,
                                     description=json_data.description, tags=json_data.tags)
        body = scenario_out(scenario)
    return body, 201, {"Location": f"/api/v1/scenarios/{body['id']}"}


@api.get("/scenarios")
@api.doc(**TAG)
@api.input(ScenarioQuery, location="query")
@api.output(ScenarioPage)
def list_scenarios(query_data: ScenarioQuery) -> dict[str, Any]:
    """Scenarios by text search, tags, status and dataset, paged."""
    tags = [t.strip() for t in (query_data.tag or "").split(",") if t.strip()]
    with read_repository() as repo:
        page = repo.list_scenarios(q=query_data.q, tags=tags, status=query_data.status,
                                   dataset_id=query_data.dataset_id, page=query_data.page,
                                   per_page=query_data.per_page)
        return page_out(page, scenario_out)


@api.get("/scenarios/<string:scenario_id>")
@api.doc(**TAG)
@api.output(ScenarioOut)
def get_scenario(scenario_id: str) -> dict[str, Any]:
    """One scenario."""
    with read_repository() as repo:
        return scenario_out(repo.get_scenario(scenario_id))


@api.patch("/scenarios/<string:scenario_id>")
@api.doc(**TAG, responses={409: "The scenario is no longer a draft"})
@api.input(ScenarioPatch, location="json")
@api.output(ScenarioOut)
def update_scenario(scenario_id: str, json_data: ScenarioPatch) -> dict[str, Any]:
    """Change a draft; 409 once a job ran it (duplicate it instead)."""
    changes = json_data.model_dump(exclude_unset=True)
    with repository() as repo, _parameters_checked():
        return scenario_out(repo.update_scenario(scenario_id, **changes))


@api.post("/scenarios/<string:scenario_id>/duplicate")
@api.doc(**TAG)
@api.input(ScenarioDuplicate, location="json")
@api.output(ScenarioOut, status_code=201)
def duplicate_scenario(scenario_id: str, json_data: ScenarioDuplicate
                       ) -> tuple[dict[str, Any], int, dict[str, str]]:
    """A new draft with the same dataset and parameters."""
    with repository() as repo:
        body = scenario_out(repo.duplicate_scenario(scenario_id, json_data.name))
    return body, 201, {"Location": f"/api/v1/scenarios/{body['id']}"}


@api.delete("/scenarios/<string:scenario_id>")
@api.doc(**TAG, responses={204: "Deleted"})
def delete_scenario(scenario_id: str) -> tuple[str, int]:
    """Delete a scenario with its jobs and results."""
    with repository() as repo:
        repo.delete_scenario(scenario_id)
    return "", 204
