"""A solve's progress going out and a stop request coming in, for callers that watch a solve."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

#: Phases of one solve, in order.
PHASES = ("loading", "building", "solving", "extracting", "diagnosing", "saving")


class Cancelled(Exception):
    """The caller asked the solve to stop (raised between phases; HiGHS itself is interrupted)."""


class Monitor:
    """Receives phases and solver progress; answers whether the caller wants the solve stopped.

    ``on_progress`` gets a dict (phase, elapsed_s, incumbent, bound, gap in the objective's user
    units where known) at most every ``every_s`` seconds, and always on a phase change.
    ``should_stop`` is polled from HiGHS's callbacks (cheaply: at most every ``poll_s`` seconds);
    once it answers True, :attr:`stopped` stays True. Both may be called from solver threads.
    """

    def __init__(self, on_progress: Callable[[dict[str, Any]], None] | None = None,
                 should_stop: Callable[[], bool] | None = None, *, every_s: float = 0.5,
                 poll_s: float = 0.25) -> None:
        self._on_progress = on_progress
        self._should_stop = should_stop
        self.every_s = every_s
        self.poll_s = poll_s
        self.started = time.perf_counter()
        self.phase_name = "loading"
        self.state: dict[str, Any] = {"phase": self.phase_name, "elapsed_s": 0.0}
        self.stopped = False
        self._last_sent = 0.0
        self._last_poll = 0.0
        self._lock = threading.Lock()

    def phase(self, name: str, *, may_stop: bool = True) -> None:
        """Enter a phase (one of :data:`PHASES`).

        Raises :class:`Cancelled` when a stop was asked, unless ``may_stop`` is False (phases
        after the solver ran: its outcome, interrupted or not, is then made into a result).
        """
        self.phase_name = name
        self._send({"phase": name}, force=True)
        if may_stop and self.stop_requested():
            raise Cancelled(name)

    def solver(self, **figures: float | None) -> None:
        """Solver figures (incumbent, bound, gap, iterations…); sent when ``every_s`` has passed."""
        self._send({k: v for k, v in figures.items() if v is not None}, force=False)

    def stop_requested(self) -> bool:
        """True once the caller asked to stop (polled at most every ``poll_s`` seconds)."""
        if self.stopped or self._should_stop is None:
            return self.stopped
        now = time.perf_counter()
        if now - self._last_poll < self.poll_s:
            return False
        self._last_poll = now
        if self._should_stop():
            self.stopped = True
        return self.stopped

    def _send(self, update: dict[str, Any], *, force: bool) -> None:
        now = time.perf_counter()
        with self._lock:
            self.state.update(update)
            self.state["phase"] = self.phase_name
            self.state["elapsed_s"] = round(now - self.started, 3)
            if self._on_progress is None or (not force and now - self._last_sent < self.every_s):
                return
            self._last_sent = now
            snapshot = dict(self.state)
        self._on_progress(snapshot)

