"""Paginated answers as async iterators over models.

Two schemes exist in the reference:
- v1 lists (health alerts): `X-Page-Length` / `X-Page-Start` request headers; a
  206 answer carries `X-Page-Next` (an integer or a UUID), a 200 is the last page;
- inventory lists (cameras, channels, appliances): the body's `next_page` string,
  sent back as `X-Page-Start`, until it reads "end".

A server that hands out a cursor twice would make us loop forever: that is a
ProtocolError instead. So is an integer X-Page-Next that does not move forward
(offsets and page numbers both only grow), caught before re-reading a page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import pydantic

from storeops.api.errors import ProtocolError, ValidationError
from storeops.api.transport import Call, Transport

T = TypeVar("T")

#: Documented default and maximum page length.
MAX_PAGE_LENGTH = 100
#: The inventory cursor that means "no more pages".
END_CURSOR = "end"


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
    seen: set[str] = set()
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
            raise ProtocolError(f"{call.label}: partial page without X-Page-Next")
        if cursor in seen:
            raise ProtocolError(f"{call.label}: the server repeated page cursor {cursor!r}")
        if cursor.isascii() and cursor.isdigit():
            if len(cursor) > 30:  # and int() refuses over 4,300 digits
                raise ProtocolError(f"{call.label}: page cursor of {len(cursor)} digits")
            offset = int(cursor)
            if offset <= last_offset:
                raise ProtocolError(f"{call.label}: page cursor {cursor!r} does not move forward "
                                    f"(previous: {last_offset})")
            last_offset = offset
        seen.add(cursor)


async def cursor_pages(
    transport: Transport,
    call: Call,
    adapter: pydantic.TypeAdapter[Any],
    items: Callable[[Any], list[T]],
    next_page: Callable[[Any], str | None],
    page_length: int = MAX_PAGE_LENGTH,
) -> AsyncIterator[T]:
    """Items of an inventory list paginated by the body's `next_page`."""
    check_page_length(page_length)
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        page_call = _page_call(call, page_length, cursor)
        response = await transport.send(page_call)
        page = await transport.decode(page_call, response, adapter)
        for item in items(page):
            yield item
        cursor = next_page(page)
        # A missing cursor is read as the end too: stopping is safer than
        # guessing a start value.
        if not cursor or cursor == END_CURSOR:
            return
        if cursor in seen:
            raise ProtocolError(f"{call.label}: the server repeated page cursor {cursor!r}")
        seen.add(cursor)
