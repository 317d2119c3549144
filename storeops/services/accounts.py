"""Connection profiles as clients, and "Test connection" with messages a store
manager can act on. No Qt here."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from storeops.api import errors
from storeops.api.models import LocationQuery
from storeops.log import register_secret
from storeops.services.wording import connection_test_verdict

if TYPE_CHECKING:
    from storeops.api.client import RetailNextClient

log = logging.getLogger(__name__)

TEST_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class TestResult:
    ok: bool
    message: str
    store_count: int | None = None
    kind: str = "ok"  # ok, auth, permission, unreachable, tls, timeout, server, other


def make_client(
    url: str, access_key: str, secret_key: str, *, timeout: float | None = None, retries: bool = True
) -> RetailNextClient:
    """One long-lived RetailNextClient; the caller closes it (`await client.aclose()`)."""
    from storeops.api.client import RetailNextClient
    from storeops.api.retry import RetryPolicy

    register_secret(secret_key)
    # None is the client's own default for both.
    return RetailNextClient(
        url, access_key, secret_key, timeout=timeout, retry=None if retries else RetryPolicy.never()
    )


async def test_connection(url: str, access_key: str, secret_key: str, *, timeout: float = TEST_TIMEOUT_S) -> TestResult:
    """One cheap query (the store list, no extra fields) and a precise verdict."""
    host = urlsplit(url).hostname or url
    try:
        client = make_client(url, access_key, secret_key, timeout=timeout, retries=False)
    except errors.ApiError as exc:
        return TestResult(False, f"Cannot test: {exc}", kind="other")
    try:
        stores = await asyncio.wait_for(client.query_locations(LocationQuery(location_types=["store"])), timeout + 1.0)
    except (errors.ApiError, TimeoutError) as exc:
        message, kind = connection_test_verdict(exc, host, timeout)
        return TestResult(False, message, kind=kind)
    finally:
        try:
            await client.aclose()
        except Exception:  # closing a half-open client must not hide the verdict
            log.debug("closing the test client failed", exc_info=True)
    count = sum(1 for s in stores if not s.archived)
    noun = "store" if count == 1 else "stores"
    return TestResult(True, f"Connected: {count} {noun} found.", store_count=count)


# ---------------------------------------------------------------- form validation


@dataclass
class ProfileForm:
    name: str
    target: str  # subscription name or server URL
    access_key: str
    secret_key: str


def validate_form(
    form: ProfileForm, *, creating: bool, has_stored_secret: bool = False
) -> tuple[dict[str, str], str | None, str | None]:
    """Messages per field ("name", "target", "access_key", "secret_key"), and the
    subscription / base URL split out of the target."""
    from storeops.settings import validate_target

    problems: dict[str, str] = {}
    if not form.name.strip():
        problems["name"] = "Give this account a name, e.g. the company or region."
    subscription, base_url, target_error = validate_target(form.target)
    if target_error:
        problems["target"] = target_error
    if not form.access_key.strip():
        problems["access_key"] = "The access key is required (Admin Settings › System Access Tokens)."
    elif any(c.isspace() for c in form.access_key.strip()):
        problems["access_key"] = "An access key has no spaces; copy it again."
    if not form.secret_key and (creating or not has_stored_secret):
        problems["secret_key"] = "The secret key is required for a new account."
    return problems, subscription, base_url
