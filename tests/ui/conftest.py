"""Fixtures for the GUI tests of the app shell: a memory keyring in place of the OS's,
and run_app, which runs a whole App inside one run of the qasync loop."""

from __future__ import annotations

import keyring
import pytest

from storeops.app import App
from storeops.settings import Settings
from tests.ui.shell_env import MemoryKeyring


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def run_app(qloop):
    """run_app(settings, body, **kw): start an App, await body(app), shut it down —
    all inside one run of the loop, so nothing of the app runs after the test."""

    def run(settings: Settings, body, **kw):
        async def main():
            app = App(settings, **kw)
            try:
                await app.start()
                return await body(app)
            finally:
                await app.shutdown()
                app.window.hide()
                app.window.deleteLater()

        return qloop.run_until_complete(main())

    return run
