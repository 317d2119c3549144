"""Local audit log of manual occupancy adjustments: who changed what, when.

JSON lines in the app data dir. Appends run in a worker thread so a slow or
network-mounted disk never stalls the GUI; a lock keeps lines whole when two
adjusts finish together.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import logging
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

AUDIT_FILE = "occupancy-audit.jsonl"


def default_data_dir() -> Path:
    from storeops.config import app_dirs

    return app_dirs().data


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some service/kiosk sessions
        return "unknown"


@dataclass(frozen=True)
class AuditEntry:
    store_uuid: str
    store_name: str
    count: int
    result: str  # applied, refused, failed, unconfirmed, timeout-applied, timeout-not-applied
    detail: str = ""
    user: str = field(default_factory=current_user)
    profile: str = ""
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


class AuditLog:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_data_dir() / AUDIT_FILE
        self._lock = threading.Lock()

    def _append(self, line: str) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")

    async def record(self, entry: AuditEntry) -> None:
        line = json.dumps(asdict(entry), ensure_ascii=False, sort_keys=True)
        try:
            await asyncio.to_thread(self._append, line)
        except OSError as exc:  # an audit failure must not hide the adjust result
            log.error("audit log not written (%s): %s", self.path, exc)

    def entries(self) -> list[dict[str, Any]]:
        """Read back (for tests and a future viewer); skips torn lines."""
        if not self.path.exists():
            return []
        out: list[dict[str, Any]] = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out
