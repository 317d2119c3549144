#!/usr/bin/env bash
# Build StoreOps.app and its .dmg on macOS, for the architecture of this Mac:
#   bash installer/macos/build-macos.sh                  # unsigned (for testing)
#   SIGN_ID="Developer ID Application: Example Ltd (TEAMID)" NOTARY_PROFILE=storeops \
#     bash installer/macos/build-macos.sh                # signed, notarized, stapled
#
# Needs: Python 3.11 of this architecture, the project's build extra, and VLC 3 for
# the same architecture: /Applications/VLC.app, or STOREOPS_VLC_DIR=<VLC.app>/Contents/MacOS
# (the spec copies libvlc, libvlccore and the listed plugins into the bundle).
# One .app per architecture (arm64 on Apple silicon, x86_64 on Intel): see
# installer/README.md for why not universal2.
#
# NOTARY_PROFILE: a keychain profile made once with
#   xcrun notarytool store-credentials storeops --apple-id you@example.com --team-id TEAMID
set -euo pipefail
cd "$(dirname "$0")/../.."
ARCH=$(uname -m)
VERSION=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
APP=dist/StoreOps.app
DMG="dist/StoreOps-$VERSION-macos-$ARCH.dmg"
log() { printf '[build] %s\n' "$*" >&2; }

python3 -m venv .venv-mac
.venv-mac/bin/python -m pip install -q -e ".[build]"
started=$(date +%s)
.venv-mac/bin/python -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller installer/storeops.spec
log "built $APP in $(( $(date +%s) - started )) s, $(du -sh "$APP" | cut -f1)"

# Smoke: the frozen app plays video through its own libvlc, then the demo screenshots.
"$APP/Contents/MacOS/storeops" --version
"$APP/Contents/MacOS/storeops" --check-video
QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/storeops" --demo --screenshot "build/shots-$ARCH"

if [ -n "${SIGN_ID:-}" ]; then
  # Inside out: every library and plugin (libvlc loads plugins at run time, so
  # `codesign --deep` would not reach them all), then the executable, then the app.
  ENTITLEMENTS=installer/macos/entitlements.plist
  find "$APP/Contents" -type f \( -name '*.dylib' -o -name '*.so' \) -print0 |
    xargs -0 -n 20 codesign --force --timestamp --options runtime --sign "$SIGN_ID"
  codesign --force --timestamp --options runtime --entitlements "$ENTITLEMENTS" \
    --sign "$SIGN_ID" "$APP/Contents/MacOS/storeops"
  codesign --force --timestamp --options runtime --entitlements "$ENTITLEMENTS" --sign "$SIGN_ID" "$APP"
  codesign --verify --strict --deep --verbose=2 "$APP"
fi

rm -f "$DMG"
staging=$(mktemp -d)
cp -R "$APP" "$staging/"
ln -s /Applications "$staging/Applications"   # drag-to-install
hdiutil create -volname "StoreOps $VERSION" -srcfolder "$staging" -fs HFS+ -format ULFO -ov "$DMG"
rm -rf "$staging"
log "dmg: $DMG ($(du -h "$DMG" | cut -f1))"

if [ -n "${SIGN_ID:-}" ] && [ -n "${NOTARY_PROFILE:-}" ]; then
  codesign --force --timestamp --sign "$SIGN_ID" "$DMG"
  xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
  xcrun stapler staple "$DMG"
  xcrun stapler validate "$DMG"
  spctl --assess --type open --context context:primary-signature --verbose "$DMG"
fi
