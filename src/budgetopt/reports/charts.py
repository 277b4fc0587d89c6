"""Charts of a result as inline SVG, drawn on the server with matplotlib so the HTML and the PDF show
the same picture. Output is deterministic (fixed hash salt, no dates); every chart carries a text
alternative (``<title>``, ``<desc>``, ``role="img"``)."""

from __future__ import annotations

import functools
import io
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ParamSpec

import matplotlib
from markupsafe import escape
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from budgetopt.reports.formatting import money, number
from budgetopt.reports.i18n import translations

#: Colours with at least 3:1 contrast against white and each other's neighbours told apart by shade.
BASELINE_COLOUR = "#8c8c8c"
PLAN_COLOUR = "#1f5fa8"
BUDGET_COLOUR = "#b35900"
RC = {
    "svg.hashsalt": "budgetopt",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
WIDTH_IN = 6.7
#: matplotlib's rcParams are global: one chart is drawn at a time, whatever thread asks.
_DRAWING = threading.Lock()
P = ParamSpec("P")


def _one_at_a_time(draw: Callable[P, str]) -> Callable[P, str]:
    @functools.wraps(draw)
    def serialised(*args: P.args, **kwargs: P.kwargs) -> str:
        with _DRAWING:
            return draw(*args, **kwargs)
    return serialised


def _svg(figure: Figure, chart_id: str, title: str, description: str) -> str:
    """The figure as an inline ``<svg>`` element with its text alternative and ids of its own."""
    buffer = io.StringIO()
    with matplotlib.rc_context(RC):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    text = re.sub(r'id="([^"]+)"', lambda m: f'id="{chart_id}-{m.group(1)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{chart_id}-{m.group(1)})", text)
    text = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#{chart_id}-{m.group(1)}"', text)
    head = (f'<svg role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
            f'class="chart" id="{chart_id}"')
    text = head + text[len("<svg"):]
    alternative = (f'<title id="{chart_id}-title">{escape(title)}</title>'
                   f'<desc id="{chart_id}-desc">{escape(description)}</desc>')
    close = text.index(">", text.index("<svg")) + 1
    return text[:close] + alternative + text[close:]


def _figure(rows: int) -> Figure:
    with matplotlib.rc_context(RC):
        return Figure(figsize=(WIDTH_IN, max(1.6, 0.24 * rows + 0.9)))


def _paired_bars(labels: Sequence[str], before: Sequence[float], after: Sequence[float],
                 names: tuple[str, str], axis_label: str, lang: str, *,
                 marks: Sequence[float] | None = None, mark_name: str = "") -> Figure:
    """Horizontal bar pairs (baseline and plan) per label, optionally with a marker per label."""
    figure = _figure(len(labels))
    with matplotlib.rc_context(RC):
        axes = figure.subplots()
        positions = list(range(len(labels)))[::-1]
        height = 0.38
        axes.barh([p + height / 2 for p in positions], before, height, label=names[0], color=BASELINE_COLOUR)
        axes.barh([p - height / 2 for p in positions], after, height, label=names[1], color=PLAN_COLOUR)
        if marks is not None:
            axes.scatter(marks, positions, marker="|", s=160, linewidths=2, color=BUDGET_COLOUR,
                         label=mark_name, zorder=3)
        axes.set_yticks(positions, labels)
        axes.set_xlabel(axis_label)
        axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, lang)))
        axes.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, frameon=False, fontsize=7)
    return figure


@_one_at_a_time
def municipality_cost_svg(rows: Sequence[Mapping[str, Any]], lang: str) -> str:
    """Cost per municipality today and in the plan, with its share of the budget (EUR M)."""
    t = translations(lang)
    labels = [str(r.get("name") or r.get("municipality_id")) for r in rows]
    before = [(r.get("baseline_cost_eur") or 0) / 1e6 for r in rows]
    after = [(r.get("cost_eur") or 0) / 1e6 for r in rows]
    shares = [r.get("budget_share_eur") for r in rows]
    marks = [(s or 0) / 1e6 for s in shares] if all(s is not None for s in shares) else None
    figure = _paired_bars(labels, before, after, (t.gettext("today"), t.gettext("plan")),
                          t.gettext("cost (EUR million per year)"), lang, marks=marks,
                          mark_name=t.gettext("budget share"))
    parts = [t.gettext("{name}: today {before}, plan {after}").format(
        name=label, before=money(r.get("baseline_cost_eur"), lang, 0),
        after=money(r.get("cost_eur"), lang, 0)) for label, r in zip(labels, rows, strict=True)]
    return _svg(figure, "chart-municipalities", t.gettext("Cost per municipality, today and in the plan"),
                "; ".join(parts) + ".")


