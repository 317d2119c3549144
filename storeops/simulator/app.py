"""The simulator's ASGI app: routes, JSON errors, and the middleware that counts
requests, checks credentials, injects faults and enforces concurrency limits."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storeops.simulator.auth import credentials_ok
from storeops.simulator.context import SimContext
from storeops.simulator.errors import ApiError, error_response
from storeops.simulator.faults import SERVED_KINDS
from storeops.simulator.limits import Limits
from storeops.simulator.routes.downloads import download_routes
from storeops.simulator.routes.hours import hours_routes
from storeops.simulator.routes.inventory import inventory_routes
from storeops.simulator.routes.locations import location_routes
from storeops.simulator.routes.metrics import metric_routes
from storeops.simulator.video.routes import video_routes

log = logging.getLogger(__name__)

# HLS players cannot send basic auth: those paths carry a token the video routes check.
UNAUTHENTICATED_PREFIXES = ("/v1/hls/",)
MALFORMED_BODY = b'{"ok": true, "nodes": [[{"uuid": "trunc'
# Random faults answered in place of the request: spec kind -> scripted kind, params.
RANDOM_ANSWERS: dict[str, tuple[str, dict[str, Any]]] = {
    "5xx": ("status", {"detail": "injected fault: server error"}),
    "429": ("status", {"status": 429, "retry_after": 1, "detail": "injected fault: rate limited"}),
    "reset": ("disconnect", {}),
    "malformed": ("malformed", {}),
}
# A dripped answer goes out in pieces of DRIP_PIECE bytes, DRIP_PAUSE_S apart, for at
# most DRIP_BUDGET_S; the rest then goes at once, so a drip always ends.
DRIP_PIECE = 64
DRIP_PAUSE_S = 0.1
DRIP_BUDGET_S = 1.0


def build_app(ctx: SimContext) -> Starlette:
    routes: list[BaseRoute] = [
        *location_routes(ctx),
        *metric_routes(ctx),
        *hours_routes(ctx),
        *inventory_routes(ctx),
        *download_routes(ctx),
        *video_routes(ctx),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            ApiError: _api_error,
            HTTPException: _http_error,
        },
    )
    app.state.ctx = ctx
    app.add_middleware(SimMiddleware, ctx=ctx)
    return app


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.detail, exc.code, exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = {404: "no such API path", 405: "method not allowed for this path"}.get(exc.status_code, exc.detail)
    return error_response(
        exc.status_code, f"{detail}: {request.method} {request.url.path}", headers=dict(exc.headers or {})
    )


class SimMiddleware:
    def __init__(self, app: ASGIApp, ctx: SimContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ctx = self.ctx
        path: str = scope["path"]
        ctx.world.count_request(path)
        if not path.startswith(UNAUTHENTICATED_PREFIXES):
            header = dict(scope["headers"]).get(b"authorization")
            if not credentials_ok(header, ctx.access_key, ctx.secret_key):
                await _send(
                    send,
                    401,
                    {"error": "unauthorized", "error_detail": "missing or invalid API credentials"},
                    {"WWW-Authenticate": 'Basic realm="RetailNext API"'},
                )
                return
        fault = ctx.faults.take(path)
        if fault is not None and fault.kind not in SERVED_KINDS:
            await _serve_fault(fault.kind, fault.params, receive, send)
            return
        chance = ctx.faults.draw(path) if fault is None else None
        if chance is not None:
            if chance.latency > 0:
                # Before the concurrency limit: added latency stands for a slow network,
                # and should not turn into 429s the spec did not ask for.
                await asyncio.sleep(chance.latency)
            if chance.kind in RANDOM_ANSWERS:
                kind, params = RANDOM_ANSWERS[chance.kind]
                if chance.kind == "5xx":
                    params = {**params, "status": chance.status}
                await _serve_fault(kind, params, receive, send)
                return
            if chance.kind == "stall":
                send = _Stall(send, receive)
            elif chance.kind == "drip":
                send = _Drip(send)
        family = Limits.family(path)
        if family is not None and not ctx.limits.try_acquire(family):
            await _send(
                send,
                429,
                {
                    "error": "too_many_requests",
                    "error_detail": f"too many concurrent {family.replace('_', ' ')} requests",
                },
                {"Retry-After": "1"},
            )
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if fault is not None and fault.kind == "malformed_answer":
                # The handler's answer (its effect applied) is replaced by a broken one.
                if message["type"] == "http.response.start":
                    started = True
                elif message["type"] == "http.response.body" and not message.get("more_body"):
                    await _serve_fault("malformed", fault.params, receive, send)
                return
            if message["type"] == "http.response.start":
                started = True
                if fault is not None and fault.kind == "delay_answer":
                    await asyncio.sleep(float(fault.params.get("seconds", 1.0)))
            await send(message)

        try:
            if fault is not None and fault.kind == "delay":
                await asyncio.sleep(float(fault.params.get("seconds", 1.0)))
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            # The client went away (a dropped pane, a screenshot run ending): nobody to
            # answer, and nothing wrong with the simulator.
            log.debug("client went away during %s %s", scope.get("method"), path)
        except Exception:
            # A simulator bug: answer a JSON 500 here, because re-raising (as
            # Starlette's own handler does) makes uvicorn drop the keep-alive connection.
            log.exception("simulator bug answering %s %s", scope.get("method"), path)
            if started:
                raise
            await _send(send, 500, {"error": "internal_error", "error_detail": "internal simulator error"})
        finally:
            if family is not None:
                ctx.limits.release(family)


async def _send(
    send: Send,
    status: int,
    payload: object | bytes,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> None:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    raw_headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.lower().encode(), str(v).encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


async def _serve_fault(kind: str, params: dict[str, Any], receive: Receive, send: Send) -> None:
    if kind == "status":
        status = int(params.get("status", 503))
        headers = dict(params.get("headers") or {})
        if status == 429 or "retry_after" in params:
            headers.setdefault("Retry-After", str(params.get("retry_after", 1)))
        detail = params.get("detail", f"injected fault: status {status}")
        await _send(send, status, {"error": "injected_fault", "error_detail": detail}, headers)
    elif kind == "malformed":
        await _send(send, int(params.get("status", 200)), params.get("body", MALFORMED_BODY))
    elif kind == "disconnect":
        if _drop_connection(receive):
            return
        # Not under uvicorn: promise a body and stop half-way, which also drops it.
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"trunc', "more_body": True})
        raise ConnectionAbortedError("injected disconnect")


def _drop_connection(receive: Receive) -> bool:
    """Close the socket now, if running under uvicorn. Its protocol cycle exposes the
    transport; marking it disconnected stops uvicorn writing a 500 (or anything else
    the app still sends) afterwards. False when not under uvicorn."""
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        return False
    cycle.disconnected = True  # type: ignore[union-attr]
    transport.close()  # asyncio still flushes what was written before
    return True


class _Stall:
    """A send that lets about half of the promised body out, then drops the
    connection: a download that stops midway. Without a Content-Length, half of
    the first body message goes."""

    def __init__(self, send: Send, receive: Receive) -> None:
        self._send = send
        self._receive = receive
        self._cut: int | None = None
        self._sent = 0
        self._done = False

    async def __call__(self, message: Message) -> None:
        if self._done:
            return  # the app does not know the client is gone; let it finish quietly
        if message["type"] == "http.response.start":
            length = dict(message.get("headers", [])).get(b"content-length")
            if length is not None and length.isdigit():
                self._cut = int(length) // 2
            await self._send(message)
            return
        if message["type"] != "http.response.body":
            await self._send(message)
            return
        body: bytes = message.get("body", b"")
        cut = self._cut if self._cut is not None else len(body) // 2
        if self._sent + len(body) < cut:
            self._sent += len(body)
            await self._send(message)
            return
        self._done = True
        if head := body[: cut - self._sent]:
            await self._send({"type": "http.response.body", "body": head, "more_body": True})
        if not _drop_connection(self._receive):
            raise ConnectionAbortedError("injected stall")


class _Drip:
    """A send that passes body bytes on in small pieces with pauses in between,
    within a time budget."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._pauses_left = int(DRIP_BUDGET_S / DRIP_PAUSE_S)

    async def __call__(self, message: Message) -> None:
        if message["type"] != "http.response.body":
            await self._send(message)
            return
        body: bytes = message.get("body", b"")
        more: bool = message.get("more_body", False)
        pos = 0
        while len(body) - pos > DRIP_PIECE and self._pauses_left > 0:
            await self._send({"type": "http.response.body", "body": body[pos : pos + DRIP_PIECE], "more_body": True})
            pos += DRIP_PIECE
            self._pauses_left -= 1
            await asyncio.sleep(DRIP_PAUSE_S)
        await self._send({"type": "http.response.body", "body": body[pos:], "more_body": more})
