"""Keyboard only (Tab, Space, Enter): upload → scenario form → save → solve, with focus visible at
every stop and the skip link first."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from budgetopt.client import Client
from tests.browser.browsing import id_in, visit
from tests.browser.conftest import OpenPage
from tests.browser.keyboard import FOCUS_STATE, tab_to
from tests.browser.states import check_plan

pytestmark = pytest.mark.slow
JOB_TIMEOUT_S = 120.0


def _press_and_wait(page: Page, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def test_skip_link_is_the_first_stop_and_moves_to_the_main_content(open_page: OpenPage) -> None:
    page = open_page("nl")
    visit(page, "/datasets", "nl")
    page.keyboard.press("Tab")
    state = page.evaluate(FOCUS_STATE, "a[href^='#']")
    assert state["matches"], f"the first Tab stop is {state['html']}, not a skip link"
    assert state["visible"]
    target = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    assert page.url.endswith(target)
    assert page.evaluate("'#' + document.activeElement.id") == target, "focus did not move to the content"


def test_upload_form_and_solve_with_the_keyboard_only(open_page: OpenPage, api: Client,
                                                      drenthe_xlsx: Path) -> None:
    page = open_page("nl")
    visit(page, "/datasets", "nl")

    tab_to(page, "input[type=file]")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(drenthe_xlsx)
    tab_to(page, "input[name=name]")
    page.keyboard.type("Drenthe (toetsenbord)")
    tab_to(page, "form:has(input[type=file]) [type=submit]")
    _press_and_wait(page, "Enter")
    dataset_id = id_in(page.url, "datasets")
    assert api.http.get(f"/datasets/{dataset_id}").json()["name"] == "Drenthe (toetsenbord)"

    tab_to(page, f"a[href*='/scenarios/new?dataset={dataset_id}']")
    _press_and_wait(page, "Enter")
    tab_to(page, "input[name=name]")
    page.keyboard.type("Toetsenbord 12 %")
    tab_to(page, "input[name=budget_cut]")
    page.keyboard.press("Control+A")
    page.keyboard.type("12")
    tab_to(page, "form:has(input[name=budget_cut]) [type=submit]")
    _press_and_wait(page, "Enter")
    scenario_id = id_in(page.url, "scenarios")
    scenario = api.http.get(f"/scenarios/{scenario_id}").json()
    assert scenario["name"] == "Toetsenbord 12 %"
    assert scenario["parameters"]["budget_cut"] == pytest.approx(0.12)

    tab_to(page, "form[action$='/solve'] [type=submit]")
    _press_and_wait(page, "Enter")
    job = api.wait(id_in(page.url, "jobs"), timeout_s=JOB_TIMEOUT_S)
    assert (job["status"], job["result_status"]) == ("succeeded", "optimal")
    kpis = api.result(job["id"])["kpis"]
    assert kpis["budget_eur"] == pytest.approx(0.88 * kpis["baseline_cost_eur"])
    check_plan(api, job["id"], 0.12)
