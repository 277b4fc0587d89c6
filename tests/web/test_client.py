"""The Python client over the API, in-process through httpx's WSGI transport."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from budgetopt.client import ApiError, Client, WaitTimeout
from budgetopt.storage import JobStatus
from tests.web.steps import DRENTHE, run


@pytest.fixture
def api(app) -> Iterator[Client]:
    """A client of the test app."""
    with Client("http://budgetopt.test", transport=httpx.WSGITransport(app=app), language="nl") as client:
        yield client


def test_client_round_trip(app, api, tmp_path):
    dataset = api.upload_dataset(DRENTHE, name="Drenthe")
    assert dataset["name"] == "Drenthe"
    cut = api.create_scenario(dataset["id"], "cut", {"budget_cut": 0.15}, tags=["x"])
    mild = api.create_scenario(dataset["id"], "mild", {"budget_cut": 0.05})
    jobs = [api.submit(cut["id"], time_limit_s=30)["id"], api.submit(mild["id"])["id"]]
    with pytest.raises(WaitTimeout):
        api.wait(jobs[0], timeout_s=0.2, poll_s=0.05)
    for job_id in jobs:
        assert run(app, job_id) == JobStatus.SUCCEEDED
    seen = []
    assert api.wait(jobs[0], on_status=seen.append)["status"] == "succeeded"
    assert len(seen) == 1
    assert api.result(jobs[0])["status"] == "optimal"
    written = api.download(jobs[0], tmp_path / "out")
    assert [p.name for p in written][:2] == ["result.json", "allocation.csv"]
    assert (tmp_path / "out" / "allocation.csv").read_bytes() == api.result_file(jobs[0], "allocation.csv")
    comparison = api.compare(jobs)
    assert [r["job_id"] for r in comparison["runs"]] == jobs
    frontier = api.frontier(cut["id"], points=2, low=0.9, high=1.0)
    assert frontier["kind"] == "frontier"
    assert api.cancel(frontier["id"])["status"] == "cancelled"


def test_client_raises_the_problem(api):
    with pytest.raises(ApiError) as raised:
        api.status("no-such-job")
    assert raised.value.status == 404
    assert raised.value.type == "/api/v1/problems/not-found"
    with pytest.raises(ApiError) as invalid:
        api.upload_dataset(DRENTHE / "demand.csv")
    assert invalid.value.status == 422
    assert invalid.value.problem["problems"]
    assert "verwacht" in str(invalid.value)
