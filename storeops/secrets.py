"""Secret keys behind a small interface: the OS keyring in the app, a
session-only memory store when no keyring is usable.

Keyed by profile id under the service name "StoreOps". A secret is never
written to a file by this module, and every secret read or stored is
registered with the log filter so it can never appear in the log.

Every method may talk to the keyring (a D-Bus daemon, a locked keychain) and
block: call them off the GUI thread. `where()` says in words where a profile's
secret is kept, for the Accounts dialog; `persistent` is the last thing learnt.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Any

from storeops import log as applog

SERVICE = "StoreOps"
log = logging.getLogger(__name__)

KEPT_IN_KEYRING = "Stored in your system's keyring, never in a file."
SESSION_ONLY = "the secret key is kept only until StoreOps closes; you will be asked for it again next time"


def keyring_advice() -> str:
    """How to get a keyring on this platform, as the end of a sentence."""
    if sys.platform.startswith("linux"):
        return "install or enable a system keyring (the Secret Service: GNOME Keyring or KWallet)"
    if sys.platform == "darwin":
        return "allow StoreOps to use the macOS Keychain"
    if sys.platform == "win32":
        return "make sure Windows Credential Manager is available"
    return "install or enable a system keyring"


NO_KEYRING = f"No system keyring found: {SESSION_ONLY}. To keep it, {keyring_advice()}."
REFUSED = (
    f"The system keyring did not keep the secret key (locked, or access refused): {SESSION_ONLY}. "
    "To keep it, unlock the keyring and save again."
)


@dataclass(frozen=True)
class SecretPlace:
    """Where a secret is (or would be) kept, for the user."""

    persistent: bool  # survives a restart of StoreOps
    text: str  # one or two sentences for the user
    stored: bool | None = None  # the profile's secret is there now (None: no profile asked about)


def _no_keyring(backend: Any) -> bool:
    """The backend keyring falls back to when there is none: nothing is ever kept."""
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring | null.Keyring):
        return True
    return isinstance(backend, chainer.ChainerBackend) and not backend.backends


class SecretStore:
    def __init__(self, service: str = SERVICE):
        self.service = service
        # Fallback when the keyring refuses (no backend, locked): kept for this
        # session only, so the app still works and the user is told.
        self._session: dict[str, str] = {}
        self._has_keyring: bool | None = None  # None: not asked yet
        self._refused = False  # a keyring exists but did not keep a secret

    @property
    def persistent(self) -> bool | None:
        """Whether a secret stored now outlives StoreOps, as last learnt (None: not
        asked yet). Never touches the keyring: safe on the GUI thread."""
        if self._has_keyring is None:
            return None
        return self._has_keyring and not self._refused

    def has_keyring(self) -> bool:
        """Is there a system keyring at all? Blocking: the first call picks the backend."""
        try:
            import keyring

            self._has_keyring = not _no_keyring(keyring.get_keyring())
        except Exception as exc:  # a broken backend configuration is no keyring either
            log.warning("keyring unusable: %s", type(exc).__name__)
            self._has_keyring = False
        return self._has_keyring

    def where(self, profile_id: str | None = None) -> SecretPlace:
        """Where the secret of `profile_id` is kept (or a new one would be). Blocking."""
        stored = None if profile_id is None else self.get(profile_id) is not None
        if profile_id is not None and profile_id in self._session:
            text = REFUSED if self.has_keyring() else NO_KEYRING
            return SecretPlace(False, text, stored)
        if not self.has_keyring():
            return SecretPlace(False, NO_KEYRING, stored)
        if self._refused:
            return SecretPlace(False, REFUSED, stored)
        return SecretPlace(True, KEPT_IN_KEYRING, stored)

    def get(self, profile_id: str) -> str | None:
        if profile_id in self._session:
            return self._session[profile_id]
        if not self.has_keyring():
            return None
        try:
            import keyring

            value = keyring.get_password(self.service, profile_id)
        except Exception as exc:  # keyring backends raise many kinds of errors
            log.warning("keyring unavailable for reading: %s", type(exc).__name__)
            return None
        applog.register_secret(value)
        return value

    def set(self, profile_id: str, secret: str) -> bool:
        """Store the secret; False when only this session will remember it."""
        applog.register_secret(secret)
        if not self.has_keyring():
            log.warning("no system keyring; secret kept for this session only")
        else:
            try:
                import keyring

                keyring.set_password(self.service, profile_id, secret)
                if keyring.get_password(self.service, profile_id) == secret:
                    self._session.pop(profile_id, None)
                    self._refused = False
                    return True
                log.warning("keyring did not keep the secret; remembering it for this session only")
            except Exception as exc:
                log.warning("keyring unavailable (%s); secret kept for this session only", type(exc).__name__)
            self._refused = True
        self._session[profile_id] = secret
        return False

    def delete(self, profile_id: str) -> None:
        self._session.pop(profile_id, None)
        try:
            import keyring

            keyring.delete_password(self.service, profile_id)
        except Exception:  # not stored, or no keyring: nothing to delete
            pass
