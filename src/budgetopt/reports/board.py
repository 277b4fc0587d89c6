"""The board report: one page of plain sentences with the figures, then the tables per municipality,
provider, level and need, the binding rules and what each costs, the explanation of an infeasible
scenario and the provenance. One HTML document (CSS and SVG charts inlined) is both the web version
and, through WeasyPrint, the tagged PDF."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from budgetopt.reports import charts, words
from budgetopt.reports.formatting import date, money, number, percent
from budgetopt.reports.formatting import setting as setting_text
from budgetopt.reports.i18n import N_, language, translations
from budgetopt.reports.tables import TABLES, cell_text, present_columns, value
from budgetopt.scenario.dictionary import PARAMETERS

#: Headline figures of the summary page: key in the summary/KPIs, label msgid, kind.
HEADLINE = (
    ("budget_eur", N_("Budget"), "money"),
    ("baseline_cost_eur", N_("Cost today"), "money"),
    ("total_cost_eur", N_("Cost of the plan"), "money"),
    ("gap_closed_share", N_("Gap closed"), "share"),
    ("average_quality", N_("Average quality"), "quality"),
    ("children_stepped_down", N_("Children stepped down"), "children"),
    ("children_moved", N_("Children moved to another provider"), "children"),
)


#: SVG presentation properties of the inline charts; WeasyPrint's CSS parser calls them unknown while its
#: SVG renderer applies them.
SVG_PROPERTIES = frozenset({
    "fill", "fill-opacity", "stroke", "stroke-width", "stroke-linejoin", "stroke-linecap", "stroke-opacity",
    "stroke-dasharray", "stroke-dashoffset", "stroke-miterlimit", "text-anchor", "clip-path",
})
_IGNORED = re.compile(r"Ignored `([a-z-]+):.*unknown property")


class _SvgPropertyNotice(logging.Filter):
    """Drops WeasyPrint's notices about the charts' SVG properties; every other message passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        match = _IGNORED.match(record.getMessage())
        return not (match and match.group(1) in SVG_PROPERTIES)


logging.getLogger("weasyprint").addFilter(_SvgPropertyNotice())


@cache
def _environment(lang: str) -> Environment:
    """The template environment of one language (its catalog installed once; safe across threads)."""
    environment = Environment(loader=PackageLoader("budgetopt.reports", "templates"),
                              autoescape=select_autoescape(["html"]), extensions=["jinja2.ext.i18n"],
                              trim_blocks=True, lstrip_blocks=True)
    environment.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return environment


def _figure(summary: Mapping[str, Any], key: str) -> Any:
    kpis = summary.get("kpis") or {}
    return summary.get(key) if summary.get(key) is not None else kpis.get(key)


def _format(raw: Any, kind: str, lang: str) -> str:
    if kind == "money":
        return money(raw, lang, 0)
    if kind == "share":
        return percent(raw, lang)
    if kind == "quality":
        return number(raw, lang, 3)
    return number(raw, lang)


def headline(summary: Mapping[str, Any], lang: str) -> list[dict[str, str]]:
    """The summary figures, formatted as the report shows them: label, text, key."""
    t = translations(lang)
    rows = []
    for key, label, kind in HEADLINE:
        raw = _figure(summary, key)
        if raw is None and key not in ("budget_eur", "total_cost_eur"):
            continue
        rows.append({"key": key, "label": t.gettext(label), "text": _format(raw, kind, lang)})
    return rows


