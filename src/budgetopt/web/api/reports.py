"""The board report of a finished job (HTML, tagged PDF) and its exports (XLSX workbook, CSV zip)."""

from __future__ import annotations

from typing import Literal

from flask import Response, current_app
from pydantic import BaseModel, Field

from budgetopt.reports.board import render_report_html, render_report_pdf
from budgetopt.reports.export import result_csv_zip, result_xlsx
from budgetopt.reports.source import ReportSource, job_source
from budgetopt.web.api.blueprint import api
from budgetopt.web.api.represent import attachment
from budgetopt.web.api.results import result_of
from budgetopt.web.services import repository

TAG = {"tags": ["results"]}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_ERRORS = {404: "No such job, or it ended without a result", 409: "The job has no result yet"}


class ReportQuery(BaseModel):
    """The language of a report or export."""

    lang: Literal["nl", "en"] = Field("nl", description="Language of the report: Dutch (default) or English.")


def _responses(media_type: str, what: str) -> dict[int | str, object]:
    return {**_ERRORS, 200: {"description": what, "content": {media_type: _BINARY}}}


def _source(job_id: str, *, with_files: bool = False) -> ReportSource:
    with repository() as repo:
        return job_source(repo, job_id, result_of(repo, job_id), with_files=with_files)


def _name(source: ReportSource, extension: str) -> str:
    return f"budgetopt-{source.meta['job_id']}.{extension}"


@api.get("/jobs/<string:job_id>/report.html")
@api.doc(**TAG, responses=_responses("text/html", "The board report as a standalone HTML document"))
@api.input(ReportQuery, location="query")
def get_report_html(job_id: str, query_data: ReportQuery) -> Response:
    """The board report as one HTML document (styles and SVG charts inlined)."""
    source = _source(job_id)
    html = render_report_html(source.summary, source.meta, query_data.lang)
    response = current_app.response_class(html, mimetype="text/html")
    response.headers["Content-Language"] = query_data.lang
    return response


@api.get("/jobs/<string:job_id>/report.pdf")
@api.doc(**TAG, responses=_responses("application/pdf", "The board report as a tagged PDF (PDF/UA-1, A4)"))
@api.input(ReportQuery, location="query")
def get_report_pdf(job_id: str, query_data: ReportQuery) -> Response:
    """The board report as a tagged PDF with the same content as the HTML report."""
    source = _source(job_id)
    response = attachment(render_report_pdf(source.summary, source.meta, query_data.lang),
                          _name(source, "pdf"), "application/pdf")
    response.headers["Content-Language"] = query_data.lang
    return response


@api.get("/jobs/<string:job_id>/export.xlsx")
@api.doc(**TAG, responses=_responses(XLSX, "The result's tables as a workbook, a sheet per table"))
@api.input(ReportQuery, location="query")
def get_export_xlsx(job_id: str, query_data: ReportQuery) -> Response:
    """The result's tables as an XLSX workbook: summary, allocation, per municipality, provider, level
    and need, rules, unserved; numbers as numbers, headers in the chosen language."""
    source = _source(job_id, with_files=True)
    return attachment(result_xlsx(source.summary, source.files, query_data.lang), _name(source, "xlsx"), XLSX)


@api.get("/jobs/<string:job_id>/export.zip")
@api.doc(**TAG, responses=_responses("application/zip", "The result's tables as CSV files in a zip"))
def get_export_zip(job_id: str) -> Response:
    """The result's tables as CSV files (UTF-8, column names as in the API) in one zip."""
    source = _source(job_id, with_files=True)
    return attachment(result_csv_zip(source.summary, source.files), _name(source, "zip"), "application/zip")
