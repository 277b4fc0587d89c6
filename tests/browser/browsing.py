"""Small steps shared by the browser tests: open a page and check its answer and language."""

from __future__ import annotations

import re

from playwright.sync_api import Page

SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})


def visit(page: Page, path: str, lang: str, status: int = 200) -> None:
    """Open ``path``; the answer has ``status``, a title, and ``<html lang>`` of ``lang``."""
    response = page.goto(path)
    assert response is not None, path
    assert response.status == status, f"{path}: HTTP {response.status}\n{page.content()[:2000]}"
    assert (page.locator("html").get_attribute("lang") or "").split("-")[0] == lang, path
    assert page.title().strip(), f"{path} has no <title>"


def plain(text: str) -> str:
    """Text with non-breaking and thin spaces as plain spaces (number formats use them)."""
    return text.translate(SPACES)


def id_in(url: str, kind: str) -> str:
    """The id after ``/<kind>/`` in ``url`` (a UUID)."""
    match = re.search(rf"/{kind}/([0-9a-f-]{{36}})", url)
    assert match, f"no {kind} id in {url}"
    return match.group(1)


def submit(page: Page, form: str) -> None:
    """Press the submit button of ``form`` (a CSS selector) and wait for the next page."""
    with page.expect_navigation():
        page.locator(f"{form} [type=submit]").first.click()
