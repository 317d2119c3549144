"""The staff PIN that guards leaving kiosk mode: stored only as a salted
PBKDF2 hash ("pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>").

Make one with: python -m storeops.ui.kiosk.pin
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import os
import sys

ITERATIONS = 200_000
SCHEME = "pbkdf2_sha256"


def hash_pin(pin: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    if not pin:
        raise ValueError("the PIN must not be empty")
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, iterations)
    return f"{SCHEME}${iterations}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """Constant-time check; a malformed stored hash never matches."""
    try:
        scheme, iterations, salt_hex, digest_hex = stored.split("$")
        if scheme != SCHEME:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), bytes.fromhex(salt_hex), int(iterations))
    except (ValueError, AttributeError):
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


def main() -> int:
    first = getpass.getpass("Kiosk PIN: ")
    if not first or first != getpass.getpass("Again: "):
        print("PINs empty or different; nothing written.", file=sys.stderr)
        return 1
    print(hash_pin(first))
    return 0


if __name__ == "__main__":
    sys.exit(main())
