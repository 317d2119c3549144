"""ControlThread: runs one player's libvlc calls in order, on a daemon thread.

libvlc's stop() waits for its own threads and, on a network stream that went bad, has
been seen never to return. A ThreadPoolExecutor's workers are joined when the
interpreter exits (concurrent.futures registers that), so one stuck stop() kept the
whole app alive after its window closed. This thread is a daemon and nothing joins it
without a timeout: quitting never waits on libvlc."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, InvalidStateError
from typing import Any

log = logging.getLogger(__name__)

_Job = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class ControlThread(Executor):
    """An executor of one daemon thread: calls run one after another, as submitted."""

    def __init__(self, name: str = "vlc-control") -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._shut = False
        self._ended: Future[None] = Future()
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    @property
    def name(self) -> str:
        return self._thread.name

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            if self._shut:
                raise RuntimeError("cannot schedule new calls after shutdown")
            future: Future[Any] = Future()
            self._jobs.put((future, fn, args, kwargs))
            return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """End the thread after the calls already submitted. `wait` waits without a
        limit (the Executor contract); prefer `join(timeout)` or `wait_ended()`."""
        with self._lock:
            if not self._shut:
                self._shut = True
                self._jobs.put(None)
        if wait:
            self._thread.join()

    def join(self, timeout: float) -> bool:
        """Wait at most `timeout` seconds for the thread to end; whether it did."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    async def wait_ended(self, timeout: float) -> bool:
        """Like join(), without blocking the event loop."""
        try:
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(self._ended)), timeout)
        except TimeoutError:
            return False
        return True

    def _work(self) -> None:
        try:
            while (job := self._jobs.get()) is not None:
                future, fn, args, kwargs = job
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:
                    future.set_exception(exc)
                else:
                    future.set_result(result)
        finally:
            with contextlib.suppress(InvalidStateError):  # a waiter gave up meanwhile
                self._ended.set_result(None)
