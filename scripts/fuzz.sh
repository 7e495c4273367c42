#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) with clang and runs each for SECONDS (default 60),
# starting from the seed corpus in tests/fuzz/corpus/<target>/. Exit 0 when no target found
# anything; otherwise the crashing input is left in build-fuzz/findings/<target>/.
# scripts/test.sh (and CI) runs it for a minute per target after the test suites; a long run:
#   scripts/fuzz.sh 3600            # an hour per target
#   SEESAW_FUZZ_JOBS=2 scripts/fuzz.sh 3600   # two processes per target (libFuzzer's -fork)
# The corpus each run grows stays in build-fuzz/corpus/<target>/ and seeds the next run.
set -euo pipefail
seconds=${1:-60}
[ "$seconds" -ge 1 ] 2>/dev/null || { echo "fuzz: SECONDS must be a whole number of seconds, at least 1 (libFuzzer takes 0 as no limit)" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
main=${SEESAW_BUILD_DIR:-$root/build}
out=$root/build-fuzz
[ -f "$main/core/libseesaw_core.a" ] || { echo "fuzz: build Seesaw first (scripts/build.sh): fuzz_config links $main/core/libseesaw_core.a" >&2; exit 2; }
cmake -S "$root/tests/fuzz" -B "$out" -G Ninja -DCMAKE_C_COMPILER=clang-15 -DCMAKE_CXX_COMPILER=clang++-15 \
  -DSEESAW_CORE_LIBRARY="$main/core/libseesaw_core.a" >/dev/null
cmake --build "$out" -j 2
export LSAN_OPTIONS="suppressions=$root/tests/fuzz/lsan.supp"
export UBSAN_OPTIONS=print_stacktrace=1
parallel=()
[ "${SEESAW_FUZZ_JOBS:-1}" -gt 1 ] && parallel=(-fork="$SEESAW_FUZZ_JOBS")
status=0
for target in delimited config trace; do
  corpus=$out/corpus/$target findings=$out/findings/$target
  mkdir -p "$corpus" "$findings"
  log=$out/$target.log
  # -timeout: an input that takes longer is a hang; -rss_limit_mb: one that takes more is a finding.
  if "$out/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${parallel[@]}" \
      -artifact_prefix="$findings/" "$corpus" "$root/tests/fuzz/corpus/$target" >"$log" 2>&1; then
    # libFuzzer's -fork parent prints no run count: "?" then.
    runs=$(grep -o 'number_of_executed_units: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
    echo "FUZZ target=$target seconds=$seconds runs=${runs:-?} coverage_edges=${cov:-?} corpus=$(ls "$corpus" | wc -l) findings=0"
  else
    echo "FUZZ target=$target FAILED: see $log; the input is in $findings/" >&2
    grep -E 'ERROR|SUMMARY|==[0-9]+==' "$log" | head -20 >&2 || true
    status=1
  fi
done
exit $status
