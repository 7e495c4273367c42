#!/usr/bin/env bash
# README command 2 (and CI): install what is missing, build, and run every test suite.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh" "$@"
cd "${SEESAW_BUILD_DIR:-$root/build}"
ctest --output-on-failure
