"""Scenarios through the API: create, validate parameters, edit drafts, duplicate, search, page, delete."""

from __future__ import annotations

import pytest

from tests.web.steps import make_scenario, upload


@pytest.fixture
def dataset(client, drenthe_zip):
    """The Drenthe dataset of the test's region."""
    return upload(client, drenthe_zip).json


def test_create_and_read(client, dataset):
    body = make_scenario(client, dataset["id"], "Drenthe 15 % cut", description="cut the budget",
                         tags=["example", "cut"], parameters={"budget_cut": 0.15, "objective": "min_cost"})
    assert body["status"] == "draft"
    assert body["parameters"] == {"budget_cut": 0.15, "objective": "min_cost"}
    assert sorted(body["tags"]) == ["cut", "example"]
    assert body["parent_id"] is None
    assert client.get(f"/api/v1/scenarios/{body['id']}").json == body


@pytest.mark.parametrize(("parameters", "field"), [
    ({"budget_cut": 1.5}, "parameters.budget_cut"),
    ({"objective": "max_profit"}, "parameters.objective"),
    ({"no_such_lever": 1}, "parameters.no_such_lever"),
])
def test_parameters_the_core_refuses_are_422(client, dataset, parameters, field):
    response = client.post("/api/v1/scenarios", json={"dataset_id": dataset["id"], "name": "x",
                                                      "parameters": parameters})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in [e["field"] for e in response.json["errors"]]
    assert client.get("/api/v1/scenarios").json["total"] == 0


def test_unknown_dataset_is_404(client):
    response = client.post("/api/v1/scenarios", json={"dataset_id": "no-such-id", "name": "x"})
    assert response.status_code == 404
    assert response.json["type"] == "/api/v1/problems/not-found"


def test_draft_edits_and_submitted_scenarios_are_frozen(client, dataset):
    body = make_scenario(client, dataset["id"], parameters={"budget_cut": 0.1})
    changed = client.patch(f"/api/v1/scenarios/{body['id']}",
                           json={"name": "deeper cut", "parameters": {"budget_cut": 0.2}, "tags": ["b"]})
    assert changed.status_code == 200
    assert changed.json["name"] == "deeper cut"
    assert changed.json["parameters"] == {"budget_cut": 0.2}
    assert changed.json["tags"] == ["b"]
    bad = client.patch(f"/api/v1/scenarios/{body['id']}", json={"parameters": {"budget_cut": -1}})
    assert bad.status_code == 422
    assert client.get(f"/api/v1/scenarios/{body['id']}").json["parameters"] == {"budget_cut": 0.2}
    assert client.post(f"/api/v1/scenarios/{body['id']}/jobs", json={}).status_code == 202
    assert client.get(f"/api/v1/scenarios/{body['id']}").json["status"] == "submitted"
    frozen = client.patch(f"/api/v1/scenarios/{body['id']}", json={"name": "again"})
    assert frozen.status_code == 409
    assert frozen.json["type"] == "/api/v1/problems/conflict"
    copy = client.post(f"/api/v1/scenarios/{body['id']}/duplicate", json={"name": "variant"})
    assert copy.status_code == 201
    assert copy.json["status"] == "draft"
    assert copy.json["parent_id"] == body["id"]
    assert copy.json["parameters"] == {"budget_cut": 0.2}
    assert client.patch(f"/api/v1/scenarios/{copy.json['id']}", json={"name": "v2"}).status_code == 200


def test_search_filters_and_paging(client, dataset):
    for i in range(7):
        make_scenario(client, dataset["id"], f"cut {i}", tags=["even" if i % 2 == 0 else "odd", "all"],
                      description="zuinig" if i == 3 else "")
    other = upload(client, client.get(f"/api/v1/datasets/{dataset['id']}/download").data, "other.json").json
    make_scenario(client, other["id"], "growth", tags=["all"])

    def ids(query: str) -> tuple[int, list[str]]:
        page = client.get(f"/api/v1/scenarios?{query}").json
        return page["total"], [s["name"] for s in page["items"]]

    assert ids("")[0] == 8
    assert ids("q=growth") == (1, ["growth"])
    assert ids("q=ZUINIG") == (1, ["cut 3"])
    assert ids("tag=even")[0] == 4
    assert ids("tag=even,all")[0] == 4
    assert ids("tag=even,odd")[0] == 0
    assert ids(f"dataset_id={other['id']}") == (1, ["growth"])
    assert ids("status=submitted")[0] == 0
    first, second, third = (client.get(f"/api/v1/scenarios?per_page=3&page={p}").json for p in (1, 2, 3))
    assert (first["total"], first["page"], first["per_page"]) == (8, 1, 3)
    names = [s["name"] for page in (first, second, third) for s in page["items"]]
    assert len(names) == len(set(names)) == 8
    bad = client.get("/api/v1/scenarios?per_page=0")
    assert bad.status_code == 422
    assert bad.json["errors"][0]["location"] == "query"


def test_delete(client, dataset):
    body = make_scenario(client, dataset["id"])
    assert client.delete(f"/api/v1/scenarios/{body['id']}").status_code == 204
    assert client.get(f"/api/v1/scenarios/{body['id']}").status_code == 404
    assert client.delete(f"/api/v1/scenarios/{body['id']}").status_code == 404
