"""``budgetopt report`` from the files ``budgetopt solve`` writes."""

from __future__ import annotations

import zipfile

import openpyxl
from click.testing import CliRunner

from budgetopt.cli import main
from tests.reports.text import html_text


def test_report_from_a_result_directory(cut15, tmp_path):
    cut15.write(tmp_path / "out")
    html, xlsx, archive = tmp_path / "r.html", tmp_path / "r.xlsx", tmp_path / "r.zip"
    outcome = CliRunner().invoke(main, ["report", str(tmp_path / "out"), "--lang", "nl", "--html", str(html),
                                        "--xlsx", str(xlsx), "--csv-zip", str(archive)])
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output.startswith("written: ")
    text = html_text(html.read_text(encoding="utf-8"))
    assert "Het plan kost € 143.628.734 en blijft binnen het budget." in text
    assert cut15.provenance["input_sha256"] in text
    assert openpyxl.load_workbook(xlsx).sheetnames[1] == "Verdeling"
    with zipfile.ZipFile(archive) as files:
        assert "allocation.csv" in files.namelist()


def test_report_from_result_json_in_english(cut25, tmp_path):
    cut25.write(tmp_path)
    html = tmp_path / "r.html"
    outcome = CliRunner().invoke(main, ["report", str(tmp_path / "result.json"), "--lang", "en",
                                        "--html", str(html)])
    assert outcome.exit_code == 0, outcome.output
    text = html_text(html.read_text(encoding="utf-8"))
    assert "Why there is no plan" in text
    assert "The smallest budget at which every rule holds is" in text


def test_report_needs_an_output(cut15, tmp_path):
    cut15.write(tmp_path)
    outcome = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert outcome.exit_code == 2
    assert "give at least one of --html, --pdf, --xlsx, --csv-zip" in outcome.output
