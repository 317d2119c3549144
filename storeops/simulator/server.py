"""Run the simulator on a background thread (demo mode, tests, benchmarks).

`start_simulator()` binds the socket first (port 0 picks a free one), serves with
uvicorn on a daemon thread with its own event loop, and returns once the server
accepts connections. `stop()` is quick: open keep-alive connections are not waited for.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import socket
import tempfile
import threading
from pathlib import Path

import uvicorn

from storeops.simulator.app import build_app
from storeops.simulator.clock import Clock
from storeops.simulator.context import SimContext
from storeops.simulator.fault_spec import FaultSpec
from storeops.simulator.faults import FaultInjector
from storeops.simulator.limits import Limits
from storeops.simulator.pagination import CURSOR_STYLES, CursorStyle
from storeops.simulator.seed import build_world
from storeops.simulator.world import World

START_TIMEOUT_S = 10.0


class _QuickStopServer(uvicorn.Server):
    """uvicorn's server, stopped in a few milliseconds instead of ~0.2 s: the main loop
    waits on an event instead of polling every 100 ms, and a forced stop skips the
    grace pause. The test suite starts and stops well over a hundred simulators."""

    _loop: asyncio.AbstractEventLoop | None = None
    _wake: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)  # on_tick refreshes the Date header
            should_exit = await self.on_tick(counter)

    def request_stop(self) -> None:
        self.should_exit = True
        self.force_exit = True  # do not wait for idle keep-alive connections
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                loop.call_soon_threadsafe(wake.set)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if not self.force_exit:
            await super().shutdown(sockets)
            return
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        await asyncio.sleep(0)  # let the transports close


class RunningSimulator:
    def __init__(
        self, ctx: SimContext, server: _QuickStopServer, thread: threading.Thread, host: str, port: int
    ) -> None:
        self.ctx = ctx
        self._server = server
        self._thread = thread
        self.host = host
        self.port = port
        self.url = f"http://{host}:{port}"

    @property
    def world(self) -> World:
        return self.ctx.world

    @property
    def clock(self) -> Clock:
        return self.ctx.clock

    @property
    def faults(self) -> FaultInjector:
        return self.ctx.faults

    @property
    def limits(self) -> Limits:
        return self.ctx.limits

    @property
    def data_dir(self) -> Path:
        return self.ctx.data_dir

    def set_alert_cursor(self, style: CursorStyle) -> None:
        """How v1/healthalerts pages from now on: "offset" (default) or "uuid"."""
        if style not in CURSOR_STYLES:
            raise ValueError(f"alert cursor style must be one of {CURSOR_STYLES}, not {style!r}")
        self.ctx.alert_cursor = style

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self._server.request_stop()
        self._thread.join(timeout=5)
        shutil.rmtree(self.ctx.data_dir, ignore_errors=True)

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RunningSimulator(url={self.url!r})"


def start_simulator(
    *,
    access_key: str,
    secret_key: str,
    seed: int = 0,
    host: str = "127.0.0.1",
    port: int = 0,
    big: bool = False,
    clock: Clock | None = None,
    export_limits: bool = False,
    faults: FaultSpec | str | None = None,
) -> RunningSimulator:
    """`export_limits`: enforce the simulator's own video export limits (see SimContext).
    `faults`: random faults by rate (a FaultSpec or its text, see fault_spec.py),
    drawn from a source seeded with `seed`; `running.faults.set_random()` changes them later."""
    injector = FaultInjector(seed=seed)
    injector.set_random(faults)  # a bad spec fails here, before anything starts
    clock = clock or Clock()
    world = build_world(seed, big=big, now=clock.now())
    data_dir = Path(tempfile.mkdtemp(prefix="storeops-sim-"))
    ctx = SimContext(
        world=world,
        clock=clock,
        access_key=access_key,
        secret_key=secret_key,
        data_dir=data_dir,
        export_limits=export_limits,
        faults=injector,
    )
    app = build_app(ctx)

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose
    # proto says TCP, and without it every answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    bound_port = sock.getsockname()[1]

    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        http="h11",
        loop="asyncio",
        timeout_graceful_shutdown=1,
    )
    server = _QuickStopServer(config)
    failure: list[BaseException] = []

    def serve() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.serve(sockets=[sock]))
        except BaseException as exc:  # reported to the starting thread below
            failure.append(exc)
            logging.getLogger(__name__).exception("simulator server stopped")
        finally:
            sock.close()
            loop.close()

    thread = threading.Thread(target=serve, name=f"storeops-simulator-{bound_port}", daemon=True)
    thread.start()
    running = RunningSimulator(ctx, server, thread, host, bound_port)
    deadline = threading.Event()
    waited = 0.0
    while not server.started:
        if not thread.is_alive() or waited > START_TIMEOUT_S:
            running.stop()
            raise RuntimeError(f"simulator failed to start: {failure[0] if failure else 'timeout'}")
        deadline.wait(0.005)
        waited += 0.005
    return running
