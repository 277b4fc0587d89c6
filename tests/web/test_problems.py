"""Every error is an RFC 9457 problem document with a stable ``type``."""

from __future__ import annotations

import pytest

from budgetopt.web import create_app, services_of
from budgetopt.web.problems import PROBLEMS

PROBLEM = "application/problem+json"


def _is_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["type"] == f"/api/v1/problems/{code}"
    assert body["status"] == status
    assert body["title"] == PROBLEMS[code][1]
    assert body["instance"] == response.request.path
    return body


def test_unknown_route_and_record_are_not_found(client):
    _is_problem(client.get("/api/v1/no-such-thing"), 404, "not-found")
    body = _is_problem(client.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000"), 404, "not-found")
    assert "not found" in body["detail"]


def test_wrong_method_is_405_with_allow(client):
    response = client.put("/api/v1/datasets")
    _is_problem(response, 405, "method-not-allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_malformed_json_and_invalid_fields(client):
    broken = client.post("/api/v1/scenarios", data="{not json", content_type="application/json")
    assert "not valid JSON" in _is_problem(broken, 400, "bad-request")["detail"]
    empty = client.post("/api/v1/scenarios")
    assert {e["field"] for e in _is_problem(empty, 422, "invalid-input")["errors"]} == {"dataset_id", "name"}
    body = _is_problem(client.post("/api/v1/scenarios", json={"name": ""}), 422, "invalid-input")
    assert {e["field"] for e in body["errors"]} == {"dataset_id", "name"}
    assert all(e["location"] == "json" for e in body["errors"])


def test_body_over_the_limit_is_413(database_url, tmp_path):
    app = create_app({"database_url": database_url, "instance_path": tmp_path, "executor": "none",
                      "default_region": "limit", "max_upload_mb": 1})
    try:
        boundary = "budgetopt-boundary"
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.zip"\r\n'
                f"Content-Type: application/zip\r\n\r\n").encode() + b"x" * (1024 * 1024 + 10) \
            + f"\r\n--{boundary}--\r\n".encode()
        response = app.test_client().post("/api/v1/datasets", data=body,
                                          content_type=f"multipart/form-data; boundary={boundary}")
        body = _is_problem(response, 413, "payload-too-large")
        assert str(1024 * 1024) in body["detail"]
    finally:
        services_of(app).close()


def test_unexpected_error_is_500_without_internals(database_url, tmp_path, caplog):
    app = create_app({"database_url": database_url, "instance_path": tmp_path, "executor": "none",
                      "default_region": "boom"})

    @app.get("/api/v1/boom")
    def boom() -> None:
        msg = "secret internal detail"
        raise RuntimeError(msg)

    try:
        response = app.test_client().get("/api/v1/boom")
        body = _is_problem(response, 500, "internal-error")
        assert "secret" not in response.get_data(as_text=True)
        assert body["detail"] == "the error was logged"
        assert any("secret internal detail" in r.getMessage() or r.exc_info for r in caplog.records)
    finally:
        services_of(app).close()


@pytest.mark.parametrize("code", sorted(PROBLEMS))
def test_every_problem_type_is_documented_at_its_uri(client, code):
    response = client.get(f"/api/v1/problems/{code}")
    assert response.status_code == 200
    assert response.json == {"type": f"/api/v1/problems/{code}", "code": code,
                             "status": PROBLEMS[code][0], "title": PROBLEMS[code][1]}


def test_health_and_readiness(client, database_url):
    assert client.get("/healthz").json["status"] == "ok"
    ready = client.get("/readyz").json
    assert ready == {"status": "ok", "database": database_url.split(":")[0].split("+")[0]}


def test_database_gone_is_503_problem_not_500(tmp_path):
    from tests.pg import create_database, drop_database, pg_available

    if not pg_available():
        pytest.skip("PostgreSQL is not reachable")
    name, url = create_database("budgetopt_web_down")
    app = create_app({"database_url": url, "instance_path": tmp_path, "executor": "none"})
    try:
        client = app.test_client()
        assert client.get("/readyz").status_code == 200
        drop_database(name)
        for path in ("/readyz", "/api/v1/datasets", "/api/v1/jobs/some-id"):
            response = client.get(path)
            _is_problem(response, 503, "service-unavailable")
            assert response.headers["Retry-After"] == "5"
        assert client.get("/healthz").status_code == 200
    finally:
        services_of(app).close()
        drop_database(name)


def test_security_headers(client):
    api = client.get("/api/v1/datasets")
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    assert api.headers["Cache-Control"] == "no-store"
    assert api.headers["Referrer-Policy"] == "no-referrer"
    error = client.get("/api/v1/missing")
    assert error.headers["X-Content-Type-Options"] == "nosniff"
    assert error.headers["Cache-Control"] == "no-store"
