"""The app's jobs against the real simulator: shown in the status bar with progress and
a Cancel button, finished on the old connection across a reconnect, cancelled by
shutdown, and a failure said in words."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt

from storeops.api.errors import NotFound
from storeops.services.jobs import JobState
from storeops.settings import Settings
from tests.helpers import wait_until
from tests.ui.shell_env import profile_settings

pytestmark = pytest.mark.gui


def test_status_bar_shows_the_running_job_and_cancels_it(run_app, qtbot):
    async def body(app):
        bar = app.window.status
        step = asyncio.Event()

        async def work(job):
            job.progress(0, 400)
            await step.wait()
            job.progress(100)
            await asyncio.Event().wait()

        job = app.jobs.start("Downloading north-door.mp4", work)
        await wait_until(lambda: bar.job_label.text() == "Downloading north-door.mp4 0%")
        assert bar.job_label.isVisible()
        step.set()
        await wait_until(lambda: bar.job_label.text() == "Downloading north-door.mp4 25%")
        assert bar.job_bar.value() == 250 and bar.job_cancel.isVisible()
        qtbot.mouseClick(bar.job_cancel, Qt.MouseButton.LeftButton)
        await job.wait()
        assert job.state is JobState.CANCELLED
        assert not bar.job_label.isVisible() and not bar.job_cancel.isVisible()

    run_app(Settings.load(), body)


def test_a_job_finishes_on_its_connection_across_a_reconnect(run_app, sim, memory_keyring):
    """Switching to demo data mid-job: the job keeps the old client, which is closed
    only once the job is done."""

    async def body(app):
        first = app.client
        app.close_grace_s = 0.05
        release = asyncio.Event()

        async def work(job):
            await release.wait()
            return await first.list_downloads()

        job = app.jobs.start("Reading the export list", work, owner=first)
        app.use_profile(None)
        await wait_until(lambda: app.connected.is_set() and app.demo and app.client is not first, timeout=30)
        await asyncio.sleep(0.5)  # ten times the old connection's grace period
        state = job.state  # read now: the job goes on when released
        assert not first.transport.http.is_closed and state is JobState.RUNNING
        release.set()
        await job.wait()
        assert job.state is JobState.DONE and job.result
        await wait_until(lambda: first.transport.http.is_closed, timeout=5)

    run_app(profile_settings(sim.url), body)


def test_shutdown_cancels_running_jobs(qloop):
    from storeops.app import App

    app = App(Settings.load())
    cleaned = []

    async def main():
        try:
            await app.start()

            async def work(job):
                try:
                    await asyncio.Event().wait()
                finally:
                    cleaned.append(job.label)

            job = app.jobs.start("Exporting", work)
            await asyncio.sleep(0)
        finally:
            await app.shutdown()
            app.window.deleteLater()
        return job

    job = qloop.run_until_complete(main())
    assert job.state is JobState.CANCELLED and cleaned == ["Exporting"]


def test_a_failed_job_says_why_in_the_status_bar(run_app):
    async def body(app):
        async def work(job):
            raise NotFound("no such export")

        job = app.jobs.start("Checking the export", work)
        await job.wait()
        assert job.state is JobState.FAILED
        await wait_until(lambda: app.window.status.last_error.text().startswith("⚠ Checking the export failed: "))

    run_app(Settings.load(), body)
