#!/usr/bin/env bash
# One entry point for a fresh Debian/Ubuntu machine (Python 3.11+, root or sudo):
#   bash installer/dev.sh demo    set up, then start StoreOps in demo mode
#   bash installer/dev.sh test    set up, then the quality gates (ruff lint and format,
#                                 mypy) and the whole test suite headless
#   bash installer/dev.sh check   set up, then the quality gates only
#   bash installer/dev.sh setup   set up only
#   bash installer/dev.sh test-at "2026-12-24 18:47:00" [pytest args]
#                                 the suite with the machine's clock faked to start at
#                                 that UTC instant (libfaketime): it must pass on any date
# Set-up is idempotent: system packages are installed only when missing, the
# virtualenv (.venv) is reused, the project is installed in editable mode.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="${STOREOPS_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

# libvlc + plugins for HLS playback (libvlc-bin's vlc-cache-gen makes libvlc_new
# ~10x faster); ffmpeg for ffprobe checks of generated video; Xvfb to show the
# app on a machine without a display; the rest is what Qt's offscreen and xcb
# platforms load at run time.
APT_PACKAGES=(
  python3-venv
  libvlc5 vlc-plugin-base vlc-plugin-video-output libvlc-bin
  ffmpeg xvfb xauth
  libegl1 libgl1 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3
  libxkbcommon0 libxkbcommon-x11-0 libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0
  libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0
  libxcb-shape0 libxcb-xkb1 libxcb-xinerama0 fonts-dejavu-core
)

log() { printf '\033[1m[storeops]\033[0m %s\n' "$*" >&2; }

install_system_packages() {
  command -v dpkg-query >/dev/null || { log "not a Debian system: install libvlc and Qt's runtime libraries yourself"; return 0; }
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { log "need root to install: ${missing[*]}"; exit 1; }
    sudo="sudo"
  fi
  log "installing system packages: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_python_env() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtualenv $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  local stamp="$VENV/.storeops-installed"
  # Reinstall only when the dependency list changed.
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    log "installing StoreOps and its dependencies"
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$VENV/bin/python" -m pip install -q -e ".[test]"
    touch "$stamp"
  fi
}

setup() {
  install_system_packages
  install_python_env
}

# Lint, formatting and types (configured in pyproject.toml): ~10 s, before the tests.
checks() {
  log "ruff check, ruff format --check, mypy"
  "$VENV/bin/ruff" check --quiet .
  "$VENV/bin/ruff" format --check --quiet .
  "$VENV/bin/mypy"
}

cmd="${1:-demo}"
shift || true
case "$cmd" in
  setup)
    setup
    ;;
  demo)
    setup
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
      log "no display: starting StoreOps on a virtual X display (Xvfb)."
      log "to see it, take screenshots instead: $VENV/bin/storeops --demo --screenshot ./screenshots"
      exec xvfb-run -a -s "-screen 0 1440x900x24" "$VENV/bin/storeops" --demo "$@"
    fi
    exec "$VENV/bin/storeops" --demo "$@"
    ;;
  check)
    setup
    checks
    ;;
  test)
    setup
    checks
    export QT_QPA_PLATFORM=offscreen
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  test-at)
    when="${1:?usage: bash installer/dev.sh test-at 'YYYY-MM-DD HH:MM:SS' [pytest args]}"
    shift
    APT_PACKAGES+=(faketime)
    setup
    lib=$(dpkg -L libfaketime | grep '/libfaketime.so.1$' | head -n 1)
    log "running the tests with the clock starting at $when UTC"
    export QT_QPA_PLATFORM=offscreen TZ=UTC
    LD_PRELOAD="$lib" FAKETIME="@$when" FAKETIME_DONT_FAKE_MONOTONIC=1 \
      PYTHONPATH="$ROOT/installer/faketime${PYTHONPATH:+:$PYTHONPATH}" \
      exec "$VENV/bin/python" -m pytest "$@"
    ;;
  *)
    echo "usage: bash installer/dev.sh [demo|test|check|setup|test-at WHEN] [args...]" >&2
    exit 2
    ;;
esac
