#!/usr/bin/env bash
# README command 1: install what is missing, build, and train the embedded demo: in the desktop
# app where there is a display, else with the headless trainer (a server, an SSH session).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
cd "$root"
build=${SEESAW_BUILD_DIR:-$root/build}
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$build/seesaw" --preset demo --start "$@"
fi
echo "demo: no display; training headless (on a desktop this opens the app: build/seesaw --preset demo --start)"
exec "$build/seesaw-train" demo "$@"
