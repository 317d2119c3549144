"""The local side of a download: the `.part` file, what is known about it, and
safe names for what lands on disk.

Beside `<dest>.part` lies `<dest>.part.json`: which file the part holds (the
caller's `source`, e.g. an export id) and the validator the server gave when it
was started (ETag and Last-Modified, and the size). A part is resumed only with
that validator in `If-Range`; a part without it (another file's, an older
version's, one left by an older StoreOps) is started over. The state is written
before the first byte of the part, so a part never sits beside another file's
state.

Every function here blocks (disk): callers run them in an executor.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from storeops.api.errors import LocalFileError, ProtocolError, ValidationError

STATE_VERSION = 1
#: Bytes of the state file read at most (it holds a few short strings).
MAX_STATE_BYTES = 16 * 1024
#: Longest file name created (most file systems allow 255 bytes).
MAX_NAME_CHARS = 120
#: "x (1).mp4" ... "x (999).mp4" are tried before giving up.
MAX_FREE_NAME_TRIES = 999

IfExists = Literal["rename", "replace", "error"]

# Characters refused in file names on Windows, macOS or Linux, and control characters.
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"COM{n}" for n in range(1, 10)} | {f"LPT{n}" for n in range(1, 10)}
)
# In a server's file key: a dot segment, an escaped slash, backslash or dot, a
# control character, a backslash.
_KEY_TRICKS = re.compile(r"(^|/)\.{1,2}(/|$)|%2f|%5c|%2e|[\x00-\x1f\x7f\\]", re.IGNORECASE)


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def state_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part.json")


# ---------------------------------------------------------------- the part's state


@dataclass(frozen=True, slots=True)
class PartState:
    """What the server said of the file when the part was started."""

    source: str  # which file: the caller's key (an export id, a file key), never a signed URL
    etag: str | None
    last_modified: str | None
    total: int | None  # the file's size in bytes

    @property
    def if_range(self) -> str | None:
        """The validator for `If-Range`: a strong ETag, else Last-Modified (a
        weak ETag cannot be used there), else None: the part cannot resume."""
        if self.etag and not self.etag.startswith("W/"):
            return self.etag
        return self.last_modified or None


def load_state(dest: Path, source: str) -> PartState | None:
    """The state of `dest`'s part if it is about `source` and readable; None
    means the part, if any, must be started over."""
    path = state_path(dest)
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_STATE_BYTES + 1)
        if len(raw) > MAX_STATE_BYTES:
            return None
        data = json.loads(raw)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION or data.get("source") != source:
        return None
    etag, modified, total = data.get("etag"), data.get("last_modified"), data.get("total")
    if not (etag is None or isinstance(etag, str)) or not (modified is None or isinstance(modified, str)):
        return None
    if total is not None and (not isinstance(total, int) or isinstance(total, bool) or total < 0):
        return None
    state = PartState(source, etag, modified, total)
    return state if state.if_range else None


def start_part(dest: Path, state: PartState | None) -> None:
    """An empty part for a fresh transfer, with `state` beside it (None: this
    transfer cannot be resumed, so no state is kept)."""
    forget_part(dest)
    if state is not None:
        _write_state(dest, state)
    with open(part_path(dest), "wb"):
        pass


def forget_part(dest: Path) -> None:
    """Drop the state first: a part without state is never resumed."""
    state_path(dest).unlink(missing_ok=True)
    part_path(dest).unlink(missing_ok=True)


def _write_state(dest: Path, state: PartState) -> None:
    path = state_path(dest)
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump({"version": STATE_VERSION, **asdict(state)}, f)
    os.replace(temporary, path)


def part_size(dest: Path) -> int:
    try:
        return part_path(dest).stat().st_size
    except FileNotFoundError:
        return 0


def read_part(dest: Path, offset: int, length: int) -> bytes:
    with open(part_path(dest), "rb") as f:
        f.seek(offset)
        return f.read(length)


# ---------------------------------------------------------------- finishing


def finish(dest: Path, expected: int | None, if_exists: IfExists, label: str) -> Path:
    """Move the complete part into place and return where it landed.

    The part's size is checked against the size the server announced first:
    whatever led here, a part of the wrong size never becomes the file.
    `if_exists`: "rename" picks a free name beside `dest` ("x (1).mp4"),
    "replace" replaces `dest` atomically, "error" refuses (LocalFileError)."""
    part = part_path(dest)
    with open(part, "rb+") as f:
        size = os.fstat(f.fileno()).st_size
        if expected is not None and size != expected:
            raise ProtocolError(f"{label}: the file has {size} bytes, the server announced {expected}")
        os.fsync(f.fileno())
    if if_exists == "replace":
        os.replace(part, dest)
        final = dest
    else:
        final = _place_without_overwriting(part, dest, rename=if_exists == "rename")
    state_path(dest).unlink(missing_ok=True)
    _sync_folder(final.parent)
    return final


def _place_without_overwriting(part: Path, dest: Path, *, rename: bool) -> Path:
    candidates = [dest]
    if rename:
        candidates += [free_name_candidate(dest, n) for n in range(1, MAX_FREE_NAME_TRIES + 1)]
    for candidate in candidates:
        try:
            # A hard link fails if the name is taken, atomically: no check-then-rename race.
            os.link(part, candidate)
        except FileExistsError:
            continue
        except OSError:
            # A file system without hard links (FAT, some network shares).
            if candidate.exists():
                continue
            os.rename(part, candidate)
            return candidate
        part.unlink()
        return candidate
    if rename:
        raise LocalFileError(f"no free name left for {dest.name} in {dest.parent}")
    raise LocalFileError(f"{dest.name} already exists in {dest.parent}")


def free_name_candidate(dest: Path, n: int) -> Path:
    """`dest` numbered: "x.mp4" -> "x (n).mp4"."""
    return dest.with_name(f"{dest.stem} ({n}){dest.suffix}")


def free_path(folder: Path, name: str) -> Path:
    """A path in `folder` for a file the server named `name` (sanitized, see
    safe_filename) that is not taken yet: "x.mp4", else "x (1).mp4", ..."""
    dest = Path(folder) / safe_filename(name)
    if not dest.exists() and not part_path(dest).exists():
        return dest
    for n in range(1, MAX_FREE_NAME_TRIES + 1):
        candidate = free_name_candidate(dest, n)
        if not candidate.exists() and not part_path(candidate).exists():
            return candidate
    raise LocalFileError(f"no free name left for {dest.name} in {folder}")


def _sync_folder(folder: Path) -> None:
    if os.name != "posix":  # make the rename itself durable where a folder can be fsynced
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---------------------------------------------------------------- names from the server


def safe_filename(name: str, default: str = "download") -> str:
    """A name that stays in the folder it is put in, on any system: the last
    piece of a server's `name` ("custom_exports/traffic/x.csv" -> "x.csv"),
    without separators, control or reserved characters, leading dots (no
    hidden files, no `..`), Windows device names, or excess length."""
    text = unicodedata.normalize("NFC", str(name)).replace("\\", "/")
    text = text.rsplit("/", 1)[-1]
    text = _UNSAFE_CHARS.sub("_", text).strip(" .")
    if text.split(".", 1)[0].upper() in _WINDOWS_DEVICES:
        text = "_" + text
    if len(text) > MAX_NAME_CHARS:
        stem, dot, suffix = text.rpartition(".")
        if dot and 0 < len(suffix) <= 10:
            text = stem[: MAX_NAME_CHARS - len(suffix) - 1].rstrip(" .") + "." + suffix
        else:
            text = text[:MAX_NAME_CHARS].rstrip(" .")
    return text or default


def server_key_problem(key: object) -> str | None:
    """Why a file key from the server (a `v1/downloads/list` entry) must not be
    used, or None. Keys have `/` between folders; a `..` or `.` piece, an
    escaped slash, backslash or dot (`%2F`, `%5C`, `%2E`), a leading `/`, a
    backslash or a control character could reach another file."""
    if not isinstance(key, str) or not key:
        return "the name is empty"
    if len(key) > 1024:
        return "the name is too long"
    if key.startswith("/"):
        return "the name starts with '/'"
    if _KEY_TRICKS.search(key):
        return "the name has '..', an escaped '/' or a control character"
    return None


def check_server_key(key: str, what: str) -> str:
    problem = server_key_problem(key)
    if problem is not None:
        raise ValidationError(f"{what}: {problem}")
    return key
