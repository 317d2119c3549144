"""Paginated answers as async iterators over models.

Two schemes exist in the reference:
- v1 lists (health alerts): `X-Page-Length` / `X-Page-Start` request headers; a
  206 answer carries `X-Page-Next` (an integer or a UUID), a 200 is the last page;
- inventory lists (cameras, channels, appliances), whose cursors are strings
  ("Inventory API queries use unique X-Page string values"), in either place: a
  206 with `X-Page-Next` (the v1 header style), or a 200 whose body's `next_page`
  names the next page (the reference's example answers) until it reads "end".
  Both are sent back as `X-Page-Start`. A 200 without a body cursor is the last page.

A server that hands out a cursor twice would make us loop forever: that is a
PaginationError (a ProtocolError) instead. So is an integer X-Page-Next that
does not move forward (offsets and page numbers both only grow), caught before
re-reading a page; a cursor too long or not printable ASCII (it goes back in a
header); and a list longer than MAX_PAGES pages, which also ends a server that
hands out a new cursor forever. Cursors already seen are remembered by a
fixed-size digest, so memory stays bounded whatever the cursors weigh.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import pydantic

from storeops.api.errors import PaginationError, ValidationError
from storeops.api.transport import Call, Transport

T = TypeVar("T")

#: Documented default and maximum page length.
MAX_PAGE_LENGTH = 100
#: The inventory cursor that means "no more pages".
END_CURSOR = "end"
#: Longest cursor sent back (UUIDs are 36 characters, offsets a few digits, the
#: inventory's a few dozen).
MAX_CURSOR_CHARS = 512
#: Pages of one list: 10,000 health alerts (the big chain) are 100 pages at the
#: maximum page length, 10,000 at a page length of 1.
MAX_PAGES = 20_000


class _Cursors:
    """Cursors seen so far in one list, checked before one is sent back."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._seen: set[bytes] = set()

    def check(self, cursor: str) -> None:
        if len(cursor) > MAX_CURSOR_CHARS:
            raise PaginationError(f"{self._label}: page cursor of {len(cursor):,} characters")
        if not (cursor.isascii() and cursor.isprintable()):
            raise PaginationError(f"{self._label}: page cursor that is not printable ASCII")
        digest = hashlib.blake2b(cursor.encode("ascii"), digest_size=16).digest()
        if digest in self._seen:
            raise PaginationError(f"{self._label}: the server repeated page cursor {cursor!r}")
        if len(self._seen) + 1 >= MAX_PAGES:
            raise PaginationError(f"{self._label}: more than {MAX_PAGES:,} pages; the server does not stop")
        self._seen.add(digest)


def check_page_length(page_length: int) -> int:
    if not 1 <= page_length <= MAX_PAGE_LENGTH:
        raise ValidationError(f"page length must be between 1 and {MAX_PAGE_LENGTH}")
    return page_length


def _page_call(call: Call, page_length: int, cursor: str | None) -> Call:
    headers = dict(call.headers or {})
    headers["X-Page-Length"] = str(page_length)
    if cursor is not None:
        headers["X-Page-Start"] = cursor
    return dataclasses.replace(call, headers=headers, expected=frozenset({200, 206}))


async def header_pages(
    transport: Transport,
    call: Call,
    adapter: pydantic.TypeAdapter[Any],
    items: Callable[[Any], list[T]],
    page_length: int = MAX_PAGE_LENGTH,
) -> AsyncIterator[T]:
    """Items of a v1 list paginated by 206 + X-Page-Next (an integer or a UUID)."""
    check_page_length(page_length)
    cursor: str | None = None
    seen = _Cursors(call.label)
    last_offset = 0  # the first page starts at 0: a next page is past it
    while True:
        page_call = _page_call(call, page_length, cursor)
        response = await transport.send(page_call)
        page = await transport.decode(page_call, response, adapter)
        for item in items(page):
            yield item
        if response.status_code == 200:
            return
        # httpx headers are case-insensitive: x-page-next, X-Page-Next, ...
        cursor = (response.headers.get("x-page-next") or "").strip()
        if not cursor:
            raise PaginationError(f"{call.label}: partial page without X-Page-Next")
        seen.check(cursor)
        if cursor.isdigit():
            if len(cursor) > 30:  # and int() refuses over 4,300 digits
                raise PaginationError(f"{call.label}: page cursor of {len(cursor)} digits")
            offset = int(cursor)
            if offset <= last_offset:
                raise PaginationError(
                    f"{call.label}: page cursor {cursor!r} does not move forward (previous: {last_offset})"
                )
            last_offset = offset


async def cursor_pages(
    transport: Transport,
    call: Call,
    adapter: pydantic.TypeAdapter[Any],
    items: Callable[[Any], list[T]],
    next_page: Callable[[Any], str | None],
    page_length: int = MAX_PAGE_LENGTH,
) -> AsyncIterator[T]:
    """Items of an inventory list: string cursors from a 206's X-Page-Next, else
    from the body's `next_page`."""
    check_page_length(page_length)
    cursor: str | None = None
    seen = _Cursors(call.label)
    while True:
        page_call = _page_call(call, page_length, cursor)
        response = await transport.send(page_call)
        page = await transport.decode(page_call, response, adapter)
        for item in items(page):
            yield item
        cursor = _inventory_cursor(
            call.label, response.status_code, response.headers.get("x-page-next"), next_page(page)
        )
        if cursor is None:
            return
        seen.check(cursor)


def _inventory_cursor(label: str, status: int, header: str | None, body: str | None) -> str | None:
    """The next page's cursor, None after the last page. A 206 promises more pages:
    its X-Page-Next wins, the body's cursor stands in for a missing one, and with
    neither it is a PaginationError. On a 200 only the body can name a next page;
    a missing body cursor is read as the end too: stopping is safer than guessing."""
    header = (header or "").strip()
    body = (body or "").strip()
    if status == 206:
        if header:
            return header
        if body and body != END_CURSOR:
            return body
        raise PaginationError(f"{label}: partial page without X-Page-Next")
    if not body or body == END_CURSOR:
        return None
    return body
