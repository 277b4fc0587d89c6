"""Browser fixtures: real ``budgetopt serve`` processes (SQLite in tmp, 2 local workers) and Debian's
headless Chromium driven by Playwright's sync API, in Dutch and English contexts."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from budgetopt.client import Client
from budgetopt.scenario.io import load_instance, write_instance
from tests.conftest import MODELS
from tests.e2e.conftest import start_server, stop_server

CHROMIUM = Path("/usr/bin/chromium")
DRENTHE = MODELS / "drenthe"
TIMEOUT_MS = 20_000
# Seeded mistakes in a copy of the Drenthe CSV folder: (file, row as line number, column, value written).
MISTAKES = [
    ("demand.csv", 3, "children", "veel"),
    ("offers.csv", 4, "quality", "1.7"),
    ("providers.csv", 3, "capacity_children", "-20"),
    ("municipalities.csv", 2, "budget_eur", "zes miljoen"),
]

OpenPage = Callable[..., Page]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (skipped when /usr/bin/chromium is missing: `.ci/run` installs it)."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium; .ci/run does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a service with the Drenthe example (``--demo``), for the whole session."""
    process, url = start_server(tmp_path_factory.mktemp("browser-service"), demo=True)
    yield url
    assert stop_server(process) == 0


@pytest.fixture(scope="session")
def empty_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a service on an empty database (no ``--demo``): no datasets, scenarios or jobs."""
    process, url = start_server(tmp_path_factory.mktemp("browser-empty"))
    yield url
    assert stop_server(process) == 0


@pytest.fixture(scope="session")
def api(service: str) -> Iterator[Client]:
    """The demo service's JSON API."""
    with Client(service, language="nl") as client:
        yield client


def new_context(browser: Browser, base_url: str, lang: str) -> BrowserContext:
    """A browser context whose browser asks for Dutch (``nl-NL``); English is chosen with the page's
    ``?lang=en`` switch, which the service keeps in a cookie."""
    context = browser.new_context(locale="nl-NL", base_url=base_url, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    if lang != "nl":
        page = context.new_page()
        page.goto(f"/?lang={lang}")
        page.close()
    return context


@pytest.fixture
def open_page(browser: Browser, service: str) -> Iterator[OpenPage]:
    """``open_page(lang="nl", base_url=service)``: a fresh page in a new context (closed afterwards)."""
    contexts: list[BrowserContext] = []

    def _open(lang: str = "nl", base_url: str = service) -> Page:
        context = new_context(browser, base_url, lang)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def reading_pages(browser: Browser) -> Iterator[OpenPage]:
    """``reading_pages(lang="nl", base_url=...)``: one page per language and service for the whole session,
    for tests that only open and read pages (no forms, no downloads)."""
    contexts: dict[tuple[str, str], BrowserContext] = {}
    pages: dict[tuple[str, str], Page] = {}

    def _page(lang: str = "nl", base_url: str = "") -> Page:
        key = (base_url, lang)
        if key not in pages:
            contexts[key] = new_context(browser, base_url, lang)
            pages[key] = contexts[key].new_page()
        return pages[key]

    yield _page
    for context in contexts.values():
        context.close()


@pytest.fixture(scope="session")
def drenthe_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Drenthe example as an XLSX workbook."""
    return write_instance(load_instance(DRENTHE), tmp_path_factory.mktemp("xlsx") / "drenthe.xlsx")


def _with_cell(text: str, row: int, column: str, value: str) -> str:
    """CSV text with the cell at line ``row`` (the header is line 1) and ``column`` set to ``value``."""
    records = list(csv.reader(io.StringIO(text)))
    records[row - 1][records[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(records)
    return out.getvalue()


@pytest.fixture(scope="session")
def seeded_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A zip of the Drenthe CSV folder with the four :data:`MISTAKES` written into it."""
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(DRENTHE.iterdir())
             if p.suffix in (".csv", ".toml")}
    for name, row, column, value in MISTAKES:
        files[name] = _with_cell(files[name], row, column, value)
    path = tmp_path_factory.mktemp("seeded") / "drenthe-met-fouten.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path
