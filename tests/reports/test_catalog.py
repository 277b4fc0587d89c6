"""The ``reports`` catalog: every message of the report code is in it, every Dutch msgstr is filled in and
not fuzzy, the compiled .mo matches the .po, and the English report carries no Dutch catalog text."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from budgetopt.reports.board import render_report_html
from budgetopt.reports.export import result_xlsx
from tests.reports.text import html_text

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "budgetopt"
PO = PACKAGE / "translations" / "nl" / "LC_MESSAGES" / "reports.po"
MO = PO.with_suffix(".mo")
MAPPING = PACKAGE / "reports" / "babel.cfg"


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as handle:
        return read_po(handle, locale="nl", domain="reports")


def _ids(catalog) -> dict[str, tuple[str, ...]]:
    """msgid -> its Dutch msgstr(s), header excluded."""
    out = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        out[key] = tuple(message.string) if isinstance(message.string, tuple) else (message.string,)
    return out


def test_every_dutch_msgstr_is_filled_in_and_not_fuzzy(catalog):
    assert not catalog.fuzzy
    messages = [m for m in catalog if m.id]
    assert len(messages) > 150
    for message in messages:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.strip() for s in strings), f"untranslated: {message.id!r}"
        assert not message.fuzzy, f"fuzzy: {message.id!r}"
        placeholders = set(re.findall(r"\{\w+\}", str(message.id)))
        assert all(set(re.findall(r"\{\w+\}", s)) == placeholders for s in strings), message.id


def test_catalog_holds_exactly_the_messages_of_the_code(catalog):
    with MAPPING.open(encoding="utf-8") as handle:
        methods, options = parse_mapping_cfg(handle)
    used = set()
    for _, _, message, _, _ in extract_from_dir(str(PACKAGE / "reports"), methods, options_map=options):
        used.add(message[0] if isinstance(message, tuple) else message)
    assert used - set(_ids(catalog)) == set(), "messages missing from reports.po"
    assert set(_ids(catalog)) - used == set(), "obsolete messages in reports.po"
    assert len(used) > 150


def test_compiled_catalog_matches_the_po(catalog):
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    assert MO.read_bytes() == compiled.getvalue(), "reports.mo is stale: compile reports.po again"
    with MO.open("rb") as handle:
        assert {_key(m.id) for m in read_mo(handle) if m.id} == {_key(m.id) for m in catalog if m.id}


def _key(msgid: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    return msgid if isinstance(msgid, str) else tuple(msgid)


def _fragments(text: str) -> list[str]:
    """The literal parts of a message around its placeholders, long enough to be telling."""
    return [part.strip() for part in re.split(r"\{\w+\}", text) if len(part.strip()) >= 8]


def test_english_report_has_no_dutch_catalog_text(catalog, summary15, summary25, meta, meta25, cut15):
    english = " ".join([
        html_text(render_report_html(summary15, meta, "en")),
        html_text(render_report_html(summary25, meta25, "en")),
    ])
    dutch = " ".join([
        html_text(render_report_html(summary15, meta, "nl")),
        html_text(render_report_html(summary25, meta25, "nl")),
    ])
    checked = 0
    for msgid, strings in _ids(catalog).items():
        for string in strings:
            if string == msgid:
                continue
            for fragment in _fragments(string):
                if fragment in msgid:
                    continue
                checked += 1
                assert fragment not in english, f"Dutch text in the English report: {fragment!r}"
    assert checked > 100
    assert "Samenvatting" in dutch
    assert "Summary" in english
    workbook = result_xlsx(summary15, {k: v for k, v in cut15.files().items() if k != "result.json"}, "en")
    assert b"Gemeente" not in workbook
    assert b"Samenvatting" not in workbook


def test_dutch_report_has_no_untranslated_catalog_text(catalog, summary15, summary25, meta, meta25):
    dutch = " ".join([
        html_text(render_report_html(summary15, meta, "nl")),
        html_text(render_report_html(summary25, meta25, "nl")),
    ])
    for msgid, strings in _ids(catalog).items():
        if msgid in strings:
            continue
        for fragment in _fragments(msgid):
            if any(fragment in s for s in strings) or " " not in fragment:
                continue  # single words may be in the data's own text (names, descriptions)
            assert fragment not in dutch, f"English text in the Dutch report: {fragment!r}"
