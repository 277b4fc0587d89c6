"""XLSX and CSV exports: a sheet per table, numbers as numbers with formats, text never a formula."""

from __future__ import annotations

import copy
import csv
import io
import re
import zipfile

import openpyxl
import pytest

from budgetopt.reports.export import result_csv_zip, result_xlsx

HOSTILE = ["=SUM(1+1)", '=HYPERLINK("http://example.org","klik")', "+31 6 1234", "@cmd", "-2+3"]


@pytest.fixture(scope="module")
def files15(cut15) -> dict[str, bytes]:
    return {k: v for k, v in cut15.files().items() if k != "result.json"}


def _book(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def test_a_sheet_per_table_in_dutch(summary15, files15):
    book = _book(result_xlsx(summary15, files15, "nl"))
    assert book.sheetnames == ["Samenvatting", "Verdeling", "Gemeenten", "Aanbieders", "Zorgniveaus",
                               "Behoeften", "Regels"]
    english = _book(result_xlsx(summary15, files15, "en"))
    assert english.sheetnames == ["Summary", "Allocation", "Municipalities", "Providers", "Levels", "Needs",
                                  "Rules"]
    assert [c.value for c in english["Municipalities"][1]][:3] == ["Municipality", "Code", "Children"]
    assert [c.value for c in book["Gemeenten"][1]][:3] == ["Gemeente", "Code", "Kinderen"]


def test_numbers_are_numbers_with_formats(summary15, files15, cut15):
    book = _book(result_xlsx(summary15, files15, "nl"))
    summary = {row[0].value: row[2] for row in book["Samenvatting"].iter_rows(min_row=2)}
    assert summary["budget_eur"].value == pytest.approx(summary15["budget_eur"])
    assert summary["budget_eur"].number_format == "€ #,##0;€ -#,##0"
    assert summary["gap_closed_share"].number_format == "0.0%"
    assert summary["average_quality"].number_format == "0.000"

    allocation = book["Verdeling"]
    assert allocation.max_row == 1 + len(cut15.allocation)
    total = sum(row[6].value for row in allocation.iter_rows(min_row=2))
    assert total == pytest.approx(summary15["kpis"]["care_cost_eur"], rel=1e-9)
    for row in allocation.iter_rows(min_row=2, max_row=20):
        assert row[0].data_type == "s"
        assert isinstance(row[5].value, int | float)
        assert row[5].data_type == "n"
        assert row[5].number_format == "#,##0.0"

    municipalities = book["Gemeenten"]
    headers = [c.value for c in municipalities[1]]
    solidarity = headers.index("Solidariteitsbijdrage")
    values = [row[solidarity].value for row in municipalities.iter_rows(min_row=2)]
    assert values == pytest.approx([r["solidarity_eur"] for r in summary15["summaries"]["municipality"]])
    rules = {row[0].value: row for row in book["Regels"].iter_rows(min_row=2)}
    assert rules["budget"][3].value == "ja"
    assert "€ 1 mln meer budget" in rules["budget"][5].value


def test_text_that_looks_like_a_formula_stays_text(summary15, files15):
    summary = copy.deepcopy(summary15)
    for row, text in zip(summary["summaries"]["municipality"], HOSTILE, strict=False):
        row["name"] = text
    summary["summaries"]["provider"][0]["name"] = HOSTILE[1]
    content = result_xlsx(summary, files15, "nl")

    book = _book(content)
    names = [row[0] for row in book["Gemeenten"].iter_rows(min_row=2, max_row=1 + len(HOSTILE))]
    assert [c.value for c in names] == HOSTILE
    assert all(c.data_type == "s" for c in names)
    assert book["Aanbieders"]["A2"].value == HOSTILE[1]
    assert book["Aanbieders"]["A2"].data_type == "s"
    for sheet in book:
        for row in sheet.iter_rows():
            assert all(c.data_type != "f" for c in row), sheet.title
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        for name in sheets:
            xml = archive.read(name).decode("utf-8")
            assert not re.search(r"<f[ >]", xml), name
            assert "<hyperlink" not in xml


def test_csv_zip(summary15, files15, cut15):
    summary = copy.deepcopy(summary15)
    summary["summaries"]["municipality"][0]["name"] = HOSTILE[0]
    with zipfile.ZipFile(io.BytesIO(result_csv_zip(summary, files15))) as archive:
        assert archive.namelist() == ["summary.csv", "allocation.csv", "municipalities.csv", "providers.csv",
                                      "levels.csv", "needs.csv", "constraint_groups.csv"]
        read = {n: list(csv.DictReader(io.StringIO(archive.read(n).decode("utf-8"))))
                for n in archive.namelist()}
    kpis = {r["key"]: r["value"] for r in read["summary.csv"]}
    assert float(kpis["budget_eur"]) == summary15["budget_eur"]
    assert float(kpis["total_cost_eur"]) == summary15["total_cost_eur"]
    assert len(read["allocation.csv"]) == len(cut15.allocation)
    assert sum(float(r["cost_eur"]) for r in read["allocation.csv"]) == pytest.approx(
        cut15.allocation["cost_eur"].sum(), rel=1e-9)
    first = read["municipalities.csv"][0]
    assert first["name"] == "'" + HOSTILE[0]
    assert float(first["solidarity_eur"]) == summary15["summaries"]["municipality"][0]["solidarity_eur"]


def test_infeasible_result_exports_its_figures(summary25, cut25):
    files = {k: v for k, v in cut25.files().items() if k != "result.json"}
    book = _book(result_xlsx(summary25, files, "en"))
    assert book.sheetnames[0] == "Summary"
    assert "Municipalities" not in book.sheetnames
    figures = {row[0].value: row[2].value for row in book["Summary"].iter_rows(min_row=2)}
    assert figures["minimal_budget_eur"] == pytest.approx(summary25["minimal_budget_eur"])
    assert figures["budget_eur"] == pytest.approx(summary25["budget_eur"])
