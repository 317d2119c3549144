"""The exports list's records and the files they lead to: one entry per export (its
channels, store, times, server status and download state), the list's JSON file
(written whole, atomically, on a writer thread of its own, in the order the changes
were made), names for the downloaded files, and the words for sizes and times. No Qt.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from storeops.api.download_files import safe_filename
from storeops.api.models import ExportState
from storeops.config import HOME_ENV

log = logging.getLogger(__name__)


class ExportKind(StrEnum):
    VIDEO = "video"
    CUSTOM = "custom"  # a file of v1/downloads (custom_exports/...)


class DownloadState(StrEnum):
    NONE = "none"  # not asked for
    RUNNING = "running"  # also: was running when the app stopped (resumed on load)
    PAUSED = "paused"  # cancelled by the user; the .part file is kept for a resume
    DONE = "done"
    FAILED = "failed"


class ChannelRef(BaseModel):
    model_config = ConfigDict(extra="ignore")

    uuid: str
    name: str = ""
    appliance_id: str = ""


class ExportEntry(BaseModel):
    """One row of the list. Times are UTC; `time_zone` is the store's (for local times)."""

    model_config = ConfigDict(extra="ignore", validate_assignment=False)

    id: str  # the export id, or "file:<server path>" for a custom export
    kind: ExportKind = ExportKind.VIDEO
    store_uuid: str = ""
    store_name: str = ""
    time_zone: str = "UTC"
    channels: list[ChannelRef] = Field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    analytics_overlay: bool = False
    info_overlay: bool = False
    raw: bool = False
    resolution: str | None = None
    file: str = ""  # custom exports: the server's path
    created_at: datetime
    status: ExportState = ExportState.IN_PROGRESS
    reason: str = ""  # the server's, when failed
    checked_at: datetime | None = None
    check_error: str = ""  # the last status poll failed (the status shown may be old)
    download: DownloadState = DownloadState.NONE
    dest: str = ""  # the chosen file (its .part while downloading)
    done_bytes: int = 0
    total_bytes: int | None = None
    download_error: str = ""
    # Not persisted (set while a download runs): bytes per second, seconds left.
    speed: float | None = Field(default=None, exclude=True)
    eta_s: float | None = Field(default=None, exclude=True)
    # The ready link of the last poll (not persisted: it may carry a token, and it ages).
    download_url: str | None = Field(default=None, exclude=True)
    url_seen: float = Field(default=0.0, exclude=True)

    @property
    def export_id(self) -> str:
        return self.id

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.time_zone)

    @property
    def title(self) -> str:
        if self.kind is ExportKind.CUSTOM:
            folder, _, name = self.file.rpartition("/")
            kind = folder.rsplit("/", 1)[-1].replace("_", " ").capitalize()  # "Traffic reports"
            return f"{kind} · {name}" if kind and kind.lower() != "custom exports" else name
        names = [c.name or c.uuid[:8] for c in self.channels]
        shown = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
        return f"{self.store_name} · {shown}" if self.store_name else shown

    def local_period(self) -> str:
        """'Wed 22 Apr 13:00–13:15 (America/Los_Angeles)' in the store's own time."""
        if self.start is None or self.end is None:
            return ""
        tz = self.zone
        a, b = self.start.astimezone(tz), self.end.astimezone(tz)
        end = f"{b:%H:%M:%S}" if b.second else f"{b:%H:%M}"
        end = end if a.date() == b.date() else f"{b:%a %d %b} {end}"
        begin = f"{a:%H:%M:%S}" if a.second else f"{a:%H:%M}"
        return f"{a:%a %d %b} {begin}–{end}"

    @property
    def part_path(self) -> Path | None:
        return Path(self.dest + ".part") if self.dest else None


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# ---------------------------------------------------------------- names


def safe_file_name(name: str, default: str = "download") -> str:
    """A file name that stays inside the folder it is put in: the client's own rule
    (storeops.api.download_files.safe_filename: the last path piece, no separators,
    control characters, leading dots or device names), after percent-decoding, so an
    escaped `%2F` cannot hide a separator from it."""
    return safe_filename(unquote(name or ""), default)


def free_path(folder: Path, name: str, taken: set[Path] | None = None) -> Path:
    """`folder/name`, or `name (2)`, `name (3)`… — the first that neither a file, its
    `.part`, nor another entry (`taken`) uses. Runs on a worker thread (it stats)."""
    taken = taken or set()
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 1
    while True:
        candidate = folder / (name if n == 1 else f"{stem} ({n}){'.' + ext if ext else ''}")
        part = candidate.with_name(candidate.name + ".part")
        if candidate not in taken and not candidate.exists() and not part.exists():
            return candidate
        n += 1


