"""Video exports: validation of `POST v1/video/export/start`, the task lifecycle
(in progress -> ready | failed; deleted or expired after 7 days) and rendering.

Rendering runs on a background thread and writes a real MP4 (MPEG-4 Part 2) into the
simulator's data dir, atomically (a temp name, then rename), so a download never sees
a half-written file.

Keeping it fast: frames are small (640 px wide for one channel; the requested
resolution, default 1024x768, for a grid of several) and sparse for long intervals
(10 fps up to 1 minute, 2 fps up to 10 minutes, then one frame every few seconds, at
most MAX_FRAMES frames); the file still lasts exactly as long as the interval.

Failure (424) is reproducible: an interval starting before the channel's retention
(RETENTION_DAYS, or the channel's own maximum retention) has no recordings, and a
channel whose recording is disabled has none either."""

from __future__ import annotations

import logging
import math
import os
import secrets
import threading
import uuid as uuidlib
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from starlette.responses import FileResponse

from storeops.simulator.video.encode import write_mp4
from storeops.simulator.video.font import draw_text
from storeops.simulator.video.picture import clock_text, render_frame, text_scale

log = logging.getLogger(__name__)

MAX_CHANNELS = 16
MAX_DURATION = timedelta(hours=1)
EXPORT_LIFETIME = timedelta(days=7)
RETENTION_DAYS = 30
DEFAULT_RESOLUTION = (1024, 768)
SINGLE_WIDTH = 640
MIN_RESOLUTION, MAX_RESOLUTION = (160, 120), (1920, 1080)
MAX_FRAMES = 600
# Limits of the simulator's own, enforced only with SimContext.export_limits: the
# reference states none of them. Without them a request is taken as asked and only
# the rendering stays within bounds (frames clamped into the resolution range).
MAX_ACTIVE = 32  # exports in progress per simulator before start answers 429
_INTERVALS_MS = (100, 200, 500, 1000, 2000, 5000, 10_000)
# Two renders at a time: the simulator shares the machine with the app and tests.
_RENDER_SLOTS = threading.BoundedSemaphore(2)


class ExportFileResponse(FileResponse):
    """An export file as a file server sends it: ETag and Last-Modified (from the
    file's mtime and size), Range (206, or 416 past the end) honoured only while
    an If-Range names the current validator, else the whole file (starlette's
    FileResponse). Read from disk a megabyte at a time: the default 64 KB costs a
    thread hop per piece and held a 200 MB download to ~100 MB/s (curl)."""

    chunk_size = 1024 * 1024


class ExportRequestError(ValueError):
    """A bad start request: answered 400 with this text as error_detail."""


@dataclass(frozen=True)
class ExportChannel:
    uuid: str
    name: str
    appliance_id: str
    aspect: float
    recording_enabled: bool
    retention_days: int


@dataclass(frozen=True)
class ExportSpec:
    channels: tuple[ExportChannel, ...]
    start: datetime
    end: datetime
    analytics_overlay: bool
    info_overlay: bool
    raw: bool
    resolution: tuple[int, int] | None  # only with several channels

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def frame_size(self) -> tuple[int, int]:
        if len(self.channels) > 1:
            return _renderable(self.resolution or DEFAULT_RESOLUTION)
        height = round(SINGLE_WIDTH / self.channels[0].aspect / 2) * 2
        return SINGLE_WIDTH, max(2, height)

    def frame_interval_ms(self) -> int:
        total_ms = self.duration.total_seconds() * 1000
        for interval in _INTERVALS_MS:
            if total_ms / interval <= MAX_FRAMES:
                return interval
        return math.ceil(total_ms / MAX_FRAMES)


