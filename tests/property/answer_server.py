"""A real HTTP/1.1 peer on 127.0.0.1 that answers every request with the Answer a
property test gives it: status, raw header bytes, body bytes and a framing that
may lie (a Content-Length longer than the body, no length at all, chunked).

One server serves a whole test (hypothesis runs hundreds of examples); each
example sets `answer` before calling the client. It runs its own asyncio loop on
a thread, so the client under test talks to it over a socket, as to the cloud.
Written for these tests (tests/api/hostile_server.py is a scripted peer for the
client's fault tests; this one only replays generated answers).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from typing import Literal

Framing = Literal["length", "chunked", "close", "short"]


@dataclass(frozen=True)
class Answer:
    status: int = 200
    headers: tuple[tuple[bytes, bytes], ...] = ()
    body: bytes = b""
    framing: Framing = "length"

    def encode(self) -> tuple[bytes, bool]:
        """The bytes on the wire, and whether the connection closes after them."""
        lines = [b"HTTP/1.1 %d X" % self.status, *(name + b": " + value for name, value in self.headers)]
        close = self.framing in ("close", "short")
        if self.framing == "length":
            lines.append(b"Content-Length: %d" % len(self.body))
            payload = self.body
        elif self.framing == "short":  # promises more than it sends, then hangs up
            lines.append(b"Content-Length: %d" % (len(self.body) + 10))
            payload = self.body
        elif self.framing == "chunked":
            lines.append(b"Transfer-Encoding: chunked")
            half = len(self.body) // 2
            pieces = [p for p in (self.body[:half], self.body[half:]) if p]
            payload = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
        else:
            payload = self.body
        if close:
            lines.append(b"Connection: close")
        return b"\r\n".join(lines) + b"\r\n\r\n" + payload, close


@dataclass
class AnswerServer:
    answer: Answer = field(default_factory=Answer)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, target)
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve(self, answer: Answer) -> None:
        self.answer = answer
        self.requests.clear()

    def start(self) -> AnswerServer:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop

            async def main() -> None:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(("127.0.0.1", 0))
                self._server = await asyncio.start_server(self._handle, sock=sock)
                self.port = sock.getsockname()[1]
                ready.set()

            loop.run_until_complete(main())
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="property-answer-server", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the answer server did not start")
        return self

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None:
            return

        async def close() -> None:
            server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                length = 0
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                if length:
                    await reader.readexactly(length)
                self.requests.append((method, target))
                data, close = self.answer.encode()
                writer.write(data)
                await writer.drain()
                if close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            writer.close()
