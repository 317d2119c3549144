"""JobService: app-scoped long work with progress, cancel, failure reporting and one
shutdown path. Plain asyncio (the service imports no Qt); the download job at the end
runs over real HTTP against the simulator."""

from __future__ import annotations

import asyncio

import pytest

from storeops.services.jobs import Job, JobService, JobState
from tests.services.occupancy_env import make_client


async def test_progress_reaches_listeners_and_the_job_ends_done():
    seen: list[tuple[str, JobState, float | None]] = []
    jobs = JobService()
    jobs.subscribe(lambda j: seen.append((j.label, j.state, j.fraction)))
    step = asyncio.Event()

    async def work(job):
        job.progress(0, 200, "starting")
        await step.wait()
        job.progress(100)
        return "result"

    job = jobs.start("Downloading clip.mp4", work)
    await asyncio.sleep(0)
    assert jobs.running() == [job] and job.detail == "starting"
    step.set()
    await job.wait()
    assert job.state is JobState.DONE and job.result == "result" and jobs.running() == []
    assert seen == [
        ("Downloading clip.mp4", JobState.RUNNING, None),
        ("Downloading clip.mp4", JobState.RUNNING, 0.0),
        ("Downloading clip.mp4", JobState.RUNNING, 0.5),
        ("Downloading clip.mp4", JobState.DONE, 0.5),
    ]


async def test_cancel_ends_the_job_as_cancelled_and_its_clean_up_runs():
    jobs = JobService(on_failure=lambda j: pytest.fail("a cancel is not a failure"))
    cleaned = []

    async def work(job):
        try:
            await asyncio.Event().wait()
        finally:
            cleaned.append(job.label)

    job = jobs.start("Exporting", work)
    await asyncio.sleep(0)
    job.cancel()
    await job.wait()
    assert job.state is JobState.CANCELLED and cleaned == ["Exporting"] and not jobs.jobs()


async def test_a_failure_is_reported_once_with_its_error():
    failed: list[Job] = []
    jobs = JobService(on_failure=failed.append)

    async def work(job):
        raise OSError("disk full")

    job = jobs.start("Saving", work)
    await job.wait()
    assert job.state is JobState.FAILED and isinstance(job.error, OSError)
    assert failed == [job]


async def test_spawned_housekeeping_is_kept_reported_and_not_shown():
    failed: list[Job] = []
    jobs = JobService(on_failure=failed.append)

    async def boom():
        await asyncio.sleep(0)
        raise RuntimeError("reconnect went wrong")

    job = jobs.spawn(boom(), "reconnect")
    assert job in jobs.jobs() and jobs.running() == []  # referenced, but not in the status bar
    await job.wait()
    assert failed == [job] and str(job.error) == "reconnect went wrong"


async def test_a_broken_listener_does_not_stop_the_job():
    jobs = JobService()

    def broken(job: Job) -> None:
        raise RuntimeError("a listener's own bug")

    jobs.subscribe(broken)
    heard: list[Job] = []
    jobs.subscribe(heard.append)

    async def work(job):
        job.progress(1, 2)

    job = jobs.start("Reading", work)
    await job.wait()
    assert job.state is JobState.DONE and len(heard) == 3


async def test_wait_for_an_owner_and_shutdown_cancels_everything():
    jobs = JobService()
    client_a, client_b = object(), object()
    release = asyncio.Event()

    async def short(job):
        await release.wait()

    async def forever(job):
        await asyncio.Event().wait()

    a = jobs.start("A", short, owner=client_a)
    b = jobs.start("B", forever, owner=client_b)
    assert await jobs.wait_for(client_a, timeout=0.01) is False  # still running
    release.set()
    assert await jobs.wait_for(client_a, timeout=5) is True and a.state is JobState.DONE
    assert await jobs.wait_for(object()) is True  # nothing tied to it
    await jobs.shutdown(grace=5)
    assert b.state is JobState.CANCELLED
    with pytest.raises(RuntimeError):
        jobs.start("after shutdown", short)


async def test_a_real_download_reports_its_bytes(sim, tmp_path):
    """A job around the client's download, as the exports pane will run it: progress in
    bytes from the client's callback, the finished file where it was asked for."""
    client = make_client(sim)
    jobs = JobService()
    try:
        name = (await client.list_downloads())[0]

        async def work(job):
            return await client.download_file(
                name, tmp_path / "export.csv", progress=lambda done, total: job.progress(done, total)
            )

        job = jobs.start(f"Downloading {name}", work, owner=client)
        await job.wait()
        assert job.state is JobState.DONE, job.error
        assert job.result.exists() and job.done == job.total == job.result.stat().st_size > 0
    finally:
        await client.aclose()
