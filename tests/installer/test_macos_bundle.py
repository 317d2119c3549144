"""StoreOps.app's Info.plist, produced and validated with plistlib (macOS builds run
on a Mac only: installer/README.md says what was run where)."""

from __future__ import annotations

import plistlib
import subprocess
import sys
import tomllib

import pytest

from tests.installer.conftest import INSTALLER, ROOT, load

info_plist = load("macos/info_plist.py")
make_icons = load("make_icons.py")


@pytest.mark.parametrize("arch", ["arm64", "x86_64"])
def test_info_plist_round_trips_with_what_the_app_needs(arch, tmp_path):
    out = tmp_path / "Info.plist"
    done = subprocess.run(
        [sys.executable, str(INSTALLER / "macos" / "info_plist.py"), str(out), "--arch", arch],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    plist = plistlib.loads(out.read_bytes())
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert plist["CFBundleShortVersionString"] == plist["CFBundleVersion"] == version
    assert plist["CFBundleIdentifier"] == "net.storeops.StoreOps"
    assert plist["CFBundleExecutable"] == "storeops"  # the EXE's name in the spec
    assert plist["CFBundlePackageType"] == "APPL"
    # The icon file is one make_icons.py renders for the spec.
    assert plist["CFBundleIconFile"] in {name for name, fmt, _ in make_icons.TARGETS if fmt == "icns"}
    # Qt 6.11 runs on macOS 13 and later: a lower minimum would let it install and crash.
    major, *_ = (int(p) for p in plist["LSMinimumSystemVersion"].split("."))
    assert major >= 13
    assert plist["LSArchitecturePriority"] == [arch]
    assert plist["NSHighResolutionCapable"] is True
    assert plist["LSUIElement"] is False  # a normal app in the Dock, no console
    assert plist["NSAppTransportSecurity"] == {"NSAllowsLocalNetworking": True}


def test_an_unknown_architecture_is_refused():
    with pytest.raises(ValueError, match="architecture"):
        info_plist.info_plist("1.0", arch="universal2")


def test_the_spec_hands_this_plist_to_the_bundle_without_a_console():
    spec = (INSTALLER / "storeops.spec").read_text()
    assert "info_plist=info_plist(VERSION" in spec
    assert "console=not (IS_WIN or IS_MAC)" in spec


def test_entitlements_parse_and_the_dmg_script_signs_inside_out():
    entitlements = plistlib.loads((INSTALLER / "macos" / "entitlements.plist").read_bytes())
    assert entitlements["com.apple.security.cs.disable-library-validation"] is True
    script = (INSTALLER / "macos" / "build-macos.sh").read_text()
    order = [
        script.index(step)
        for step in ("PyInstaller", "--check-video", "-name '*.dylib'", '--sign "$SIGN_ID" "$APP/Contents/MacOS/storeops"', "hdiutil create", "notarytool submit", "stapler staple")
    ]  # fmt: skip
    assert order == sorted(order)
    assert subprocess.run(["bash", "-n", str(INSTALLER / "macos" / "build-macos.sh")], check=False).returncode == 0