def _parse_time(name: str, value: str | None) -> datetime:
    if not value:
        raise ExportRequestError(f"missing required parameter: {name}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ExportRequestError(f"{name} is not an ISO 8601 date/time (yyyy-mm-ddThh:mm:ssZ): {value!r}") from None
    if parsed.tzinfo is None:  # the documented form ends in Z; read a bare time as UTC
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59:59-12:00 is past year 9999 in UTC
        raise ExportRequestError(f"{name} is out of range: {value!r}") from None


def _parse_flag(name: str, value: str | None) -> bool:
    if value is None or value == "0":
        return False
    if value == "1":
        return True
    raise ExportRequestError(f"{name} must be 0 or 1, not {value!r}")


def _parse_resolution(value: str, limits: bool) -> tuple[int, int]:
    try:
        w_text, h_text = value.lower().split("x")
        width, height = int(w_text), int(h_text)
    except ValueError:
        raise ExportRequestError(f"resolution must be WIDTHxHEIGHT, e.g. 1024x768, not {value!r}") from None
    if width < 1 or height < 1:
        raise ExportRequestError(f"resolution must be WIDTHxHEIGHT in pixels, not {value}")
    (min_w, min_h), (max_w, max_h) = MIN_RESOLUTION, MAX_RESOLUTION
    if limits and not (min_w <= width <= max_w and min_h <= height <= max_h):
        raise ExportRequestError(f"resolution must be between {min_w}x{min_h} and {max_w}x{max_h}, not {value}")
    return width, height


def _renderable(size: tuple[int, int]) -> tuple[int, int]:
    """The frame size actually rendered: within MIN/MAX_RESOLUTION, even numbers
    (what the encoder takes), whatever size was asked for."""
    (min_w, min_h), (max_w, max_h) = MIN_RESOLUTION, MAX_RESOLUTION
    width, height = min(max(size[0], min_w), max_w), min(max(size[1], min_h), max_h)
    return width - width % 2, height - height % 2


def _aspect(resolution: str | None) -> float:
    try:
        w, h = (int(v) for v in str(resolution).lower().split("x"))
        if w > 0 and h > 0:
            return max(0.5, min(3.0, w / h))
    except ValueError:
        pass
    return 4 / 3


def _retention_days(rec: Any) -> int:
    """The channel's maximum retention (world.ChannelRec.retention_days is (min, max);
    0 means the subscription default)."""
    days = getattr(rec, "retention_days", None)
    if isinstance(days, tuple) and len(days) == 2 and days[1]:
        return int(days[1])
    return RETENTION_DAYS


def parse_export_request(
    params: Sequence[tuple[str, str]],
    channels: Mapping[str, Any],
    now: datetime,
    *,
    limits: bool = False,
) -> ExportSpec:
    """Validate the start request's query string against the world's channels;
    `limits`: also enforce the simulator's own duration and resolution limits."""
    known = {"channel", "start", "end", "analytics_overlay", "info_overlay", "raw", "resolution"}
    single: dict[str, str] = {}
    channel_ids: list[str] = []
    for key, value in params:
        if key == "channel":
            channel_ids.extend(v for v in value.split(",") if v)
        elif key in known:
            if key in single:
                raise ExportRequestError(f"parameter {key} given more than once")
            single[key] = value
    if not channel_ids:
        raise ExportRequestError("missing required parameter: channel")
    channel_ids = list(dict.fromkeys(channel_ids))
    if len(channel_ids) > MAX_CHANNELS:
        raise ExportRequestError(f"at most {MAX_CHANNELS} channels per export ({len(channel_ids)} given)")
    unknown = [c for c in channel_ids if c not in channels]
    if unknown:
        raise ExportRequestError(f"unknown channel: {unknown[0]}")
    recs = [channels[c] for c in channel_ids]
    appliances = {getattr(r, "appliance_id", "") for r in recs}
    if len(recs) > 1 and (len(appliances) > 1 or "" in appliances):
        # Cloud-connected cameras have no appliance: they export one channel at a time.
        raise ExportRequestError("all channels of an export must come from the same store appliance")
    start = _parse_time("start", single.get("start"))
    end = _parse_time("end", single.get("end"))
    if start >= end:
        raise ExportRequestError("start must be before end")
    if end > now:
        raise ExportRequestError("end is in the future")
    if limits and end - start > MAX_DURATION:
        raise ExportRequestError(f"an export covers at most {int(MAX_DURATION.total_seconds() // 60)} minutes")
    resolution = None
    if "resolution" in single:
        # The reference offers it "when multiple channels are specified"; one
        # channel keeps its own shape, so the parameter is checked, then ignored.
        if limits and len(recs) == 1:
            raise ExportRequestError("resolution applies only to exports of several channels")
        parsed = _parse_resolution(single["resolution"], limits)
        resolution = parsed if len(recs) > 1 else None
    return ExportSpec(
        channels=tuple(
            ExportChannel(
                uuid=r.uuid,
                name=r.name,
                appliance_id=getattr(r, "appliance_id", ""),
                aspect=_aspect(getattr(r, "resolution", None)),
                recording_enabled=bool(getattr(r, "recording_enabled", True)),
                retention_days=_retention_days(r),
            )
            for r in recs
        ),
        start=start,
        end=end,
        analytics_overlay=_parse_flag("analytics_overlay", single.get("analytics_overlay")),
        info_overlay=_parse_flag("info_overlay", single.get("info_overlay")),
        raw=_parse_flag("raw", single.get("raw")),
        resolution=resolution,
    )


def recording_problem(spec: ExportSpec, now: datetime) -> str | None:
    """Why the recordings for `spec` do not exist (the export then fails with 424)."""
    for ch in spec.channels:
        if not ch.recording_enabled:
            return f"recording is disabled on channel {ch.name} ({ch.uuid})"
        oldest = now - timedelta(days=ch.retention_days)
        if spec.start < oldest:
            return (
                f"no recordings for channel {ch.name} before {oldest:%Y-%m-%dT%H:%M:%SZ}: "
                f"recordings are kept {ch.retention_days} days"
            )
    return None


# ------------------------------------------------------------------ rendering


def grid_shape(count: int) -> tuple[int, int]:
    cols = math.ceil(math.sqrt(count))
    return cols, math.ceil(count / cols)


def _overlay_analytics(tile: np.ndarray, at: datetime) -> None:
    """A traffic line and a track box around the moving object."""
    h, w = tile.shape[:2]
    tile[h * 3 // 5 : h * 3 // 5 + max(1, h // 120), :] = (0, 255, 0)
    box = max(4, h // 6)
    phase = (at.timestamp() % 8.0) / 8.0
    bx, by = int(phase * (w - box)), h // 3 - box // 2
    t = max(1, h // 180)
    x0, x1 = max(0, bx - 2 * t), min(w, bx + box + 2 * t)
    y0, y1 = max(0, by - 2 * t), min(h, by + box + 2 * t)
    for edge in (
        np.s_[y0 : y0 + t, x0:x1],
        np.s_[y1 - t : y1, x0:x1],
        np.s_[y0:y1, x0 : x0 + t],
        np.s_[y0:y1, x1 - t : x1],
    ):
        tile[edge] = (255, 255, 0)


def _overlay_info(tile: np.ndarray, name: str, at: datetime) -> None:
    h = tile.shape[0]
    s = max(1, text_scale(h) - 1)
    y = h // 2 - 9 * s
    for line in (name.upper(), clock_text(at)):
        draw_text(tile, line, 3 * s, y, s, color=(255, 255, 0), background=(32, 32, 32), pad=s)
        y += 9 * s


def _tile(spec: ExportSpec, ch: ExportChannel, at: datetime, w: int, h: int) -> np.ndarray:
    tile = render_frame(ch.name, ch.uuid, at, w, h)
    if spec.analytics_overlay:
        _overlay_analytics(tile, at)
    if spec.info_overlay:
        _overlay_info(tile, ch.name, at)
    return tile


def export_frames(spec: ExportSpec) -> Iterator[np.ndarray]:
    width, height = spec.frame_size()
    step = timedelta(milliseconds=spec.frame_interval_ms())
    count = math.ceil(spec.duration / step)
    if len(spec.channels) == 1:
        for i in range(count):
            yield _tile(spec, spec.channels[0], spec.start + i * step, width, height)
        return
    cols, rows = grid_shape(len(spec.channels))
    tw, th = (width // cols) & ~1, (height // rows) & ~1
    for i in range(count):
        at = spec.start + i * step
        frame = np.zeros((height, width, 3), dtype=np.uint8)
        for n, ch in enumerate(spec.channels):
            r, c = divmod(n, cols)
            frame[r * th : (r + 1) * th, c * tw : (c + 1) * tw] = _tile(spec, ch, at, tw, th)
        yield frame


def frame_count(spec: ExportSpec) -> int:
    return math.ceil(spec.duration / timedelta(milliseconds=spec.frame_interval_ms()))


# ------------------------------------------------------------------ tasks


@dataclass
class ExportTask:
    export_id: str
    spec: ExportSpec
    created_at: datetime
    state: str = "in_progress"  # in_progress | ready | failed
    progress: float = 0.0
    error: str | None = None
    path: Path | None = None
    size: int = 0
    cancelled: threading.Event = field(default_factory=threading.Event)


#: The export manager of each running simulator, by data dir: benchmarks and
#: tests reach it through ExportManager.of(running.ctx.data_dir).
_MANAGERS: weakref.WeakValueDictionary[Path, ExportManager] = weakref.WeakValueDictionary()


class ExportManager:
    def __init__(self, data_dir: Path, clock: Any) -> None:
        self._dir = Path(data_dir) / "video_exports"
        self._clock = clock
        self._lock = threading.Lock()
        self._tasks: dict[str, ExportTask] = {}
        _MANAGERS[Path(data_dir)] = self

    @classmethod
    def of(cls, data_dir: Path) -> ExportManager:
        """The manager serving the simulator whose data dir is `data_dir`."""
        return _MANAGERS[Path(data_dir)]

    def add_ready(self, path: Path, spec: ExportSpec) -> ExportTask:
        """A ready export of the file at `path` (moved into the exports folder):
        for benchmarks and tests that need a file of a given size or content
        without rendering it."""
        self._dir.mkdir(parents=True, exist_ok=True)
        export_id = str(uuidlib.uuid1(node=secrets.randbits(48) | 0x010000000000))
        final = self._dir / f"{export_id}.mp4"
        os.replace(path, final)
        task = ExportTask(export_id, spec, self._clock.now(), state="ready", progress=1.0)
        task.path, task.size = final, final.stat().st_size
        with self._lock:
            self._tasks[export_id] = task
        return task

    def start(self, spec: ExportSpec) -> ExportTask:
        self.purge_expired()
        # Time-based ids like the real service's, with a random node instead of this
        # machine's MAC address (the multicast bit marks it as random).
        export_id = str(uuidlib.uuid1(node=secrets.randbits(48) | 0x010000000000))
        task = ExportTask(export_id, spec, self._clock.now())
        with self._lock:
            self._tasks[task.export_id] = task
        # A daemon thread: a long render must never hold up the simulator's shutdown.
        threading.Thread(target=self._run, args=(task,), name=f"export-{task.export_id[:8]}", daemon=True).start()
        return task

    def active(self) -> int:
        with self._lock:
            return sum(1 for t in self._tasks.values() if t.state == "in_progress")

    def get(self, export_id: str) -> ExportTask | None:
        """The live task, or None when unknown, deleted or expired."""
        self.purge_expired()
        with self._lock:
            return self._tasks.get(export_id)

    def delete(self, export_id: str) -> bool:
        with self._lock:
            task = self._tasks.pop(export_id, None)
        if task is None:
            return False
        self._discard(task)
        return True

    def purge_expired(self) -> None:
        cutoff = self._clock.now() - EXPORT_LIFETIME
        with self._lock:
            expired = [t for t in self._tasks.values() if t.created_at <= cutoff]
            for t in expired:
                del self._tasks[t.export_id]
        for t in expired:
            self._discard(t)

    def _discard(self, task: ExportTask) -> None:
        task.cancelled.set()
        if task.path is not None:
            task.path.unlink(missing_ok=True)

    def _run(self, task: ExportTask) -> None:
        with _RENDER_SLOTS:
            try:
                self._render(task)
            except Exception as exc:  # a render bug must surface as 424, not kill the thread silently
                log.exception("video export %s failed", task.export_id)
                task.error = f"export failed: {type(exc).__name__}"
                task.state = "failed"

    def _render(self, task: ExportTask) -> None:
        problem = recording_problem(task.spec, self._clock.now())
        if problem:
            task.error, task.state = problem, "failed"
            return
        self._dir.mkdir(parents=True, exist_ok=True)
        final = self._dir / f"{task.export_id}.mp4"
        partial = self._dir / f".{task.export_id}.part.mp4"
        total = frame_count(task.spec)
        width, height = task.spec.frame_size()

        def frames() -> Iterator[np.ndarray]:
            for frame in export_frames(task.spec):
                if task.cancelled.is_set():
                    return
                yield frame

        def progress(done: int) -> None:
            task.progress = done / total

        write_mp4(
            partial,
            frames(),
            width=width,
            height=height,
            frame_interval_ms=task.spec.frame_interval_ms(),
            qscale=2 if task.spec.raw else 6,
            on_frame=progress,
        )
        if task.cancelled.is_set():
            partial.unlink(missing_ok=True)
            return
        os.replace(partial, final)
        task.path, task.size, task.progress = final, final.stat().st_size, 1.0
        task.state = "ready"
        if task.cancelled.is_set():  # deleted while renaming
            final.unlink(missing_ok=True)
