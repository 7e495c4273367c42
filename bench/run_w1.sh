#!/usr/bin/env bash
# Runs W1 in Seesaw and in the PyTorch reference, alternating ROUNDS times (default 3) so that the
# machine's drift falls on both alike, and prints the ratios of their medians over the rounds.
# Needs a build (scripts/build.sh) and Debian's python3-torch.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
steps=${STEPS:-40}
rounds=${ROUNDS:-3}
# One run's ms per step for a mode: Seesaw's pooled line, PyTorch's only line.
ms() { echo "$1" | grep -E "^W1(-pytorch| pooled) mode=$2 " | sed 's/.*ms_per_step=\([0-9.]*\).*/\1/'; }
declare -A times
for ((round = 1; round <= rounds; ++round)); do
  seesaw=$("${SEESAW_BUILD_DIR:-$root/build}/seesaw-bench-w1" --steps "$steps")
  pytorch=$(/usr/bin/python3 "$root/bench/w1_pytorch.py" --steps "$steps")
  echo "$seesaw"
  echo "$pytorch"
  for mode in ew analyze; do
    times[seesaw-$mode]+=" $(ms "$seesaw" "$mode")"
    times[pytorch-$mode]+=" $(ms "$pytorch" "$mode")"
  done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for mode in ew analyze; do
  s=${times[seesaw-$mode]}
  p=${times[pytorch-$mode]}
  awk -v m="$mode" -v r="$rounds" -v s="$(median "$s")" -v p="$(median "$p")" -v ss="$(echo $s | tr ' ' ,)" -v ps="$(echo $p | tr ' ' ,)" \
    'BEGIN { printf "W1-ratio mode=%s rounds=%d seesaw_ms=%.2f pytorch_ms=%.2f pytorch_over_seesaw=%.2f seesaw_rounds=%s pytorch_rounds=%s\n", m, r, s, p, p / s, ss, ps }'
done
