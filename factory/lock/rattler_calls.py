"""py-rattler's async calls run to their very end: no thread of rattler's is still inside
the interpreter when the call returns.

Why (issue 12: `doctor` and `lock` exited 134 or 139 at random, after printing everything):
py-rattler completes every awaited call (a solve) from a thread of its tokio runtime
(pyo3-async-runtimes' `future_into_py`). That thread attaches to the interpreter
(PyGILState_Ensure), calls the event loop's `call_soon_threadsafe`, whose wake-up write
releases the GIL, and only later detaches (PyGILState_Release). The main thread is woken by
that write, has its result, and can print, return and start finalizing the interpreter
before the tokio thread gets the GIL back: its detach then happens during finalization and
aborts ("PyGILState_Release: thread state ... must be current ... finalizing", exit 134)
or crashes (exit 139). Closing the repodata or dropping rattler objects does not help; the
thread is the runtime's own and outlives them. So `run` waits, after the loop is done,
until every thread that attached during the call has detached again: then no rattler
thread touches Python until the next call, and exiting is safe.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

# A detach takes microseconds; this bounds the wait should a thread of some other library
# stay attached for good (then there is nothing to wait for that we could know of).
DETACH_TIMEOUT = 30.0


def run(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(coro), returning (or raising) only once no thread that attached to the
    interpreter during the call is still attached."""
    before = _attached_threads()
    try:
        return asyncio.run(coro)
    finally:
        wait_detached(before)


def wait_detached(before: set[int], timeout: float = DETACH_TIMEOUT) -> bool:
    """Wait until no thread outside `before` holds an interpreter thread state; sleeping
    releases the GIL, which is what such a thread is waiting for. False on timeout."""
    deadline = time.monotonic() + timeout
    delay = 0.0005
    while _attached_threads() - before:
        if time.monotonic() > deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.02)
    return True


def _attached_threads() -> set[int]:
    """Ids of the threads that hold a thread state but are not Python threads: threads of
    extension modules (rattler's tokio threads) while they are attached.

    sys._current_exceptions() has one entry per thread state, read in one call under the
    interpreter's lock (unlike sys._current_frames(), it includes states without a frame:
    a thread between its last Python call and its detach)."""
    states = set(sys._current_exceptions())
    dummy = getattr(threading, "_DummyThread", ())
    python = {t.ident for t in threading.enumerate() if not isinstance(t, dummy)}
    return states - python
