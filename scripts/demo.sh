#!/usr/bin/env bash
# README command 1: install what is missing, build, and train the embedded demo.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
cd "$root"
exec "${SEESAW_BUILD_DIR:-$root/build}/seesaw-train" demo "$@"
