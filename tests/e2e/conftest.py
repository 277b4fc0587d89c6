"""A real service process: ``budgetopt serve`` on a free port of 127.0.0.1, a SQLite file, local workers."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

BUDGETOPT = [sys.executable, "-m", "budgetopt"]
START_TIMEOUT_S = 60.0


def start_server(instance_path: Path, *, demo: bool = False, **settings: str) -> tuple[subprocess.Popen, str]:
    """Start ``budgetopt serve --port 0`` (output to ``instance_path/serve.log``); (process, base URL)
    once it answers /readyz."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUDGETOPT_")}
    env.update({"BUDGETOPT_INSTANCE_PATH": str(instance_path), "BUDGETOPT_EXECUTOR": "local",
                "BUDGETOPT_WORKERS": "2", "BUDGETOPT_HEARTBEAT_S": "0.5"})
    env.update({f"BUDGETOPT_{k.upper()}": v for k, v in settings.items()})
    log = instance_path / "serve.log"
    with log.open("w") as output:
        command = [*BUDGETOPT, "serve", "--host", "127.0.0.1", "--port", "0", *(["--demo"] if demo else [])]
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        match = re.search(r"serving on (http://127\.0\.0\.1:\d+)", log.read_text())
        if match:
            url = match.group(1)
            with httpx.Client(base_url=url, timeout=5) as http:
                assert http.get("/readyz").status_code == 200
            return process, url
        time.sleep(0.1)
    stop_server(process)
    pytest.fail("the service did not start:\n" + log.read_text())


def stop_server(process: subprocess.Popen) -> int:
    """SIGTERM, then SIGKILL after 20 s; the exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a running service with the Drenthe example (stopped after the module's tests)."""
    process, url = start_server(tmp_path_factory.mktemp("service"), demo=True)
    yield url
    assert stop_server(process) == 0
