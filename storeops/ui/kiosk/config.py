"""Kiosk options, from `kiosk.json` in the config dir (command-line flags win).

    {"lang": "es", "pin_hash": "pbkdf2_sha256$...", "staff_buttons": true,
     "messages_file": "/etc/storeops/kiosk-messages.json", "cursor_idle_s": 3}

Only the PIN's hash is stored (see storeops.ui.kiosk.pin); a plain "pin" key is
refused, so a PIN never sits on disk readable.
"""

from __future__ import annotations

import json
import logging
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
            log.warning("kiosk config: a plain 'pin' is ignored; store 'pin_hash' "
                        "(python -m storeops.ui.kiosk.pin)")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})
