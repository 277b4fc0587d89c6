"""A running job's pulse: heartbeat, phase and progress written to its record; cancel read back."""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from budgetopt.storage import Database, Repository

log = logging.getLogger(__name__)

#: Solver figures kept in the progress time series (the gap chart).
SERIES_FIELDS = ("elapsed_s", "incumbent", "bound", "gap")
#: Points of the series kept; older points are thinned (every other one dropped) beyond this.
SERIES_MAX = 200


class Heartbeat:
    """Writes the job's heartbeat with the latest progress every ``every_s`` seconds [s], in a thread.

    The thread keeps ``heartbeat_at`` fresh while HiGHS is busy without calling back. Each write
    returns the job's cancel flag, which :attr:`cancel` then holds; :meth:`report` is the solve's
    ``on_progress``.
    """

    def __init__(self, db: Database, job_id: str, worker: str, every_s: float) -> None:
        self.db = db
        self.job_id = job_id
        self.worker = worker
        self.every_s = every_s
        self.cancel = threading.Event()
        self._progress: dict[str, Any] = {"phase": "loading", "elapsed_s": 0.0}
        self._series: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-{job_id[:8]}", daemon=True)

    def start(self) -> Heartbeat:
        """Write the first beat now and keep beating in the background."""
        self.beat()
        self._thread.start()
        return self

    def stop(self) -> None:
        """End the thread and write the last progress."""
        self._halt.set()
        self._wake.set()
        self._thread.join()
        self.beat()

    def report(self, progress: dict[str, Any]) -> None:
        """Keep the latest progress; a new phase is written at once, figures on the next beat."""
        with self._lock:
            new_phase = progress.get("phase") != self._progress.get("phase")
            self._progress = dict(progress)
            if any(progress.get(k) is not None for k in ("incumbent", "bound", "gap")):
                point = {k: progress.get(k) for k in SERIES_FIELDS}
                if not self._series or self._series[-1] != point:
                    self._series.append(point)
                    if len(self._series) > SERIES_MAX:
                        self._series = self._series[::2]
        if new_phase:
            self._wake.set()

    def progress(self) -> dict[str, Any]:
        """The latest progress with its time series."""
        with self._lock:
            progress = dict(self._progress)
            if self._series:
                progress["series"] = list(self._series)
        return progress

    def beat(self) -> None:
        """Write heartbeat, phase and progress now; remember a cancel request."""
        progress = self.progress()
        try:
            with self.db.session() as session:
                cancel = Repository(session, None).heartbeat(
                    self.job_id, self.worker, phase=progress.get("phase"), progress=progress)
        except SQLAlchemyError:
            log.warning("heartbeat of job %s not written", self.job_id, exc_info=True)
            return
        if cancel:
            self.cancel.set()

    def _loop(self) -> None:
        while not self._halt.is_set():
            self._wake.wait(self.every_s)
            self._wake.clear()
            if self._halt.is_set():
                return
            self.beat()
