"""The page language: Accept-Language of the browser, the ``?lang=`` switch kept in a cookie, and the
switch link on every page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext

from budgetopt.client import Client
from budgetopt.reports.formatting import money
from tests.browser.browsing import plain, visit
from tests.browser.conftest import TIMEOUT_MS, OpenPage
from tests.browser.states import check_plan

pytestmark = pytest.mark.slow


@pytest.fixture
def english_browser(browser: Browser, service: str) -> Iterator[BrowserContext]:
    """A browser whose user asks for British English."""
    context = browser.new_context(locale="en-GB", base_url=service)
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


def test_the_browser_language_chooses_english_and_dutch_is_the_default(english_browser: BrowserContext,
                                                                         open_page: OpenPage) -> None:
    page = english_browser.new_page()
    visit(page, "/scenarios", "en")
    dutch = open_page("nl")
    visit(dutch, "/scenarios", "nl")
    assert page.title() != dutch.title()


def test_the_switch_is_remembered_and_leads_back(open_page: OpenPage) -> None:
    page = open_page("nl")
    visit(page, "/datasets?lang=en", "en")
    visit(page, "/scenarios", "en")
    english_title = page.title()
    with page.expect_navigation():
        page.locator("a[href*='lang=nl']").first.click()
    assert page.locator("html").get_attribute("lang") == "nl"
    assert "/scenarios" in page.url
    assert page.title() != english_title
    visit(page, "/datasets", "nl")


def test_figures_follow_the_page_language(open_page: OpenPage, api: Client) -> None:
    datasets = api.http.get("/datasets", params={"per_page": 100}).json()["items"]
    scenario = api.create_scenario(datasets[0]["id"], "Taal 15 %", {"budget_cut": 0.15})
    job = api.wait(api.submit(scenario["id"])["id"], timeout_s=120)
    assert job["status"] == "succeeded"
    check_plan(api, job["id"], 0.15)
    budget = api.result(job["id"])["kpis"]["budget_eur"]
    dutch, english = open_page("nl"), open_page("en")
    visit(dutch, f"/jobs/{job['id']}", "nl")
    visit(english, f"/jobs/{job['id']}", "en")
    assert "€ 143.628.734" in plain(dutch.locator("main").inner_text())
    assert "€143,628,734" in plain(english.locator("main").inner_text())
    assert plain(money(budget, "en", 0)) == "€143,628,734"
