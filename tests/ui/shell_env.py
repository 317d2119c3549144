"""The app shell's test set-up: an in-memory OS keyring, accounts pointed at a
simulator, an unused port. The fixtures built on these live in tests/ui/conftest.py."""

from __future__ import annotations

import socket
import threading

from keyring.backend import KeyringBackend

from storeops.secrets import SecretStore
from storeops.settings import Profile, Settings
from tests.conftest import ACCESS_KEY, SECRET_KEY


class MemoryKeyring(KeyringBackend):
    """An in-memory OS keyring, for tests that need secrets to be stored."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}
        self.threads: set[str] = set()  # which threads touched it: the GUI must not

    def get_password(self, service, username):
        self.threads.add(threading.current_thread().name)
        return self.values.get((service, username))

    def set_password(self, service, username, password):
        self.threads.add(threading.current_thread().name)
        self.values[(service, username)] = password

    def delete_password(self, service, username):
        self.threads.add(threading.current_thread().name)
        self.values.pop((service, username), None)


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def profile_settings(url: str, secret: str | None = SECRET_KEY) -> Settings:
    settings = Settings.load()
    profile = Profile(name="Test chain", base_url=url, access_key=ACCESS_KEY)
    settings.upsert_profile(profile)
    settings.active_profile_id = profile.id
    settings.save()
    if secret is not None:
        SecretStore().set(profile.id, secret)
    return settings


def open_stores(sim) -> list:
    return [n for n in sim.world.stores() if n.archive_date is None]
