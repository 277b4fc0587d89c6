"""A small Python client of the budgetopt service over its public HTTP API (httpx).

    with Client("http://127.0.0.1:8000") as client:
        dataset = client.upload_dataset("models/drenthe")
        scenario = client.create_scenario(dataset["id"], "15 % cut", {"budget_cut": 0.15})
        job = client.wait(client.submit(scenario["id"])["id"])
        client.download(job["id"], Path("out"))
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

TERMINAL = frozenset({"succeeded", "failed", "cancelled", "timed_out"})
RESULT_FILES = ("result.json", "allocation.csv", "unserved.csv")
INSTANCE_FILES = (".csv", ".toml")


class ApiError(Exception):
    """An error answer of the service, with its problem document (RFC 9457)."""

    def __init__(self, status: int, problem: Mapping[str, Any]) -> None:
        self.status = status
        self.problem = dict(problem)
        detail = problem.get("detail") or problem.get("title") or "error"
        lines = [f"HTTP {status}: {detail}"]
        lines += [f"  - {p.get('message', p)}" for p in problem.get("problems", [])]
        super().__init__("\n".join(lines))

    @property
    def type(self) -> str:
        """The problem's ``type`` URI."""
        return str(self.problem.get("type", ""))


class WaitTimeout(TimeoutError):
    """A job did not end within the time waited."""


def instance_upload(path: Path) -> tuple[str, bytes]:
    """(file name, content) of an instance to upload: a CSV folder is zipped, a file sent as it is."""
    if not path.is_dir():
        return path.name, path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in sorted(path.iterdir()):
            if item.is_file() and item.suffix.lower() in INSTANCE_FILES:
                archive.write(item, item.name)
    return f"{path.name}.zip", buffer.getvalue()


class Client:
    """The service at ``base_url`` (e.g. ``http://127.0.0.1:8000``)."""

    def __init__(self, base_url: str, *, timeout_s: float = 60.0, language: str = "en",
                 transport: httpx.BaseTransport | None = None) -> None:
        self.http = httpx.Client(base_url=base_url.rstrip("/") + "/api/v1", timeout=timeout_s,
                                 headers={"Accept-Language": language}, transport=transport)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self.http.close()

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, url, **kwargs)
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"detail": response.text[:500]}
            raise ApiError(response.status_code, problem)
        return response

    # datasets and scenarios
    def upload_dataset(self, instance: str | Path, name: str | None = None) -> dict[str, Any]:
        """Upload a CSV folder (zipped on the way), a zip of CSV files, an XLSX or a JSON instance."""
        filename, content = instance_upload(Path(instance))
        data = {"name": name} if name else {}
        return self._call("POST", "/datasets", files={"file": (filename, content)}, data=data).json()

    def create_scenario(self, dataset_id: str, name: str, parameters: Mapping[str, Any] | None = None, *,
                        description: str = "", tags: Sequence[str] = ()) -> dict[str, Any]:
        """A draft scenario of a dataset with parameter overrides."""
        body = {"dataset_id": dataset_id, "name": name, "parameters": dict(parameters or {}),
                "description": description, "tags": list(tags)}
        return self._call("POST", "/scenarios", json=body).json()

    # jobs
    def submit(self, scenario_id: str, *, time_limit_s: float | None = None,
               idempotency_key: str | None = None) -> dict[str, Any]:
        """Queue a solve; the job as first recorded."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        body = {"time_limit_s": time_limit_s} if time_limit_s is not None else {}
        return self._call("POST", f"/scenarios/{scenario_id}/jobs", json=body, headers=headers).json()

    def frontier(self, scenario_id: str, *, points: int = 10, low: float = 0.8, high: float = 1.0
                 ) -> dict[str, Any]:
        """Queue a budget frontier."""
        body = {"points": points, "low": low, "high": high}
        return self._call("POST", f"/scenarios/{scenario_id}/frontier", json=body).json()

    def status(self, job_id: str) -> dict[str, Any]:
        """The job's status and progress."""
        return self._call("GET", f"/jobs/{job_id}").json()

    def wait(self, job_id: str, *, timeout_s: float = 600.0, poll_s: float = 0.1, max_poll_s: float = 2.0,
             on_status: Any = None) -> dict[str, Any]:
        """Poll until the job ends (back-off from ``poll_s`` to ``max_poll_s`` by x1.5); ``on_status``
        is called with every status seen. Raises ``WaitTimeout`` after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        delay = poll_s
        while True:
            job = self.status(job_id)
            if on_status is not None:
                on_status(job)
            if job["status"] in TERMINAL:
                return job
            if time.monotonic() + delay > deadline:
                msg = f"job {job_id} still {job['status']} after {timeout_s:g} s"
                raise WaitTimeout(msg)
            time.sleep(delay)
            delay = min(max_poll_s, delay * 1.5)

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Ask the job to stop; the job as it is now."""
        return self._call("POST", f"/jobs/{job_id}/cancel").json()

    # results
    def result(self, job_id: str) -> dict[str, Any]:
        """Summary, KPIs and diagnosis of the job's result."""
        return self._call("GET", f"/jobs/{job_id}/result").json()

    def allocation(self, job_id: str, *, page: int = 1, per_page: int = 100) -> dict[str, Any]:
        """One page of the allocation table."""
        return self._call("GET", f"/jobs/{job_id}/result/allocation",
                          params={"page": page, "per_page": per_page}).json()

    def result_file(self, job_id: str, name: str) -> bytes:
        """The exact bytes of a result file (``result.json``, ``allocation.csv``, ``unserved.csv``)."""
        return self._call("GET", f"/jobs/{job_id}/result/{name}").content

    def download(self, job_id: str, out: str | Path) -> list[Path]:
        """Write the result's files to ``out`` as ``budgetopt solve --out`` does; the paths written."""
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        names = self.result(job_id)["files"]
        written = []
        for name in RESULT_FILES:
            if name in names:
                path = folder / name
                path.write_bytes(self.result_file(job_id, name))
                written.append(path)
        return written

    def compare(self, job_ids: Sequence[str], baseline: str = "dataset") -> dict[str, Any]:
        """KPIs of 2-5 jobs side by side against a baseline."""
        body = {"job_ids": list(job_ids), "baseline": baseline}
        return self._call("POST", "/comparisons", json=body).json()
