"""Secret keys behind a small interface: the OS keyring in the app, a
session-only memory store when no keyring is usable.

Keyed by profile id under the service name "StoreOps". A secret is never
written to a file by this module, and every secret read or stored is
registered with the log filter so it can never appear in the log.
"""

from __future__ import annotations

import logging

from storeops import log as applog

SERVICE = "StoreOps"
log = logging.getLogger(__name__)


class SecretStore:
    def __init__(self, service: str = SERVICE):
        self.service = service
        # Fallback when the keyring refuses (no backend, locked): kept for this
        # session only, so the app still works and the user is told.
        self._session: dict[str, str] = {}
        self.persistent = True

    def get(self, profile_id: str) -> str | None:
        if profile_id in self._session:
            return self._session[profile_id]
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
        try:
            import keyring

            keyring.set_password(self.service, profile_id, secret)
            if keyring.get_password(self.service, profile_id) == secret:
                self._session.pop(profile_id, None)
                return True
            log.warning("keyring did not keep the secret; remembering it for this session only")
        except Exception as exc:
            log.warning("keyring unavailable (%s); secret kept for this session only", type(exc).__name__)
        self._session[profile_id] = secret
        self.persistent = False
        return False

    def delete(self, profile_id: str) -> None:
        self._session.pop(profile_id, None)
        try:
            import keyring

            keyring.delete_password(self.service, profile_id)
        except Exception:  # not stored, or no keyring: nothing to delete
            pass
