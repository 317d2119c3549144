"""Typed settings, saved as JSON in the config dir.

Never holds a secret: profiles keep the access key only; the secret key lives
in the OS keyring (see storeops.secrets). A missing or corrupt file gives
defaults and a logged warning; writes are atomic (temp file + rename).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import tempfile
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from storeops.config import app_dirs

log = logging.getLogger(__name__)

SUBSCRIPTION_RE = re.compile(r"^[a-z0-9-]+$")
SUBSCRIPTION_URL = "https://{name}.api.retailnext.net"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
PANES = ("locations", "occupancy", "traffic", "cameras", "video", "exports")
# Occupancy pane and kiosk: one read every 15 s unless configured (issue 4). Faster
# than 1 s would only load the API; the data itself changes by the minute.
DEFAULT_POLL_INTERVAL_S = 15.0
MIN_POLL_INTERVAL_S = 1.0
MAX_POLL_INTERVAL_S = 3600.0


def new_profile_id() -> str:
    return uuid.uuid4().hex


class Profile(BaseModel):
    """One RetailNext connection. Exactly one of `subscription` / `base_url`."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(default_factory=new_profile_id)
    name: str
    subscription: str | None = None
    base_url: str | None = None
    access_key: str = ""

    @property
    def url(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        return SUBSCRIPTION_URL.format(name=self.subscription or "")

    @property
    def target(self) -> str:
        """What the user typed: the subscription name or the URL."""
        return self.subscription or self.base_url or ""

    def __repr__(self) -> str:  # the access key is half a credential: keep it out of logs
        return f"Profile(id={self.id!r}, name={self.name!r}, target={self.target!r})"

    __str__ = __repr__


class Thresholds(BaseModel):
    """Occupancy colours, in percent of the store's occupancy limit."""

    model_config = ConfigDict(extra="ignore")

    amber: int = 80
    red: int = 100


class VideoLayout(BaseModel):
    """The Live video pane's grid: tiles per side (1, 2 or 3) and the channel UUID of
    each tile, row by row (None: empty). Odd values are mended, never a corrupt file."""

    model_config = ConfigDict(extra="ignore")

    grid: int = 2
    tiles: list[str | None] = Field(default_factory=list)

    @field_validator("grid", mode="before")
    @classmethod
    def _known_grid(cls, value: object) -> int:
        return value if isinstance(value, int) and value in (1, 2, 3) else 2

    @field_validator("tiles", mode="before")
    @classmethod
    def _channel_ids(cls, value: object) -> list[str | None]:
        items = value if isinstance(value, list) else []
        return [v if isinstance(v, str) and v else None for v in items[:9]]


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    version: int = 1
    profiles: list[Profile] = Field(default_factory=list)
    active_profile_id: str | None = None
    last_store_uuid: str | None = None
    last_pane: str = "locations"
    window_geometry: str | None = None  # base64 of QWidget.saveGeometry()
    poll_interval_s: float = Field(default=DEFAULT_POLL_INTERVAL_S, ge=MIN_POLL_INTERVAL_S, le=MAX_POLL_INTERVAL_S)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    # Per account (its profile id; "demo" for demo data): channels differ between accounts.
    video_layouts: dict[str, VideoLayout] = Field(default_factory=dict)
    download_dir: str | None = None  # exports' folder; None: the user's Downloads/StoreOps

    _path: Path | None = PrivateAttr(default=None)
    # One writer thread per settings object: writes land in the order they were
    # asked for, and the disk (fsync) never stalls the GUI thread.
    _writer: ThreadPoolExecutor | None = PrivateAttr(default=None)

    # ------------------------------------------------------------ profiles
    def active_profile(self) -> Profile | None:
        for profile in self.profiles:
            if profile.id == self.active_profile_id:
                return profile
        return None

    def profile(self, profile_id: str) -> Profile | None:
        return next((p for p in self.profiles if p.id == profile_id), None)

    def upsert_profile(self, profile: Profile) -> None:
        for i, existing in enumerate(self.profiles):
            if existing.id == profile.id:
                self.profiles[i] = profile
                return
        self.profiles.append(profile)

    def remove_profile(self, profile_id: str) -> None:
        self.profiles = [p for p in self.profiles if p.id != profile_id]
        if self.active_profile_id == profile_id:
            self.active_profile_id = None

    # ------------------------------------------------------------ persistence
    @property
    def path(self) -> Path:
        return self._path or app_dirs().settings_file

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = path or app_dirs().settings_file
        settings = cls()
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("settings unreadable (%s); using defaults", exc)
        else:
            try:
                settings = cls.model_validate(json.loads(raw))
            except (ValueError, ValidationError) as exc:
                log.warning("settings file %s is corrupt; using defaults (%s)", path, str(exc).splitlines()[0])
                _keep_corrupt_copy(path)
        settings._path = path
        return settings

    def save(self) -> bool:
        """Atomically write the settings; False (and a warning) when the disk refuses."""
        return self.write(self.dump())

    def save_in_background(self) -> Future[bool]:
        """Serialise now (a consistent snapshot), write on the writer thread."""
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="settings")
        return self._writer.submit(self.write, self.dump())

    async def save_async(self) -> bool:
        return await asyncio.wrap_future(self.save_in_background())

    def flush(self) -> None:
        """Wait for queued writes (at exit: an older write must not land after the last)."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None

    def dump(self) -> str:
        return self.model_dump_json(indent=2)

    def write(self, data: str) -> bool:
        """Write an already serialised dump (lets a worker thread do the disk part)."""
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("settings not saved: %s", exc)
            return False
        return True


def _keep_corrupt_copy(path: Path) -> None:
    """Keep the unreadable file beside the new one so nothing is lost silently."""
    with contextlib.suppress(OSError):
        os.replace(path, path.with_name(path.name + ".corrupt"))


# ---------------------------------------------------------------- validation


def validate_target(text: str) -> tuple[str | None, str | None, str | None]:
    """Split what the user typed into (subscription, base_url, error message)."""
    text = text.strip()
    if not text:
        return None, None, "Enter your subscription name (e.g. acme) or the server URL."
    if "://" not in text:
        if SUBSCRIPTION_RE.match(text):
            return text, None, None
        return None, None, "A subscription name uses only lowercase letters, digits and dashes."
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return None, None, "Enter a web address such as https://acme.api.retailnext.net"
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return None, None, "The port in this address is not a number between 1 and 65535."
    if parts.username or parts.password:
        return None, None, "Do not put keys in the address; use the key fields below."
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        return None, None, "Use https:// — plain http is only allowed for this computer (127.0.0.1)."
    if parts.query or parts.fragment:
        return None, None, "The address must not contain ? or #."
    return None, text.rstrip("/"), None
