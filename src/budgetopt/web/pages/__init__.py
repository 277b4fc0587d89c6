"""The analysts' pages: server-rendered, Dutch by default and English."""

from __future__ import annotations

from budgetopt.web.pages.setup import init_pages

__all__ = ["init_pages"]
