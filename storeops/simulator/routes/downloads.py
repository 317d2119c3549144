"""v1/downloads: custom export files, with byte ranges so downloads can resume.

As a real file server does, each answer carries a strong ETag (a hash of the
file's bytes), and a Range is honoured only while an If-Range, when sent,
still names that ETag: otherwise the whole (changed) file comes back, 200."""

from __future__ import annotations

import hashlib
import posixpath
import re
import threading

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from storeops.simulator.context import SimContext
from storeops.simulator.errors import ApiError, bad

PREFIXES = ("custom_exports",)
# At most 18 digits: int() refuses over 4,300, and no file is that big anyway.
_RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")


def _clean(path: str, key: str) -> str:
    """A normalised relative path, refusing anything that could leave the store."""
    if not path or "\x00" in path or "\\" in path or path.startswith("/"):
        raise bad(f"invalid {key}")
    parts = path.split("/")
    if any(p in ("..", ".") for p in parts):
        raise bad(f"invalid {key}: path traversal is not allowed")
    return posixpath.normpath(path)


class _ETags:
    """ETags of the files' current bytes, computed once per version of a file."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, tuple[bytes, str]] = {}

    def of(self, path: str, data: bytes) -> str:
        with self._lock:
            known = self._known.get(path)
            if known is not None and known[0] is data:
                return known[1]
        tag = '"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"'
        with self._lock:
            self._known[path] = (data, tag)
        return tag


def download_routes(ctx: SimContext) -> list[Route]:
    world = ctx.world
    etags = _ETags()

    async def list_files(request: Request) -> Response:
        prefix = _clean(request.query_params.get("prefix", ""), "prefix").rstrip("/")
        if prefix.split("/")[0] not in PREFIXES:
            raise bad(f"unknown prefix; available: {', '.join(PREFIXES)}")
        files = sorted(p for p in world.files if p.startswith(prefix + "/"))
        return JSONResponse({"files": files})

    async def download(request: Request) -> Response:
        raw = request.query_params.get("file")
        if raw is None:
            raise bad("missing required parameter: file")
        path = _clean(raw, "file")
        data = world.file_bytes(path)
        if data is None:
            raise ApiError(404, f"no such file: {path}")
        etag = etags.of(path, data)
        headers = {
            "Accept-Ranges": "bytes",
            "Content-Disposition": f'attachment; filename="{posixpath.basename(path)}"',
            "ETag": etag,
        }
        wanted = request.headers.get("range")
        if_range = request.headers.get("if-range")
        if wanted and (if_range is None or if_range == etag):
            m = _RANGE.match(wanted.strip())
            size = len(data)
            if not m or (not m.group(1) and not m.group(2)):
                raise ApiError(416, "unsupported Range", headers={"Content-Range": f"bytes */{size}"})
            if m.group(1):
                start = int(m.group(1))
                end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
            else:  # suffix range: the last N bytes
                start, end = max(0, size - int(m.group(2))), size - 1
            if start >= size or end < start:
                raise ApiError(416, "range not satisfiable", headers={"Content-Range": f"bytes */{size}"})
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
            return Response(data[start : end + 1], status_code=206, media_type="text/csv", headers=headers)
        return Response(data, media_type="text/csv", headers=headers)

    return [
        Route("/v1/downloads/list", list_files, methods=["GET"]),
        Route("/v1/downloads/download", download, methods=["GET"]),
    ]
