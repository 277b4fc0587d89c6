"""The board report as HTML: summary figures and sentences, tables with headers and captions, charts with
text alternatives, the explanation of an infeasible scenario, provenance; both languages."""

from __future__ import annotations

import re

from budgetopt.reports import charts
from budgetopt.reports.board import headline, render_report_html, report_context
from budgetopt.reports.formatting import money, number, percent
from tests.reports.text import html_text


def test_summary_page_states_the_figures_in_dutch(summary15, meta):
    text = html_text(render_report_html(summary15, meta, "nl"))
    kpis = summary15["kpis"]
    for figure in (money(summary15["budget_eur"], "nl", 0), money(summary15["baseline_cost_eur"], "nl", 0),
                   money(summary15["total_cost_eur"], "nl", 0), percent(kpis["gap_closed_share"], "nl"),
                   number(summary15["average_quality"], "nl", 3)):
        assert figure.replace("\xa0", " ") in text
    stepped = number(kpis["children_stepped_down"], "nl")
    moved = number(kpis["children_moved"], "nl")
    assert f"{stepped} kinderen worden lichter geholpen dan geïndiceerd" in text
    assert f"{moved} kinderen gaan naar een andere aanbieder" in text
    assert "Het plan kost € 143.628.734 en blijft binnen het budget." in text
    assert "een bezuiniging van 15% op de huidige kosten van € 168.974.981" in text
    assert "Alle 14.500 kinderen krijgen zorg." in text


def test_binding_rules_are_priced_in_words(summary15, meta):
    text = html_text(render_report_html(summary15, meta, "nl"))
    budget = next(g for g in summary15["constraint_groups"] if g["family"] == "budget")
    fewer = number(-budget["shadow_price"]["objective_change"], "nl", 1)
    assert f"€ 1 mln meer budget: {fewer} kinderen minder verplaatst of lichter geholpen." in text
    assert "regionaal budget" in text
    assert "omzetgarantie van de alliantie-aanbieders" in text
    assert "Regels die dit plan niet beperken: capaciteit van aanbieders" in text


def test_tables_have_captions_and_scoped_headers(summary15, meta):
    html = render_report_html(summary15, meta, "nl")
    tables = re.findall(r"<table\b.*?</table>", html, flags=re.S)
    assert len(tables) >= 7
    for table in tables:
        assert "<caption" in table
        assert "<th scope=\"row\">" in table
        assert all("scope=" in th for th in re.findall(r"<th\b[^>]*>", table))
    municipalities = next(t for t in tables if 'id="table-municipalities"' in t)
    for row in summary15["summaries"]["municipality"]:
        assert f'<th scope="row">{row["name"]}</th>' in municipalities
        assert money(row["solidarity_eur"], "nl", 0) in municipalities
        assert money(row["budget_share_eur"], "nl", 0) in municipalities
    assert municipalities.count("<tr>") == 1 + len(summary15["summaries"]["municipality"])


def test_charts_are_svg_with_a_text_alternative(summary15, meta):
    html = render_report_html(summary15, meta, "nl")
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(svgs) == 3
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "ids are unique across the inline charts"
    for svg in svgs:
        head = svg[:svg.index(">")]
        assert 'role="img"' in head
        chart_id = re.search(r'\bid="([^"]+)"', head).group(1)
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in head
        assert re.search(rf'<title id="{chart_id}-title">[^<]+</title>', svg)
        assert re.search(rf'<desc id="{chart_id}-desc">[^<]+</desc>', svg)
    first = next(s for s in svgs if 'id="chart-municipalities"' in s)
    aa = summary15["summaries"]["municipality"][0]
    before, after = money(aa["baseline_cost_eur"], "nl", 0), money(aa["cost_eur"], "nl", 0)
    assert f"{aa['name']}: nu {before}, plan {after}" in first


def test_charts_are_deterministic(summary15):
    rows = summary15["summaries"]["provider"]
    first, second = charts.provider_revenue_svg(rows, "nl"), charts.provider_revenue_svg(rows, "nl")
    assert first == second
    assert "<dc:date>" not in first
    assert "<metadata>" not in first


def test_frontier_chart(summary15):
    budget = summary15["budget_eur"]
    points = [{"budget_eur": budget * f, "total_cost_eur": budget * f, "average_quality": 0.66 + f / 100,
               "children_stepped_down": 900 * (1.2 - f), "status": "optimal"} for f in (0.9, 1.0, 1.1)]
    points.insert(0, {"budget_eur": budget * 0.8, "total_cost_eur": None, "status": "infeasible"})
    svg = charts.frontier_svg(points, "nl")
    assert svg.startswith('<svg role="img"')
    assert "Wat elk budget oplevert" in svg
    assert "1 budget zonder plan" in svg
    assert money(budget, "nl", 0) in svg


