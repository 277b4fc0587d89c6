"""axe-core in headless Chromium on every page, in Dutch and English, in normal, error and empty states:
no violation of WCAG 2.0/2.1 A or AA (tags wcag2a, wcag2aa, wcag21a, wcag21aa)."""

from __future__ import annotations

import pytest

from budgetopt.client import Client
from tests.browser.axe import assert_accessible
from tests.browser.browsing import visit
from tests.browser.conftest import OpenPage
from tests.browser.states import States, check_plan, make_states

pytestmark = pytest.mark.slow
LANGS = ["nl", "en"]


@pytest.fixture(scope="module")
def states(api: Client) -> States:
    """The demo service with drafts, solved, infeasible and frontier jobs; the plans shown are checked."""
    made = make_states(api)
    for job, cut in ((made.job_15, 0.15), (made.job_10, 0.10)):
        check_plan(api, job, cut)
    return made


PAGES = {
    "overview": "/",
    "datasets": "/datasets",
    "dataset": "/datasets/{s.dataset}",
    "dataset-table-page": "/datasets/{s.dataset}?table=offers&page=2",
    "scenarios": "/scenarios",
    "scenarios-filtered": "/scenarios?q=Bezuiniging&tag=bestuur",
    "scenarios-no-match": "/scenarios?q=niets-gevonden-xyz",
    "new-scenario": "/scenarios/new?dataset={s.dataset}",
    "draft-scenario": "/scenarios/{s.draft}",
    "solved-scenario": "/scenarios/{s.solved}",
    "result": "/jobs/{s.job_15}",
    "result-infeasible": "/jobs/{s.job_infeasible}",
    "result-frontier": "/jobs/{s.job_frontier}",
    "compare": "/compare?jobs={s.job_15},{s.job_10}",
    "compare-against-job": "/compare?jobs={s.job_15},{s.job_10}&baseline={s.job_10}",
    "report-page": "/jobs/{s.job_15}/report",
    "report-infeasible": "/jobs/{s.job_infeasible}/report",
    "report-html": "/api/v1/jobs/{s.job_15}/report.html?lang={lang}",
    "accessibility-statement": "/toegankelijkheid",
    "not-found": "/jobs/no-such-job",
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_wcag_violations(reading_pages: OpenPage, service: str, states: States, name: str,
                                     lang: str) -> None:
    page = reading_pages(lang, service)
    visit(page, PAGES[name].format(s=states, lang=lang), lang, 404 if name == "not-found" else 200)
    assert page.locator("h1").count() == 1, f"{name} needs exactly one main heading"
    assert_accessible(page, f"{name} ({lang})")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["/", "/datasets", "/scenarios"])
def test_empty_service_pages_have_no_wcag_violations(reading_pages: OpenPage, empty_service: str, path: str,
                                                      lang: str) -> None:
    page = reading_pages(lang, empty_service)
    visit(page, path, lang)
    assert_accessible(page, f"empty {path} ({lang})")


@pytest.mark.parametrize("lang", LANGS)
def test_progress_page_of_a_running_job_and_its_cancel_button(open_page: OpenPage, api: Client,
                                                                states: States, lang: str) -> None:
    job = api.frontier(states.solved, points=40, low=0.75, high=1.0)
    page = open_page(lang)
    visit(page, f"/jobs/{job['id']}", lang)
    assert api.status(job["id"])["status"] in ("queued", "running"), "the frontier ended before the check"
    assert page.locator("[aria-live], [role=status]").count() >= 1, "progress is not in a live region"
    assert_accessible(page, f"progress of a running job ({lang})")
    with page.expect_navigation():
        page.locator("form[action$='/cancel'] [type=submit]").first.click()
    ended = api.wait(job["id"], timeout_s=60)
    assert ended["status"] == "cancelled"
    assert_accessible(page, f"page after cancel ({lang})")


@pytest.mark.parametrize("name", ["overview", "datasets", "dataset", "scenarios", "new-scenario", "result",
                                  "compare", "report-page"])
def test_pages_reflow_at_320_css_pixels_without_sideways_scrolling(open_page: OpenPage, states: States,
                                                                    name: str) -> None:
    """WCAG 1.4.10 (reflow): at 320 CSS px wide nothing but data tables (exempt: two-dimensional) reaches
    past the right edge, so text, forms and figures read without sideways scrolling."""
    page = open_page("nl")
    page.set_viewport_size({"width": 320, "height": 640})
    visit(page, PAGES[name].format(s=states, lang="nl"), "nl")
    wide = page.evaluate("""() => Array.from(document.body.querySelectorAll('*'))
        .filter(e => e.getBoundingClientRect().right > 321 && !e.closest('table, [role=region], pre, svg'))
        .map(e => e.outerHTML.slice(0, 100))""")
    assert not wide, f"{name}: {len(wide)} element(s) reach past 320 px, e.g. {wide[-3:]}"


@pytest.mark.parametrize("name", ["result-frontier", "report-page", "report-html"])
def test_charts_are_images_with_a_text_alternative(reading_pages: OpenPage, service: str, states: States,
                                                   name: str) -> None:
    page = reading_pages("nl", service)
    visit(page, PAGES[name].format(s=states, lang="nl"), "nl")
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 1, f"no chart (svg role=img) on {name}"
    for i in range(charts.count()):
        chart = charts.nth(i)
        name_text = chart.locator("title").first.text_content() if chart.locator("title").count() else ""
        label = chart.get_attribute("aria-label") or chart.get_attribute("aria-labelledby") or name_text
        assert (label or "").strip(), f"chart {i} on {name} has no text alternative"
