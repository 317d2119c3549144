"""No secret in the settings file or the logs after a real session."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from storeops import log as applog
from storeops.config import app_dirs
from tests.conftest import ACCESS_KEY
from tests.ui.shell_env import profile_settings

pytestmark = pytest.mark.gui


def test_no_secret_in_settings_or_log_files(run_app, sim, memory_keyring):
    secret = "s3cret-Value-For-Grep-42"
    applog.setup(app_dirs().log)
    try:
        settings = profile_settings(sim.url, secret=secret)

        async def body(app):
            # Real traffic with the secret, then logs that would leak it if unmasked.
            log = logging.getLogger("storeops.test")
            log.warning("request Authorization: Basic %s", secret)
            log.warning("GET /v1/hls/x.m3u8?token=%s", "tok-ABCDEFG-123")
            log.error("failed with secret %s", secret)
            assert memory_keyring.values[("StoreOps", settings.active_profile_id)] == secret

        run_app(settings, body)
    finally:
        applog.shutdown_file()
    home = Path(os.environ["STOREOPS_HOME"])
    files = [p for p in home.rglob("*") if p.is_file()]
    assert app_dirs().settings_file in files and app_dirs().log_file in files
    for path in files:
        data = path.read_bytes()
        assert secret.encode() not in data, path
        assert b"tok-ABCDEFG-123" not in data, path
    assert "request Authorization: Basic ***" in app_dirs().log_file.read_text()
    saved = json.loads(app_dirs().settings_file.read_text())
    assert saved["profiles"][0]["access_key"] == ACCESS_KEY
    assert "secret" not in json.dumps(saved).lower()
