"""The board report as a tagged PDF: title, language, structure tree, embedded fonts, and the same
figures as the HTML report."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from budgetopt.reports.board import render_report_html, render_report_pdf, report_context
from tests.reports.text import html_text, normalise, pdf_text


@pytest.fixture(scope="module")
def pdf15(summary15, meta) -> bytes:
    return render_report_pdf(summary15, meta, "nl")


@pytest.fixture(scope="module")
def pdf25_en(summary25, meta25) -> bytes:
    return render_report_pdf(summary25, meta25, "en")


def _fonts(reader: PdfReader) -> list[Any]:
    fonts = []
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts") or [font]:
                fonts.append(descendant.get_object())
    return fonts


@pytest.mark.parametrize(("which", "lang", "title"), [("pdf15", "nl", "Bestuursrapport: Bezuiniging 15%"),
                                                ("pdf25_en", "en", "Board report: Bezuiniging 25%")])
def test_title_language_tags_and_fonts(which, lang, title, request):
    pdf = request.getfixturevalue(which)
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert reader.metadata.title == title
    assert root["/Lang"] == lang
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.5)  # A4
    fonts = _fonts(reader)
    assert fonts
    for font in fonts:
        descriptor = font["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
        assert "DejaVu" in font["/BaseFont"]


def test_pdf_and_html_hold_the_same_figures(pdf15, summary15, meta):
    text = pdf_text(pdf15)
    html = html_text(render_report_html(summary15, meta, "nl"))
    context = report_context(summary15, meta, "nl")
    figures = [f["text"] for f in context["headline"]]
    figures += [cell["text"] for table in context["tables"] for row in table["rows"] for cell in row
                if cell["numeric"]]
    assert len(figures) > 200
    for figure in figures:
        figure = normalise(figure)
        assert figure in html
        assert figure in text, figure
    for sentence in context["sentences"]:
        assert normalise(sentence) in text


def test_pdf_summary_page_holds_the_summary(pdf15, summary15, meta):
    reader = PdfReader(io.BytesIO(pdf15))
    first = normalise(reader.pages[0].extract_text())
    assert "Samenvatting" in first
    assert "Het plan kost € 143.628.734 en blijft binnen het budget." in first
    assert "Wat het plan begrenst" in first
    assert len(reader.pages) >= 4


def test_infeasible_pdf_explains_why(pdf25_en, summary25):
    text = pdf_text(pdf25_en)
    assert "Why there is no plan" in text
    assert "The smallest budget at which every rule holds is €136,189,037, €9,457,801 more." in text
    assert "revenue floor of the alliance providers (at most 15% revenue loss)" in text
