"""v1/downloads: custom export files, with byte ranges so downloads can resume."""

from __future__ import annotations

import posixpath
import re

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


def download_routes(ctx: SimContext) -> list[Route]:
    world = ctx.world

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
        headers = {
            "Accept-Ranges": "bytes",
            "Content-Disposition": f'attachment; filename="{posixpath.basename(path)}"',
        }
        wanted = request.headers.get("range")
        if wanted:
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
