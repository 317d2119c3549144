"""The two pagination styles of the v1 API.

- Header pages (health alerts): `X-Page-Length` (max 100), `X-Page-Start`; 206 with
  `X-Page-Next` while more remain, 200 on the last page. The cursor is an integer
  offset, the reference's default ("X-Page-Next: 20"), or the UUID of the next
  item, which the reference says "some methods" answer instead. Health alerts use
  offsets unless the simulator is switched to UUIDs (`SimContext.alert_cursor`).
- Inventory pages ("Inventory API queries use unique X-Page string values, rather
  than an integer"): the cursor is the string key of the next item (a camera's
  device id, a channel's or an appliance's UUID), in one of two places:
  * a request with `X-Page-Length` gets the header style: 206 + `X-Page-Next` while
    more remain, 200 on the last page, no `next_page` in the body;
  * a request without it gets the body style of the reference's examples: always
    200, the body's `next_page` carries the cursor, "end" when done.
  Either way the next page is asked for with `X-Page-Start`. `SimContext.inventory_paging`
  = "body" answers the body style even to requests with `X-Page-Length` (a server
  that pages only that way), so both styles can be walked page by page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse

from storeops.simulator.errors import bad

MAX_PAGE = 100
T = TypeVar("T")

CursorStyle = Literal["offset", "uuid"]
CURSOR_STYLES: tuple[CursorStyle, ...] = ("offset", "uuid")

# How inventory lists page: "auto" (header style when X-Page-Length is sent) or "body".
InventoryPaging = Literal["auto", "body"]
INVENTORY_PAGING: tuple[InventoryPaging, ...] = ("auto", "body")
END = "end"


def page_length(request: Request) -> int:
    raw = request.headers.get("x-page-length")
    if raw is None or not raw.strip():
        return MAX_PAGE
    try:
        value = int(raw)
    except ValueError:
        raise bad("X-Page-Length must be an integer") from None
    if value < 1:
        raise bad("X-Page-Length must be at least 1")
    return min(value, MAX_PAGE)


def page_by_key(request: Request, items: Sequence[T], key: Callable[[T], str]) -> tuple[list[T], str | None]:
    """A page starting at the item whose key is X-Page-Start; returns (page, next key)."""
    length = page_length(request)
    start_key = request.headers.get("x-page-start")
    start = 0
    if start_key:
        for i, item in enumerate(items):
            if key(item) == start_key:
                start = i
                break
        else:
            raise bad(f"unknown X-Page-Start: {start_key}")
    page = list(items[start : start + length])
    following = start + length
    return page, key(items[following]) if following < len(items) else None


def page_by_offset(request: Request, items: Sequence[T]) -> tuple[list[T], str | None]:
    """A page starting at the integer offset X-Page-Start; returns (page, next offset).

    An offset at or past the end is an empty last page, not an error: the list may
    have shrunk between two pages."""
    length = page_length(request)
    raw = (request.headers.get("x-page-start") or "").strip()
    start = 0
    if raw:
        # Digits only: int() would also take "+5", "-0" and "1_000".
        if not raw.isascii() or not raw.isdigit():
            raise bad(f"X-Page-Start must be a non-negative integer offset, got {raw[:40]!r}")
        # Past any list anyway; and int() refuses strings of over 4,300 digits.
        start = int(raw) if len(raw) <= 18 else len(items)
    page = list(items[start : start + length])
    following = start + length
    return page, str(following) if following < len(items) else None


def header_page_response(payload: dict[str, Any], next_cursor: str | None) -> JSONResponse:
    if next_cursor is None:
        return JSONResponse(payload, status_code=200)
    return JSONResponse(payload, status_code=206, headers={"X-Page-Next": next_cursor})


def inventory_page_response(
    request: Request, paging: InventoryPaging, key: str, items: list[dict[str, Any]], next_cursor: str | None
) -> JSONResponse:
    """One inventory page in the style the request (and `paging`) asks for."""
    if paging == "auto" and request.headers.get("x-page-length") is not None:
        return header_page_response({"ok": True, key: items}, next_cursor)
    return JSONResponse({"ok": True, "next_page": next_cursor or END, key: items})
