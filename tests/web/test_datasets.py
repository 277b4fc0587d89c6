"""Datasets through the API: uploads validated by the core before anything is stored, downloads, templates."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from budgetopt.scenario.io import load_instance
from tests.web.steps import DRENTHE, make_scenario, set_cells, upload, zip_with


def _bad_cell(text: str) -> str:
    """demand.csv with row 3's children (last column) not a number, and row 5's level empty."""
    return set_cells(text, {(2, -1): "veel", (4, 2): ""})


def test_upload_csv_zip_stores_the_validated_instance(client, drenthe_zip):
    response = upload(client, drenthe_zip, name="Drenthe")
    assert response.status_code == 201
    body = response.json
    expected = load_instance(DRENTHE)
    assert body["name"] == "Drenthe"
    assert body["source_format"] == "csv-zip"
    assert body["sha256"] == expected.sha256
    assert body["row_counts"]["demand"] == len(expected["demand"])
    assert response.headers["Location"] == f"/api/v1/datasets/{body['id']}"
    assert client.get(f"/api/v1/datasets/{body['id']}").json == body
    listing = client.get("/api/v1/datasets").json
    assert listing["total"] == 1
    assert [d["id"] for d in listing["items"]] == [body["id"]]


@pytest.mark.parametrize("fmt", ["json", "xlsx", "csv-zip"])
def test_download_in_each_format_uploads_back_to_the_same_instance(client, drenthe_zip, fmt):
    dataset = upload(client, drenthe_zip).json
    response = client.get(f"/api/v1/datasets/{dataset['id']}/download?format={fmt}")
    assert response.status_code == 200
    suffix = {"json": ".json", "xlsx": ".xlsx", "csv-zip": ".zip"}[fmt]
    assert response.headers["Content-Disposition"] == f'attachment; filename="drenthe{suffix}"'
    again = upload(client, response.data, f"again{suffix}")
    assert again.status_code == 201, again.json
    assert again.json["source_format"] == fmt
    assert again.json["sha256"] == dataset["sha256"]


def test_bad_cells_are_422_with_every_problem_located_and_nothing_stored(client, drenthe_zip):
    bad = zip_with(drenthe_zip, "demand.csv", _bad_cell)
    response = upload(client, bad, "bad.zip")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.json
    assert problem["type"] == "/api/v1/problems/invalid-input"
    assert problem["status"] == 422
    located = {(p["file"], p["row"], p["column"]) for p in problem["problems"]}
    assert ("demand.csv", 3, "children") in located
    assert ("demand.csv", 5, "level") in located
    number = next(p for p in problem["problems"] if p["row"] == 3)
    assert number["found"] == "veel"
    assert "demand.csv, row 3, column children" in number["message"]
    assert client.get("/api/v1/datasets").json["total"] == 0


def test_problems_are_in_dutch_when_asked(client, drenthe_zip):
    bad = zip_with(drenthe_zip, "demand.csv", _bad_cell)
    problem = upload(client, bad, "bad.zip", language="nl").json
    messages = [p["message"] for p in problem["problems"]]
    assert any("demand.csv, rij 3, kolom children" in m for m in messages)
    assert problem["detail"].startswith("invoer afgekeurd")


def test_bad_xlsx_sheet_is_located_by_sheet_and_row(client, drenthe_zip, tmp_path):
    dataset = upload(client, drenthe_zip).json
    workbook_bytes = client.get(f"/api/v1/datasets/{dataset['id']}/download?format=xlsx").data
    path = tmp_path / "drenthe.xlsx"
    path.write_bytes(workbook_bytes)
    workbook = load_workbook(path)
    sheet = workbook["demand"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=4, column=header.index("children") + 1, value="lots")
    workbook.save(path)
    response = upload(client, path.read_bytes(), "drenthe.xlsx")
    assert response.status_code == 422
    problems = response.json["problems"]
    assert any(p["sheet"] == "demand" and p["row"] == 4 and p["column"] == "children" for p in problems)
    assert client.get("/api/v1/datasets").json["total"] == 1


@pytest.mark.parametrize(("content", "filename", "code"), [
    (b"not an instance", "notes.txt", "unsupported_format"),
    (b"PK\x03\x04 broken", "broken.zip", "unreadable_file"),
    (b'{"tables": [1, 2]}', "wrong.json", "bad_structure"),
])
def test_unreadable_uploads_are_422_problems(client, content, filename, code):
    response = upload(client, content, filename)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert [p["code"] for p in response.json["problems"]] == [code]
    assert response.json["problems"][0]["file"] == filename
    assert client.get("/api/v1/datasets").json["total"] == 0


def test_zip_bomb_is_refused_before_unpacking(client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("demand.csv", b"0" * 20_000_000)
    response = upload(client, buffer.getvalue(), "bomb.zip")
    assert response.status_code == 422
    assert "compression ratio" in response.json["problems"][0]["found"]


def test_missing_file_is_a_field_error(client):
    response = client.post("/api/v1/datasets", data={"name": "x"}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.json["type"] == "/api/v1/problems/invalid-input"
    assert [e["field"] for e in response.json["errors"]] == ["file"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv-zip"])
def test_template_downloads(client, fmt, tmp_path):
    response = client.get(f"/api/v1/datasets/template?format={fmt}")
    assert response.status_code == 200
    if fmt == "xlsx":
        path = tmp_path / "template.xlsx"
        path.write_bytes(response.data)
        assert {"demand", "providers", "offers"} <= set(load_workbook(path, read_only=True).sheetnames)
    else:
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            header = archive.read("demand.csv").decode().strip().split(",")
        assert header[:2] == ["municipality_id", "need_id"]
        assert "children" in header


def test_delete_is_refused_while_scenarios_use_the_dataset(client, drenthe_zip):
    dataset = upload(client, drenthe_zip).json
    scenario = make_scenario(client, dataset["id"])
    refused = client.delete(f"/api/v1/datasets/{dataset['id']}")
    assert refused.status_code == 409
    assert refused.json["type"] == "/api/v1/problems/conflict"
    assert client.delete(f"/api/v1/scenarios/{scenario['id']}").status_code == 204
    assert client.delete(f"/api/v1/datasets/{dataset['id']}").status_code == 204
    gone = client.get(f"/api/v1/datasets/{dataset['id']}")
    assert gone.status_code == 404
    assert gone.json["type"] == "/api/v1/problems/not-found"


def test_another_region_does_not_see_the_dataset(client, drenthe_zip, database_url, tmp_path):
    from budgetopt.web import create_app, services_of

    dataset = upload(client, drenthe_zip).json
    other = create_app({"database_url": database_url, "instance_path": tmp_path, "executor": "none",
                        "default_region": "someone-else"})
    try:
        foreign = other.test_client()
        assert foreign.get(f"/api/v1/datasets/{dataset['id']}").status_code == 404
        listing = foreign.get("/api/v1/datasets?per_page=200").json
        assert dataset["id"] not in {d["id"] for d in listing["items"]}
        assert foreign.delete(f"/api/v1/datasets/{dataset['id']}").status_code == 404
    finally:
        services_of(other).close()
    assert client.get(f"/api/v1/datasets/{dataset['id']}").status_code == 200


def _entity_expansion(levels: int = 9) -> bytes:
    """sharedStrings.xml as a 'billion laughs' document: 10**levels copies of one word if expanded."""
    entities = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return ('<?xml version="1.0"?><!DOCTYPE sst [' + "".join(entities) + ']>'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
            f'uniqueCount="1"><si><t>&l{levels};</t></si></sst>').encode()


def test_an_entity_expansion_workbook_is_refused_and_nothing_stored(client, drenthe_zip):
    dataset = upload(client, drenthe_zip).json
    workbook = client.get(f"/api/v1/datasets/{dataset['id']}/download?format=xlsx").data
    client.delete(f"/api/v1/datasets/{dataset['id']}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(buffer, "w") as target:
        names = source.namelist()
        assert "xl/sharedStrings.xml" in names
        for member in names:
            data = source.read(member)
            target.writestr(member, _entity_expansion() if member == "xl/sharedStrings.xml" else data)
    response = upload(client, buffer.getvalue(), "laughs.xlsx")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert [p["file"] for p in response.json["problems"]] == ["laughs.xlsx"]
    assert client.get("/api/v1/datasets").json["total"] == 0
