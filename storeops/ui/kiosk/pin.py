"""The staff PIN that guards leaving kiosk mode: 4 to 16 digits, stored only as
a salted PBKDF2 hash ("pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>").

Set it with `storeops kiosk --set-pin` (into kiosk.json), or print a hash with
`python -m storeops.ui.kiosk.pin`.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import os
import sys

ITERATIONS = 200_000
SCHEME = "pbkdf2_sha256"
# The display's PIN field takes up to 16 digits (a touch screen's number pad).
MIN_DIGITS = 4
MAX_DIGITS = 16


def pin_problem(pin: str) -> str | None:
    """Why `pin` cannot be a kiosk PIN, or None when it can."""
    if not pin:
        return "the PIN is empty"
    if not (pin.isascii() and pin.isdigit()):
        return "the PIN must be digits only (0-9): the display's PIN field takes nothing else"
    if len(pin) < MIN_DIGITS:
        return f"the PIN is too short: use at least {MIN_DIGITS} digits"
    if len(pin) > MAX_DIGITS:
        return f"the PIN is too long: use at most {MAX_DIGITS} digits"
    return None


def ask_pin(prompt: str = "New kiosk PIN") -> str | None:
    """Ask twice on the terminal, never echoed. The PIN, or None (said why on stderr)."""
    first = ""
    try:
        first = getpass.getpass(f"{prompt} ({MIN_DIGITS}-{MAX_DIGITS} digits): ")
        problem = pin_problem(first)
        if problem is None and first != getpass.getpass("Again: "):
            problem = "the two PINs differ"
    except (EOFError, KeyboardInterrupt):
        print(file=sys.stderr)
        problem = "no PIN entered"
    if problem is not None:
        print(f"{problem}; nothing changed.", file=sys.stderr)
        return None
    return first


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
    pin = ask_pin("Kiosk PIN")
    if pin is None:
        return 1
    print(hash_pin(pin))
    return 0


if __name__ == "__main__":
    sys.exit(main())
