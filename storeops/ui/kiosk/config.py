"""Kiosk options, from `kiosk.json` in the config dir (command-line flags win).

    {"lang": "es", "pin_hash": "pbkdf2_sha256$...", "staff_buttons": true,
     "messages_file": "/etc/storeops/kiosk-messages.json", "cursor_idle_s": 3}

Only the PIN's hash is stored (see storeops.ui.kiosk.pin; `storeops kiosk
--set-pin` / `--clear-pin` write it with save_pin_hash); a plain "pin" key is
refused, so a PIN never sits on disk readable.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import dataclass, fields
from pathlib import Path

log = logging.getLogger(__name__)

CONFIG_FILE = "kiosk.json"


@dataclass
class KioskConfig:
    lang: str = "en"
    pin_hash: str | None = None
    staff_buttons: bool = False
    messages_file: str | None = None
    cursor_idle_s: float = 3.0

    @classmethod
    def path(cls) -> Path:
        from storeops.config import app_dirs

        return app_dirs().config / CONFIG_FILE

    @classmethod
    def load(cls, path: Path | None = None) -> KioskConfig:
        path = path or cls.path()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            log.warning("kiosk config %s ignored: %s", path, exc)
            return cls()
        if not isinstance(raw, dict):
            return cls()
        if "pin" in raw:
            log.warning("kiosk config: a plain 'pin' is ignored; set the PIN with `storeops kiosk --set-pin`")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})


def save_pin_hash(pin_hash: str | None, path: Path | None = None) -> Path:
    """Write (None: remove) 'pin_hash' in kiosk.json, keeping the other options.
    A plain 'pin' left by hand is dropped too. Readable by its owner only."""
    path = path or KioskConfig.path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raw = {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    raw.pop("pin", None)
    if pin_hash is None:
        raw.pop("pin_hash", None)
    else:
        raw["pin_hash"] = pin_hash
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(raw, out, indent=2)
            out.write("\n")
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    return path