def inside(folder: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def default_download_dir() -> Path:
    """The user's Downloads/StoreOps; under the redirected home (tests, --dev-dir) its
    Downloads folder, so a test or a demo run never writes into the user's own."""
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home) / "Downloads"
    import platformdirs

    return Path(platformdirs.user_downloads_dir()) / "StoreOps"


def server_key(base_url: str) -> str:
    """The list file's name for a server: exports live on one server. A loopback
    server (the demo chain, a local simulator) is one list whatever its port."""
    host = (urlsplit(base_url).hostname or "server").lower()
    if host in ("127.0.0.1", "localhost", "::1"):
        return "local"
    return re.sub(r"[^a-z0-9.-]", "_", host)


def video_file_name(entry: ExportEntry) -> str:
    start = entry.start.astimezone(entry.zone) if entry.start else entry.created_at
    end = entry.end.astimezone(entry.zone) if entry.end else entry.created_at
    channels = entry.channels[0].name if len(entry.channels) == 1 else f"{len(entry.channels)} channels"
    return safe_file_name(f"{entry.store_name} {start:%Y-%m-%d %H%M}-{end:%H%M} {channels}.mp4", "export.mp4")


# ---------------------------------------------------------------- the list on disk


class ExportList:
    """The entries, read once and written whole after each change, off the caller's thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="exports-list")

    def read(self) -> list[ExportEntry]:
        """Blocking: call on a worker thread. A corrupt file is kept aside, never lost."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        try:
            items = json.loads(raw)["exports"]
            return [ExportEntry.model_validate(item) for item in items]
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            log.warning("exports list %s unreadable (%s); starting a new one", self.path, str(exc).splitlines()[0])
            with contextlib.suppress(OSError):
                os.replace(self.path, self.path.with_name(self.path.name + ".corrupt"))
            return []

    async def load(self) -> list[ExportEntry]:
        return await asyncio.get_running_loop().run_in_executor(self._writer, self.read)

    async def save(self, entries: list[ExportEntry]) -> None:
        """Serialised and written on the writer thread, in the order asked: turning a
        long list into JSON takes tens of milliseconds (~50 ms for 500 entries here),
        too long for the GUI thread. An entry changed meanwhile is written as it is
        then; the save its change asks for follows."""
        await asyncio.get_running_loop().run_in_executor(self._writer, self._dump_and_write, list(entries))

    def _dump_and_write(self, entries: list[ExportEntry]) -> None:
        self._write(json.dumps({"version": 1, "exports": _dump(entries)}, indent=1))

    def _write(self, data: str) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".exports-", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("exports list not saved: %s", exc)

    def close(self) -> None:
        self._writer.shutdown(wait=True)


def _dump(entries: list[ExportEntry], tries: int = 3) -> list[dict[str, Any]]:
    """The entries as JSON data, read on the writer thread while the loop may change
    one: a container changed under the dump (RuntimeError) is read again."""
    for _ in range(tries - 1):
        try:
            return [e.model_dump(mode="json") for e in entries]
        except RuntimeError:
            continue
    return [e.model_dump(mode="json") for e in entries]


# ---------------------------------------------------------------- words


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def human_duration(seconds: float) -> str:
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def progress_text(entry: ExportEntry) -> str:
    parts = [human_bytes(entry.done_bytes) + (f" of {human_bytes(entry.total_bytes)}" if entry.total_bytes else "")]
    if entry.speed:
        parts.append(f"{human_bytes(entry.speed)}/s")
    if entry.eta_s is not None:
        parts.append(f"{human_duration(entry.eta_s)} left")
    return " · ".join(parts)


def entry_summary(entry: ExportEntry) -> dict[str, Any]:
    """What the evidence pack records of an export."""
    return {
        "export_id": entry.id if entry.kind is ExportKind.VIDEO else None,
        "store": {"uuid": entry.store_uuid, "name": entry.store_name, "time_zone": entry.time_zone},
        "channels": [c.model_dump() for c in entry.channels],
        "overlays": {"analytics": entry.analytics_overlay, "info": entry.info_overlay},
        "raw": entry.raw,
        "resolution": entry.resolution,
    }
