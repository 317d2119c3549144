"""The Info.plist of StoreOps.app: built here, handed whole to PyInstaller's BUNDLE
by the spec, checked with plistlib by tests/installer/test_macos_bundle.py.

    python installer/macos/info_plist.py OUT.plist [--arch arm64|x86_64]
"""

from __future__ import annotations

import plistlib
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bundle_data

ARCHITECTURES = ("arm64", "x86_64")


def info_plist(version: str | None = None, arch: str = "arm64") -> dict[str, Any]:
    """Every key the app needs; `arch`: the one architecture of this build (we build
    one .app per architecture, see installer/README.md)."""
    if arch not in ARCHITECTURES:
        raise ValueError(f"architecture {arch!r}: one of {', '.join(ARCHITECTURES)}")
    version = version or bundle_data.version()
    return {
        "CFBundleName": bundle_data.DISPLAY_NAME,
        "CFBundleDisplayName": bundle_data.DISPLAY_NAME,
        "CFBundleIdentifier": bundle_data.BUNDLE_ID,
        "CFBundleExecutable": bundle_data.APP,
        "CFBundlePackageType": "APPL",
        "CFBundleInfoDictionaryVersion": "6.0",
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "CFBundleIconFile": "storeops.icns",
        "LSMinimumSystemVersion": bundle_data.MACOS_MINIMUM,
        # The macOS that runs this build's architecture natively; Rosetta is not assumed.
        "LSArchitecturePriority": [arch],
        "LSApplicationCategoryType": "public.app-category.business",
        "NSHighResolutionCapable": True,
        "NSPrincipalClass": "NSApplication",
        # A regular app with a Dock icon and menu bar (no background agent).
        "LSUIElement": False,
        "NSHumanReadableCopyright": "StoreOps is free software: GNU GPL version 3 or later.",
        # HLS from the cloud is https; the demo simulator is plain http on 127.0.0.1.
        "NSAppTransportSecurity": {"NSAllowsLocalNetworking": True},
    }


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    arch = argv[argv.index("--arch") + 1] if "--arch" in argv else "arm64"
    out.write_bytes(plistlib.dumps(info_plist(arch=arch)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
