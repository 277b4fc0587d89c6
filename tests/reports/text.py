"""Text of rendered reports: visible HTML text and PDF text, normalised for comparison."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

from pypdf import PdfReader


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def normalise(text: str) -> str:
    """One space for any run of white space (no-break spaces included)."""
    return re.sub(r"\s+", " ", text.replace("\xa0", " ").replace("\u202f", " ")).strip()


def html_text(html: str) -> str:
    """The text a reader sees in an HTML document (SVG text alternatives included)."""
    parser = _Text()
    parser.feed(html)
    return normalise(" ".join(parser.parts))


def pdf_text(pdf: bytes) -> str:
    """The text of every page of a PDF."""
    reader = PdfReader(io.BytesIO(pdf))
    return normalise(" ".join(page.extract_text() or "" for page in reader.pages))
