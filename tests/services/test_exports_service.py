"""The exports service against the real simulator (pinned clock): the whole lifecycle,
a list that survives a restart, downloads that resume byte-identical after a broken
link, a cancel or an app restart, expired and failed exports, custom exports, and
names that never leave the download folder or overwrite a file."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest

from storeops.api.models import ExportState
from storeops.api.retry import RetryPolicy
from storeops.services.exports import (
    DownloadState,
    ExportKind,
    ExportsService,
    free_path,
    inside,
    safe_file_name,
    server_key,
)
from storeops.services.jobs import JobService, JobState
from tests.helpers import wait_until
from tests.services.exports_env import (
    data,
    disabled_channel,
    exists,
    export_file,
    flagship,
    make_client,
    request,
    service,
    settled,
    size,
)


@pytest.fixture
async def client(fresh_sim):
    c = make_client(fresh_sim)
    try:
        yield c
    finally:
        await c.aclose()


def saved(tmp_path: Path) -> list[dict]:
    files = list((tmp_path / "data" / "exports").glob("*.json"))
    assert len(files) == 1
    return json.loads(files[0].read_text())["exports"]


async def test_lifecycle_start_poll_ready_download_delete(fresh_sim, client, tmp_path):
    store, channels = flagship(fresh_sim)
    svc = service(client, tmp_path)
    entry = await svc.start_export(request(channels[:2], analytics_overlay=True), store, channels[:2])
    assert entry.status is ExportState.IN_PROGRESS and entry.store_name == store.name
    assert [e["id"] for e in saved(tmp_path)] == [entry.id]

    ready = await settled(svc, entry.id)
    assert ready.status is ExportState.READY
    assert saved(tmp_path)[0]["status"] == "ready"

    job = svc.download(entry.id)
    assert job is not None
    await job.wait()
    assert job.state is JobState.DONE, job.error
    path = Path(ready.dest)
    assert ready.download is DownloadState.DONE and path.parent == tmp_path / "Downloads"
    assert data(path) == export_file(fresh_sim, entry.id)
    assert not exists(path.with_name(path.name + ".part"))
    assert ready.done_bytes == ready.total_bytes == size(path)

    await svc.delete(entry.id)
    assert svc.entries() == [] and saved(tmp_path) == []
    assert (await client.export_status(entry.id)).state is ExportState.EXPIRED  # gone on the server
    assert exists(path)  # the downloaded file is the user's: kept


async def test_the_list_survives_a_restart(fresh_sim, client, tmp_path):
    store, channels = flagship(fresh_sim)
    first = service(client, tmp_path)
    entry = await first.start_export(request(channels[:1], info_overlay=True), store, channels[:1])
    first.close()

    again = service(client, tmp_path)
    assert again.entries() == []
    await again.load()
    [kept] = again.entries()
    assert (kept.id, kept.store_uuid, kept.start, kept.end, kept.info_overlay) == (
        entry.id,
        store.uuid,
        entry.start,
        entry.end,
        True,
    )
    assert [c.uuid for c in kept.channels] == [channels[0].uuid]
    assert (await settled(again, kept.id)).status is ExportState.READY


async def test_a_corrupt_list_is_kept_aside_and_a_new_one_started(client, tmp_path):
    svc = service(client, tmp_path)
    path = svc.store.path
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    await svc.load()
    assert svc.entries() == []
    assert path.with_name(path.name + ".corrupt").read_text() == "{not json"


async def test_a_broken_link_resumes_and_the_file_is_byte_identical(fresh_sim, tmp_path):
    store, channels = flagship(fresh_sim)
    client = make_client(fresh_sim, retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05))
    try:
        svc = service(client, tmp_path)
        entry = await svc.start_export(request(channels[:1], seconds=60), store, channels[:1])
        await settled(svc, entry.id)
        # Every answer stops half-way: each attempt resumes from the .part with a Range
        # (the ready link comes from the last poll, so only the file is asked for).
        fresh_sim.faults.set_random("stall=1")
        job = svc.download(entry.id)
        assert job is not None
        await job.wait()
        fresh_sim.faults.set_random(None)
        if job.state is JobState.FAILED:  # the link never came back within the retry budget
            part = entry.part_path
            assert part is not None and size(part) > 0 and entry.download is DownloadState.FAILED
            job = svc.download(entry.id)
            assert job is not None
            await job.wait()
        assert job.state is JobState.DONE, job.error
        assert data(entry.dest) == export_file(fresh_sim, entry.id)
        with fresh_sim.world.lock:
            file_requests = sum(n for k, n in fresh_sim.world.requests.items() if "/v1/video/export/file/" in k)
        assert file_requests >= 3  # cut and resumed, not fetched whole once
    finally:
        await client.aclose()


async def test_a_cancelled_download_keeps_its_part_and_resumes(fresh_sim, client, tmp_path):
    store, channels = flagship(fresh_sim)
    svc = service(client, tmp_path)
    entry = await svc.start_export(request(channels[:1], seconds=60), store, channels[:1])
    await settled(svc, entry.id)
    fresh_sim.faults.set_random("drip=1")  # slow enough to cancel half-way
    job = svc.download(entry.id)
    assert job is not None
    await wait_until(lambda: entry.done_bytes > 0)
    assert svc.cancel(entry.id)
    await job.wait()
    assert job.state is JobState.CANCELLED and entry.download is DownloadState.PAUSED
    part = entry.part_path
    assert part is not None and size(part) > 0
    assert saved(tmp_path)[0]["download"] == "paused"
    fresh_sim.faults.set_random(None)

    again = svc.download(entry.id)
    assert again is not None
    await again.wait()
    assert again.state is JobState.DONE, again.error
    assert data(entry.dest) == export_file(fresh_sim, entry.id)


async def test_a_download_cut_by_closing_the_app_resumes_after_a_restart(fresh_sim, client, tmp_path):
    store, channels = flagship(fresh_sim)
    jobs = JobService()
    svc = service(client, tmp_path, jobs)
    entry = await svc.start_export(request(channels[:1], seconds=60), store, channels[:1])
    await settled(svc, entry.id)
    fresh_sim.faults.set_random("drip=1")
    assert svc.download(entry.id) is not None
    await wait_until(lambda: entry.done_bytes > 0)
    await jobs.shutdown()  # the app closes
    svc.close()
    assert entry.download is DownloadState.PAUSED  # this session: resumable by hand
    assert saved(tmp_path)[0]["download"] == "running"  # the next: resumed by itself
    part = Path(saved(tmp_path)[0]["dest"] + ".part")
    assert size(part) > 0
    fresh_sim.faults.set_random(None)

    jobs2 = JobService()
    restarted = service(client, tmp_path, jobs2)
    await restarted.load()  # resumes by itself
    job = restarted.job(entry.id)
    assert job is not None
    await job.wait()
    assert job.state is JobState.DONE, job.error
    kept = restarted.entry(entry.id)
    assert kept is not None and kept.download is DownloadState.DONE
    assert data(kept.dest) == export_file(fresh_sim, entry.id)
    assert not exists(part)


async def test_an_existing_file_is_never_overwritten(fresh_sim, client, tmp_path):
    store, channels = flagship(fresh_sim)
    svc = service(client, tmp_path)
    entry = await svc.start_export(request(channels[:1]), store, channels[:1])
    await settled(svc, entry.id)
    from storeops.services.exports import video_file_name

    mine = tmp_path / "Downloads" / video_file_name(entry)
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"the user's own file")
    job = svc.download(entry.id)
    assert job is not None
    await job.wait()
    assert job.state is JobState.DONE, job.error
    assert data(mine) == b"the user's own file"
    assert Path(entry.dest) != mine and Path(entry.dest).name.endswith(" (2).mp4")
    assert data(entry.dest) == export_file(fresh_sim, entry.id)


async def test_a_failed_export_shows_the_servers_reason(fresh_sim, client, tmp_path):
    store, channel = disabled_channel(fresh_sim)
    svc = service(client, tmp_path)
    entry = await svc.start_export(request([channel]), store, [channel])
    done = await settled(svc, entry.id)
    assert done.status is ExportState.FAILED
    assert "recording is disabled" in done.reason
    assert saved(tmp_path)[0]["reason"] == done.reason


async def test_an_export_expires_after_seven_days(fresh_sim, client, tmp_path):
    store, channels = flagship(fresh_sim)
    svc = service(client, tmp_path)
    entry = await svc.start_export(request(channels[:1]), store, channels[:1])
    assert (await settled(svc, entry.id)).status is ExportState.READY
    fresh_sim.clock.run_from(fresh_sim.clock.now() + timedelta(days=7, minutes=1))
    svc.refresh()
    await svc.poll_due()
    assert entry.status is ExportState.EXPIRED
    job = svc.download(entry.id)
    assert job is not None
    await job.wait()
    assert job.state is JobState.FAILED and entry.download is DownloadState.FAILED
    assert "expired" in entry.download_error
    await svc.delete(entry.id)  # an expired export leaves the list without asking the server
    assert svc.entries() == []


async def test_polling_backs_off_while_in_progress(fresh_sim, client, tmp_path):
    store, channels = flagship(fresh_sim)
    svc = service(client, tmp_path)
    # A long export renders for a while: several polls, each later than the one before.
    entry = await svc.start_export(request(channels[:4], seconds=600), store, channels[:4])
    waits = []
    for _ in range(3):
        await asyncio.sleep(0)
        svc._next_check[entry.id] = 0.0  # due now, keeping the backoff interval
        waits.append(await svc.poll_due())
        if entry.status is not ExportState.IN_PROGRESS:
            break
    if entry.status is ExportState.IN_PROGRESS:
        assert waits == sorted(waits) and waits[-1] > waits[0]
    await svc.delete(entry.id)


async def test_a_refused_export_leaves_the_list_unchanged(fresh_sim, client, tmp_path):
    from storeops.api.errors import InvalidRequest

    store, channels = flagship(fresh_sim)
    svc = service(client, tmp_path)
    future = request(channels[:1])
    future = future.model_copy(update={"end": future.end + timedelta(days=1), "start": future.start})
    with pytest.raises(InvalidRequest):
        await svc.start_export(future, store, channels[:1])
    assert svc.entries() == []


async def test_custom_exports_download_through_the_same_manager(fresh_sim, client, tmp_path):
    svc = service(client, tmp_path)
    files = await svc.list_custom()
    assert files and all(f.startswith("custom_exports/") for f in files)
    entry = await svc.add_custom(files[0])
    assert entry.kind is ExportKind.CUSTOM and entry.status is ExportState.READY
    assert await svc.add_custom(files[0]) is entry  # listed once
    job = svc.download(entry.id)
    assert job is not None
    await job.wait()
    assert job.state is JobState.DONE, job.error
    with fresh_sim.world.lock:
        expected = fresh_sim.world.file_bytes(files[0])
    assert data(entry.dest) == expected
    assert Path(entry.dest).name == files[0].rsplit("/", 1)[1]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("custom_exports/reports/a.csv", "a.csv"),
        ("../../etc/passwd", "passwd"),
        ("..", "download"),
        ("a%2F..%2F..%2Fb.csv", "b.csv"),
        ("..%2F", "download"),
        ("x\\..\\y.csv", "y.csv"),
        ("CON.csv", "_CON.csv"),
        ("bad:name?.csv", "bad_name_.csv"),
        ("line\nbreak.csv", "line_break.csv"),
        ("", "download"),
    ],
)
def test_server_names_stay_inside_the_folder(tmp_path, name, expected):
    safe = safe_file_name(name)
    assert safe == expected
    assert inside(tmp_path, free_path(tmp_path, safe))


def test_free_names_skip_files_parts_and_other_entries(tmp_path):
    (tmp_path / "a.mp4").write_bytes(b"")
    (tmp_path / "a (2).mp4.part").write_bytes(b"")
    assert free_path(tmp_path, "a.mp4", {tmp_path / "a (3).mp4"}) == tmp_path / "a (4).mp4"


def test_the_list_file_is_per_server():
    assert server_key("http://127.0.0.1:51234") == server_key("http://localhost:8080") == "local"
    assert server_key("https://acme.api.retailnext.net") == "acme.api.retailnext.net"


def test_service_is_in_the_bundle(sim):
    from storeops.services.bundle import Services

    client = make_client(sim)
    services = Services(client)
    assert isinstance(services.exports, ExportsService)
    assert services.exports is services.exports  # one per connection
    asyncio.run(client.aclose())


async def test_a_reconnect_to_the_same_server_keeps_one_service_and_its_downloads(fresh_sim, client, tmp_path):
    store, channels = flagship(fresh_sim)
    first = ExportsService.shared(client, JobService(), list_dir=tmp_path / "data")
    first.download_dir = tmp_path / "Downloads"
    entry = await first.start_export(request(channels[:1], seconds=10), store, channels[:1])
    second_client = make_client(fresh_sim)
    try:
        jobs = JobService()
        second = ExportsService.shared(second_client, jobs, list_dir=tmp_path / "data")
        assert second is first and second.client is second_client and second.jobs is jobs
        assert second.entry(entry.id) is entry  # not read again from the file
        await settled(second, entry.id)
        job = second.download(entry.id)
        assert job is not None and job in jobs.jobs()
        await job.wait()
        assert data(entry.dest) == export_file(fresh_sim, entry.id)
    finally:
        await second_client.aclose()