def parameters_of(summary: Mapping[str, Any], meta: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario's settings: from the job's scenario, else from the result's provenance."""
    provenance = (summary.get("provenance") or {}).get("scenario") or {}
    return {**provenance, **(meta.get("scenario_parameters") or {})}


def _numeric(kind: str) -> bool:
    return kind not in ("text", "flag")


def _tables(summary: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    t = translations(lang)
    out = []
    for spec in TABLES:
        rows = list((summary.get("summaries") or {}).get(spec.source) or [])
        if not rows:
            continue
        columns = present_columns(spec, rows, report=True)
        body = [[{"text": cell_text(value(row, c), c.kind, lang, t), "numeric": _numeric(c.kind)}
                 for c in columns] for row in rows]
        out.append({"name": spec.name, "caption": t.gettext(spec.caption),
                    "headers": [{"text": t.gettext(c.header), "numeric": _numeric(c.kind)}
                                for c in columns], "rows": body})
    return out


def _rules(summary: Mapping[str, Any], lang: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Binding rules with what a step of each costs, and the rules that do not bind."""
    t = translations(lang)
    objective = str((summary.get("objective") or {}).get("name") or "")
    binding, loose = [], []
    for group in summary.get("constraint_groups") or []:
        if group.get("bookkeeping") or "binding" not in group:
            continue
        label = words.family_label(str(group["family"]), t)
        if group["binding"]:
            binding.append({"label": label, "rows": number(group.get("binding_rows"), lang),
                            "sentences": words.shadow_sentences(group, objective, lang, t)})
        else:
            loose.append(label)
    return binding, loose


def _assumptions(parameters: Mapping[str, Any], lang: str) -> list[dict[str, str]]:
    out = []
    for name, setting in parameters.items():
        if name in ("name", "description") or setting is None or name not in PARAMETERS:
            continue
        text = PARAMETERS[name].description.get(lang) or PARAMETERS[name].description["en"]
        if isinstance(setting, bool):
            shown = translations(lang).gettext("yes") if setting else translations(lang).gettext("no")
        elif isinstance(setting, int | float):
            shown = setting_text(setting, lang)
        elif isinstance(setting, Mapping):
            shown = "; ".join(f"{key}: {setting_text(float(v), lang)}" for key, v in sorted(setting.items()))
        else:
            shown = str(setting)
        out.append({"name": name, "description": text, "value": shown})
    return out


def _provenance(summary: Mapping[str, Any], meta: Mapping[str, Any], lang: str) -> list[dict[str, str]]:
    t = translations(lang)
    solver = summary.get("solver") or {}
    versions = (summary.get("provenance") or {}).get("versions") or {}
    gap = solver.get("mip_gap")
    rows = [
        (t.gettext("Region"), meta.get("region")),
        (t.gettext("Dataset"), meta.get("dataset_name") or (summary.get("provenance") or {}).get("source")),
        (t.gettext("Scenario"), meta.get("scenario_name")),
        (t.gettext("Job"), meta.get("job_id")),
        (t.gettext("Input hash (SHA-256)"), summary.get("input_sha256")),
        (t.gettext("Objective"), words.objective_label((summary.get("objective") or {}).get("name"), t)),
        (t.gettext("Solver status"), f"{words.status_label(summary.get('status'), t)}"
                                     + (f" ({solver['status']})" if solver.get("status") else "")),
        (t.gettext("MIP gap"), percent(gap, lang, 2) if gap is not None else None),
        (t.gettext("Solve time"), t.gettext("{seconds} s").format(seconds=number(solver["time_s"], lang, 2))
         if solver.get("time_s") is not None else None),
        (t.gettext("Versions"), ", ".join(f"{k} {v}" for k, v in versions.items()) or None),
        (t.gettext("Submitted"), date(meta["created_at"], lang) if meta.get("created_at") else None),
        (t.gettext("Finished"), date(meta["finished_at"], lang) if meta.get("finished_at") else None),
    ]
    return [{"label": label, "value": str(v)} for label, v in rows if v not in (None, "")]


def report_context(summary: Mapping[str, Any], meta: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Everything the report template shows, formatted for ``lang`` (``nl`` or ``en``)."""
    lang = language(lang)
    t = translations(lang)
    parameters = parameters_of(summary, meta)
    name = meta.get("scenario_name") or parameters.get("name") or ""
    region = meta.get("region") or ""
    title = t.gettext("Board report: {scenario}").format(scenario=name) if name else t.gettext("Board report")
    diagnosis = summary.get("diagnosis")
    summaries = summary.get("summaries") or {}
    chart_svgs = {}
    if summaries.get("municipality"):
        chart_svgs["municipalities"] = charts.municipality_cost_svg(summaries["municipality"], lang)
    if summaries.get("level"):
        chart_svgs["levels"] = charts.level_children_svg(summaries["level"], lang)
    if summaries.get("provider"):
        chart_svgs["providers"] = charts.provider_revenue_svg(summaries["provider"], lang)
    binding, loose = _rules(summary, lang)
    frontier = meta.get("frontier") or []
    return {
        "lang": lang,
        "title": title,
        "scenario_name": name,
        "region": region,
        "description": parameters.get("description") or "",
        "status": summary.get("status"),
        "status_label": words.status_label(summary.get("status"), t),
        "objective_label": words.objective_label((summary.get("objective") or {}).get("name"), t),
        "has_plan": summary.get("total_cost_eur") is not None,
        "headline": headline(summary, lang) if summary else [],
        "sentences": words.summary_sentences(summary, parameters, lang, t) if summary else [],
        "diagnosis": words.diagnosis_sentences(diagnosis, parameters, lang, t) if diagnosis else [],
        "message": summary.get("message") or "",
        "tables": _tables(summary, lang),
        "charts": chart_svgs,
        "binding": binding,
        "loose": loose,
        "assumptions": _assumptions(parameters, lang),
        "provenance": _provenance(summary, meta, lang),
        "frontier_svg": charts.frontier_svg(frontier, lang) if frontier else None,
        "date": date(meta.get("finished_at"), lang, with_time=False) if meta.get("finished_at") else "",
    }


def render_report_html(summary: Mapping[str, Any], meta: Mapping[str, Any], lang: str, *,
                       standalone: bool = True) -> str:
    """The report as a full HTML document (``standalone``), or as an ``<article>`` with its
    ``<style>`` to place inside a page."""
    context = report_context(summary, meta, lang)
    name = "board.html" if standalone else "board_article.html"
    template = _environment(context["lang"]).get_template(name)
    return template.render(**context)


def render_report_pdf(summary: Mapping[str, Any], meta: Mapping[str, Any], lang: str) -> bytes:
    """The same HTML as a tagged PDF/UA-1 document (A4) with title and language set, fonts embedded."""
    from weasyprint import HTML

    html = render_report_html(summary, meta, lang)
    return HTML(string=html, base_url=None).write_pdf(pdf_variant="pdf/ua-1")
