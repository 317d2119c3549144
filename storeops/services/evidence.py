"""Evidence pack for an incident: one folder (and, if asked, a zip of it) holding the
video export, the store's traffic and occupancy for the same minutes as CSV, and
`evidence.json` with the store, channels, times in UTC and in the store's local time,
and each file's SHA-256. No Qt; every disk step and the hashing run on a worker thread.

Traffic and occupancy come from v2/datamine in 15-minute buckets (the finest the
reference's examples use for traffic); every bucket that overlaps the export's minutes
is kept, so the CSV covers at least the video's time.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import shutil
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storeops.api.datamine import DatamineRequest, DatamineRow, DateRange, GroupBy, TimeRange, metric_rows
from storeops.services.export_list import ExportEntry, entry_summary, free_path, safe_file_name, zone

if TYPE_CHECKING:
    from storeops.api.client import RetailNextClient

BUCKET_MINUTES = 15
TRAFFIC_METRICS = ("traffic_in", "traffic_out")
OCCUPANCY_METRIC = "total_occupancy"
MANIFEST = "evidence.json"
HASH_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Bucket:
    start: datetime  # store-local, aware
    values: dict[str, float | None]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


async def store_minutes(
    client: RetailNextClient, store_uuid: str, time_zone: str, start: datetime, end: datetime
) -> list[Bucket]:
    """The store's traffic in/out and occupancy per 15 minutes over [start, end)."""
    tz = zone(time_zone)
    first, last = start.astimezone(tz), end.astimezone(tz)
    request = DatamineRequest(
        locations=[store_uuid],
        metrics=[*TRAFFIC_METRICS, OCCUPANCY_METRIC],
        # Whole local days (the API reads plain dates in the store's time zone), the
        # 15-minute buckets outside the export's minutes are left out below.
        date_ranges=[DateRange.days(first.date(), last.date() + timedelta(days=1))],
        time_ranges=[TimeRange.all_day()],  # not only store hours: an incident may be after closing
        group_bys=[GroupBy.date("days", 1), GroupBy.time("minutes", BUCKET_MINUTES)],
        time_zone=time_zone,
    )
    result = await client.datamine(request)
    found: dict[datetime, dict[str, float | None]] = {}
    for metric in (*TRAFFIC_METRICS, OCCUPANCY_METRIC):
        for row in metric_rows(result, metric):
            at = _bucket_start(row, tz)
            if at is not None:
                found.setdefault(at.astimezone(UTC), {})[metric] = row.value
    # Every bucket of the export's minutes gets a row, with blanks where the server has
    # no data (a store reports only while open): a missing quarter hour is visible.
    return [Bucket(at.astimezone(tz), found.get(at, {})) for at in bucket_starts(start, end)]


def bucket_starts(start: datetime, end: datetime) -> list[datetime]:
    """UTC starts of the BUCKET_MINUTES buckets overlapping [start, end). Counted in UTC:
    a store's offset is a whole quarter hour, so they are its local quarter hours too."""
    step = timedelta(minutes=BUCKET_MINUTES)
    first = start.astimezone(UTC).replace(second=0, microsecond=0)
    first -= timedelta(minutes=first.minute % BUCKET_MINUTES)
    out = []
    at = first
    while at < end:
        out.append(at)
        at += step
    return out


def _bucket_start(row: DatamineRow, tz: Any) -> datetime | None:
    if row.day is None or row.time is None:
        return None
    hour, _, minute = row.time.partition(":")
    if not (hour.isdigit() and minute.isdigit()):
        return None
    day: date = row.day + timedelta(days=row.day_offset)
    naive = datetime(day.year, day.month, day.day) + timedelta(hours=int(hour), minutes=int(minute))
    return naive.replace(tzinfo=tz)


def _csv(buckets: list[Bucket], metrics: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["start_local", "start_utc", "minutes", *metrics])
    for b in buckets:
        writer.writerow(
            [
                b.start.isoformat(timespec="minutes"),
                b.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                BUCKET_MINUTES,
                *("" if (v := b.values.get(m)) is None else f"{v:g}" for m in metrics),
            ]
        )
    return out.getvalue()


def _times(start: datetime, end: datetime, time_zone: str) -> dict[str, str]:
    tz = zone(time_zone)
    return {
        "start_utc": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_utc": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "start_local": start.astimezone(tz).isoformat(),
        "end_local": end.astimezone(tz).isoformat(),
        "time_zone": str(tz),
    }


async def build_pack(
    client: RetailNextClient,
    entry: ExportEntry,
    video: Path,
    folder: Path,
    *,
    created_at: datetime,
    make_zip: bool = False,
) -> Path:
    """Write the pack into a new folder under `folder`; returns the folder (or the zip,
    with `make_zip`). Raises ApiError when the store's data cannot be read (nothing is
    left behind then)."""
    if entry.start is None or entry.end is None:
        raise ValueError("an evidence pack needs an export with a start and an end")
    buckets = await store_minutes(client, entry.store_uuid, entry.time_zone, entry.start, entry.end)
    local = entry.start.astimezone(zone(entry.time_zone))
    name = safe_file_name(f"Evidence {entry.store_name} {local:%Y-%m-%d %H%M}", "Evidence")
    manifest_base: dict[str, Any] = {
        "created_utc": created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **entry_summary(entry),
        "times": _times(entry.start, entry.end, entry.time_zone),
        "bucket_minutes": BUCKET_MINUTES,
        "buckets_without_data": sum(1 for b in buckets if not b.values),
    }
    return await asyncio.to_thread(
        _write_pack,
        folder,
        name,
        video,
        _csv(buckets, TRAFFIC_METRICS),
        _csv(buckets, (OCCUPANCY_METRIC,)),
        manifest_base,
        make_zip,
    )


def _write_pack(
    folder: Path, name: str, video: Path, traffic: str, occupancy: str, manifest: dict[str, Any], make_zip: bool
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = free_path(folder, name)
    target.mkdir()
    try:
        shutil.copyfile(video, target / video.name)
        (target / "traffic.csv").write_text(traffic, encoding="utf-8")
        (target / "occupancy.csv").write_text(occupancy, encoding="utf-8")
        hashes: dict[str, dict[str, Any]] = {}
        for file_name in (video.name, "traffic.csv", "occupancy.csv"):
            path = target / file_name
            hashes[file_name] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
        manifest = {**manifest, "files": hashes}
        (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        if not make_zip:
            return target
        archive = free_path(folder, name + ".zip")
        with zipfile.ZipFile(archive, "x", compression=zipfile.ZIP_DEFLATED) as z:
            for path in sorted(target.iterdir()):
                z.write(path, f"{target.name}/{path.name}")
        shutil.rmtree(target)
        return archive
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
