"""App-scoped long work: downloads, exports, bulk reads, and the app's own background tasks.

A job belongs to the app, not to the pane that started it: it keeps running when the
user switches panes or accounts, the status bar shows it while it runs, and it can be
cancelled from there. Every task is referenced here until it ends, and its failure is
reported (a bare `ensure_future` loses both), and shutdown cancels everything in one
place. No Qt: listeners are plain callables, called on the event loop's thread.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

log = logging.getLogger(__name__)

#: How long shutdown lets cancelled jobs run their clean-up (close a file, delete a part).
SHUTDOWN_GRACE_S = 2.0


class JobState(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(eq=False)
class Job:
    """One piece of long work. The work reports through `progress()`; readers use the
    fields. `owner` ties a job to a resource (e.g. the API client it uses), so whoever
    closes that resource can wait for the job first."""

    label: str
    owner: object = None
    visible: bool = True  # False: the app's own housekeeping, not shown to the user
    state: JobState = JobState.RUNNING
    done: int | None = None
    total: int | None = None
    detail: str = ""
    error: BaseException | None = None
    result: Any = None
    seq: int = 0  # start order
    _task: asyncio.Task[Any] | None = field(default=None, repr=False)
    _service: JobService | None = field(default=None, repr=False)

    @property
    def fraction(self) -> float | None:
        """0..1 when the total is known, else None (show an indeterminate bar)."""
        if self.done is None or not self.total:
            return None
        return max(0.0, min(1.0, self.done / self.total))

    @property
    def finished(self) -> bool:
        return self.state is not JobState.RUNNING

    def progress(self, done: int | None = None, total: int | None = None, detail: str | None = None) -> None:
        if done is not None:
            self.done = done
        if total is not None:
            self.total = total
        if detail is not None:
            self.detail = detail
        if self._service is not None:
            self._service._changed(self)

    def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def wait(self) -> None:
        """Until the job has ended, however it ended."""
        if self._task is not None:
            await asyncio.wait([self._task])


Listener = Callable[[Job], None]


class JobService:
    """`on_failure(job)`: told of every job that failed (not of cancelled ones); the app
    turns a job's failure into a message, or an unexpected one into the crash dialog."""

    def __init__(self, on_failure: Callable[[Job], None] | None = None) -> None:
        self._jobs: set[Job] = set()
        self._listeners: list[Listener] = []
        self._on_failure = on_failure
        self._closed = False
        self._seq = itertools.count(1)

    def start(
        self, label: str, work: Callable[[Job], Awaitable[Any]], *, owner: object = None, visible: bool = True
    ) -> Job:
        """Run `work(job)` as a job; `work` reports progress through the job it is given."""
        if self._closed:
            raise RuntimeError("the job service has shut down")
        job = Job(label, owner=owner, visible=visible, seq=next(self._seq), _service=self)

        async def run() -> Any:
            return await work(job)

        job._task = asyncio.ensure_future(run())
        self._jobs.add(job)
        job._task.add_done_callback(lambda task: self._ended(job, task))
        self._changed(job)
        return job

    def spawn(self, coro: Coroutine[Any, Any, Any], label: str = "background task", *, owner: object = None) -> Job:
        """The app's own fire-and-forget work (a reconnect, a deferred close): kept, and
        its failure reported, but not shown in the status bar."""

        async def work(_job: Job) -> Any:
            return await coro

        return self.start(label, work, owner=owner, visible=False)

    def jobs(self, *, visible_only: bool = False) -> list[Job]:
        return [j for j in self._jobs if j.visible or not visible_only]

    def running(self) -> list[Job]:
        """Visible jobs still running, oldest first."""
        return [j for j in self._ordered() if j.visible and not j.finished]

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """`listener(job)` hears each start, progress report and end; returns an unsubscribe."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    async def wait_for(self, owner: object, timeout: float | None = None) -> bool:
        """Until the jobs tied to `owner` have ended (True), or the timeout (False)."""
        tasks = [j._task for j in self._jobs if j.owner is owner and j._task is not None]
        if not tasks:
            return True
        _done, pending = await asyncio.wait(tasks, timeout=timeout)
        return not pending

    async def shutdown(self, grace: float = SHUTDOWN_GRACE_S) -> None:
        """Cancel every job and wait (up to `grace`) for their clean-up."""
        self._closed = True
        tasks = [j._task for j in self._jobs if j._task is not None and not j._task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                log.warning("a job did not end within %.1f s of being cancelled: %r", grace, task)

    # ------------------------------------------------------------ internals

    def _ordered(self) -> list[Job]:
        return sorted(self._jobs, key=lambda j: j.seq)

    def _ended(self, job: Job, task: asyncio.Task[Any]) -> None:
        self._jobs.discard(job)
        if task.cancelled():
            job.state = JobState.CANCELLED
        elif (exc := task.exception()) is not None:
            job.state, job.error = JobState.FAILED, exc
            log.warning("job %r failed", job.label, exc_info=exc)
        else:
            job.state, job.result = JobState.DONE, task.result()
        self._changed(job)
        if job.state is JobState.FAILED and self._on_failure is not None:
            self._on_failure(job)

    def _changed(self, job: Job) -> None:
        for listener in list(self._listeners):
            try:
                listener(job)
            except Exception:  # a broken listener must not stop the job or the others
                log.exception("job listener failed")
