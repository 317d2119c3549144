"""`storeops --check-video`: the demo simulator's stream decoded through libvlc."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.installer.conftest import ROOT


@pytest.mark.video
def test_check_video_decodes_a_demo_channel_and_says_so(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON_VLC", "VLC_"))}
    env["STOREOPS_HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "storeops", "--check-video"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
        timeout=90,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("check-video: libvlc 3.")
    assert lines[1].startswith("check-video: live: ") and " frames of " in lines[1]
    assert lines[-1].startswith("check-video: ok: live stream and exported clip decoded")
    loaded = [line for line in lines if line.startswith("check-video: loaded ")]
    for plugin in ("libavcodec_plugin.so", "libadaptive_plugin.so", "libmp4_plugin.so"):
        assert any(line.endswith("/" + plugin) for line in loaded), plugin
    assert not list(tmp_path.iterdir())  # a terminal command: no settings or log written
