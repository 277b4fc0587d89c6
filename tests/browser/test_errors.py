"""Error states in the browser: an upload with seeded mistakes shows each one where it is (file, row,
column) and stores nothing; an invalid scenario form shows the errors at their fields and stores nothing.
Both pages pass axe-core in Dutch and English."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from budgetopt.client import Client
from tests.browser.axe import assert_accessible
from tests.browser.browsing import visit
from tests.browser.conftest import MISTAKES, OpenPage

pytestmark = pytest.mark.slow
LANGS = ["nl", "en"]
# Words of the core's problem messages, per language.
EXPECTED_WORD = {"nl": "verwacht", "en": "expected"}


def _dataset_ids(api: Client) -> set[str]:
    return {d["id"] for d in api.http.get("/datasets", params={"per_page": 100}).json()["items"]}


def _scenario_ids(api: Client) -> set[str]:
    return {s["id"] for s in api.http.get("/scenarios", params={"per_page": 100}).json()["items"]}


def _row_cells(page: Page) -> list[list[str]]:
    """The text of every data row of the page's tables, cell by cell."""
    rows = page.locator("main table tbody tr")
    return [[t.strip() for t in rows.nth(i).locator("th, td").all_inner_texts()] for i in range(rows.count())]


def _described_text(page: Page, field: Locator) -> str:
    """The text of the elements ``field``'s ``aria-describedby`` points to."""
    ids = (field.get_attribute("aria-describedby") or "").split()
    assert ids, "the field has no aria-describedby"
    texts = []
    for element_id in ids:
        element = page.locator(f"[id='{element_id}']")
        assert element.count() == 1, f"aria-describedby points to a missing id {element_id!r}"
        texts.append(element.inner_text())
    return " ".join(texts)


@pytest.mark.parametrize("lang", LANGS)
def test_upload_with_seeded_mistakes_shows_each_where_it_is_and_stores_nothing(
        open_page: OpenPage, api: Client, seeded_zip: Path, lang: str) -> None:
    before = _dataset_ids(api)
    page = open_page(lang)
    visit(page, "/datasets", lang)
    form = page.locator("form:has(input[type=file])")
    form.locator("input[type=file]").set_input_files(seeded_zip)
    form.locator("input[name=name]").fill("Drenthe met fouten")
    with page.expect_navigation() as answer:
        form.locator("[type=submit]").first.click()
    assert answer.value is not None
    assert answer.value.status in (200, 422)

    rows = _row_cells(page)
    for file, row, column, found in MISTAKES:
        located = [cells for cells in rows
                   if file in cells and str(row) in cells and any(column in cell for cell in cells)]
        assert located, f"no table row for {file} row {row} column {column}; rows: {rows[:10]}"
        assert any(found in cell for cell in located[0]), f"{found!r} not shown for {file} row {row}"
    messages = page.locator("main").inner_text()
    assert EXPECTED_WORD[lang] in messages
    field = page.locator("form:has(input[type=file]) input[type=file]")
    assert field.get_attribute("aria-invalid") == "true"
    assert _described_text(page, field).strip()
    assert_accessible(page, f"upload with mistakes ({lang})")

    assert _dataset_ids(api) == before
    visit(page, "/datasets", lang)
    expect(page.locator("main")).not_to_contain_text("Drenthe met fouten")


@pytest.mark.parametrize("lang", LANGS)
def test_invalid_scenario_form_shows_errors_at_the_fields_and_stores_nothing(
        open_page: OpenPage, api: Client, lang: str) -> None:
    datasets = api.http.get("/datasets", params={"per_page": 100}).json()["items"]
    before = _scenario_ids(api)
    page = open_page(lang)
    visit(page, f"/scenarios/new?dataset={datasets[0]['id']}", lang)
    page.locator("input[name=name]").fill("Ongeldig")
    page.locator("input[name=budget_mode][value=cut]").check()
    page.locator("input[name=budget_cut]").fill("veel")
    page.locator("input[name=quality_floor]").fill("1,7")
    with page.expect_navigation() as answer:
        page.locator("form:has(input[name=budget_cut]) [type=submit]").first.click()
    assert answer.value is not None
    assert answer.value.status in (200, 422)

    for name in ("budget_cut", "quality_floor"):
        field = page.locator(f"input[name={name}]")
        assert field.get_attribute("aria-invalid") == "true", name
        assert _described_text(page, field).strip(), name
    assert page.locator("input[name=budget_cut]").input_value() == "veel"
    assert_accessible(page, f"invalid scenario form ({lang})")
    assert _scenario_ids(api) == before


@pytest.mark.parametrize("lang", LANGS)
def test_a_form_without_its_csrf_token_is_refused_on_an_accessible_page(
        open_page: OpenPage, api: Client, drenthe_xlsx: Path, lang: str) -> None:
    before = _dataset_ids(api)
    page = open_page(lang)
    visit(page, "/datasets", lang)
    form = page.locator("form:has(input[type=file])")
    assert form.locator("input[name=csrf_token]").count() == 1
    form.locator("input[name=csrf_token]").evaluate("field => field.remove()")
    form.locator("input[type=file]").set_input_files(drenthe_xlsx)
    with page.expect_navigation() as answer:
        form.locator("[type=submit]").first.click()
    assert answer.value is not None
    assert answer.value.status == 400
    assert (page.locator("html").get_attribute("lang") or "").startswith(lang)
    assert_accessible(page, f"refused form ({lang})")
    assert _dataset_ids(api) == before
