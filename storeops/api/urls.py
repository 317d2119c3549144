"""Which servers the client agrees to talk to."""

from __future__ import annotations

import ipaddress
import re

import httpx

from storeops.api.errors import ValidationError

SUBSCRIPTION_URL = "https://{name}.api.retailnext.net"

_SUBSCRIPTION_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", re.IGNORECASE)


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def subscription_url(name: str) -> str:
    name = name.strip()
    if not _SUBSCRIPTION_NAME.match(name):
        raise ValidationError("a subscription name has only letters, digits and dashes")
    return SUBSCRIPTION_URL.format(name=name.lower())


def normalize_base_url(url: str) -> str:
    """`url` without a trailing slash, after checking it is one we may send
    credentials to: https anywhere, plain http only to this computer."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValidationError("the server address is not a valid URL") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValidationError("the server address must start with https://")
    if parsed.userinfo:
        raise ValidationError("put the keys in the key fields, not in the server address")
    if parsed.query or parsed.fragment:
        raise ValidationError("the server address cannot have a query or a fragment")
    if parsed.scheme == "http" and not is_loopback_host(parsed.host):
        raise ValidationError(
            "plain http:// would send the keys unencrypted; use https:// "
            "(http is only allowed to this computer)")
    text = str(parsed.copy_with(path=parsed.path.rstrip("/") or "/"))
    return text.rstrip("/")
