"""The pages work with JavaScript switched off: plain form posts, and the progress page refreshes itself
(``<noscript>`` meta refresh) until it shows the result."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from budgetopt.client import Client
from budgetopt.reports.formatting import money
from tests.browser.browsing import id_in, plain, submit, visit
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.states import check_plan

pytestmark = pytest.mark.slow
JOB_TIMEOUT_S = 120.0


@pytest.fixture
def page_without_js(browser: Browser, service: str) -> Iterator[Page]:
    """A Dutch page with JavaScript disabled."""
    context = browser.new_context(locale="nl-NL", base_url=service, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_scenario_form_and_solve_without_javascript(page_without_js: Page, api: Client) -> None:
    page = page_without_js
    datasets = api.http.get("/datasets", params={"per_page": 100}).json()["items"]
    visit(page, f"/scenarios/new?dataset={datasets[0]['id']}", "nl")
    page.locator("input[name=name]").fill("Zonder JavaScript 14 %")
    page.locator("input[name=budget_mode][value=cut]").check()
    page.locator("input[name=budget_cut]").fill("14")
    submit(page, "form:has(input[name=budget_cut])")
    scenario = api.http.get(f"/scenarios/{id_in(page.url, 'scenarios')}").json()
    assert scenario["parameters"]["budget_cut"] == pytest.approx(0.14)

    submit(page, "form[action$='/solve']")
    assert page.locator("meta[http-equiv=refresh]").count() == 1, "the progress page does not refresh itself"
    job = api.wait(id_in(page.url, "jobs"), timeout_s=JOB_TIMEOUT_S)
    assert (job["status"], job["result_status"]) == ("succeeded", "optimal")
    check_plan(api, job["id"], 0.14)
    total = api.result(job["id"])["kpis"]["total_cost_eur"]
    expect(page.locator("main")).to_contain_text(plain(money(total, "nl", 0)), timeout=TIMEOUT_MS)
