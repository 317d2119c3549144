"""Error answers and request-body reading shared by every route.

Every refusal is JSON `{"error": code, "error_detail": text}`; routes raise `ApiError`
and the app turns it into a response. Bodies are read as JSON whatever the content
type says: the documented curl examples send `-d @request.json`, i.e. a form type.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}

MAX_BODY = 4 * 1024 * 1024
# Integer fields are read as 32-bit signed integers (a simulator decision: the
# reference gives no range, and numpy sums them in 64 bits without overflow).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class ApiError(Exception):
    def __init__(
        self, status: int, detail: str, code: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code or _CODES.get(status, "error")
        self.headers = headers or {}


def bad(detail: str) -> ApiError:
    return ApiError(400, detail)


def error_response(
    status: int, detail: str, code: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": code or _CODES.get(status, "error"), "error_detail": detail}, status_code=status, headers=headers
    )


async def read_json(request: Request, *, optional: bool = False) -> Any:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ApiError(413, "request body too large")
    if not raw.strip():
        if optional:
            return {}
        raise bad("request body is empty; a JSON object is required")
    try:
        body = json.loads(raw)
        _check_text(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad(f"malformed JSON body: {exc}") from None
    except RecursionError:
        # json recurses once per level: `[[[[...` thousands deep exhausts the stack.
        raise bad("malformed JSON body: nested too deeply") from None
    return body


def _check_text(body: Any) -> None:
    """Refuse lone surrogates (`"\\ud800"`, or their bytes, which json.loads lets
    through): echoed in an answer, they cannot be encoded as UTF-8."""
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text is not valid Unicode (a lone surrogate)") from None


async def read_object(request: Request, *, optional: bool = False) -> dict[str, Any]:
    body = await read_json(request, optional=optional)
    if not isinstance(body, dict):
        raise bad("the request body must be a JSON object")
    return body


# ---------------------------------------------------------------- typed field access


def req_str(body: dict[str, Any], key: str, *, nonempty: bool = True) -> str:
    if key not in body or body[key] is None:
        raise bad(f"missing required field: {key}")
    return opt_str(body, key, nonempty=nonempty)  # type: ignore[return-value]


def opt_str(body: dict[str, Any], key: str, *, nonempty: bool = True) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad(f"{key} must be a string")
    if nonempty and not value.strip():
        raise bad(f"{key} must not be empty")
    return value


def opt_bool(body: dict[str, Any], key: str) -> bool | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise bad(f"{key} must be true or false")
    return value


def opt_int(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if not (isinstance(value, float) and value.is_integer()):
            raise bad(f"{key} must be an integer")
        value = int(value)
    return check_int_range(value, key)


def check_int_range(value: int, key: str) -> int:
    if not INT_MIN <= value <= INT_MAX:
        raise bad(f"{key} is out of range (a 32-bit integer)")
    return value


def opt_number(body: dict[str, Any], key: str) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise bad(f"{key} must be a number")
    return float(value)


def req_str_list(body: dict[str, Any], key: str) -> list[str]:
    value = body.get(key)
    if value is None:
        raise bad(f"missing required field: {key}")
    return str_list(value, key)


def str_list(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad(f"{key} must be a list of strings")
    return value
