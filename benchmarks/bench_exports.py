"""Figures of the exports list and the evidence pack's hashing (no server needed).

- exports_save_loop_stall_ms: the longest the event loop went without running while
  ExportsService.save() wrote a list of 500 exports (serialised and written on the
  list's writer thread). Baseline, measured in the same run: exports_dump_on_loop_ms,
  the time the same serialisation takes when done on the loop itself (what a save on
  the GUI thread would block it for).
- exports_load_ms: reading that list back (a new service's load(), off the loop).
- evidence_sha256_mb_s: SHA-256 of a 64 MB file the way the evidence pack hashes it
  (read in 1 MB pieces on a worker thread); baseline hashlib_sha256_mb_s, the same
  bytes already in memory hashed in one call.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storeops.api.client import RetailNextClient
from storeops.services.evidence import sha256_file
from storeops.services.export_list import ChannelRef, ExportEntry
from storeops.services.exports import ExportsService
from storeops.services.jobs import JobService

ENTRIES = 500
HASH_MB = 64
HEARTBEAT_S = 0.001


def _entries() -> list[ExportEntry]:
    now = datetime(2026, 4, 22, 20, 7, tzinfo=UTC)
    return [
        ExportEntry(
            id=f"export-{i:04d}",
            store_name="Caspar City Plaza",
            time_zone="America/Los_Angeles",
            channels=[
                ChannelRef(uuid=f"channel-{j}", name=f"Camera {j}", appliance_id="appliance-1") for j in range(4)
            ],
            start=now - timedelta(minutes=15 + i),
            end=now - timedelta(minutes=i),
            created_at=now,
        )
        for i in range(ENTRIES)
    ]


async def _longest_stall(work) -> float:
    """Run `work()` while a heartbeat measures the longest gap between its beats."""
    longest = 0.0
    done = asyncio.Event()

    async def heartbeat() -> None:
        nonlocal longest
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(HEARTBEAT_S)
            now = time.perf_counter()
            longest = max(longest, now - last - HEARTBEAT_S)
            last = now

    beat = asyncio.ensure_future(heartbeat())
    await asyncio.sleep(0.01)
    try:
        await work()
    finally:
        done.set()
        await beat
    return longest * 1000


async def _list_figures(folder: Path) -> tuple[float, float, float]:
    client = RetailNextClient("http://127.0.0.1:9", "bench", "bench")
    try:
        service = ExportsService(client, JobService(), list_dir=folder)
        for entry in _entries():
            service._entries[entry.id] = entry
        await service.save()  # warm the writer thread and the models' serialisers
        stall = min([await _longest_stall(service.save) for _ in range(5)])

        def dump_on_loop() -> None:
            json.dumps({"version": 1, "exports": [e.model_dump(mode="json") for e in service._entries.values()]})

        started = time.perf_counter()
        for _ in range(5):
            dump_on_loop()
        on_loop = (time.perf_counter() - started) / 5 * 1000
        service.close()

        again = ExportsService(client, JobService(), list_dir=folder)
        started = time.perf_counter()
        await again.load()
        load_ms = (time.perf_counter() - started) * 1000
        assert len(again.entries()) == ENTRIES
        again.close()
        return stall, on_loop, load_ms
    finally:
        await client.aclose()


def _hash_figures(folder: Path) -> tuple[float, float]:
    data = bytes(range(256)) * (HASH_MB * 4096)
    path = folder / "video.mp4"
    path.write_bytes(data)
    started = time.perf_counter()
    asyncio.run(asyncio.to_thread(sha256_file, path))
    file_rate = HASH_MB / (time.perf_counter() - started)
    started = time.perf_counter()
    hashlib.sha256(data).hexdigest()
    memory_rate = HASH_MB / (time.perf_counter() - started)
    return file_rate, memory_rate


def run():
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as tmp:
        folder = Path(tmp)
        stall, on_loop, load_ms = asyncio.run(_list_figures(folder))
        yield "exports_save_loop_stall_ms", stall, f"ms ({ENTRIES} exports, serialised off the loop)"
        yield "exports_dump_on_loop_ms", on_loop, "ms (baseline: the same serialisation on the loop)"
        yield "exports_load_ms", load_ms, f"ms ({ENTRIES} exports)"
        file_rate, memory_rate = _hash_figures(folder)
        yield "evidence_sha256_mb_s", file_rate, f"MB/s ({HASH_MB} MB file, 1 MB pieces, worker thread)"
        yield "hashlib_sha256_mb_s", memory_rate, "MB/s (baseline: the same bytes in memory, one call)"
