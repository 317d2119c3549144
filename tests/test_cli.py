"""The command line: --version (fast, no Qt), argument parsing, and the
screenshot command run as a real headless process against the demo."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
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
    # --dev-dir and the demo clock mean the same before or after `kiosk`.
    for argv in (["--dev-dir", "d", "--demo-now", "2026-12-24T18:47:00Z", "--demo-speed", "0",
                  "kiosk", "--store", "1"],
                 ["kiosk", "--store", "1", "--dev-dir", "d", "--demo-now", "2026-12-24T19:47:00+01:00",
                  "--demo-speed", "0"]):
        args = parse_args(argv)
        assert args.dev_dir == "d" and args.demo_speed == 0.0
        assert args.demo_now == datetime(2026, 12, 24, 18, 47, tzinfo=UTC)
    plain = parse_args([])
    assert (plain.dev_dir, plain.demo_now, plain.demo_speed) == (None, None, None)


@pytest.mark.parametrize("bad, message", [
    (["--demo-now", "2026-12-24"], "has no UTC offset"),
    (["--demo-now", "Christmas"], "e.g. 2026-04-22T20:07:00Z"),
    (["--demo-speed", "-1"], "use 0 (frozen), 1 (real time)"),
    (["--demo-speed", "fast"], "'fast' is not a number"),
])
def test_bad_demo_clock_is_a_usage_error(bad, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        parse_args(["--demo", *bad])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_simulator_command_runs_from_the_given_instant():
    """`python -m storeops.simulator --now ... --speed 0`: "today" is the given day,
    whatever the machine's date."""
    import httpx

    from storeops.api.datamine import GroupBy, current_occupancy_request

    proc = subprocess.Popen([sys.executable, "-m", "storeops.simulator", "--access-key", "k", "--secret-key",
                             "s", "--now", "2026-12-24T18:47:00Z", "--speed", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None  # PIPE
    try:
        url = proc.stdout.readline().strip().rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:"), proc.stderr.read()
        with httpx.Client(base_url=url, auth=("k", "s"), timeout=10) as http:
            [stores] = http.post("/v2/location", json={"where": {"and": [{"location_types": ["store"]}]}}
                                 ).json()["nodes"]
            store = next(n for n in stores if n["name"] == "Chicago Loop")
            query = current_occupancy_request([store["uuid"]], "America/Chicago")
            query.group_bys = [GroupBy.date("days")]
            answer = http.post("/v2/datamine", json=query.to_body())
            assert answer.status_code == 200, answer.text
            assert {d["group"]["from"]["gregorian"] for d in answer.json()["metrics"][0]["data"]} == {"2026-12-24"}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


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
    # A pinned demo clock (an open-store afternoon), so the pictures are the same on any day.
    done = run("-m", "storeops", "--demo", "--screenshot", str(out), "--dev-dir", str(tmp_path / "home"),
               "--demo-now", "2026-04-22T20:07:00Z", "--demo-speed", "0", env=env, timeout=120)
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
    # The run used its own dirs and wrote a log there, and its clock was the one given.
    log = (tmp_path / "home" / "log" / "storeops.log").read_text()
    assert "demo clock: 2026-04-22 20:07:00+00:00, speed 0" in log


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


def test_kiosk_unknown_store_suggests_the_closest_names(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    typo = run("-m", "storeops", "--dev-dir", str(tmp_path), "kiosk", "--store", "Chicgo Loop", "--demo", env=env)
    assert typo.returncode == 2
    assert "storeops kiosk: no store matches 'Chicgo Loop'. Did you mean: Chicago Loop (201)?" in typo.stderr
