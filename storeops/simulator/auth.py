"""HTTP basic authentication with the subscription's access and secret key."""

from __future__ import annotations

import base64
import binascii
import hmac


def credentials_ok(header: bytes | None, access_key: str, secret_key: str) -> bool:
    """True when an Authorization header carries exactly these credentials."""
    if not header:
        return False
    scheme, _, token = header.partition(b" ")
    if scheme.lower() != b"basic":
        return False
    try:
        decoded = base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    user, sep, password = decoded.partition(b":")
    if not sep:
        return False
    # Both comparisons always run: no early exit that times which half was wrong.
    user_ok = hmac.compare_digest(user, access_key.encode())
    password_ok = hmac.compare_digest(password, secret_key.encode())
    return user_ok and password_ok
