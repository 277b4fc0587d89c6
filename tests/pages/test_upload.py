"""Uploads through the datasets page: every problem of a refused file shown by file, sheet, row and
column in a table tied to the upload field, nothing stored; a good file stored and its tables shown."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.pages.steps import Form, dataset_id, text_of, token, upload_page
from tests.web.steps import set_cells, zip_with


def _seed_mistakes(text: str) -> str:
    """demand.csv: row 3 children not a number, row 5 level empty, row 7 an unknown municipality."""
    return set_cells(text, {(2, -1): "veel", (4, 2): "", (6, 0): "GM9999"})


def _rows(html: str) -> list[list[str]]:
    table = html.split('id="upload-problems"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [[text_of(cell) for cell in re.findall(r"<td>(.*?)</td>", row, flags=re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)]


def test_seeded_mistakes_are_each_shown_and_nothing_is_stored(client, drenthe_zip):
    bad = zip_with(drenthe_zip, "demand.csv", _seed_mistakes)
    response = upload_page(client, bad, "drenthe-bad.zip", name="kapot")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    rows = _rows(html)
    located = {(r[0], r[2], r[3]) for r in rows}
    assert ("demand.csv", "3", "children") in located
    assert ("demand.csv", "5", "level") in located
    assert ("demand.csv", "7", "municipality_id") in located
    assert all(r[4] for r in rows), "every problem has a message"
    assert "er is niets opgeslagen" in text_of(html)
    form = Form(html)
    upload = next(c for c in form.controls if c.get("id") == "file")
    assert upload.get("aria-invalid") == "true"
    assert "upload-problems" in str(upload.get("aria-describedby")).split()
    assert form.values["name"] == "kapot"
    assert client.get("/api/v1/datasets").json["total"] == 0
    assert "Nog geen datasets." in text_of(client.get("/datasets").get_data(as_text=True))


def test_workbook_problems_name_the_sheet_in_english(client, drenthe_zip, tmp_path):
    from budgetopt.web.files import instance_bytes, read_upload

    _, instance = read_upload("drenthe.zip", drenthe_zip, "en")
    book = load_workbook(io.BytesIO(instance_bytes(instance, "xlsx")))
    sheet = book["offers"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=4, column=header.index("quality") + 1, value=1.7)
    path = tmp_path / "drenthe.xlsx"
    book.save(path)
    client.get("/datasets?lang=en")
    response = upload_page(client, path.read_bytes(), "drenthe.xlsx")
    assert response.status_code == 422
    rows = _rows(response.get_data(as_text=True))
    assert rows[0][:4] == ["drenthe.xlsx", "offers", "4", "quality"]
    assert "quality" in rows[0][4]
    assert client.get("/api/v1/datasets").json["total"] == 0


def test_an_unreadable_file_and_no_file_are_refused(client):
    response = upload_page(client, b"just text", "notes.txt")
    assert response.status_code == 422
    assert len(_rows(response.get_data(as_text=True))) == 1
    response = client.post("/datasets", data={"csrf_token": token(client)},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Kies een bestand om te uploaden." in response.get_data(as_text=True)
    assert client.get("/api/v1/datasets").json["total"] == 0


def test_a_good_upload_is_stored_and_its_tables_shown(client, drenthe_zip):
    data = dataset_id(client, drenthe_zip, name="Drenthe 2026")
    stored = client.get(f"/api/v1/datasets/{data}").json
    assert stored["name"] == "Drenthe 2026"
    page = text_of(client.get(f"/datasets/{data}?table=demand&page=2").get_data(as_text=True))
    total = stored["row_counts"]["demand"]
    assert f"Tabel demand: rijen 51 tot en met 100 van {total}" in page
    assert "Pagina 2 van" in page
    listing = text_of(client.get("/datasets").get_data(as_text=True))
    assert "Drenthe 2026" in listing
