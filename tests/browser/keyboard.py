"""Moving through a page with the keyboard only, checking that every focus stop is visible."""

from __future__ import annotations

from playwright.sync_api import Page

# The focused element: does it match the selector, is its focus drawn (outline or box shadow), its size.
FOCUS_STATE = """
(selector) => {
  const e = document.activeElement;
  if (!e || e === document.body) return {body: true, matches: false, visible: false, html: 'body'};
  const s = getComputedStyle(e);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const shadow = !!s.boxShadow && s.boxShadow !== 'none';
  const r = e.getBoundingClientRect();
  const shown = (outline || shadow) && r.width > 0 && r.height > 0;
  return {body: false, matches: e.matches(selector), visible: shown, html: e.outerHTML.slice(0, 160)};
}
"""


def tab_to(page: Page, selector: str, limit: int = 250) -> None:
    """Press Tab until the focused element matches ``selector``; every stop on the way must show focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE, selector)
        if state["body"]:
            continue
        assert state["visible"], f"focus is not visible on {state['html']}"
        if state["matches"]:
            return
    raise AssertionError(f"{selector} not reached with {limit} presses of Tab on {page.url}")


def focused_matches(page: Page, selector: str) -> bool:
    """Whether the focused element matches ``selector``."""
    return bool(page.evaluate(FOCUS_STATE, selector)["matches"])
