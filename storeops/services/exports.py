"""Video exports and custom exports: a list that survives restarts, status polled with
backoff, and downloads run as jobs (progress, speed, time left, cancel, resume). No Qt.

The list is one JSON file per server in the app's data directory (export_list.py keeps
the records and the file). A download writes `<name>.part` beside its final name (the
client resumes from it with HTTP Range, validated by If-Range); a download that was
running when the app closed (or crashed) is resumed when the list is next loaded, one
the user paused waits for "Resume download". A finished file is never overwritten: each
download gets a name no file (nor another entry) has yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from storeops.api.download_files import forget_part
from storeops.api.downloads import DownloadProgress
from storeops.api.errors import ApiError, ExportNotReady
from storeops.api.models import ExportRequest, ExportState, ExportStatus, Location
from storeops.services.export_list import (
    ChannelRef,
    DownloadState,
    ExportEntry,
    ExportKind,
    ExportList,
    default_download_dir,
    entry_summary,
    free_path,
    human_bytes,
    inside,
    progress_text,
    safe_file_name,
    server_key,
    video_file_name,
    zone,
)
from storeops.services.jobs import Job, JobService, JobState
from storeops.services.store_hours import utc_now
from storeops.services.wording import reason

if TYPE_CHECKING:
    from storeops.api.client import RetailNextClient

log = logging.getLogger(__name__)

LIST_DIR = "exports"
#: Status polls of an export in progress: first after this, then doubling up to the cap.
POLL_FIRST_S = 1.0
POLL_MAX_S = 30.0
#: A ready export is checked now and then: it expires on the server after 7 days.
READY_RECHECK_S = 300.0
#: Progress reports reach listeners at most this often (a 64 KB chunk each is too many).
PROGRESS_EVERY_S = 0.2
#: A ready link from a poll this recent is used as it is; an older one is asked for again.
URL_FRESH_S = 60.0


# ---------------------------------------------------------------- the service

Listener = Callable[[str | None], None]

# One service per list file in this process: a reconnect (the same server, a new client)
# takes over the running downloads and the loaded list instead of reading the file again
# beside them, which would resume a download a second time and write the file from two
# services.
_SHARED: dict[Path, ExportsService] = {}


def list_path(list_dir: Path, base_url: str) -> Path:
    return list_dir / LIST_DIR / f"{server_key(base_url)}.json"


class ExportsService:
    """`list_dir`: where the lists live (the app's data dir); `download_dir`: where files
    go. Listeners hear an entry's id when it changed, None when the list itself did
    (they are called on the event loop's thread)."""

    def __init__(
        self,
        client: RetailNextClient,
        jobs: JobService,
        *,
        list_dir: Path,
        download_dir: Path | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.client = client
        self.jobs = jobs
        self.now = now
        self.download_dir = download_dir or default_download_dir()
        self.store = ExportList(list_path(list_dir, client.base_url))
        self._entries: dict[str, ExportEntry] = {}
        self._listeners: list[Listener] = []
        self._loaded: asyncio.Future[None] | None = None
        self._jobs: dict[str, Job] = {}
        self._user_cancelled: set[str] = set()
        self._next_check: dict[str, float] = {}
        self._interval: dict[str, float] = {}
        self._wakes: set[asyncio.Event] = set()  # one per running poll loop
        self._last_report: dict[str, float] = {}

    @classmethod
    def shared(
        cls,
        client: RetailNextClient,
        jobs: JobService,
        *,
        list_dir: Path,
        now: Callable[[], datetime] = utc_now,
    ) -> ExportsService:
        """The process's service for this server's list: made once, then handed the
        newest connection's client, jobs and clock (downloads already running finish
        on the client they started with)."""
        path = list_path(list_dir, client.base_url)
        existing = _SHARED.get(path)
        if existing is not None:
            existing.client, existing.jobs, existing.now = client, jobs, now
            return existing
        service = cls(client, jobs, list_dir=list_dir, now=now)
        _SHARED[path] = service
        return service

    # ------------------------------------------------------------ list

    def entries(self) -> list[ExportEntry]:
        """Newest first."""
        return sorted(self._entries.values(), key=lambda e: e.created_at, reverse=True)

    def entry(self, entry_id: str) -> ExportEntry | None:
        return self._entries.get(entry_id)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _changed(self, entry_id: str | None) -> None:
        for listener in list(self._listeners):
            try:
                listener(entry_id)
            except Exception:
                log.exception("exports listener failed")

    async def load(self) -> None:
        """Read the list (once) and resume the downloads a restart interrupted."""
        if self._loaded is None:
            self._loaded = asyncio.get_running_loop().create_future()
            try:
                for entry in await self.store.load():
                    self._entries[entry.id] = entry
            finally:
                self._loaded.set_result(None)
            self._changed(None)
            for entry in self.entries():
                if entry.download is DownloadState.RUNNING:
                    log.info("resuming the download of %s after a restart", entry.id)
                    self.download(entry.id)
        else:
            await self._loaded

    async def save(self, running: set[str] | frozenset[str] = frozenset()) -> None:
        """Write the list; entries in `running` are written as downloads to resume on load."""
        entries = [
            e.model_copy(update={"download": DownloadState.RUNNING}) if e.id in running else e
            for e in self._entries.values()
        ]
        await self.store.save(entries)

    def close(self) -> None:
        """Wait for queued list writes (at exit: nothing half-saved)."""
        self.store.close()

    # ------------------------------------------------------------ exports

    async def store_channels(self, store_uuid: str) -> list[ChannelRef]:
        """The store's video channels with their names and the appliance that records
        each ("" for a cloud-connected camera), in camera order."""
        names = {c.channel_uuid: c.name async for c in self.client.channels()}
        out: list[ChannelRef] = []
        async for camera in self.client.cameras(store_uuid):
            for uuid in camera.video_channel_uuids:
                name = names.get(uuid) or camera.device_name or uuid[:8]
                out.append(ChannelRef(uuid=uuid, name=name, appliance_id=camera.appliance_id))
        return out

    async def start_export(self, request: ExportRequest, store: Location, channels: list[ChannelRef]) -> ExportEntry:
        """Ask the server for an export and add it to the list. Raises ApiError (the
        list is unchanged then)."""
        await self.load()
        export_id = await self.client.start_export(request)
        entry = ExportEntry(
            id=export_id,
            store_uuid=store.uuid,
            store_name=store.name,
            time_zone=store.time_zone or "UTC",
            channels=channels,
            start=request.start.astimezone(UTC),
            end=request.end.astimezone(UTC),
            analytics_overlay=request.analytics_overlay,
            info_overlay=request.info_overlay,
            raw=request.raw,
            resolution=request.resolution if len(channels) > 1 else None,
            created_at=self.now(),
        )
        self._entries[entry.id] = entry
        self._schedule(entry.id, POLL_FIRST_S)
        self._changed(None)
        await self.save()
        return entry

    async def add_custom(self, file: str) -> ExportEntry:
        """A custom export file of the server's (v1/downloads/list), ready to download."""
        await self.load()
        entry_id = f"file:{file}"
        existing = self._entries.get(entry_id)
        if existing is not None:
            return existing
        entry = ExportEntry(
            id=entry_id, kind=ExportKind.CUSTOM, file=file, created_at=self.now(), status=ExportState.READY
        )
        self._entries[entry_id] = entry
        self._changed(None)
        await self.save()
        return entry

    async def list_custom(self) -> list[str]:
        return await self.client.list_downloads()

    async def check(self, entry_id: str) -> ExportEntry | None:
        """Poll one export's status now; a failed poll is kept as `check_error`."""
        entry = self._entries.get(entry_id)
        if entry is None or entry.kind is not ExportKind.VIDEO:
            return entry
        try:
            status = await self.client.export_status(entry.id)
        except ApiError as exc:
            entry.check_error = reason(exc)
            self._backoff(entry.id)
        else:
            entry.check_error = ""
            entry.status = status.state
            entry.reason = status.reason or ""
            entry.checked_at = self.now()
            entry.download_url = status.download_url
            entry.url_seen = time.monotonic()
            if status.state is ExportState.IN_PROGRESS:
                self._backoff(entry.id)
            elif status.state is ExportState.READY:
                self._schedule(entry.id, READY_RECHECK_S)
            else:
                self._next_check.pop(entry.id, None)
        if entry.id in self._entries:
            self._changed(entry.id)
            await self.save()
        return entry

    async def poll_due(self) -> float:
        """Poll every export whose time has come; returns seconds until the next one is due."""
        await self.load()
        loop = asyncio.get_running_loop()
        for entry in list(self._entries.values()):
            if self._due(entry, loop.time()):
                await self.check(entry.id)
        due = [self._next_check.get(e.id, loop.time()) for e in self._entries.values() if self._polled(e)]
        return max(0.0, min(due) - loop.time()) if due else POLL_MAX_S

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set (the pane is hidden); `refresh()` polls at once."""
        wake = asyncio.Event()
        self._wakes.add(wake)
        try:
            while not stop.is_set():
                wait = await self.poll_due()
                wake.clear()
                stopped = asyncio.ensure_future(stop.wait())
                woken = asyncio.ensure_future(wake.wait())
                # Short waits (a long qasync timeout timer lingers until it falls due).
                try:
                    await asyncio.wait({stopped, woken}, timeout=min(wait, POLL_MAX_S), return_when="FIRST_COMPLETED")
                finally:
                    stopped.cancel()
                    woken.cancel()
        finally:
            self._wakes.discard(wake)

    def refresh(self) -> None:
        """Check every export again now (F5)."""
        for entry in self._entries.values():
            if entry.kind is ExportKind.VIDEO and entry.status is not ExportState.EXPIRED:
                self._schedule(entry.id, 0.0)
        for wake in self._wakes:
            wake.set()

    def _polled(self, entry: ExportEntry) -> bool:
        return entry.kind is ExportKind.VIDEO and entry.status in (ExportState.IN_PROGRESS, ExportState.READY)

    def _due(self, entry: ExportEntry, now: float) -> bool:
        if not self._polled(entry) and entry.id not in self._next_check:
            return False
        return self._next_check.get(entry.id, 0.0) <= now

    def _schedule(self, entry_id: str, delay: float) -> None:
        with contextlib.suppress(RuntimeError):  # no loop yet: due at once when one runs
            self._next_check[entry_id] = asyncio.get_running_loop().time() + delay
            return
        self._next_check[entry_id] = 0.0

    def _backoff(self, entry_id: str) -> None:
        interval = min(self._interval.get(entry_id, POLL_FIRST_S / 2) * 2, POLL_MAX_S)
        self._interval[entry_id] = interval
        self._schedule(entry_id, interval)

    async def delete(self, entry_id: str) -> None:
        """Delete the export on the server and drop it from the list, with its .part
        file; a downloaded file stays (it is the user's now). Raises ApiError, the
        entry kept, when the server refuses."""
        entry = self._entries.get(entry_id)
        if entry is None:
            return
        job = self._jobs.get(entry_id)
        if job is not None:
            self._user_cancelled.add(entry_id)
            job.cancel()
            await job.wait()
        if entry.kind is ExportKind.VIDEO and entry.status is not ExportState.EXPIRED:
            await self.client.delete_export(entry.id)
        if entry.dest and entry.download is not DownloadState.DONE:
            await asyncio.to_thread(forget_part, Path(entry.dest))  # the .part and its validator
        self._entries.pop(entry_id, None)
        self._next_check.pop(entry_id, None)
        self._interval.pop(entry_id, None)
        self._changed(None)
        await self.save()

    # ------------------------------------------------------------ downloads

    def job(self, entry_id: str) -> Job | None:
        job = self._jobs.get(entry_id)
        return job if job is not None and not job.finished else None

    def download(self, entry_id: str) -> Job | None:
        """Start (or resume) a download as a job; None if one already runs, the entry
        is unknown, or its file is already there."""
        entry = self._entries.get(entry_id)
        previous = self.job(entry_id)
        if entry is None or (previous is not None and entry_id not in self._user_cancelled):
            return previous
        if entry.download is DownloadState.DONE:
            return None
        self._user_cancelled.discard(entry_id)

        async def work(job: Job) -> Path:
            if previous is not None:  # cancelled a moment ago, still saving its state
                await previous.wait()
            return await self._download(job, entry)

        job = self.jobs.start(f"Download {entry.title}", work, owner=self.client)
        self._jobs[entry_id] = job
        return job

    def cancel(self, entry_id: str) -> bool:
        """Stop a download; its .part file stays, so "Download" resumes it."""
        job = self.job(entry_id)
        if job is None:
            return False
        self._user_cancelled.add(entry_id)
        job.cancel()
        return True

    def _ready_status(self, entry: ExportEntry) -> ExportStatus | str:
        """The last poll's answer while it is fresh (no second status request), else
        the id: the client asks the server again."""
        fresh = time.monotonic() - entry.url_seen < URL_FRESH_S
        if entry.status is ExportState.READY and entry.download_url and fresh:
            return ExportStatus(export_id=entry.id, state=ExportState.READY, download_url=entry.download_url)
        return entry.id

    async def _destination(self, entry: ExportEntry) -> Path:
        """The entry's file: the one chosen before (a .part to resume), unless a file of
        that name appeared meanwhile; else a free name in the download folder."""
        folder = self.download_dir
        if entry.dest:
            dest = Path(entry.dest)
            if not await asyncio.to_thread(dest.exists):
                return dest
        name = video_file_name(entry) if entry.kind is ExportKind.VIDEO else safe_file_name(entry.file)
        taken = {Path(e.dest) for e in self._entries.values() if e.dest and e.id != entry.id}
        await asyncio.to_thread(lambda: folder.mkdir(parents=True, exist_ok=True))
        dest = await asyncio.to_thread(free_path, folder, name, taken)
        if not inside(folder, dest):  # safe_file_name makes this impossible; a name must never escape
            raise OSError(f"refused to write outside the download folder: {name!r}")
        return dest

    async def _download(self, job: Job, entry: ExportEntry) -> Path:
        dest = await self._destination(entry)
        entry.dest, entry.download, entry.download_error = str(dest), DownloadState.RUNNING, ""
        entry.speed = entry.eta_s = None
        self._changed(entry.id)
        await self.save()

        def report(p: DownloadProgress) -> None:
            # The client's report (about 10 a second, on the loop's thread): speed and time left.
            entry.done_bytes, entry.total_bytes = p.done, p.total if p.total is not None else entry.total_bytes
            entry.speed, entry.eta_s = p.rate, p.remaining_s
            now = time.monotonic()
            if now - self._last_report.get(entry.id, 0.0) < PROGRESS_EVERY_S and p.done != p.total:
                return
            self._last_report[entry.id] = now
            job.progress(p.done, entry.total_bytes, progress_text(entry))
            self._changed(entry.id)

        try:
            if entry.kind is ExportKind.VIDEO:
                path = await self.client.download_export(
                    self._ready_status(entry), dest, on_progress=report, if_exists="rename"
                )
            else:
                path = await self.client.download_file(entry.file, dest, on_progress=report, if_exists="rename")
        except asyncio.CancelledError:
            # Paused now, whoever stopped it. On disk, one stopped by the app closing (or
            # the status bar's Cancel: the job cannot tell them apart) stays "running", so
            # the next start resumes it; one paused in the pane waits for the user.
            resume_on_load = entry.id not in self._user_cancelled
            entry.download = DownloadState.PAUSED
            entry.speed = entry.eta_s = None
            self._changed(entry.id)
            await asyncio.shield(self.save(running={entry.id} if resume_on_load else set()))
            raise
        except (ApiError, OSError) as exc:
            entry.download, entry.download_error = DownloadState.FAILED, reason(exc)
            if isinstance(exc, ExportNotReady):
                entry.status = ExportState(exc.state) if exc.state in {x.value for x in ExportState} else entry.status
                entry.reason = exc.detail or entry.reason
            entry.speed = entry.eta_s = None
            self._changed(entry.id)
            await self.save()
            raise
        entry.dest, entry.download = str(path), DownloadState.DONE
        size = await asyncio.to_thread(lambda: path.stat().st_size)
        entry.done_bytes = entry.total_bytes = size
        entry.speed = entry.eta_s = None
        self._changed(entry.id)
        await self.save()
        return path

    async def wait_download(self, entry_id: str) -> Path:
        """Download (or wait for the running download) and return the file."""
        entry = self._entries[entry_id]
        if entry.download is DownloadState.DONE and entry.dest and await asyncio.to_thread(Path(entry.dest).exists):
            return Path(entry.dest)
        job = self.download(entry_id)
        if job is None:
            raise OSError(f"{entry.title}: nothing to download")
        await job.wait()
        if job.state is JobState.FAILED and job.error is not None:
            raise job.error
        if job.state is JobState.CANCELLED:
            raise asyncio.CancelledError
        return Path(self._entries[entry_id].dest)

    def evidence_pack(self, entry_id: str, *, make_zip: bool = False) -> Job:
        """Build the incident's evidence pack as a job (downloading the video first if
        needed); the job's result is the pack's folder or zip."""
        entry = self._entries[entry_id]

        async def work(job: Job) -> Path:
            from storeops.services.evidence import build_pack

            job.progress(detail="Downloading the video")
            video = await self.wait_download(entry_id)
            job.progress(detail="Reading traffic and occupancy")
            return await build_pack(
                self.client, entry, video, self.download_dir, created_at=self.now(), make_zip=make_zip
            )

        return self.jobs.start(f"Evidence pack {entry.title}", work, owner=self.client)

    async def shutdown(self) -> None:
        """Let queued writes land (the jobs themselves end with the job service)."""
        await asyncio.to_thread(self.close)


# What callers (the pane, the evidence pack, tests) take from here along with the service.
__all__ = [
    "ChannelRef",
    "DownloadState",
    "ExportEntry",
    "ExportKind",
    "ExportList",
    "ExportsService",
    "default_download_dir",
    "entry_summary",
    "free_path",
    "human_bytes",
    "inside",
    "progress_text",
    "safe_file_name",
    "server_key",
    "video_file_name",
    "zone",
]
