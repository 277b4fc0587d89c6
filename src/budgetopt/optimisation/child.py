"""Solver work in a fresh interpreter that is killed at a deadline, talking in pickles.

HiGHS 1.16 can stay in a MIP's root node for minutes past its ``time_limit``, deaf to interrupt
callbacks, so a MIP with a deadline runs in a child process (``python -c``: no ``__main__``
guard needed in the caller's script). The parent sends one pickled payload on the child's
stdin; the child sends pickled messages back on its stdout, which the parent reads until the
deadline, the child's end, or a stop request, and then kills the child.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from budgetopt.optimisation.monitor import Monitor

#: How often the parent looks for a stop request while no message comes [s].
POLL_S = 0.25


def run_child(entry: str, payload: object, deadline: float,
              monitor: Monitor | None = None) -> Iterator[Any]:
    """Start ``python -c entry``, send it ``payload`` and yield its messages until ``deadline``
    (a ``perf_counter`` time), its end, or a stop request of ``monitor``.

    The child is killed when the iteration ends; a caller that stops early closes the
    generator (``contextlib.closing``) to kill it at once.
    """
    child = subprocess.Popen([sys.executable, "-c", entry], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    messages: queue.Queue = queue.Queue()

    def read() -> None:
        try:
            while True:
                messages.put(pickle.load(child.stdout))  # type: ignore[arg-type]
        except (EOFError, OSError, pickle.UnpicklingError):
            messages.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        pickle.dump(payload, child.stdin)  # type: ignore[arg-type]
        child.stdin.close()  # type: ignore[union-attr]
        while (wait := deadline - time.perf_counter()) > 0:
            if monitor is not None and monitor.stop_requested():
                return
            try:
                message = messages.get(timeout=min(wait, POLL_S))
            except queue.Empty:
                continue
            if message is None:
                return
            yield message
    except (BrokenPipeError, OSError):
        return
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(5.0)
        reader.join(5.0)
        for stream in (child.stdin, child.stdout):
            if stream is not None and not stream.closed:
                stream.close()


def serve() -> tuple[Any, Callable[[tuple], None]]:
    """In the child: the payload read from stdin, and a thread-safe ``send`` of one message.

    Standard output is redirected to /dev/null first, so that HiGHS's banner cannot reach the
    pipe the messages travel in.
    """
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    payload = pickle.load(sys.stdin.buffer)
    lock = threading.Lock()  # HiGHS may call back from several threads

    def send(message: tuple) -> None:
        with lock:
            pickle.dump(message, out)
            out.flush()

    return payload, send
