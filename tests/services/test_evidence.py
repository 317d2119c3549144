"""The evidence pack against the real simulator (pinned clock): the video as
downloaded, the store's traffic and occupancy for the same minutes (read back from
v2/datamine independently), times in UTC and the store's local time, and SHA-256s that
match the files."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from storeops.api.datamine import DatamineRequest, DateRange, GroupBy, TimeRange, rows
from storeops.api.errors import InvalidRequest
from storeops.services.jobs import JobState
from tests.services.exports_env import END, data, export_file, flagship, make_client, request, service, settled


@pytest.fixture
async def client(fresh_sim):
    c = make_client(fresh_sim)
    try:
        yield c
    finally:
        await c.aclose()


def local_start(row: dict[str, str]) -> str:
    return datetime.fromisoformat(row["start_local"]).strftime("%H:%M")


def files_in(path: Path) -> dict[str, bytes]:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as z:
            return {Path(n).name: z.read(n) for n in z.namelist()}
    return {p.name: p.read_bytes() for p in path.iterdir()}


async def expected_buckets(client, store, tz: ZoneInfo, start: datetime, end: datetime) -> dict[str, dict[str, str]]:
    """The server's 15-minute values over the export's minutes, asked another way
    (one day, a time range) than the pack asks them."""
    a, b = start.astimezone(tz), end.astimezone(tz)
    first = a.replace(minute=a.minute - a.minute % 15, second=0, microsecond=0)
    last = b.replace(second=0, microsecond=0)
    last = (
        last
        if last.minute % 15 == 0 and last > b - timedelta(seconds=1)
        else last.replace(minute=last.minute - last.minute % 15) + timedelta(minutes=15)
    )
    result = await client.datamine(
        DatamineRequest(
            locations=[store.uuid],
            metrics=["traffic_in", "traffic_out", "total_occupancy"],
            date_ranges=[DateRange.days(date(a.year, a.month, a.day), a.date() + timedelta(days=1))],
            time_ranges=[TimeRange.between(first.strftime("%H:%M"), last.strftime("%H:%M"))],
            group_bys=[GroupBy.date("days", 1), GroupBy.time("minutes", 15)],
            time_zone=str(tz),
        )
    )
    out: dict[str, dict[str, str]] = {}
    for row in rows(result):
        out.setdefault(row.time or "", {})[row.metric] = "" if row.value is None else f"{row.value:g}"
    return out


async def test_the_pack_holds_the_video_the_minutes_and_true_hashes(fresh_sim, client, tmp_path):
    store, channels = flagship(fresh_sim)
    svc = service(client, tmp_path)
    # 16 minutes: across a quarter-hour boundary whatever the minute, two or three buckets.
    req = request(channels[:2], seconds=16 * 60, resolution="320x240")  # small tiles render fast
    entry = await svc.start_export(req, store, channels[:2])
    await settled(svc, entry.id, timeout=120)
    for make_zip in (False, True):
        job = svc.evidence_pack(entry.id, make_zip=make_zip)
        await job.wait()
        assert job.state is JobState.DONE, job.error
        await check_pack(fresh_sim, client, tmp_path, entry, req, Path(job.result), make_zip)


async def check_pack(fresh_sim, client, tmp_path, entry, req, pack, make_zip):
    store, channels = flagship(fresh_sim)
    tz = ZoneInfo(store.time_zone or "UTC")
    assert pack.parent == tmp_path / "Downloads" and (pack.suffix == ".zip") == make_zip
    files = files_in(pack)
    video_name = Path(entry.dest).name
    assert set(files) == {video_name, "traffic.csv", "occupancy.csv", "evidence.json"}
    assert files[video_name] == export_file(fresh_sim, entry.id) == data(entry.dest)

    manifest = json.loads(files["evidence.json"])
    for name in (video_name, "traffic.csv", "occupancy.csv"):
        assert manifest["files"][name] == {"sha256": hashlib.sha256(files[name]).hexdigest(), "bytes": len(files[name])}
    assert manifest["store"] == {"uuid": store.uuid, "name": store.name, "time_zone": store.time_zone}
    assert [c["uuid"] for c in manifest["channels"]] == [c.uuid for c in channels[:2]]
    times = manifest["times"]
    assert times["start_utc"] == req.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert times["end_utc"] == END.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert datetime.fromisoformat(times["start_local"]) == req.start
    assert datetime.fromisoformat(times["start_local"]).utcoffset() == req.start.astimezone(tz).utcoffset()
    assert times["time_zone"] == store.time_zone

    expected = await expected_buckets(client, store, tz, req.start, req.end)
    traffic = list(csv.DictReader(io.StringIO(files["traffic.csv"].decode())))
    occupancy = list(csv.DictReader(io.StringIO(files["occupancy.csv"].decode())))
    quarter_hours = {local_start(r) for r in traffic}
    assert len(traffic) == len(occupancy) == len(quarter_hours) >= 2 and set(expected) <= quarter_hours
    for t_row, o_row in zip(traffic, occupancy, strict=True):
        local = datetime.fromisoformat(t_row["start_local"])
        assert local.tzinfo is not None and t_row["start_utc"] == o_row["start_utc"]
        assert local <= req.end and local + timedelta(minutes=15) > req.start  # overlaps the video
        values = expected.get(local.strftime("%H:%M"), {})  # none outside store hours
        assert (t_row["traffic_in"], t_row["traffic_out"]) == (
            values.get("traffic_in", ""),
            values.get("traffic_out", ""),
        )
        assert o_row["total_occupancy"] == values.get("total_occupancy", "")
    assert manifest["buckets_without_data"] == len(traffic) - len(expected)


async def test_a_pack_needs_the_store_data_or_leaves_nothing(fresh_sim, client, tmp_path):
    store, channels = flagship(fresh_sim)
    svc = service(client, tmp_path)
    entry = await svc.start_export(request(channels[:1]), store, channels[:1])
    await settled(svc, entry.id)
    fresh_sim.faults.add("/v2/datamine", "status", count=10, status=400, detail="no data for you")
    job = svc.evidence_pack(entry.id)
    await job.wait()
    assert job.state is JobState.FAILED
    assert isinstance(job.error, InvalidRequest) and job.error.detail == "no data for you"
    leftovers = [p.name for p in (tmp_path / "Downloads").iterdir()]
    assert leftovers == [Path(entry.dest).name]  # the video only, no half pack


def test_buckets_cover_every_quarter_hour_the_video_touches():
    from storeops.services.evidence import bucket_starts

    start = datetime(2026, 4, 22, 14, 52, 30, tzinfo=UTC)
    assert bucket_starts(start, start + timedelta(minutes=16)) == [
        datetime(2026, 4, 22, 14, 45, tzinfo=UTC),
        datetime(2026, 4, 22, 15, 0, tzinfo=UTC),
    ]
    exact = datetime(2026, 4, 22, 15, 0, tzinfo=UTC)
    assert bucket_starts(exact, exact + timedelta(minutes=15)) == [exact]
    # Kolkata is UTC+5:30: its local quarter hours are the UTC ones.
    local = bucket_starts(exact, exact + timedelta(minutes=30))[1].astimezone(ZoneInfo("Asia/Kolkata"))
    assert (local.hour, local.minute) == (20, 45)
