"""Set-up shared by the exports service, evidence and pane tests: the simulator's
stores and channels read from its world (independently of the code under test), and
a wait for an export to leave "in progress"."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from storeops.api.models import ExportRequest, ExportState, Location
from storeops.services.exports import ChannelRef, ExportEntry, ExportsService
from storeops.services.jobs import JobService
from tests.conftest import TEST_NOW
from tests.helpers import wait_until
from tests.services.occupancy_env import make_client  # noqa: F401  (re-exported)

# Ends ten minutes before the pinned "now": recorded, and safely in the past.
END = TEST_NOW - timedelta(minutes=10)


def flagship(running) -> tuple[Location, list[ChannelRef]]:
    """The store whose appliance records the most channels (18 in the seeded world),
    with those channels in the world's order."""
    world = running.world
    with world.lock:
        by_store: dict[str, list] = {}
        for ch in world.channels.values():
            if ch.appliance_id:
                by_store.setdefault(ch.store_uuid, []).append(ch)
        uuid, channels = max(by_store.items(), key=lambda kv: len(kv[1]))
        node = next(s for s in world.stores() if s.uuid == uuid)
    store = Location(uuid=node.uuid, name=node.name, time_zone=node.time_zone, location_type="store")
    return store, [ChannelRef(uuid=c.uuid, name=c.name, appliance_id=c.appliance_id) for c in channels]


def disabled_channel(running) -> tuple[Location, ChannelRef]:
    """The seeded channel whose recording is disabled (its exports fail with 424)."""
    world = running.world
    with world.lock:
        ch = next(c for c in world.channels.values() if not c.recording_enabled)
        node = next(s for s in world.stores() if s.uuid == ch.store_uuid)
    store = Location(uuid=node.uuid, name=node.name, time_zone=node.time_zone, location_type="store")
    return store, ChannelRef(uuid=ch.uuid, name=ch.name, appliance_id=ch.appliance_id)


def request(channels: list[ChannelRef], seconds: int = 30, **kw) -> ExportRequest:
    return ExportRequest(channels=[c.uuid for c in channels], start=END - timedelta(seconds=seconds), end=END, **kw)


def service(client, tmp_path: Path, jobs: JobService | None = None, now=None) -> ExportsService:
    kw = {"now": now} if now is not None else {}
    return ExportsService(
        client, jobs or JobService(), list_dir=tmp_path / "data", download_dir=tmp_path / "Downloads", **kw
    )


async def settled(svc: ExportsService, entry_id: str, timeout: float = 60.0) -> ExportEntry:
    """Poll (as the pane does) until the export is no longer in progress."""

    async def poll() -> bool:
        await svc.poll_due()
        entry = svc.entry(entry_id)
        return entry is not None and entry.status is not ExportState.IN_PROGRESS

    deadline = asyncio.get_running_loop().time() + timeout
    while not await poll():
        assert asyncio.get_running_loop().time() < deadline, "the export never left 'in progress'"
        await asyncio.sleep(0.1)
    entry = svc.entry(entry_id)
    assert entry is not None
    return entry


def export_file(running, export_id: str) -> bytes:
    """The simulator's own file for an export: what a download must equal, byte for byte."""
    return (running.data_dir / "video_exports" / f"{export_id}.mp4").read_bytes()


# Blocking reads are fine in a test (the lint rule is for the app's event loop).
def data(path: str | Path) -> bytes:
    return Path(path).read_bytes()


def size(path: str | Path) -> int:
    return Path(path).stat().st_size


def exists(path: str | Path) -> bool:
    return Path(path).exists()


__all__ = [
    "END",
    "data",
    "disabled_channel",
    "exists",
    "export_file",
    "flagship",
    "request",
    "service",
    "settled",
    "size",
    "wait_until",
]
