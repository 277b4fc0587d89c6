"""What page tests repeat: the CSRF token of a form, posting forms, uploads, runs, reading pages."""

from __future__ import annotations

import io
import re
import uuid
from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient

from budgetopt.jobs import run_job
from budgetopt.storage import JobStatus
from budgetopt.web import services_of

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def token(client: FlaskClient, url: str = "/datasets") -> str:
    """The CSRF token the form at ``url`` carries."""
    page = client.get(url)
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """POST a form with a valid CSRF token."""
    return client.post(url, data={"csrf_token": token(client), **(data or {})}, **kwargs)


def upload_page(client: FlaskClient, content: bytes, filename: str = "drenthe.zip", name: str = "") -> Any:
    """Upload a file through the datasets page."""
    return post(client, "/datasets", {"file": (io.BytesIO(content), filename), "name": name},
                content_type="multipart/form-data")


def dataset_id(client: FlaskClient, content: bytes, name: str = "Drenthe") -> str:
    """Upload through the page; the new dataset's id."""
    response = upload_page(client, content, name=name)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].rsplit("/", 1)[1]


def scenario(client: FlaskClient, dataset: str, name: str = "cut", **parameters: Any) -> dict[str, Any]:
    """A scenario through the API; its body."""
    response = client.post("/api/v1/scenarios", json={"dataset_id": dataset, "name": name,
                                                      "parameters": parameters or {"budget_cut": 0.15}})
    assert response.status_code == 201, response.json
    return response.json


def submit(client: FlaskClient, scenario_id: str, kind: str = "solve",
           data: dict[str, Any] | None = None) -> str:
    """Submit a solve or frontier through the scenario page; the job id."""
    response = post(client, f"/scenarios/{scenario_id}/{kind}", data)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].rsplit("/", 1)[1]


def run(app: Any, job_id: str) -> JobStatus:
    """Run a queued job to its end in this process, as a worker would (a real solve)."""
    current = services_of(app)
    return run_job(current.database, current.settings, job_id, f"test:{uuid.uuid4().hex[:6]}")


def text_of(html: str) -> str:
    """The visible text of a page, whitespace collapsed (entities decoded)."""
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


class Form(HTMLParser):
    """Inputs of a page: attributes by id, labels' ``for``, every id, values by name."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.ids: set[str] = set()
        self.duplicate_ids: set[str] = set()
        self.values: dict[str, str] = {}
        self.checked: set[str] = set()
        self._select: str | None = None
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            if a["id"] in self.ids:
                self.duplicate_ids.add(str(a["id"]))
            self.ids.add(str(a["id"]))
        if tag == "label" and a.get("for"):
            self.label_for.add(str(a["for"]))
        if tag in ("input", "select", "textarea"):
            self.controls.append({"tag": tag, **a})
            name = a.get("name")
            kind = a.get("type", "text")
            if tag == "input" and name and kind not in ("checkbox", "radio"):
                self.values[name] = a.get("value") or ""
            if tag == "input" and name and kind in ("checkbox", "radio") and "checked" in a:
                self.checked.add(f"{name}={a.get('value')}")
            if tag == "select":
                self._select = name
            if tag == "textarea":
                self._textarea = name
                self.values[str(name)] = ""
        if tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data
