"""Job pages: live progress with cancel (becomes the result page once the job ends), the board
report, and the job's downloads."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, url_for
from flask_babel import gettext as _

from budgetopt.reports.source import job_meta, job_source
from budgetopt.storage import TERMINAL, NotFound, Repository
from budgetopt.web.api.reads import read_repository
from budgetopt.web.api.represent import job_out
from budgetopt.web.pages.blueprint import error_page, web
from budgetopt.web.pages.formatting import lang
from budgetopt.web.pages.words import binding, diagnosis
from budgetopt.web.services import repository

SUMMARY_TABLES = ("municipality", "provider", "need", "level")
REFRESH_S = 2


def _meta(repo: Repository, job_id: str) -> dict[str, Any]:
    """The report's meta data of the job, with its scenario and dataset ids for links."""
    meta = job_meta(repo, job_id)
    scenario = repo.get_scenario(repo.get_job(job_id).scenario_id)
    return {**meta, "scenario_id": scenario.id, "dataset_id": scenario.dataset_id}


def _frontier_chart(points: list[dict[str, Any]]) -> str:
    """The frontier as an SVG chart with its text alternative."""
    from budgetopt.reports.charts import frontier_svg

    return frontier_svg(points, lang())


@web.get("/jobs/<string:job_id>")
def job_view(job_id: str) -> str:
    """A running job's progress (refreshing), or once it ended its result."""
    with read_repository() as repo:
        job = repo.get_job(job_id)
        meta = _meta(repo, job_id)
        record = None
        if job.status in TERMINAL:
            try:
                record = repo.get_result(job_id)
            except NotFound:
                record = None
        out = job_out(job, None if record is None else record.status)
        summary = dict(record.summary or {}) if record is not None else {}
        frontier = list(record.frontier) if record is not None and record.frontier is not None else None
        files = list(record.file_names) if record is not None else []
    running = out["status"] not in TERMINAL
    context: dict[str, Any] = {"job": out, "meta": meta, "running": running, "refresh_s": REFRESH_S,
                               "summary": summary, "frontier": frontier, "files": files,
                               "has_result": bool(summary), "binding": binding(summary) if summary else [],
                               "diagnosis": diagnosis(summary) if summary else None,
                               "tables": {k: (summary.get("summaries") or {}).get(k) or []
                                          for k in SUMMARY_TABLES},
                               "chart": _frontier_chart(frontier) if frontier else None}
    return render_template("pages/job.html", **context)


@web.post("/jobs/<string:job_id>/cancel")
def job_cancel(job_id: str) -> Response:
    """Cancel the job (a running solve keeps its best plan so far)."""
    with repository() as repo:
        repo.request_cancel(job_id)
    return redirect(url_for("web.job_view", job_id=job_id), code=303)


@web.get("/jobs/<string:job_id>/report")
def job_report(job_id: str) -> str | tuple[str, int]:
    """The regional board's report of a finished run, inside the page."""
    from budgetopt.reports.board import render_report_html

    with read_repository() as repo:
        job = repo.get_job(job_id)
        try:
            record = repo.get_result(job_id)
        except NotFound:
            record = None
        if record is None or not record.summary:
            return error_page(404, _("No report available"), _("This run has no result to report on (yet)."))
        source = job_source(repo, job_id, record)
        scenario_id = job.scenario_id
    article = render_report_html(source.summary, source.meta, lang(), standalone=False)
    return render_template("pages/report.html", article=article, job_id=job_id, scenario_id=scenario_id,
                           meta=source.meta)
