"""The translation census: every translatable string of the pages (their Python and templates, found
with Babel's extractor and ``babel.cfg``) has a Dutch translation that is neither empty nor fuzzy, its
placeholders match, and every committed ``.mo`` is exactly its ``.po`` compiled."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "src" / "budgetopt" / "translations"
MESSAGES_PO = TRANSLATIONS / "nl" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


def _extracted() -> dict[str | tuple[str, ...], list[str]]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config, "babel.cfg")
    found: dict[str | tuple[str, ...], list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


def _catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale="nl")


def test_the_census_finds_the_pages_strings():
    found = _extracted()
    sources = {place.split(":")[0] for places in found.values() for place in places}
    assert any(s.endswith(".html") for s in sources)
    assert any(s.endswith(".py") for s in sources)
    assert "Skip to content" in found
    assert "Budget cut on the baseline cost" in found
    assert len(found) > 250


def test_every_string_of_the_pages_has_a_dutch_translation():
    catalog = _catalog(MESSAGES_PO)
    problems = []
    for message, places in sorted(_extracted().items(), key=lambda item: str(item[0])):
        entry = catalog.get(message)
        where = places[0]
        if entry is None:
            problems.append(f"missing: {message!r} ({where})")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(s.strip() for s in strings):
            problems.append(f"empty Dutch text: {message!r} ({where})")
        if entry.fuzzy:
            problems.append(f"fuzzy: {message!r} ({where})")
        if isinstance(message, tuple) != isinstance(entry.id, tuple):
            problems.append(f"plural forms differ: {message!r} ({where})")
    assert not problems, "\n".join(problems)


def test_dutch_translations_keep_their_placeholders():
    catalog = _catalog(MESSAGES_PO)
    assert not catalog.fuzzy
    errors = [f"{message.id!r}: {', '.join(map(str, found))}" for message, found in catalog.check()]
    assert not errors, "\n".join(errors)


def test_the_catalog_holds_no_stale_strings():
    extracted = {m if isinstance(m, str) else m[0] for m in _extracted()}
    stale = [m.id for m in _catalog(MESSAGES_PO) if m.id and (m.id if isinstance(m.id, str) else m.id[0])
             not in extracted]
    assert not stale, stale


@pytest.mark.parametrize("po", sorted(TRANSLATIONS.glob("*/LC_MESSAGES/*.po")), ids=lambda p: p.stem)
def test_each_committed_mo_is_its_po_compiled(po: Path):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: compile {po.name}"
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(po), use_fuzzy=False)
    assert mo.read_bytes() == compiled.getvalue(), f"{mo.name} is not {po.name} compiled: compile it again"


def test_the_pages_find_the_compiled_catalog(lite_client):
    page = lite_client.get("/toegankelijkheid").get_data(as_text=True)
    assert "<h1>Toegankelijkheidsverklaring</h1>" in page
    assert "Tijdelijk besluit digitale toegankelijkheid overheid" in page


TEMPLATES = ROOT / "src" / "budgetopt" / "web" / "templates" / "pages"
# Words a template may carry untranslated: the product's name, each language's own name (marked with
# its lang attribute), the unit symbol s, and the attribute text the form macros write.
UNTRANSLATED = {"budgetopt", "English", "Nederlands", "s", "aria-describedby", "aria-invalid", "true",
                "error", "help"}


def test_templates_carry_no_text_outside_gettext():
    import re

    leftovers = {}
    for template in sorted(TEMPLATES.glob("*.html")):
        source = template.read_text(encoding="utf-8")
        for attribute in re.findall(r'\b(?:aria-label|title|alt|placeholder)="([^"]*)"', source):
            if re.search(r"[A-Za-z]", attribute) and not attribute.strip().startswith("{{"):
                leftovers.setdefault(template.name, set()).add(attribute)
        text = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", source, flags=re.S)
        text = re.sub(r"<script.*?</script>|<[^>]*>", " ", text, flags=re.S)
        words = set(re.findall(r"[A-Za-zÀ-ÿ][\w-]*", text)) - UNTRANSLATED
        if words:
            leftovers.setdefault(template.name, set()).update(words)
    assert not leftovers, leftovers


def test_dutch_pages_carry_no_english_msgid(lite_app, lite_client, drenthe_zip):
    """Rendered in Dutch, no page shows a string of the catalog in its English form."""
    from tests.pages.steps import dataset_id, run, scenario, submit, text_of

    data = dataset_id(lite_client, drenthe_zip)
    draft = scenario(lite_client, data, "concept")["id"]
    job = submit(lite_client, scenario(lite_client, data, "opgelost")["id"])
    run(lite_app, job)
    second = submit(lite_client, scenario(lite_client, data, "tweede", budget_cut=0.1)["id"])
    run(lite_app, second)
    english = [m.id for m in _catalog(MESSAGES_PO)
               if isinstance(m.id, str) and " " in m.id and "%" not in m.id and m.string != m.id]
    urls = ["/", "/datasets", f"/datasets/{data}", "/scenarios", f"/scenarios/new?dataset={data}",
            f"/scenarios/{draft}", f"/jobs/{job}", f"/compare?jobs={job},{second}", "/toegankelijkheid"]
    for url in urls:
        page = text_of(lite_client.get(url, headers={"Accept-Language": "nl"}).get_data(as_text=True))
        shown = [text for text in english if text in page]
        assert not shown, (url, shown)
