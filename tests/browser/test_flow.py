"""The analyst's whole path in headless Chromium, in Dutch: upload the Drenthe workbook → scenario form
at a 15 % cut → solve and watch the progress → result → a second scenario (duplicate, 10 % cut) →
compare both → download the board report (PDF) and the XLSX export."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from budgetopt.client import Client
from budgetopt.reports.formatting import money, number, percent
from budgetopt.scenario.io import load_instance
from tests.browser.browsing import id_in, plain, submit, visit
from tests.browser.conftest import DRENTHE, TIMEOUT_MS, OpenPage
from tests.browser.states import check_plan

pytestmark = pytest.mark.slow
JOB_TIMEOUT_S = 120.0
# The Drenthe dataset's own scenario cut; a scenario stores only the levers that differ from it.
DEFAULT_CUT = load_instance(DRENTHE).scenario.budget_cut
# The phase a job page shows (``#job-phase``), each time it changes, kept in sessionStorage across the
# reload that turns the progress page into the result page.
PHASE_RECORDER = """
(() => {
  if (!location.pathname.startsWith('/jobs/')) return;
  const record = () => {
    const node = document.getElementById('job-phase');
    const seen = JSON.parse(sessionStorage.getItem('phases') || '[]');
    const text = node ? node.textContent.trim() : '';
    if (text && seen[seen.length - 1] !== text) {
      seen.push(text);
      sessionStorage.setItem('phases', JSON.stringify(seen));
    }
  };
  document.addEventListener('DOMContentLoaded', () => {
    record();
    const changes = {subtree: true, childList: true, characterData: true};
    new MutationObserver(record).observe(document.body, changes);
  });
})();
"""


def _set_budget_cut(page: Page, percent_cut: str) -> None:
    """Choose the budget as a cut on the baseline and enter it (in %)."""
    page.locator("input[name=budget_mode][value=cut]").check()
    page.locator("input[name=budget_cut]").fill(percent_cut)


def _solve_and_watch(page: Page, api: Client) -> tuple[str, list[str]]:
    """Press "solve" on a scenario page; the job id and the phases its page showed until the result."""
    page.evaluate("sessionStorage.removeItem('phases')")
    submit(page, "form[action$='/solve']")
    job_id = id_in(page.url, "jobs")
    final = api.wait(job_id, timeout_s=JOB_TIMEOUT_S)
    assert (final["status"], final["result_status"]) == ("succeeded", "optimal")
    total = api.result(job_id)["kpis"]["total_cost_eur"]
    expect(page.locator("main")).to_contain_text(plain(money(total, "nl", 0)), timeout=TIMEOUT_MS)
    return job_id, list(page.evaluate("JSON.parse(sessionStorage.getItem('phases') || '[]')"))


def _text(page: Page) -> str:
    return plain(page.locator("main").inner_text())


def _dutch_summary(kpis: dict) -> list[str]:
    """The summary figures as the board reads them in Dutch."""
    return [plain(money(kpis["budget_eur"], "nl", 0)), plain(money(kpis["baseline_cost_eur"], "nl", 0)),
            plain(money(kpis["total_cost_eur"], "nl", 0)), plain(money(kpis["gap_eur"], "nl", 0)),
            plain(percent(kpis["gap_closed_share"], "nl")), number(kpis["children_stepped_down"], "nl"),
            number(kpis["children_moved"], "nl")]


def test_upload_form_progress_result_compare_and_downloads(
        open_page: OpenPage, api: Client, drenthe_xlsx: Path, tmp_path: Path) -> None:
    page = open_page("nl")
    page.add_init_script(PHASE_RECORDER)

    # 1. Upload the Drenthe workbook.
    visit(page, "/datasets", "nl")
    upload = "form:has(input[type=file])"
    page.locator(f"{upload} input[type=file]").set_input_files(drenthe_xlsx)
    page.locator(f"{upload} input[name=name]").fill("Drenthe (browser)")
    submit(page, upload)
    dataset_id = id_in(page.url, "datasets")
    dataset = api.http.get(f"/datasets/{dataset_id}").json()
    assert (dataset["name"], dataset["source_format"]) == ("Drenthe (browser)", "xlsx")
    assert dataset["sha256"] == load_instance(DRENTHE).sha256

    # 2. The scenario form at a 15 % cut, reached from the dataset page.
    page.locator(f"a[href*='/scenarios/new?dataset={dataset_id}']").first.click()
    page.wait_for_url(re.compile(r"/scenarios/new"))
    page.locator("input[name=name]").fill("Browser 15 % bezuiniging")
    _set_budget_cut(page, "15")
    submit(page, "form:has(input[name=budget_cut])")
    scenario_id = id_in(page.url, "scenarios")
    scenario = api.http.get(f"/scenarios/{scenario_id}").json()
    assert scenario["name"] == "Browser 15 % bezuiniging"
    assert scenario["parameters"].get("budget_cut", DEFAULT_CUT) == pytest.approx(0.15)

    # 3. Solve, watch the progress, read the result.
    job_15, phases = _solve_and_watch(page, api)
    assert len(phases) >= 2, f"the progress text never changed: {phases}"
    check_plan(api, job_15, 0.15)
    kpis_15 = api.result(job_15)["kpis"]
    assert plain(money(kpis_15["budget_eur"], "nl", 0)) == "€ 143.628.734"
    assert plain(money(kpis_15["baseline_cost_eur"], "nl", 0)) == "€ 168.974.981"
    shown = _text(page)
    for kpi in ("total_cost_eur", "budget_eur"):
        figure = plain(money(kpis_15[kpi], "nl", 0))
        assert figure in shown, f"{figure} not on the result page"

    # 4. A second scenario: duplicate the first, edit it to a 10 % cut, solve.
    visit(page, f"/scenarios/{scenario_id}", "nl")
    submit(page, "form[action$='/duplicate']")
    copy_id = id_in(page.url, "scenarios")
    assert copy_id != scenario_id
    page.locator("input[name=name]").fill("Browser 10 % bezuiniging")
    _set_budget_cut(page, "10")
    submit(page, "form:has(input[name=budget_cut])")
    assert api.http.get(f"/scenarios/{copy_id}").json()["parameters"]["budget_cut"] == pytest.approx(0.10)
    visit(page, f"/scenarios/{copy_id}", "nl")
    job_10, _ = _solve_and_watch(page, api)
    check_plan(api, job_10, 0.10)

    # 5. Compare both against the current allocation: tick the two runs on the compare page.
    visit(page, "/compare", "nl")
    page.locator(f"input[type=checkbox][value='{job_15}']").check()
    page.locator(f"input[type=checkbox][value='{job_10}']").check()
    submit(page, "form:has(input[type=checkbox])")
    assert set(re.findall(r"[0-9a-f-]{36}", page.url)) == {job_15, job_10}
    comparison = api.compare([job_15, job_10])
    shown = _text(page)
    assert "Browser 15 % bezuiniging" in shown
    assert "Browser 10 % bezuiniging" in shown
    assert plain(money(comparison["baseline"]["kpis"]["total_cost_eur"], "nl", 0)) in shown
    for run in comparison["runs"]:
        assert plain(money(run["kpis"]["total_cost_eur"], "nl", 0)) in shown
        delta = run["deltas"]["total_cost_eur"]
        signed = {plain(money(delta, "nl", 0)), "-" + plain(money(-delta, "nl", 0))}
        assert any(text in shown for text in signed), f"none of {signed} on the compare page"
    assert comparison["runs"][0]["deltas"]["total_cost_eur"] == pytest.approx(-kpis_15["saving_eur"])

    # 6. Downloads from the result page: the board report (PDF) and the XLSX export.
    visit(page, f"/jobs/{job_15}", "nl")
    with page.expect_download() as pdf_download:
        page.locator("a[href*='report.pdf']").first.click()
    pdf_path = tmp_path / "rapport.pdf"
    pdf_download.value.save_as(pdf_path)
    reader = PdfReader(pdf_path)
    pdf_text = plain(" ".join(p.extract_text() or "" for p in reader.pages))
    pdf_text = re.sub(r"\s+", " ", pdf_text)
    missing = [figure for figure in _dutch_summary(kpis_15) if figure not in pdf_text]
    assert not missing, f"the PDF lacks {missing}; it reads: {pdf_text[:1500]}"
    root = reader.trailer["/Root"]
    assert str(root.get("/Lang", "")).startswith("nl"), root.get("/Lang")
    assert "/StructTreeRoot" in root, "the PDF is not tagged"
    assert (reader.metadata.title or "").strip(), "the PDF has no title"

    with page.expect_download() as xlsx_download:
        page.locator("a[href*='export.xlsx']").first.click()
    xlsx_path = tmp_path / "resultaat.xlsx"
    xlsx_download.value.save_as(xlsx_path)
    workbook = load_workbook(xlsx_path)
    try:
        assert len(workbook.sheetnames) >= 3, workbook.sheetnames
        numbers = [cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
                   for cell in row if isinstance(cell, int | float)]
        assert any(n == pytest.approx(kpis_15["total_cost_eur"], abs=0.01) for n in numbers)
        formulas = [cell.coordinate for sheet in workbook.worksheets for row in sheet.iter_rows()
                    for cell in row if cell.data_type == "f"]
        assert formulas == []
    finally:
        workbook.close()


def test_the_datasets_page_offers_the_empty_templates(open_page: OpenPage, tmp_path: Path) -> None:
    page = open_page("nl")
    visit(page, "/datasets", "nl")
    with page.expect_download() as xlsx_download:
        page.locator("a[href$='/template.xlsx']").first.click()
    template = tmp_path / "template.xlsx"
    xlsx_download.value.save_as(template)
    workbook = load_workbook(template)
    try:
        assert {"demand", "offers", "providers"} <= {name.lower() for name in workbook.sheetnames}
    finally:
        workbook.close()
    with page.expect_download() as zip_download:
        page.locator("a[href$='/template.zip']").first.click()
    archive = tmp_path / "template.zip"
    zip_download.value.save_as(archive)
    with zipfile.ZipFile(archive) as members:
        assert {"demand.csv", "offers.csv", "providers.csv"} <= set(members.namelist())
