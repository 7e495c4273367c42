#!/usr/bin/env bash
# Two builds of Seesaw against each other, for a change that must not cost speed: W1's `analyze`
# mode (the trainer's step with per-task gradients and geometry) and the GUI latency benchmark,
# run alternately ROUNDS times (default 3) so that the machine's drift falls on both alike.
#
# Usage: bench/compare_builds.sh BEFORE_DIR AFTER_DIR
#   each DIR holds seesaw-bench-w1 and seesaw-bench-gui (a build folder, or a copy of its binaries)
# Prints each run, then
#   AB bench=w1_analyze_ms before=<median> after=<median> after_over_before=<ratio> before_rounds=... after_rounds=...
#   AB bench=gui_p50_ms ...   AB bench=gui_p99_ms ...
# A ratio near 1 within the rounds' spread is "unchanged within noise".
set -euo pipefail
[ $# -eq 2 ] || { sed -n 2,11p "$0" >&2; exit 2; }
before=$1 after=$2
rounds=${ROUNDS:-3}
for dir in "$before" "$after"; do
  for tool in seesaw-bench-w1 seesaw-bench-gui; do
    [ -x "$dir/$tool" ] || { echo "compare_builds: $dir/$tool is missing" >&2; exit 2; }
  done
done
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" | head -1; }
declare -A values
for ((round = 1; round <= rounds; ++round)); do
  for side in before after; do
    dir=${!side}
    w1=$("$dir/seesaw-bench-w1" --steps 30 --threads 1 --modes analyze | grep -E '^W1 pooled mode=analyze ')
    gui=$(QT_QPA_PLATFORM=offscreen "$dir/seesaw-bench-gui" | grep -E '^GUI latency ')
    echo "round=$round $side $w1"
    echo "round=$round $side $gui"
    values[$side-w1_analyze_ms]+=" $(field ms_per_step <<<"$w1")"
    values[$side-gui_p50_ms]+=" $(field p50_ms <<<"$gui")"
    values[$side-gui_p99_ms]+=" $(field p99_ms <<<"$gui")"
  done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for bench in w1_analyze_ms gui_p50_ms gui_p99_ms; do
  b=${values[before-$bench]} a=${values[after-$bench]}
  awk -v n="$bench" -v b="$(median "$b")" -v a="$(median "$a")" -v bs="$(echo $b | tr ' ' ,)" -v as="$(echo $a | tr ' ' ,)" \
    'BEGIN { printf "AB bench=%s before=%.3f after=%.3f after_over_before=%.3f before_rounds=%s after_rounds=%s\n", n, b, a, a / b, bs, as }'
done
