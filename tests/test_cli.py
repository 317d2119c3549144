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
from storeops.ui.sidebar import PANES
from tests.helpers import simulator_process

ROOT = Path(__file__).resolve().parent.parent
PANE_FILES = [pane.key for pane in PANES]


def run(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_version_prints_and_does_not_load_qt():
    done = run("-m", "storeops", "--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"storeops {__version__}"
    probe = run(
        "-c",
        "import sys\nfrom storeops.__main__ import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit as e:\n    code = e.code\n"
        "print(code, 'PySide6' in sys.modules)",
    )
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
    for argv in (
        ["--dev-dir", "d", "--demo-now", "2026-12-24T18:47:00Z", "--demo-speed", "0", "kiosk", "--store", "1"],
        ["kiosk", "--store", "1", "--dev-dir", "d", "--demo-now", "2026-12-24T19:47:00+01:00", "--demo-speed", "0"],
    ):
        args = parse_args(argv)
        assert args.dev_dir == "d" and args.demo_speed == 0.0
        assert args.demo_now == datetime(2026, 12, 24, 18, 47, tzinfo=UTC)
    plain = parse_args([])
    assert (plain.dev_dir, plain.demo_now, plain.demo_speed) == (None, None, None)


@pytest.mark.parametrize(
    "bad, message",
    [
        (["--demo-now", "2026-12-24"], "has no UTC offset"),
        (["--demo-now", "Christmas"], "e.g. 2026-04-22T20:07:00Z"),
        (["--demo-speed", "-1"], "use 0 (frozen), 1 (real time)"),
        (["--demo-speed", "fast"], "'fast' is not a number"),
    ],
)
def test_bad_demo_clock_is_a_usage_error(bad, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        parse_args(["--demo", *bad])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_demo_faults_for_the_app_and_the_kiosk():
    from storeops.simulator.fault_spec import FaultSpec

    spec = FaultSpec(server_error=0.1, latency=(0.0, 3.0))
    assert parse_args(["--demo", "--demo-faults", "5xx=0.1,latency=0-3s"]).demo_faults == spec
    # Like the demo clock, before or after `kiosk`.
    assert parse_args(["--demo-faults", "429=1", "kiosk", "--store", "1"]).demo_faults == FaultSpec(rate_limit=1.0)
    assert parse_args(["kiosk", "--store", "1", "--demo", "--demo-faults", "drip=1"]).demo_faults == FaultSpec(drip=1.0)
    assert parse_args([]).demo_faults is None


@pytest.mark.parametrize(
    "bad, message",
    [
        ("explode=1", "argument --demo-faults: 'explode=1': unknown fault kind 'explode'"),
        ("5xx=1.5", "'5xx=1.5': rate 1.5 is outside 0..1"),
        ("latency=3-1s", "'latency=3-1s': bad latency range"),
    ],
)
def test_bad_demo_faults_are_usage_errors(bad, message, capsys):
    for argv in (["--demo", "--demo-faults", bad], ["kiosk", "--store", "1", "--demo-faults", bad]):
        with pytest.raises(SystemExit) as exit_:
            parse_args(argv)
        assert exit_.value.code == 2
        assert message in capsys.readouterr().err


def test_simulator_command_runs_from_the_given_instant():
    """`python -m storeops.simulator --now ... --speed 0`: "today" is the given day,
    whatever the machine's date."""
    import httpx

    from storeops.api.datamine import GroupBy, current_occupancy_request

    with (
        simulator_process("--now", "2026-12-24T18:47:00Z", "--speed", "0") as (url, _proc),
        httpx.Client(base_url=url, auth=("K", "S"), timeout=10) as http,
    ):
        [stores] = http.post("/v2/location", json={"where": {"and": [{"location_types": ["store"]}]}}).json()["nodes"]
        store = next(n for n in stores if n["name"] == "Chicago Loop")
        query = current_occupancy_request([store["uuid"]], "America/Chicago")
        query.group_bys = [GroupBy.date("days")]
        answer = http.post("/v2/datamine", json=query.to_body())
        assert answer.status_code == 200, answer.text
        assert {d["group"]["from"]["gregorian"] for d in answer.json()["metrics"][0]["data"]} == {"2026-12-24"}


def test_kiosk_options():
    plain = parse_args(["kiosk", "--store", "101"])
    # Not given: kiosk.json and the app settings decide.
    assert (plain.lang, plain.staff_buttons, plain.poll_interval) == (None, None, None)
    given = parse_args(["kiosk", "--store", "101", "--lang", "es", "--staff-buttons", "--poll-interval", "2.5"])
    assert (given.lang, given.staff_buttons, given.poll_interval) == ("es", True, 2.5)
    assert parse_args(["kiosk", "--store", "1", "--no-staff-buttons"]).staff_buttons is False
    assert parse_args(["kiosk", "--store", "1", "--lang", "DE-at"]).lang == "de"
    assert parse_args(["kiosk", "--store", "1", "--poll-interval", "1"]).poll_interval == 1.0


@pytest.mark.parametrize(
    "bad, message",
    [
        (["--lang", "xx"], "invalid choice: 'xx' (choose from 'de', 'en', 'es', 'fr')"),
        (["--poll-interval", "0.5"], "use 1 to 3600 seconds"),
        (["--poll-interval", "0"], "use 1 to 3600 seconds"),
        (["--poll-interval", "nan"], "out of range"),
        (["--poll-interval", "soon"], "'soon' is not a number of seconds"),
    ],
)
def test_bad_kiosk_options_are_usage_errors(bad, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        parse_args(["kiosk", "--store", "101", *bad])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_kiosk_help_lists_the_shipped_languages_and_how_to_leave():
    done = run("-m", "storeops", "kiosk", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "de, en, es, fr" in text
    assert "Leaving the display: press Ctrl+Shift+Q; if a staff PIN is set, type it" in text
    assert "storeops kiosk --set-pin" in text and "storeops kiosk --clear-pin" in text


def test_screenshot_command_writes_every_pane(tmp_path):
    from PySide6.QtGui import QImage

    from storeops.ui.screenshot import _kiosk_factory

    out = tmp_path / "shots"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    # A pinned demo clock (an open-store afternoon), so the pictures are the same on any day.
    done = run(
        "-m",
        "storeops",
        "--demo",
        "--screenshot",
        str(out),
        "--dev-dir",
        str(tmp_path / "home"),
        "--demo-now",
        "2026-04-22T20:07:00Z",
        "--demo-speed",
        "0",
        env=env,
        timeout=120,
    )
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
    unknown = run(
        "-m", "storeops", "--dev-dir", str(tmp_path / "b"), "kiosk", "--store", "No Such Store", "--demo", env=env
    )
    assert unknown.returncode == 2
    assert "no store matches 'No Such Store'" in unknown.stderr


def test_kiosk_flags_reach_the_display_and_sigterm_ends_it(tmp_path):
    """`storeops kiosk ... --lang --staff-buttons --poll-interval` through main()
    and run_kiosk to the display (which logs what it runs with); SIGTERM ends it."""
    import time

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    home = tmp_path / "home"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "storeops",
            "--dev-dir",
            str(home),
            "kiosk",
            "--store",
            "201",
            "--demo",
            "--lang",
            "de",
            "--staff-buttons",
            "--poll-interval",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
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
    proc = subprocess.Popen(
        [sys.executable, "-m", "storeops", "--demo", "--dev-dir", str(home)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
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


def test_kiosk_pin_options():
    for flag in ("--set-pin", "--clear-pin"):
        args = parse_args(["kiosk", flag])  # no --store: only the PIN changes
        assert args.command == "kiosk" and args.store is None
        assert (args.set_pin, args.clear_pin) == (flag == "--set-pin", flag == "--clear-pin")
    assert not parse_args(["kiosk", "--store", "1"]).set_pin


@pytest.mark.parametrize(
    "bad, message",
    [
        (["--set-pin", "--clear-pin"], "not allowed with argument"),
        (["--set-pin", "--store", "101"], "only change the PIN: leave out --store"),
        ([], "the following arguments are required: --store"),
    ],
)
def test_bad_kiosk_pin_options_are_usage_errors(bad, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        parse_args(["kiosk", *bad])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def answer_getpass(monkeypatch, *answers: str) -> list[str]:
    """Terminal answers for getpass (which never echoes); returns the prompts asked."""
    import getpass

    asked: list[str] = []
    replies = iter(answers)

    def fake(prompt: str = "Password: ", stream: object = None) -> str:
        asked.append(prompt)
        return next(replies)

    monkeypatch.setattr(getpass, "getpass", fake)
    return asked


def test_kiosk_set_pin_stores_only_a_hash_and_clear_pin_removes_it(tmp_path, monkeypatch, capsys):
    import json
    import stat

    from storeops.__main__ import main
    from storeops.ui.kiosk import KioskConfig
    from storeops.ui.kiosk.pin import verify_pin

    home = tmp_path / "home"
    path = home / "config" / "kiosk.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"lang": "es", "pin": "1234"}), encoding="utf-8")  # a plain PIN by hand
    asked = answer_getpass(monkeypatch, "80417326", "80417326")
    assert main(["--dev-dir", str(home), "kiosk", "--set-pin"]) == 0
    assert len(asked) == 2  # asked twice
    out = capsys.readouterr()
    assert "80417326" not in out.out + out.err
    assert "Kiosk PIN set" in out.out and str(path) in out.out
    text = path.read_text(encoding="utf-8")
    assert "80417326" not in text and "1234" not in text  # no PIN in plain text on disk
    raw = json.loads(text)
    assert set(raw) == {"lang", "pin_hash"} and raw["lang"] == "es"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    config = KioskConfig.load(path)
    assert config.pin_hash is not None and verify_pin("80417326", config.pin_hash)
    assert not verify_pin("80417327", config.pin_hash)

    assert main(["kiosk", "--clear-pin", "--dev-dir", str(home)]) == 0
    assert "Kiosk PIN cleared" in capsys.readouterr().out
    assert json.loads(path.read_text(encoding="utf-8")) == {"lang": "es"}
    assert KioskConfig.load(path).pin_hash is None


@pytest.mark.parametrize(
    "answers, message",
    [
        (["123"], "the PIN is too short: use at least 4 digits; nothing changed."),
        (["12ab"], "the PIN must be digits only (0-9)"),
        (["2468 "], "the PIN must be digits only (0-9)"),
        (["12345678901234567"], "the PIN is too long: use at most 16 digits"),
        ([""], "the PIN is empty; nothing changed."),
        (["2468", "2469"], "the two PINs differ; nothing changed."),
    ],
)
def test_kiosk_set_pin_refuses_bad_pins(tmp_path, monkeypatch, capsys, answers, message):
    from storeops.__main__ import main

    answer_getpass(monkeypatch, *answers)
    assert main(["--dev-dir", str(tmp_path), "kiosk", "--set-pin"]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "config" / "kiosk.json").exists()
