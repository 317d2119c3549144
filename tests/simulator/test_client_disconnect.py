"""A client that goes away mid-request (a screenshot run ending, a pane dropped while
its query is sent) is not a simulator bug: the simulator logs it quietly (debug) and
keeps serving. Before the fix each one logged "simulator bug answering POST
/v2/datamine" with a ClientDisconnect traceback, at ERROR."""

from __future__ import annotations

import base64
import logging
import socket
import time

import httpx

from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.simulator.conftest import frozen_simulator

APP_LOG = "storeops.simulator.app"


def _post_half_a_body_and_leave(url: str) -> None:
    """Headers that promise a body, a piece of it, then the connection closes."""
    host, port = url.removeprefix("http://").split(":")
    auth = base64.b64encode(f"{ACCESS_KEY}:{SECRET_KEY}".encode()).decode()
    head = (
        f"POST /v2/datamine HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic {auth}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
    )
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(head.encode() + b'{"metrics": ["traffic_in"], ')
        time.sleep(0.2)  # the route is waiting for the rest of the body


def test_a_client_that_leaves_mid_request_is_logged_quietly(caplog):
    caplog.set_level(logging.DEBUG, logger=APP_LOG)
    with frozen_simulator() as running:
        before = running.world.requests["/v2/datamine"]
        _post_half_a_body_and_leave(running.url)

        def gone_logged() -> bool:
            return any(r.name == APP_LOG and "went away" in r.getMessage() for r in caplog.records)

        deadline = time.monotonic() + 5
        while not gone_logged():  # the server logs on its own thread
            assert time.monotonic() < deadline, [r.getMessage() for r in caplog.records]
            time.sleep(0.02)
        assert running.world.requests["/v2/datamine"] == before + 1
        quiet = [r for r in caplog.records if r.name == APP_LOG and "went away" in r.getMessage()]
        assert all(r.levelno == logging.DEBUG for r in quiet)
        assert not [r for r in caplog.records if r.name == APP_LOG and r.levelno >= logging.WARNING], [
            r.getMessage() for r in caplog.records
        ]
        # And it still answers the next client.
        answer = httpx.post(f"{running.url}/v2/location", json={}, auth=(ACCESS_KEY, SECRET_KEY), timeout=10)
        assert answer.status_code == 200