@_one_at_a_time
def provider_revenue_svg(rows: Sequence[Mapping[str, Any]], lang: str) -> str:
    """Revenue per provider today and in the plan (EUR M)."""
    t = translations(lang)
    labels = [str(r.get("name") or r.get("provider_id")) for r in rows]
    before = [(r.get("baseline_revenue_eur") or 0) / 1e6 for r in rows]
    after = [(r.get("revenue_eur") or 0) / 1e6 for r in rows]
    figure = _paired_bars(labels, before, after, (t.gettext("today"), t.gettext("plan")),
                          t.gettext("revenue (EUR million per year)"), lang)
    parts = [t.gettext("{name}: today {before}, plan {after}").format(
        name=label, before=money(r.get("baseline_revenue_eur"), lang, 0),
        after=money(r.get("revenue_eur"), lang, 0)) for label, r in zip(labels, rows, strict=True)]
    return _svg(figure, "chart-providers", t.gettext("Revenue per provider, today and in the plan"),
                "; ".join(parts) + ".")


@_one_at_a_time
def level_children_svg(rows: Sequence[Mapping[str, Any]], lang: str) -> str:
    """Children per care level today and in the plan."""
    t = translations(lang)
    labels = [t.gettext("level {level}").format(level=r.get("level")) for r in rows]
    before = [r.get("baseline_children") or 0 for r in rows]
    after = [r.get("children") or 0 for r in rows]
    figure = _paired_bars(labels, before, after, (t.gettext("today"), t.gettext("plan")),
                          t.gettext("children"), lang)
    parts = [t.gettext("{name}: today {before}, plan {after}").format(
        name=label, before=number(r.get("baseline_children"), lang), after=number(r.get("children"), lang))
        for label, r in zip(labels, rows, strict=True)]
    return _svg(figure, "chart-levels", t.gettext("Children per care level, today and in the plan"),
                "; ".join(parts) + ".")


@_one_at_a_time
def frontier_svg(points: Sequence[Mapping[str, Any]], lang: str) -> str:
    """The budget frontier: children stepped down and average quality against the budget (EUR M)."""
    t = translations(lang)
    feasible = [p for p in points if p.get("total_cost_eur") is not None]
    budgets = [float(p["budget_eur"]) / 1e6 for p in feasible]
    with matplotlib.rc_context(RC):
        figure = Figure(figsize=(WIDTH_IN, 3.6))
        top, bottom = figure.subplots(2, 1, sharex=True)
        top.plot(budgets, [p.get("children_stepped_down") or 0 for p in feasible], marker="o",
                 color=PLAN_COLOUR)
        top.set_ylabel(t.gettext("children stepped down"))
        bottom.plot(budgets, [p.get("average_quality") or 0 for p in feasible], marker="s",
                    color=BUDGET_COLOUR)
        bottom.set_ylabel(t.gettext("average quality"))
        bottom.set_xlabel(t.gettext("budget (EUR million per year)"))
        for axes in (top, bottom):
            axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, lang)))
        infeasible = [float(p["budget_eur"]) / 1e6 for p in points if p.get("total_cost_eur") is None]
        for budget in infeasible:
            top.axvline(budget, color=BASELINE_COLOUR, linestyle=":", linewidth=1)
    parts = [t.gettext("budget {budget}: {stepped} children stepped down, quality {quality}").format(
        budget=money(p["budget_eur"], lang, 0), stepped=number(p.get("children_stepped_down"), lang),
        quality=number(p.get("average_quality"), lang, 3)) for p in feasible]
    if infeasible:
        parts.append(t.ngettext("{count} budget without a plan", "{count} budgets without a plan",
                                len(infeasible)).format(count=len(infeasible)))
    return _svg(figure, "chart-frontier", t.gettext("What each budget buys"), "; ".join(parts) + ".")
