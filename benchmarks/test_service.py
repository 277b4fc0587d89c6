"""The service under a burst: 20 concurrent submissions of a Drenthe solve to a real ``budgetopt serve``,
on a SQLite file and on PostgreSQL.

Measures the latency of submit and status answers (p50, p95) and submit-to-result time of each job;
the figures are in ``extra_info`` of the benchmark (``--benchmark-json``) and printed.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from budgetopt.client import Client
from tests.e2e.conftest import start_server, stop_server
from tests.pg import pg_url

DRENTHE = Path(__file__).resolve().parents[1] / "models" / "drenthe"
CONCURRENT = 20
P95_LIMIT_S = 3.0  # a sanity bound on a shared 2-core machine
P95_TARGET_S = 0.3  # the research target for 20 concurrent submissions on 2 cores (printed, not asserted)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("bench-service")
    if request.param == "sqlite":
        process, url = start_server(folder)
        yield url
        stop_server(process)
        return
    with pg_url("budgetopt_bench") as database_url:
        process, url = start_server(folder, database_url=database_url)
        yield url
        stop_server(process)


def _burst(url: str, scenario_id: str) -> dict[str, list[float]]:
    submit_s: list[float] = []
    status_s: list[float] = []
    result_s: list[float] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(CONCURRENT)

    def one() -> None:
        try:
            with Client(url) as client:
                barrier.wait()
                started = time.perf_counter()
                job = client.submit(scenario_id)
                submit_s.append(time.perf_counter() - started)
                while True:
                    asked = time.perf_counter()
                    status = client.status(job["id"])
                    status_s.append(time.perf_counter() - asked)
                    if status["status"] in ("succeeded", "failed", "cancelled", "timed_out"):
                        break
                    time.sleep(0.05)
                assert status["status"] == "succeeded", status
                result_s.append(time.perf_counter() - started)
        except BaseException as error:  # reported by the caller
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return {"submit": submit_s, "status": status_s, "result": result_s}


def test_submit_to_result_one_at_a_time(benchmark, service):
    """Median time from submit to a succeeded status of a Drenthe solve, one job at a time."""
    with Client(service) as client:
        dataset = client.upload_dataset(DRENTHE)
        scenario = client.create_scenario(dataset["id"], "single", {"budget_cut": 0.15})
        client.wait(client.submit(scenario["id"])["id"], timeout_s=120)  # workers warm

        def one() -> float:
            started = time.perf_counter()
            job = client.wait(client.submit(scenario["id"])["id"], timeout_s=60, poll_s=0.01, max_poll_s=0.05)
            assert job["status"] == "succeeded"
            return time.perf_counter() - started

        times = benchmark.pedantic(lambda: [one() for _ in range(10)], rounds=1, iterations=1)
    benchmark.extra_info.update(result_p50_s=statistics.median(times), result_max_s=max(times))
    print(f"submit-to-result p50={statistics.median(times):.3f} s max={max(times):.3f} s")
    assert statistics.median(times) < 2.0


def test_concurrent_submissions(benchmark, service):
    with Client(service) as client:
        dataset = client.upload_dataset(DRENTHE)
        scenario = client.create_scenario(dataset["id"], "burst", {"budget_cut": 0.15})
        client.wait(client.submit(scenario["id"])["id"], timeout_s=120)  # workers warm
    figures = benchmark.pedantic(_burst, args=(service, scenario["id"]), rounds=1, iterations=1)
    summary = {
        "submit_p50_s": statistics.median(figures["submit"]), "submit_p95_s": _p(figures["submit"], 0.95),
        "status_p50_s": statistics.median(figures["status"]), "status_p95_s": _p(figures["status"], 0.95),
        "status_requests": len(figures["status"]),
        "result_p50_s": statistics.median(figures["result"]), "result_max_s": max(figures["result"]),
    }
    benchmark.extra_info.update(summary)
    target = "within" if max(summary["submit_p95_s"], summary["status_p95_s"]) < P95_TARGET_S else "over"
    print(" ".join(f"{k}={v:.3f}" for k, v in summary.items()), f"({target} the {P95_TARGET_S} s target)")
    assert len(figures["result"]) == CONCURRENT
    assert summary["submit_p95_s"] < P95_LIMIT_S
    assert summary["status_p95_s"] < P95_LIMIT_S
