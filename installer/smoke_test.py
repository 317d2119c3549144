"""Smoke test of the frozen app: run after every build, before anything is published.

    python installer/smoke_test.py [DIST]        (default: dist/storeops)

Run it with the build's Python (it reads the frozen archive with PyInstaller's
reader and starts a simulator from it). Linux; see installer/README.md for the
Windows and macOS equivalents. Checks, in order:

1. bundle   every module of storeops/ is inside the frozen archive (panes are
            imported by name, so a module the analysis missed would only show
            as "not available in this build"); resources/ is there; libvlc,
            libvlccore, the listed plugins and a fresh plugins.dat are there.
2. version  `storeops --version` prints "storeops <version of pyproject.toml>".
3. demo     `storeops --demo --screenshot DIR`, offscreen, in a bare environment
            with the app's home in a temp dir: exit 0, every pane's PNG and the
            kiosk's written, and no error, traceback or lost pane in the app log.
4. video    the frozen app's python-vlc, storeops.media and runtime hook (read out
            of the frozen executable's archive, not from the source tree), with
            the bundle's libvlc and plugins and the library path the bootloader
            gives the app, decode frames of a simulator HLS stream and of an MP4
            file as exports are; the frames show the channel's name; every libvlc
            file mapped came from the bundle.
            The app has no flag to play a stream headless, so this runs in the
            build's interpreter rather than the bundled one (see README).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = "storeops"
PANES = ("locations", "occupancy", "traffic", "cameras", "video", "kiosk")
SCREENSHOT_TIMEOUT_S = 180
VIDEO_TIMEOUT_S = 120  # simulator start + two decodes of up to FRAMES_WITHIN_S each
MIN_FRAMES = 10
MP4_FRAMES = 10  # 2 s at 5 fps
FRAMES_WITHIN_S = 30  # the first frame normally comes within 0.3 s
VLC_FILES = ("libvlc.so.5", "libvlccore.so.9")
# Libraries the plugins need that a machine without VLC lacks: if mapped, they must come
# from the bundle; the decoding ones must have been mapped (gnutls only for https).
VLC_DEPENDENCIES = ("libavcodec.so.", "libswscale.so.", "libavutil.so.", "libgnutls.so.")
DECODING_DEPENDENCIES = VLC_DEPENDENCIES[:3]
# Log lines that mean the frozen app lost something the source run has.
BAD_LOG = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback|could not be imported|failed to start")
MISSING_PANE = re.compile(r"pane not available yet \(([\w.]+)\)")


class SmokeFailure(AssertionError):
    pass


def check(condition: object, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def step(name: str, detail: str) -> None:
    print(f"smoke: {name:<8} ok  {detail}", flush=True)


def version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def source_modules() -> set[str]:
    names = set()
    for path in (ROOT / "storeops").rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.add(".".join(parts))
    return names


def bare_env(home: Path, **extra: str) -> dict[str, str]:
    """What a user's session would give the app: no venv, no PYTHONPATH, no display."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "STOREOPS_HOME": str(home / "storeops"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    env.update(extra)
    return env


# ------------------------------------------------------------------ 1. bundle


def check_bundle(dist: Path) -> None:
    from PyInstaller.archive.readers import CArchiveReader

    internal = dist / "_internal"
    exe = dist / APP
    check(exe.is_file() and os.access(exe, os.X_OK), f"{exe} missing or not executable")
    pyz = CArchiveReader(str(exe)).open_embedded_archive("PYZ.pyz")
    missing = sorted(source_modules() - set(pyz.toc))
    check(not missing, f"modules of storeops/ not in the frozen app: {', '.join(missing)}")
    check("vlc" in pyz.toc, "python-vlc is not in the frozen app")
    for rel in ("resources/style.qss", "resources/icons/storeops.svg"):
        check((internal / rel).is_file(), f"{rel} not bundled")
    for name in VLC_FILES:
        check((internal / name).is_file(), f"{name} not bundled")
    plugins = sorted(
        p.relative_to(internal / "vlc" / "plugins").as_posix()
        for p in (internal / "vlc" / "plugins").rglob("*_plugin.so")
    )
    check(plugins, "no libvlc plugins bundled")
    cache = internal / "vlc" / "plugins" / "plugins.dat"
    check(cache.is_file(), "vlc/plugins/plugins.dat missing (run vlc-cache-gen on it)")
    newest = max((internal / "vlc" / "plugins" / p).stat().st_mtime for p in plugins)
    check(cache.stat().st_mtime >= newest, "plugins.dat is older than the plugins it describes")
    step("bundle", f"{len(pyz.toc)} frozen modules, {len(plugins)} libvlc plugins, plugins.dat")


