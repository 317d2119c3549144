"""Where StoreOps keeps its files: one module, through platformdirs.

`STOREOPS_HOME` (set by tests, or by `--dev-dir`) redirects every app dir into
one folder so a run never touches the user's real config, logs or cache.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "StoreOps"
APP_AUTHOR = "StoreOps"
APP_ID = "net.storeops.StoreOps"
HOME_ENV = "STOREOPS_HOME"
SETTINGS_FILE = "settings.json"
LOG_FILE = "storeops.log"


@dataclass(frozen=True)
class AppDirs:
    config: Path
    log: Path
    cache: Path
    data: Path

    @property
    def settings_file(self) -> Path:
        return self.config / SETTINGS_FILE

    @property
    def log_file(self) -> Path:
        return self.log / LOG_FILE


def set_home(path: str | os.PathLike[str]) -> None:
    """Redirect every app dir (the `--dev-dir` option). Child processes inherit it."""
    os.environ[HOME_ENV] = str(Path(path).expanduser().resolve())


def app_dirs() -> AppDirs:
    """The app's dirs, read fresh each call so a changed STOREOPS_HOME is honoured."""
    home = os.environ.get(HOME_ENV)
    if home:
        root = Path(home)
        return AppDirs(config=root / "config", log=root / "log", cache=root / "cache", data=root / "data")
    import platformdirs

    dirs = platformdirs.PlatformDirs(APP_NAME, APP_AUTHOR)
    return AppDirs(
        config=Path(dirs.user_config_dir),
        log=Path(dirs.user_log_dir),
        cache=Path(dirs.user_cache_dir),
        data=Path(dirs.user_data_dir),
    )
