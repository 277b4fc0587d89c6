"""Requests the API tests repeat: upload, scenario, a job run to its end in the test."""

from __future__ import annotations

import io
import uuid
import zipfile
from typing import Any

from flask.testing import FlaskClient

from budgetopt.jobs import run_job
from budgetopt.storage import JobStatus
from budgetopt.web import services_of
from tests.conftest import MODELS

DRENTHE = MODELS / "drenthe"


def upload(client: FlaskClient, content: bytes, filename: str = "drenthe.zip", *,
           language: str = "en", name: str | None = None) -> Any:
    """POST a file to /datasets; the response."""
    data: dict[str, Any] = {"file": (io.BytesIO(content), filename)}
    if name:
        data["name"] = name
    return client.post("/api/v1/datasets", data=data, content_type="multipart/form-data",
                       headers={"Accept-Language": language})


def make_scenario(client: FlaskClient, dataset_id: str, name: str = "cut", **fields: Any) -> dict[str, Any]:
    """A scenario through the API; its body."""
    body = {"dataset_id": dataset_id, "name": name, **fields}
    response = client.post("/api/v1/scenarios", json=body)
    assert response.status_code == 201, response.json
    return response.json


def drenthe_scenario(client: FlaskClient, drenthe_zip: bytes, **parameters: Any) -> dict[str, Any]:
    """Drenthe uploaded and a scenario at a 15 % cut (or ``parameters``)."""
    dataset = upload(client, drenthe_zip).json
    return make_scenario(client, dataset["id"], parameters=parameters or {"budget_cut": 0.15})


def run(app: Any, job_id: str) -> JobStatus:
    """Run a queued job to its end in this process, as a worker would (a real solve)."""
    current = services_of(app)
    return run_job(current.database, current.settings, job_id, f"test:{uuid.uuid4().hex[:6]}")


def zip_with(content: bytes, name: str, change) -> bytes:
    """A copy of a zip with member ``name`` changed by ``change(text) -> text``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w") as target:
        for member in source.namelist():
            data = source.read(member)
            if member == name:
                data = change(data.decode()).encode()
            target.writestr(member, data)
    return buffer.getvalue()


def set_cells(text: str, changes: dict[tuple[int, int], str]) -> str:
    """A comma-separated text with cells replaced: ``{(line, column): value}``, both 0-based."""
    lines = text.splitlines()
    for (line, column), value in changes.items():
        cells = lines[line].split(",")
        cells[column] = value
        lines[line] = ",".join(cells)
    return "\n".join(lines) + "\n"
