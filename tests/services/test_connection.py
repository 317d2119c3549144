"""ConnectionManager against real simulators over HTTP: demo by default, an account,
the failures a user must tell apart, and retiring a client only after its jobs."""

from __future__ import annotations

import asyncio
import socket

import pytest

from storeops.services.connection import ConnectError, ConnectionManager, ConnectionState
from storeops.services.jobs import JobService
from storeops.settings import Profile, Settings
from storeops.simulator.clock import Clock
from tests.conftest import ACCESS_KEY, SECRET_KEY, TEST_NOW
from tests.helpers import wait_until


class Secrets:
    """The OS keyring's part the manager uses: the secret of a profile, if stored."""

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self.values = values or {}

    def get(self, profile_id: str) -> str | None:
        return self.values.get(profile_id)


def account(url: str, secret: str | None = SECRET_KEY) -> tuple[Settings, Secrets]:
    settings = Settings()
    profile = Profile(name="Test chain", base_url=url, access_key=ACCESS_KEY)
    settings.upsert_profile(profile)
    settings.active_profile_id = profile.id
    return settings, Secrets({profile.id: secret} if secret else {})


def unused_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


async def test_no_account_means_the_demo_chain_on_its_own_clock():
    manager = ConnectionManager(Settings(), Secrets(), JobService(), demo_clock=Clock(TEST_NOW, speed=0))
    try:
        conn = await manager.open()
        assert conn.demo and manager.state is ConnectionState.DEMO and conn.source.startswith("Demo data")
        assert len(conn.stores) >= 10 and conn.client is manager.client
        assert conn.now() == TEST_NOW  # panes reason with the demo chain's pinned clock
        simulator = manager.simulator
        assert simulator is not None and simulator.running
    finally:
        await manager.close(final=True)
    assert manager.simulator is None and not simulator.running and conn.client.transport.http.is_closed


async def test_an_account_connects_and_reads_its_stores(sim):
    settings, secrets = account(sim.url)
    manager = ConnectionManager(settings, secrets, JobService())
    progress: list[str] = []
    try:
        conn = await manager.open(lambda status, page: progress.append(status))
        assert not conn.demo and manager.state is ConnectionState.CONNECTED
        assert conn.source == f"Connected to {sim.url}" and progress == [f"Connecting to {sim.url}…"]
        assert {s.uuid for s in conn.stores} == {s.uuid for s in sim.world.stores() if s.archive_date is None}
    finally:
        await manager.close(final=True)


@pytest.mark.parametrize(
    "case, state, words",
    [
        ("no secret", ConnectionState.FAILED, "No secret key stored for this account"),
        ("wrong secret", ConnectionState.FAILED, "Sign-in refused"),
        ("unreachable", ConnectionState.OFFLINE, "Cannot reach 127.0.0.1:"),
    ],
)
async def test_failures_say_what_happened_and_whether_it_is_the_network(sim, case, state, words):
    url = unused_port_url() if case == "unreachable" else sim.url
    settings, secrets = account(url, secret={"no secret": None, "wrong secret": "nope"}.get(case, SECRET_KEY))
    manager = ConnectionManager(settings, secrets, JobService())
    try:
        with pytest.raises(ConnectError) as failure:
            await manager.open()
        assert failure.value.state is state is manager.state and words in failure.value.short
        # What to do next: the network fixes itself (tried again), an account needs the user.
        advice = "network connection" if state is ConnectionState.OFFLINE else "Accounts"
        assert advice in failure.value.text
    finally:
        await manager.close(final=True)


async def test_reopen_retires_the_old_client_after_its_jobs(sim):
    settings, secrets = account(sim.url)
    jobs = JobService()
    manager = ConnectionManager(settings, secrets, jobs)
    manager.close_grace_s = 0.01
    retired: list[str] = []
    try:
        first = await manager.open()
        release = asyncio.Event()

        async def work(job):
            await release.wait()
            return await first.client.list_downloads()

        job = jobs.start("Reading the export list", work, owner=first.client)
        second = await manager.reopen(on_retired=lambda: retired.append("old panes"))
        assert second.client is not first.client
        await asyncio.sleep(0.2)  # twenty grace periods: the job still holds the old client
        assert not first.client.transport.http.is_closed and retired == []
        release.set()
        await job.wait()
        assert job.result
        await wait_until(lambda: first.client.transport.http.is_closed)
        assert retired == ["old panes"]
    finally:
        await manager.close(final=True)
