"""The command line: --version (fast, no Qt), argument parsing, and the
screenshot command run as a real headless process against the demo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from storeops import __version__
from storeops.__main__ import parse_args

ROOT = Path(__file__).resolve().parent.parent
PANE_FILES = ["locations", "occupancy", "traffic", "cameras", "video"]


def run(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_version_prints_and_does_not_load_qt():
    done = run("-m", "storeops", "--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"storeops {__version__}"
    probe = run("-c", "import sys\nfrom storeops.__main__ import main\n"
                      "try:\n    main(['--version'])\nexcept SystemExit as e:\n    code = e.code\n"
                      "print(code, 'PySide6' in sys.modules)")
    assert probe.stdout.strip().splitlines()[-1] == "0 False"


def test_arguments():
    args = parse_args(["--demo", "--screenshot", "out", "--dev-dir", "dev"])
    assert args.demo and args.screenshot == "out" and args.dev_dir == "dev" and args.command is None
    kiosk = parse_args(["kiosk", "--store", "Downtown", "--demo"])
    assert kiosk.command == "kiosk" and kiosk.store == "Downtown" and kiosk.demo
    assert parse_args(["kiosk", "--store", "12"]).demo is False
    with pytest.raises(SystemExit):
        parse_args(["kiosk"])  # --store is required


def test_kiosk_options():
    plain = parse_args(["kiosk", "--store", "101"])
    # Not given: kiosk.json and the app settings decide.
    assert (plain.lang, plain.staff_buttons, plain.poll_interval) == (None, None, None)
    given = parse_args(["kiosk", "--store", "101", "--lang", "es", "--staff-buttons", "--poll-interval", "2.5"])
    assert (given.lang, given.staff_buttons, given.poll_interval) == ("es", True, 2.5)
    assert parse_args(["kiosk", "--store", "1", "--no-staff-buttons"]).staff_buttons is False
    assert parse_args(["kiosk", "--store", "1", "--lang", "DE-at"]).lang == "de"
    assert parse_args(["kiosk", "--store", "1", "--poll-interval", "1"]).poll_interval == 1.0


@pytest.mark.parametrize("bad, message", [
    (["--lang", "xx"], "invalid choice: 'xx' (choose from 'de', 'en', 'es', 'fr')"),
    (["--poll-interval", "0.5"], "use 1 to 3600 seconds"),
    (["--poll-interval", "0"], "use 1 to 3600 seconds"),
    (["--poll-interval", "nan"], "out of range"),
    (["--poll-interval", "soon"], "'soon' is not a number of seconds"),
])
def test_bad_kiosk_options_are_usage_errors(bad, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        parse_args(["kiosk", "--store", "101", *bad])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_kiosk_help_lists_the_shipped_languages():
    done = run("-m", "storeops", "kiosk", "--help")
    assert done.returncode == 0
    assert "de, en, es, fr" in " ".join(done.stdout.split())


def test_screenshot_command_writes_every_pane(tmp_path):
    from PySide6.QtGui import QImage

    from storeops.ui.screenshot import _kiosk_factory

    out = tmp_path / "shots"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    done = run("-m", "storeops", "--demo", "--screenshot", str(out), "--dev-dir", str(tmp_path / "home"),
               env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    expected = list(PANE_FILES)
    if _kiosk_factory()[1] is not None:
        expected.append("kiosk")
    for name in expected:
        image = QImage(str(out / f"{name}.png"))
        assert not image.isNull(), name
        assert (image.width(), image.height()) == (1280, 800), name
        # Real content, not an empty canvas.
        colours = {image.pixel(x, y) for x in range(0, 1280, 8) for y in range(0, 800, 8)}
        assert len(colours) > (3 if name == "kiosk" else 20), name
    # The run used its own dirs and wrote a log there.
    assert (tmp_path / "home" / "log" / "storeops.log").exists()


def test_kiosk_subcommand_delegates_to_the_kiosk(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    no_account = run("-m", "storeops", "--dev-dir", str(tmp_path / "a"), "kiosk", "--store", "101", env=env)
    assert no_account.returncode == 2
    assert "no account set up" in no_account.stderr
    unknown = run("-m", "storeops", "--dev-dir", str(tmp_path / "b"), "kiosk", "--store", "No Such Store",
                  "--demo", env=env)
    assert unknown.returncode == 2
    assert "no store matches 'No Such Store'" in unknown.stderr


def test_kiosk_flags_reach_the_display_and_sigterm_ends_it(tmp_path):
    """`storeops kiosk ... --lang --staff-buttons --poll-interval` through main()
    and run_kiosk to the display (which logs what it runs with); SIGTERM ends it."""
    import time

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    home = tmp_path / "home"
    proc = subprocess.Popen([sys.executable, "-m", "storeops", "--dev-dir", str(home), "kiosk", "--store", "201",
                             "--demo", "--lang", "de", "--staff-buttons", "--poll-interval", "2"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log = home / "log" / "storeops.log"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            if log.exists() and "kiosk: store" in log.read_text():
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"the kiosk never showed: {proc.poll()}")
        proc.terminate()
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert "kiosk: store Chicago Loop, language de, a read every 2 s, staff buttons on" in log.read_text()


def test_sigterm_closes_the_demo_app_cleanly(tmp_path):
    """The app runs until told to stop, then closes its client and the demo server."""
    import time

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    home = tmp_path / "home"
    proc = subprocess.Popen([sys.executable, "-m", "storeops", "--demo", "--dev-dir", str(home)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        log = home / "log" / "storeops.log"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if log.exists() and "connected: Demo data" in log.read_text():
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the demo never connected")
        proc.terminate()
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (home / "config" / "settings.json").exists()  # saved on the way out
