"""axe-core (bundled by axe-playwright-python, no network) run in the page: WCAG 2.0/2.1 A and AA rules."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE = Axe()


def violations(page: Page) -> list[dict[str, Any]]:
    """The WCAG 2.1 A/AA violations axe-core finds in the page as it is now."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    result = AXE.run(page, options=options)
    return list(result.response["violations"])


def describe(found: list[dict[str, Any]]) -> str:
    """The violations as readable lines: rule, impact, help, and each element with axe's summary."""
    lines: list[str] = []
    for violation in found:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " | ")
            if summary:
                lines.append(f"      {summary[:400]}")
    return "\n".join(lines)


def assert_accessible(page: Page, where: str) -> None:
    """Fail with every violation listed when axe-core finds any in ``page``."""
    found = violations(page)
    assert not found, f"axe-core: {len(found)} WCAG 2.1 AA violation(s) on {where} ({page.url}):\n" \
        + describe(found)
