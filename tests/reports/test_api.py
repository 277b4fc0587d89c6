"""Report and export routes on a real service (SQLite file, jobs solved in this process as a worker
would): the PDF holds the summary figures the API returns, in Dutch; unfinished jobs answer 409."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

from budgetopt.check import assert_plan_ok
from budgetopt.client import instance_upload
from budgetopt.reports.formatting import money, number, percent
from budgetopt.scenario.io import load_instance
from budgetopt.storage import JobStatus
from budgetopt.web import create_app, services_of
from tests.reports.text import html_text, normalise, pdf_text
from tests.web.steps import DRENTHE, make_scenario, run, upload

IDS = {"municipality_id": str, "need_id": str, "provider_id": str}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("reports-api")
    application = create_app({"database_url": f"sqlite:///{(folder / 'api.sqlite3').as_posix()}",
                              "instance_path": folder, "executor": "none",
                              "default_region": f"test-{uuid.uuid4().hex[:12]}", "heartbeat_s": 0.2})
    yield application
    services_of(application).close()


@pytest.fixture(scope="module")
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture(scope="module")
def dataset(client: Any) -> dict[str, Any]:
    response = upload(client, instance_upload(DRENTHE)[1], name="Drenthe")
    assert response.status_code == 201, response.json
    return response.json


def _job(client: Any, dataset: dict[str, Any], name: str, cut: float) -> dict[str, Any]:
    scenario = make_scenario(client, dataset["id"], name=name, parameters={"budget_cut": cut})
    response = client.post(f"/api/v1/scenarios/{scenario['id']}/jobs", json={})
    assert response.status_code == 202
    return response.json


@pytest.fixture(scope="module")
def job15(app: Any, client: Any, dataset: dict[str, Any]) -> dict[str, Any]:
    job = _job(client, dataset, "Bezuiniging 15%", 0.15)
    assert run(app, job["id"]) == JobStatus.SUCCEEDED
    csv = client.get(f"/api/v1/jobs/{job['id']}/result/allocation.csv")
    instance = load_instance(DRENTHE, scenario_overrides={"budget_cut": 0.15})
    assert_plan_ok(instance, pd.read_csv(io.BytesIO(csv.data), dtype=IDS))
    return job


def test_unfinished_job_answers_no_result_yet(client, dataset):
    job = _job(client, dataset, "wacht", 0.1)
    for path in ("report.html", "report.pdf?lang=en", "export.xlsx", "export.zip"):
        response = client.get(f"/api/v1/jobs/{job['id']}/{path}")
        assert response.status_code == 409, path
        assert response.mimetype == "application/problem+json"
        assert response.json["type"] == "/api/v1/problems/no-result-yet"
        assert response.headers["Retry-After"] == "1"
    missing = client.get("/api/v1/jobs/no-such-job/report.html")
    assert missing.status_code == 404
    assert missing.json["type"] == "/api/v1/problems/not-found"


def test_unknown_language_is_invalid_input(client, job15):
    response = client.get(f"/api/v1/jobs/{job15['id']}/report.html?lang=fr")
    assert response.status_code == 422
    assert response.json["type"] == "/api/v1/problems/invalid-input"
    assert response.json["errors"][0]["field"] == "lang"


def test_pdf_holds_the_figures_the_api_returns(client, job15):
    result = client.get(f"/api/v1/jobs/{job15['id']}/result").json
    kpis = result["kpis"]
    response = client.get(f"/api/v1/jobs/{job15['id']}/report.pdf?lang=nl")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="budgetopt-{job15["id"]}.pdf"'
    reader = PdfReader(io.BytesIO(response.data))
    assert reader.metadata.title == "Bestuursrapport: Bezuiniging 15%"
    assert reader.trailer["/Root"]["/Lang"] == "nl"
    text = pdf_text(response.data)
    figures = {
        "budget": money(kpis["budget_eur"], "nl", 0), "baseline": money(kpis["baseline_cost_eur"], "nl", 0),
        "cost": money(kpis["total_cost_eur"], "nl", 0), "gap closed": percent(kpis["gap_closed_share"], "nl"),
        "quality": number(kpis["average_quality"], "nl", 3),
        "stepped down": number(kpis["children_stepped_down"], "nl"),
        "moved": number(kpis["children_moved"], "nl"),
    }
    for what, figure in figures.items():
        assert normalise(figure) in text, what
    assert f"{figures['stepped down']} kinderen worden lichter geholpen dan geïndiceerd" in text
    assert f"{figures['moved']} kinderen gaan naar een andere aanbieder" in text
    assert normalise(f"Het plan kost {figures['cost']} en blijft binnen het budget.") in text
    assert result["input_sha256"] in text
    assert job15["id"] in text


def test_html_report_in_english(client, job15):
    response = client.get(f"/api/v1/jobs/{job15['id']}/report.html?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Content-Language"] == "en"
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "<title>Board report: Bezuiniging 15%</title>" in html
    assert "Drenthe" in html_text(html)
    dutch = client.get(f"/api/v1/jobs/{job15['id']}/report.html").get_data(as_text=True)
    assert '<html lang="nl">' in dutch


def test_exports(client, job15):
    result = client.get(f"/api/v1/jobs/{job15['id']}/result").json
    xlsx = client.get(f"/api/v1/jobs/{job15['id']}/export.xlsx?lang=nl")
    assert xlsx.status_code == 200
    assert xlsx.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames[:3] == ["Samenvatting", "Verdeling", "Gemeenten"]
    figures = {row[0].value: row[2].value for row in book["Samenvatting"].iter_rows(min_row=2)}
    assert figures["total_cost_eur"] == pytest.approx(result["kpis"]["total_cost_eur"])
    archive = client.get(f"/api/v1/jobs/{job15['id']}/export.zip")
    assert archive.status_code == 200
    assert archive.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.data)) as files:
        assert "allocation.csv" in files.namelist()
        assert "municipalities.csv" in files.namelist()


def test_infeasible_job_report_explains_why(app, client, dataset):
    job = _job(client, dataset, "Bezuiniging 25%", 0.25)
    assert run(app, job["id"]) == JobStatus.SUCCEEDED
    result = client.get(f"/api/v1/jobs/{job['id']}/result").json
    assert result["status"] == "infeasible"
    text = html_text(client.get(f"/api/v1/jobs/{job['id']}/report.html").get_data(as_text=True))
    minimal = normalise(money(result["diagnosis"]["minimal_budget_eur"], "nl", 0))
    assert "Waarom er geen plan is" in text
    assert f"Het kleinste budget waarbij alle regels gelden is {minimal}" in text
