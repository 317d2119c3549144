"""Which servers the client agrees to talk to, and what may stand in a path.

Plain http is allowed only to this computer, and "this computer" means a
loopback address written as such: 127.0.0.0/8 or ::1. Any other name is looked
up (DNS, hosts file, a resolver's search list) and could lead anywhere, keys
in clear included; `*.localhost` is such a name. The literal name `localhost`
is accepted but never looked up: a plain-http base URL with it is pinned to
127.0.0.1 (the address every local server of ours listens on).
"""

from __future__ import annotations

import ipaddress
import re

import httpx

from storeops.api.errors import ApiError, ProtocolError, ValidationError

SUBSCRIPTION_URL = "https://{name}.api.retailnext.net"

_SUBSCRIPTION_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", re.IGNORECASE)


LOCALHOST = "localhost"
#: What `localhost` stands for in a plain-http base URL.
LOCALHOST_ADDRESS = "127.0.0.1"

#: Longest id accepted in a path (UUIDs are 36; the reference's ids are shorter).
MAX_SEGMENT_CHARS = 200
# RFC 3986 unreserved characters, plus ":" and "@" (allowed in a segment as is).
_SEGMENT = re.compile(r"[A-Za-z0-9._~:@-]+")


def is_loopback_host(host: str) -> bool:
    """A loopback address, or the literal name localhost (see the module's
    docstring for why nothing else that merely ends in it is)."""
    host = host.lower()
    if host == LOCALHOST:
        return True
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def path_segment(value: object, what: str, error: type[ApiError] = ValidationError) -> str:
    """`value` (an id, from the user or from the server) as one path segment.

    Refused rather than escaped: `..` and `.` are not escaped by percent-encoding
    and are resolved by the URL layer (`PUT /v2/location/..` is sent as
    `PUT /v2`), and an id with other characters is not an id of this API.
    `error`: ValidationError for what the caller gave, ProtocolError for what
    the server did."""
    if not isinstance(value, str) or not value:
        raise error(f"{what} is missing")
    if len(value) > MAX_SEGMENT_CHARS or not _SEGMENT.fullmatch(value) or value.strip(".") == "":
        raise error(f"{what}: not a valid id")
    return value


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
    if parsed.scheme == "http":
        if not is_loopback_host(parsed.host):
            raise ValidationError(
                "plain http:// would send the keys unencrypted; use https:// (http is only allowed to this computer)"
            )
        if parsed.host == LOCALHOST:
            parsed = parsed.copy_with(host=LOCALHOST_ADDRESS)
    text = str(parsed.copy_with(path=parsed.path.rstrip("/") or "/"))
    return text.rstrip("/")


# A URI scheme (RFC 3986): what separates "javascript:..." from a relative path.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# Characters no link of a well-behaved server holds unescaped (RFC 3986 excludes them).
_NOT_IN_LINKS = re.compile(r"[\x00-\x20\x7f\\<>\"{}|^`]")
# A dot segment or an escaped slash, backslash or dot segment in a path.
_PATH_TRICKS = re.compile(r"(^|/)(\.|%2e){1,2}(/|$)|%2f|%5c", re.IGNORECASE)


def resolve_link(base: str, location: str, what: str, error: type[ApiError] = ProtocolError) -> str:
    """The absolute URL a server's link (a redirect's Location, an export's
    download link) points to, from the URL `base` it came from.

    Only http(s) links with a host are followed, and https never falls back to
    plain http except on this computer. Anything else is `error`, never pasted
    onto `base`: a `javascript:`, `file:` or `mailto:` link, a malformed one
    (`http://[::1`, spaces, control characters), or a path with dot segments or
    escaped slashes (`..`, `%2F`) that would lead somewhere the server did not
    name plainly."""
    if not location.strip():
        raise error(f"{what}: the server gave no link")
    if len(location) > 8192 or _NOT_IN_LINKS.search(location):
        raise error(f"{what}: the server's link is malformed")
    scheme = _SCHEME.match(location)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        raise error(f"{what}: the server's link is not a web address ({scheme.group(1).lower()}:)")
    if scheme and not location[scheme.end() :].startswith("//"):
        raise error(f"{what}: the server's link is malformed")
    try:
        origin = httpx.URL(base)
        url = origin.join(location)
        host = url.host
        path = httpx.URL(location).raw_path.decode("ascii").split("?", 1)[0]
    except (httpx.InvalidURL, ValueError, TypeError) as exc:  # UnicodeError is a ValueError
        raise error(f"{what}: the server's link is malformed") from exc
    if url.scheme not in ("http", "https") or not host:
        raise error(f"{what}: the server's link is not a web address")
    if url.userinfo:
        raise error(f"{what}: the server's link carries a user name or password")
    if _PATH_TRICKS.search(path):
        raise error(f"{what}: the server's link has '..' or an escaped '/' in its path")
    if origin.scheme == "https" and url.scheme == "http" and not is_loopback_host(host):
        raise error(f"{what}: the server's link leaves https for plain http")
    return str(url)
