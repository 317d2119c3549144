"""The simulator's video endpoints, plugged into the app by `video_routes(ctx)`.

- POST /v1/hlsapitoken                      {location_uuid} -> {"token": ...}
- GET  /v1/hls/<channel>.m3u8?token=T       live playlist (token-checked here: the
                                            app's basic-auth middleware skips /v1/hls/)
- GET  /v1/hls/<channel>/<seq>.ts?token=T   one MPEG-TS segment
                                            (both 503 while a test took the channel's
                                            stream down: hls.stream_outages(world))
- POST /v1/video/export/start?channel=..    201, Location: /v1/video/export/task/<id>
- GET/DELETE /v1/video/export/task/<id>     202 / 302 (or 201, ctx.export_ready_status) / 404 / 424
- GET  /v1/video/export/file/<id>.mp4       the export (ETag, Last-Modified, Range + If-Range)
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from storeops.simulator.errors import ApiError, error_response, read_object, req_str
from storeops.simulator.video.encode import encode_segment
from storeops.simulator.video.exports import (
    MAX_ACTIVE,
    ExportFileResponse,
    ExportManager,
    ExportRequestError,
    parse_export_request,
)
from storeops.simulator.video.hls import SegmentCache, playlist, segment_available, stream_outages
from storeops.simulator.video.tokens import TokenStore

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/mp2t"


def _error(status: int, code: str, detail: str) -> JSONResponse:
    return error_response(status, detail, code)


class VideoService:
    """State of the video side of one simulator: tokens, segment cache, exports."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.tokens = TokenStore()
        self.outages = stream_outages(ctx.world)
        self.segments = SegmentCache()
        self.exports = ExportManager(ctx.data_dir, ctx.clock)
        # Encoding is CPU-bound: off the event loop so the server stays responsive.
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sim-video")

    # ------------------------------------------------------------ HLS

    async def hls_token(self, request: Request) -> Response:
        try:  # JSON whatever the content type: the documented curl sends none
            location = req_str(await read_object(request), "location_uuid")
        except ApiError as exc:
            return error_response(exc.status, exc.detail, exc.code)
        token = self.tokens.issue(self.ctx.world, location, self.ctx.clock.now())
        if token is None:
            return _error(404, "not_found", f"no location {location}")
        return JSONResponse({"token": token})

    def _authorize(self, request: Request, channel_uuid: str) -> tuple[Any, Response | None]:
        with self.ctx.world.lock:
            channel = self.ctx.world.channels.get(channel_uuid)
        if channel is None:
            return None, _error(404, "not_found", f"no video channel {channel_uuid}")
        reason = self.tokens.check(
            self.ctx.world, request.query_params.get("token"), channel.uuid, channel.store_uuid, self.ctx.clock.now()
        )
        if reason is not None:
            return None, _error(403, "forbidden", reason)
        if self.outages.is_down(channel.uuid):
            return None, _error(503, "video_loss", f"the camera of {channel.name} sends no video")
        return channel, None

    async def hls_playlist(self, request: Request) -> Response:
        channel_uuid = request.path_params["channel"]
        channel, refused = self._authorize(request, channel_uuid)
        if refused is not None:
            return refused
        text = playlist(channel.uuid, request.query_params["token"], self.ctx.clock.now())
        return Response(text, media_type=PLAYLIST_TYPE, headers={"Cache-Control": "no-cache"})

    async def hls_segment(self, request: Request) -> Response:
        channel, refused = self._authorize(request, request.path_params["channel"])
        if refused is not None:
            return refused
        seq: int = request.path_params["seq"]
        if not segment_available(seq, self.ctx.clock.now()):
            return _error(404, "not_found", f"segment {seq} is not available")
        name, uuid = channel.name, channel.uuid
        data = await asyncio.get_running_loop().run_in_executor(
            self.executor, self.segments.get, (uuid, name, seq), lambda: encode_segment(name, uuid, seq)
        )
        return Response(data, media_type=SEGMENT_TYPE, headers={"Cache-Control": "max-age=3600"})

    # ------------------------------------------------------------ exports

    async def export_start(self, request: Request) -> Response:
        with self.ctx.world.lock:
            channels = dict(self.ctx.world.channels)
        try:
            spec = parse_export_request(
                request.query_params.multi_items(),
                channels,
                self.ctx.clock.now(),
                limits=self.ctx.export_limits,
            )
        except ExportRequestError as exc:
            return _error(400, "bad_request", str(exc))
        if self.ctx.export_limits and self.exports.active() >= MAX_ACTIVE:
            return error_response(
                429,
                f"more than {MAX_ACTIVE} exports in progress; retry later",
                "too_many_requests",
                {"Retry-After": "5"},
            )
        task = self.exports.start(spec)
        return JSONResponse(
            {"ok": True},
            status_code=201,
            headers={"Location": f"/v1/video/export/task/{task.export_id}"},
        )

    async def export_task(self, request: Request) -> Response:
        export_id = request.path_params["export_id"]
        if request.method == "DELETE":
            if not self.exports.delete(export_id):
                return _error(404, "not_found", f"no export {export_id}")
            return JSONResponse({"ok": True})
        task = self.exports.get(export_id)
        if task is None:
            return _error(404, "not_found", f"no export {export_id} (deleted or expired)")
        if task.state == "failed":
            return JSONResponse({"ok": False, "error": task.error}, status_code=424)
        if task.state == "ready":
            url = str(request.base_url).rstrip("/") + f"/v1/video/export/file/{export_id}.mp4"
            if self.ctx.export_ready_status == 201:  # the reference's example answer
                return JSONResponse({"ok": True}, status_code=201, headers={"Location": url})
            return JSONResponse({"ok": True, "status": "ready", "url": url}, status_code=302, headers={"Location": url})
        return JSONResponse({"ok": True, "status": "in_progress", "progress": round(task.progress, 3)}, status_code=202)

    async def export_file(self, request: Request) -> Response:
        export_id = request.path_params["export_id"]
        task = self.exports.get(export_id)
        if task is None or task.state != "ready" or task.path is None or not task.path.exists():
            return _error(404, "not_found", f"no export file {export_id}")
        return ExportFileResponse(task.path, media_type="video/mp4", filename=f"{export_id}.mp4")


def video_routes(ctx: Any) -> list[Route]:
    service = VideoService(ctx)
    return [
        Route("/v1/hlsapitoken", service.hls_token, methods=["POST"]),
        Route("/v1/hls/{channel}.m3u8", service.hls_playlist, methods=["GET", "HEAD"]),
        Route("/v1/hls/{channel}/{seq:int}.ts", service.hls_segment, methods=["GET", "HEAD"]),
        Route("/v1/video/export/start", service.export_start, methods=["POST"]),
        Route("/v1/video/export/task/{export_id}", service.export_task, methods=["GET", "DELETE"]),
        Route("/v1/video/export/file/{export_id}.mp4", service.export_file, methods=["GET", "HEAD"]),
    ]
