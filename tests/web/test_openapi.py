"""The OpenAPI document: generated from the schemas, valid, equal to api/openapi.yaml; local Swagger UI."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from openapi_spec_validator import validate

from budgetopt.web.contract import openapi_yaml

CONTRACT = Path(__file__).resolve().parents[2] / "api" / "openapi.yaml"


def _document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def test_document_validates(client):
    document = _document(client)
    validate(document)
    assert document["openapi"].startswith("3.")
    assert "/api/v1/scenarios/{scenario_id}/jobs" in document["paths"]


def test_document_matches_the_exported_contract(client):
    document = _document(client)
    exported = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    assert exported == document, (
        "api/openapi.yaml differs from the app; run `budgetopt openapi --out api/openapi.yaml`")
    assert yaml.safe_load(openapi_yaml(json.loads(json.dumps(document)))) == exported


def test_errors_are_documented_as_problem_json(client):
    document = _document(client)
    submit = document["paths"]["/api/v1/scenarios/{scenario_id}/jobs"]["post"]["responses"]
    assert set(submit) >= {"202", "404", "422"}
    for status in ("404", "422"):
        assert list(submit[status]["content"]) == ["application/problem+json"]


def test_swagger_ui_is_served_without_a_cdn(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "cdn." not in html
    assert "https://" not in html.replace("https://swagger.io", "")
    # the bundle's default would fetch a badge from validator.swagger.io
    assert '"validatorUrl": null' in html
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        url = f"/api/v1/static/swagger-ui/{asset}"
        assert url in html
        response = client.get(url)
        assert response.status_code == 200
        assert len(response.data) > 10_000
        response.close()


def test_submit_documents_the_idempotency_key(client):
    document = _document(client)
    for route in ("/api/v1/scenarios/{scenario_id}/jobs", "/api/v1/scenarios/{scenario_id}/frontier"):
        names = [p["name"] for p in document["paths"][route]["post"]["parameters"] if p["in"] == "header"]
        assert names == ["Idempotency-Key"]


def test_cli_prints_the_contract():
    from click.testing import CliRunner

    from budgetopt.cli import main

    printed = CliRunner().invoke(main, ["openapi"])
    assert printed.exit_code == 0, printed.output
    assert yaml.safe_load(printed.output) == yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
