"""Datasets: upload (validated by the core before anything is stored), list, read, download, delete."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from flask import Response

from budgetopt.web.api.blueprint import api
from budgetopt.web.api.reads import read_repository
from budgetopt.web.api.represent import attachment, dataset_out, page_out
from budgetopt.web.files import MEDIA_TYPES, SUFFIXES, instance_bytes, read_upload, template_bytes
from budgetopt.web.problems import ApiProblem, request_language
from budgetopt.web.schemas import (
    DatasetOut,
    DatasetPage,
    DatasetUpload,
    DownloadQuery,
    Paging,
    TemplateQuery,
)
from budgetopt.web.services import repository

TAG = {"tags": ["datasets"]}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_name(name: str) -> str:
    return _UNSAFE.sub("_", name).strip("._") or "dataset"


@api.post("/datasets")
@api.doc(**TAG, responses={413: "The upload is larger than the service accepts"})
@api.input(DatasetUpload, location="form_and_files")
@api.output(DatasetOut, status_code=201)
def upload_dataset(form_and_files_data: DatasetUpload) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Upload an instance (zip of CSV files, XLSX or JSON); 422 lists every problem, nothing is stored."""
    upload = form_and_files_data.file
    if upload is None or not hasattr(upload, "read"):
        raise ApiProblem("invalid-input", "file: a file is required",
                         errors=[{"location": "files", "field": "file", "message": "a file is required"}])
    filename = upload.filename or "upload"
    content = upload.read()
    source_format, instance = read_upload(filename, content, request_language())
    name = form_and_files_data.name or PurePosixPath(filename.replace("\\", "/")).stem or "dataset"
    with repository() as repo:
        dataset = repo.add_dataset(name, source_format, instance)
        body = dataset_out(dataset)
    return body, 201, {"Location": f"/api/v1/datasets/{body['id']}"}


@api.get("/datasets")
@api.doc(**TAG)
@api.input(Paging, location="query")
@api.output(DatasetPage)
def list_datasets(query_data: Paging) -> dict[str, Any]:
    """The region's datasets, newest first."""
    with read_repository() as repo:
        return page_out(repo.list_datasets(page=query_data.page, per_page=query_data.per_page), dataset_out)


@api.get("/datasets/template")
@api.doc(**TAG, responses={200: {"description": "The template file", "content": {
    MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
    MEDIA_TYPES["csv-zip"]: {"schema": {"type": "string", "format": "binary"}}}}})
@api.input(TemplateQuery, location="query")
def dataset_template(query_data: TemplateQuery) -> Response:
    """An empty instance to fill in: a documented XLSX workbook or a zip with one CSV per table."""
    fmt = query_data.format
    return attachment(template_bytes(fmt), f"budgetopt-template{SUFFIXES[fmt]}", MEDIA_TYPES[fmt])


@api.get("/datasets/<string:dataset_id>")
@api.doc(**TAG)
@api.output(DatasetOut)
def get_dataset(dataset_id: str) -> dict[str, Any]:
    """One dataset."""
    with read_repository() as repo:
        return dataset_out(repo.get_dataset(dataset_id))


@api.get("/datasets/<string:dataset_id>/download")
@api.doc(**TAG, responses={200: {"description": "The instance file", "content": {
    media: {"schema": {"type": "string", "format": "binary"}} for media in MEDIA_TYPES.values()}}})
@api.input(DownloadQuery, location="query")
def download_dataset(dataset_id: str, query_data: DownloadQuery) -> Response:
    """The stored instance as a JSON document, an XLSX workbook or a zip of CSV files."""
    with read_repository() as repo:
        dataset = repo.get_dataset(dataset_id)
        instance = repo.dataset_instance(dataset)
        name = _safe_name(dataset.name)
    fmt = query_data.format
    return attachment(instance_bytes(instance, fmt), f"{name}{SUFFIXES[fmt]}", MEDIA_TYPES[fmt])


@api.delete("/datasets/<string:dataset_id>")
@api.doc(**TAG, responses={204: "Deleted", 409: "Scenarios use the dataset"})
def delete_dataset(dataset_id: str) -> tuple[str, int]:
    """Delete a dataset no scenario uses."""
    with repository() as repo:
        repo.delete_dataset(dataset_id)
    return "", 204