# ------------------------------------------------------------------ 2. version


def check_version(dist: Path, tmp: Path) -> float:
    expected = f"{APP} {version()}"
    times = []
    for _ in range(3):
        started = time.perf_counter()
        done = subprocess.run(
            [str(dist / APP), "--version"], capture_output=True, text=True, check=False, env=bare_env(tmp), timeout=60
        )
        times.append(time.perf_counter() - started)
        check(done.returncode == 0, f"--version exited {done.returncode}: {done.stderr[-2000:]}")
        check(done.stdout.strip() == expected, f"--version printed {done.stdout.strip()!r}, not {expected!r}")
    best = min(times)
    step("version", f"{expected!r} in {best:.2f} s (best of 3)")
    return best


# ------------------------------------------------------------------ 3. demo screenshots


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    check(head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{path.name} is not a PNG")
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def check_demo(dist: Path, tmp: Path) -> float:
    shots = tmp / "shots"
    env = bare_env(tmp)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [str(dist / APP), "--demo", "--screenshot", str(shots)],
            capture_output=True,
            text=True,
            check=False,
            env=env,
            timeout=SCREENSHOT_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        raise SmokeFailure(f"--demo --screenshot still running after {SCREENSHOT_TIMEOUT_S} s") from exc
    took = time.perf_counter() - started
    check(done.returncode == 0, f"--demo --screenshot exited {done.returncode}:\n{done.stderr[-3000:]}")
    log_file = Path(env["STOREOPS_HOME"]) / "log" / "storeops.log"
    check(log_file.is_file(), f"no app log at {log_file}")
    log_text = log_file.read_text(encoding="utf-8", errors="replace")
    # The app names what it wrote: every pane of the brief, and any pane added since.
    listed = re.findall(r"screenshots written: (.*)", log_text)
    check(listed, "the app did not log the screenshots it wrote")
    written = {name.strip() for name in listed[-1].split(",")}
    missing = sorted({f"{pane}.png" for pane in PANES} - written)
    check(not missing, f"no screenshot of {', '.join(missing)}")
    for name in sorted(written):
        path = shots / name
        check(path.is_file(), f"{name} logged but not written")
        width, height = png_size(path)
        check(width >= 640 and height >= 400, f"{name} is {width}x{height}")
    bad = [line for line in log_text.splitlines() if BAD_LOG.search(line)]
    check(not bad, "the frozen app logged errors:\n" + "\n".join(bad[:20]))
    for module in MISSING_PANE.findall(log_text):
        # A pane announced but not written yet is fine; one whose code exists was lost by the freeze.
        check(module not in source_modules(), f"{module} exists in storeops/ but the frozen app lacks it")
    check("Traceback" not in done.stderr, f"traceback on stderr:\n{done.stderr[-3000:]}")
    step("demo", f"{len(written)} PNGs in {took:.1f} s, log clean")
    return took


# ------------------------------------------------------------------ 4. video


def bootloader_library_path(dist: Path, tmp: Path) -> str:
    """LD_LIBRARY_PATH as the bootloader sets it for the app (it restarts itself
    with it), read from the dynamic loader's own trace of `storeops --version`."""
    done = subprocess.run(
        [str(dist / APP), "--version"],
        capture_output=True,
        text=True,
        check=False,
        env=bare_env(tmp, LD_DEBUG="libs"),
        timeout=60,
    )
    paths = re.findall(r"search path=([^\t\n]*?)\s+\(LD_LIBRARY_PATH\)", done.stderr)
    check(
        paths,
        "the frozen app runs without LD_LIBRARY_PATH: bundled plugins would not find "
        "their libraries on a machine without VLC",
    )
    return paths[-1].split(":")[-1]


def check_video(dist: Path, tmp: Path) -> dict:
    internal = dist / "_internal"
    library_path = bootloader_library_path(dist, tmp)
    check(
        Path(library_path).resolve() == internal.resolve(),
        f"the bootloader's library path is {library_path}, not the bundle",
    )
    env = bare_env(tmp, LD_LIBRARY_PATH=library_path, PYTHONPATH="")
    env.pop("QT_QPA_PLATFORM")
    try:
        done = subprocess.run(
            [sys.executable, "-I", __file__, "--video-child", str(dist)],
            capture_output=True,
            text=True,
            check=False,
            env=env,
            timeout=VIDEO_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        raise SmokeFailure(f"video check still running after {VIDEO_TIMEOUT_S} s") from exc
    check(done.returncode == 0, f"video check failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    step(
        "video",
        f"libvlc {result['libvlc']}: {result['frames']} frames of {result['channel']!r}, "
        f"first after {result['first_frame_ms']:.0f} ms; {result['mp4_frames']} frames of an MP4 "
        f"export; {result['mapped_from_bundle']} "
        "libvlc files mapped, all from the bundle",
    )
    return result


def video_child(dist: Path) -> int:
    """In a fresh interpreter: load `vlc` and `storeops` from the frozen archive,
    run the bundled runtime hook, decode a simulator stream."""
    import importlib.abc
    import importlib.util
    import marshal
    import threading

    from PyInstaller.archive.readers import CArchiveReader

    internal = (dist / "_internal").resolve()
    carchive = CArchiveReader(str(dist / APP))
    pyz = carchive.open_embedded_archive("PYZ.pyz")

    class FrozenArchive(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        """Serves `vlc` and `storeops.*` from the frozen app's archive."""

        def find_spec(self, name, path=None, target=None):
            if name != "vlc" and name != APP and not name.startswith(APP + "."):
                return None
            check(name in pyz.toc, f"{name} is not in the frozen app")
            is_package = pyz.toc[name][0] == 1
            where = internal.joinpath(*name.split("."))
            spec = importlib.util.spec_from_loader(name, self, is_package=is_package)
            spec.origin = str(where / "__init__.py" if is_package else where.with_suffix(".py"))
            if is_package:
                spec.submodule_search_locations = [str(where)]
            return spec

        def exec_module(self, module):
            module.__file__ = module.__spec__.origin
            exec(pyz.extract(module.__name__), module.__dict__)  # the app's own code

    frozen = FrozenArchive()
    sys.meta_path.insert(0, frozen)
    sys._MEIPASS = str(internal)  # what the bootloader sets; the hook and resources read it
    for name in ("PYTHON_VLC_LIB_PATH", "PYTHON_VLC_MODULE_PATH", "VLC_PLUGIN_PATH"):
        check(name not in os.environ, f"{name} already set")
    hook = marshal.loads(carchive.extract("rthook_vlc"))
    exec(hook, {"__name__": "rthook_vlc"})  # the app's own runtime hook
    check(
        os.environ.get("PYTHON_VLC_LIB_PATH") == str(internal / "libvlc.so.5"),
        f"the runtime hook set PYTHON_VLC_LIB_PATH={os.environ.get('PYTHON_VLC_LIB_PATH')}",
    )

    import httpx
    import vlc

    from storeops.media import FrameGrabber, check_libvlc
    from storeops.simulator.server import start_simulator
    from storeops.simulator.video.encode import write_mp4
    from storeops.simulator.video.font import read_text
    from storeops.simulator.video.picture import name_position, render_frame, text_scale

    check(vlc.__spec__.loader is frozen, "vlc was not imported from the frozen app")
    libvlc = check_libvlc()
    width, height = 640, 360  # the simulator's picture size: no scaling, the name reads back

    def decode(url: str, wanted: int) -> tuple[list, float]:
        """Frames FrameGrabber delivers for `url` (at least `wanted`), and ms to the first."""
        got_enough = threading.Event()
        frames, errors = [], []

        def on_frame(frame):
            frames.append(frame)
            if len(frames) >= wanted:
                got_enough.set()

        def on_error(message):
            errors.append(message)
            got_enough.set()

        started = time.monotonic()
        with FrameGrabber(on_frame, on_error, width=width, height=height) as grabber:
            grabber.play(url)
            got_enough.wait(FRAMES_WITHIN_S)
        check(not errors, f"libvlc reported: {errors}")
        check(len(frames) >= wanted, f"{len(frames)} frames of {url.split('?')[0]} in {FRAMES_WITHIN_S} s")
        check(all(a.data != b.data for a, b in itertools.pairwise(frames)), "repeated frames: not moving")
        return frames, (frames[0].monotonic - started) * 1000

    def check_name(frame, name: str) -> None:
        rgb = frame.rgb()
        check(rgb.std() > 20, "a blank frame")
        x, y = name_position(height)
        shown = read_text(rgb, x, y, text_scale(height), len(name[:8]))
        check(shown == name.upper()[:8], f"the frame shows {shown!r}, not {name.upper()[:8]!r}")

    # A live HLS stream over HTTP, as the Cameras pane plays it.
    with start_simulator(access_key="smoke", secret_key="smoke-secret", seed=1) as sim:
        channel = next(iter(sim.world.channels.values()))
        answer = httpx.post(
            f"{sim.url}/v1/hlsapitoken",
            json={"location_uuid": channel.store_uuid},
            auth=("smoke", "smoke-secret"),
            timeout=10,
        )
        check(answer.status_code == 200, f"hlsapitoken answered {answer.status_code}")
        live, first_ms = decode(f"{sim.url}/v1/hls/{channel.uuid}.m3u8?token={answer.json()['token']}", MIN_FRAMES)
    check_name(live[0], channel.name)

    # A downloaded export: an MP4 on disk, written by the simulator's encoder.
    with tempfile.TemporaryDirectory(prefix="storeops-smoke-mp4-") as tmp:
        mp4 = Path(tmp) / "export.mp4"
        start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        pictures = (
            render_frame("Export", "smoke", start + timedelta(seconds=i), width, height) for i in range(MP4_FRAMES)
        )
        write_mp4(mp4, pictures, width=width, height=height, frame_interval_ms=200)
        exported, _ = decode(mp4.as_uri(), MP4_FRAMES // 2)
    check_name(exported[0], "Export")

    mapped = {
        line.split()[-1]
        for line in Path("/proc/self/maps").read_text().splitlines()
        if line.count("/") and ("vlc" in line or any(d in line for d in VLC_DEPENDENCIES))
    }
    outside = sorted(p for p in mapped if not Path(p).resolve().is_relative_to(internal))
    check(not outside, "loaded from outside the bundle: " + ", ".join(outside))
    for wanted in (
        *VLC_FILES,
        "libavcodec_plugin.so",
        "libadaptive_plugin.so",
        "libmp4_plugin.so",
        *DECODING_DEPENDENCIES,
    ):
        check(any(Path(p).name.startswith(wanted) for p in mapped), f"{wanted} was never loaded")
    print(
        json.dumps(
            {
                "libvlc": libvlc,
                "frames": len(live),
                "channel": channel.name,
                "first_frame_ms": first_ms,
                "mp4_frames": len(exported),
                "mapped_from_bundle": len(mapped),
            }
        )
    )
    return 0


# ------------------------------------------------------------------ main


def main(argv: list[str]) -> int:
    if argv[:1] == ["--video-child"]:
        return video_child(Path(argv[1]))
    dist = Path(argv[0]) if argv else ROOT / "dist" / APP
    check(sys.platform.startswith("linux"), "this smoke test runs on Linux (see installer/README.md)")
    with tempfile.TemporaryDirectory(prefix="storeops-smoke-") as tmp:
        try:
            check_bundle(dist)
            check_version(dist, Path(tmp))
            check_demo(dist, Path(tmp))
            check_video(dist, Path(tmp))
        except SmokeFailure as exc:
            print(f"smoke: FAILED  {exc}", file=sys.stderr)
            return 1
    print("smoke: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
