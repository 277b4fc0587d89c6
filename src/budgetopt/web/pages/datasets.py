"""Dataset pages: the list with the upload form (every problem of a refused file shown, nothing
stored), the template downloads and a paged view of a dataset's tables."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from budgetopt.errors import InstanceError
from budgetopt.scenario.dictionary import TABLES
from budgetopt.web.api.reads import read_repository
from budgetopt.web.api.represent import attachment
from budgetopt.web.files import MEDIA_TYPES, read_upload, template_bytes
from budgetopt.web.pages.blueprint import web
from budgetopt.web.pages.formatting import lang
from budgetopt.web.services import repository

ROWS_PER_PAGE = 50
DATASETS_PER_PAGE = 20


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def _datasets_page(problems: list[dict[str, Any]] | None = None, name: str = "", filename: str = "",
                   status: int = 200) -> tuple[str, int]:
    with read_repository() as repo:
        page = repo.list_datasets(page=_page_number(), per_page=DATASETS_PER_PAGE)
        datasets = [{"id": d.id, "name": d.name, "source_format": d.source_format, "created_at": d.created_at,
                     "rows": sum((d.row_counts or {}).values())} for d in page.items]
    pages = max(1, -(-page.total // page.per_page))
    return render_template("pages/datasets.html", datasets=datasets, page=page.page, pages=pages,
                           total=page.total, problems=problems, name=name, filename=filename), status


@web.get("/datasets")
def datasets_list() -> tuple[str, int]:
    """The region's datasets and the upload form."""
    return _datasets_page()


@web.post("/datasets")
def datasets_upload() -> Response | tuple[str, int]:
    """Store an uploaded instance; a refused one is shown with every problem and nothing is stored."""
    upload = request.files.get("file")
    name = request.form.get("name", "").strip()
    if upload is None or not upload.filename:
        problem = {"message": _("Choose a file to upload."), "file": "", "sheet": None, "table": None,
                   "row": None, "column": None}
        return _datasets_page([problem], name=name, status=422)
    filename = upload.filename
    try:
        source_format, instance = read_upload(filename, upload.read(), lang())
    except InstanceError as error:
        problems = [p.to_dict(lang()) for p in error.problems]
        return _datasets_page(problems, name=name, filename=filename, status=422)
    shown = name or PurePosixPath(filename.replace("\\", "/")).stem or "dataset"
    with repository() as repo:
        dataset_id = repo.add_dataset(shown[:200], source_format, instance).id
    return redirect(url_for("web.dataset_view", dataset_id=dataset_id), code=303)


@web.get("/template.xlsx")
def template_xlsx() -> Response:
    """The documented XLSX workbook to fill in."""
    return attachment(template_bytes("xlsx"), "budgetopt-template.xlsx", MEDIA_TYPES["xlsx"])


@web.get("/template.zip")
def template_zip() -> Response:
    """A zip with one CSV header per table and a scenario.toml."""
    return attachment(template_bytes("csv-zip"), "budgetopt-template.zip", MEDIA_TYPES["csv-zip"])


@web.get("/datasets/<string:dataset_id>")
def dataset_view(dataset_id: str) -> str:
    """A dataset's tables, one at a time, paged; its scenarios."""
    language = lang()
    with read_repository() as repo:
        dataset = repo.get_dataset(dataset_id)
        instance = repo.dataset_instance(dataset)
        scenarios = repo.list_scenarios(dataset_id=dataset.id, per_page=100).items
        scenario_rows = [{"id": s.id, "name": s.name, "status": s.status} for s in scenarios]
        info = {"id": dataset.id, "name": dataset.name, "source_format": dataset.source_format,
                "sha256": dataset.sha256, "created_at": dataset.created_at,
                "size_bytes": dataset.size_bytes}
    names = [n for n in TABLES if n in instance.tables]
    table = request.args.get("table", names[0] if names else "")
    if table not in names:
        table = names[0] if names else ""
    frame = instance.tables.get(table)
    total = 0 if frame is None else len(frame)
    pages = max(1, -(-total // ROWS_PER_PAGE))
    page = min(_page_number(), pages)
    rows: list[list[Any]] = []
    columns: list[dict[str, str]] = []
    if frame is not None:
        spec = TABLES[table]
        for column in frame.columns:
            try:
                description = spec.column(column).description.get(language, "")
            except KeyError:
                description = ""
            columns.append({"name": column, "description": description,
                            "numeric": str(frame[column].dtype).startswith(("int", "float"))})
        chunk = frame.iloc[(page - 1) * ROWS_PER_PAGE: page * ROWS_PER_PAGE]
        rows = chunk.astype(object).where(chunk.notna(), None).values.tolist()
    tables = [{"name": n, "rows": len(instance.tables[n]),
               "description": TABLES[n].description.get(language, "")} for n in names]
    return render_template("pages/dataset.html", dataset=info, tables=tables, table=table, columns=columns,
                           rows=rows, page=page, pages=pages, total=total, scenarios=scenario_rows,
                           scenario=instance.scenario)