def test_infeasible_report_explains_why(summary25, meta25):
    text = html_text(render_report_html(summary25, meta25, "nl"))
    diagnosis = summary25["diagnosis"]
    assert "Waarom er geen plan is" in text
    assert f"Het budget van {money(diagnosis['budget_eur'], 'nl', 0)} is niet haalbaar samen met:" \
        .replace("\xa0", " ") in text
    assert "omzetgarantie van de alliantie-aanbieders (ten hoogste 15% omzetverlies)" in text
    minimal = money(diagnosis["minimal_budget_eur"], "nl", 0).replace("\xa0", " ")
    shortfall = money(diagnosis["shortfall_eur"], "nl", 0).replace("\xa0", " ")
    assert f"Het kleinste budget waarbij alle regels gelden is {minimal}, {shortfall} meer." in text
    assert "Dat is een bezuiniging van 19,4% op de huidige kosten." in text
    assert "onhaalbaar: geen plan voldoet aan alle regels" in text
    assert "<svg" not in render_report_html(summary25, meta25, "nl")


def test_provenance_block(summary15, meta):
    text = html_text(render_report_html(summary15, meta, "nl"))
    assert summary15["input_sha256"] in text
    for name, version in summary15["provenance"]["versions"].items():
        assert f"{name} {version}" in text
    assert "Status van de berekening optimaal (Optimal)" in text
    assert "MIP-gap 0,00%" in text
    assert "time_limit_s Tijdslimiet van de solver [s]. 60" in text
    assert "budget_cut Budget als bezuiniging op de kosten van de uitgangssituatie [fractie]. 0,15" in text
    assert "Klaar 27 november 2026 22:00" in text
    assert "Drenthe (voorbeeld)" in text
    assert "job-15" in text


def test_english_report(summary15, meta):
    html = render_report_html(summary15, meta, "en")
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert "<title>Board report: Bezuiniging 15%</title>" in html
    text = html_text(html)
    assert "The plan costs €143,628,734 and stays within the budget." in text
    assert "EUR 1 M more budget: " in text


def test_headline_matches_context(summary15, meta):
    context = report_context(summary15, meta, "nl")
    assert context["headline"] == headline(summary15, "nl")
    keys = [f["key"] for f in context["headline"]]
    assert keys == ["budget_eur", "baseline_cost_eur", "total_cost_eur", "gap_closed_share",
                    "average_quality", "children_stepped_down", "children_moved"]


def test_article_fragment_for_a_page(summary15, meta):
    fragment = render_report_html(summary15, meta, "nl", standalone=False)
    assert fragment.lstrip().startswith("<style>")
    assert '<article class="board-report" lang="nl">' in fragment
    assert "<html" not in fragment
    assert "<main" not in fragment


def test_frontier_job_report(meta):
    points = [{"budget_eur": b * 1e6, "total_cost_eur": b * 1e6, "average_quality": 0.6 + b / 1000,
               "children_stepped_down": 2000 - 10 * b, "status": "optimal"} for b in (140, 150, 160)]
    html = render_report_html({}, {**meta, "frontier": points}, "en")
    text = html_text(html)
    assert "What each budget buys" in text
    assert "budget €150,000,000: 500 children stepped down, quality 0.750" in text
    assert html.count("<svg") == 1


def test_charts_drawn_from_many_threads_are_the_same(summary15):
    from concurrent.futures import ThreadPoolExecutor

    rows = summary15["summaries"]
    expected = {"nl": charts.level_children_svg(rows["level"], "nl"),
                "en": charts.level_children_svg(rows["level"], "en")}
    with ThreadPoolExecutor(4) as pool:
        drawn = list(pool.map(lambda lang: (lang, charts.level_children_svg(rows["level"], lang)),
                              ["nl", "en"] * 4))
    assert all(svg == expected[lang] for lang, svg in drawn)


def test_a_plan_below_the_budget_says_what_it_saves_beyond_the_gap(summary15, meta):
    summary = {**summary15, "kpis": {**summary15["kpis"], "gap_eur": 20e6, "saving_eur": 25e6,
                                     "gap_closed_share": 1.25}}
    text = html_text(render_report_html(summary, meta, "nl"))
    assert ("Het plan bespaart € 25.000.000: € 5.000.000 meer dan het tekort van € 20.000.000 tussen de "
            "huidige kosten en het budget.") in text
