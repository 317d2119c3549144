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
4. video    `storeops --check-video` on the frozen app: the demo simulator's live
            HLS stream and an MP4 written as exports are, decoded through the
            bundled libvlc, frames showing the channel; every libvlc, plugin and
            FFmpeg file it mapped came from the bundle.
5. licence  LICENSE and THIRD-PARTY-NOTICES.txt bundled, every file attributed,
            libvlc, FFmpeg, Qt and Python named, no PyAV.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = "storeops"
PANES = ("locations", "occupancy", "traffic", "cameras", "video", "kiosk")
SCREENSHOT_TIMEOUT_S = 180
VIDEO_TIMEOUT_S = 120  # simulator start + libvlc start + the first frames (normally ~3 s)
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


def check_video(dist: Path, tmp: Path) -> str:
    """The frozen app itself plays a demo channel: `storeops --check-video` decodes it
    through the bundled libvlc; every libvlc/FFmpeg file it maps is the bundle's."""
    internal = (dist / "_internal").resolve()
    try:
        done = subprocess.run(
            [str(dist / APP), "--check-video"],
            capture_output=True,
            text=True,
            check=False,
            env=bare_env(tmp),
            timeout=VIDEO_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        raise SmokeFailure(f"--check-video still running after {VIDEO_TIMEOUT_S} s") from exc
    lines = done.stdout.splitlines()
    check(
        done.returncode == 0, f"--check-video exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    )
    loaded = [line.split("loaded ", 1)[1] for line in lines if line.startswith("check-video: loaded ")]
    outside = sorted(p for p in loaded if not Path(p).resolve().is_relative_to(internal))
    check(not outside, "loaded from outside the bundle: " + ", ".join(outside))
    for wanted in (
        *VLC_FILES,
        "libavcodec_plugin.so",
        "libadaptive_plugin.so",
        "libts_plugin.so",
        "libmp4_plugin.so",
        *DECODING_DEPENDENCIES,
    ):
        check(any(Path(p).name.startswith(wanted) for p in loaded), f"{wanted} was never loaded")
    verdict = lines[-1].removeprefix("check-video: ")
    step("video", f"{lines[0].removeprefix('check-video: ')}; {verdict}; {len(loaded)} files, all from the bundle")
    return verdict


# ------------------------------------------------------------------ 5. licences


def check_licences(dist: Path) -> None:
    internal = dist / "_internal"
    licence = internal / "LICENSE"
    check(licence.is_file() and "GNU GENERAL PUBLIC LICENSE" in licence.read_text(), "LICENSE (GPL) not bundled")
    notices_file = internal / "THIRD-PARTY-NOTICES.txt"
    check(notices_file.is_file(), "THIRD-PARTY-NOTICES.txt not bundled")
    notices = notices_file.read_text(encoding="utf-8")
    check("Not identified" not in notices, "THIRD-PARTY-NOTICES.txt lists files it could not attribute")
    for name in ("libvlc5", "vlc-plugin-base", "libavcodec59", "PySide6", "Python ", "numpy", "StoreOps "):
        check(name in notices, f"THIRD-PARTY-NOTICES.txt does not name {name.strip()}")
    check("av.libs" not in notices and not (internal / "av").exists(), "PyAV's FFmpeg is in the bundle again")
    components = sum(1 for line in notices.splitlines() if line.startswith("    licence: "))
    step("licence", f"LICENSE and THIRD-PARTY-NOTICES.txt ({components} components)")


# ------------------------------------------------------------------ main


def main(argv: list[str]) -> int:
    dist = Path(argv[0]) if argv else ROOT / "dist" / APP
    check(sys.platform.startswith("linux"), "this smoke test runs on Linux (see installer/README.md)")
    with tempfile.TemporaryDirectory(prefix="storeops-smoke-") as tmp:
        try:
            check_bundle(dist)
            check_version(dist, Path(tmp))
            check_demo(dist, Path(tmp))
            check_video(dist, Path(tmp))
            check_licences(dist)
        except SmokeFailure as exc:
            print(f"smoke: FAILED  {exc}", file=sys.stderr)
            return 1
    print("smoke: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
