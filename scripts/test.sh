#!/usr/bin/env bash
# README command 2 (and CI): install what is missing, build, run every test suite, then each
# fuzz target for a minute (SEESAW_FUZZ_SECONDS; 0 skips them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh" "$@"
(cd "${SEESAW_BUILD_DIR:-$root/build}" && ctest --output-on-failure)
seconds=${SEESAW_FUZZ_SECONDS:-60}
if [ "$seconds" -gt 0 ]; then "$root/scripts/fuzz.sh" "$seconds"; fi
