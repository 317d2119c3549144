#!/usr/bin/env bash
# Build the Linux one-folder app, then smoke-test it:
#   bash installer/build.sh            -> dist/storeops/storeops (+ dist/storeops-<version>-linux-<arch>.tar.xz)
# Set-up goes through installer/dev.sh (system packages incl. libvlc, the .venv),
# then PyInstaller comes from the project's `build` extra.
#
# Environment:
#   STOREOPS_VENV        virtualenv to use (default .venv, as dev.sh)
#   STOREOPS_SKIP_SETUP  1: use the virtualenv as it is (PyInstaller already in it)
#   STOREOPS_DIST        output folder (default dist)
#   STOREOPS_BUILD_DIR   PyInstaller's work folder (default build/pyinstaller)
#   STOREOPS_NO_ARCHIVE  1: no .tar.xz
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="${STOREOPS_VENV:-$ROOT/.venv}"
DIST="${STOREOPS_DIST:-$ROOT/dist}"
WORK="${STOREOPS_BUILD_DIR:-$ROOT/build/pyinstaller}"
PY="$VENV/bin/python"

log() { printf '\033[1m[build]\033[0m %s\n' "$*" >&2; }

if [ "${STOREOPS_SKIP_SETUP:-0}" != 1 ]; then
  STOREOPS_VENV="$VENV" bash installer/dev.sh setup
  log "installing the build tools (the 'build' extra)"
  "$PY" -m pip install -q -e ".[build]"
fi
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
  log "PyInstaller is not in $VENV: pyproject.toml needs, under [project.optional-dependencies],"
  log '  build = ["pyinstaller>=6.10,<7"]'
  exit 1
fi
# vlc-cache-gen (libvlc-bin) writes the plugin cache; without it libvlc starts ~10x slower.
command -v vlc-cache-gen >/dev/null || dpkg -L libvlc-bin 2>/dev/null | grep -q vlc-cache-gen \
  || log "warning: vlc-cache-gen not found (apt-get install libvlc-bin)"

VERSION=$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
log "building StoreOps $VERSION into $DIST/storeops"
started=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" installer/storeops.spec
log "built in $(( $(date +%s) - started )) s; $(du -sm "$DIST/storeops" | cut -f1) MB unpacked"

log "smoke test"
started=$(date +%s)
"$PY" installer/smoke_test.py "$DIST/storeops"
log "smoke test passed in $(( $(date +%s) - started )) s"

if [ "${STOREOPS_NO_ARCHIVE:-0}" != 1 ]; then
  # xz: what users download; ~30 % smaller than gzip on this bundle (measured in
  # installer/README.md), and what the Windows (LZMA2) and macOS installers use too.
  archive="$DIST/storeops-$VERSION-linux-$(uname -m).tar.xz"
  started=$(date +%s)
  tar -C "$DIST" -cf - storeops | xz -T2 -6 > "$archive"
  bytes=$(stat -c %s "$archive")
  log "archive: $archive: $(( bytes / 1000000 )) MB compressed ($bytes bytes, xz in $(( $(date +%s) - started )) s)"
fi
