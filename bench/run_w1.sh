#!/usr/bin/env bash
# Runs W1 in Seesaw and in the PyTorch reference, one after the other, and prints the ratios.
# Needs a build (scripts/build.sh) and Debian's python3-torch.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
steps=${STEPS:-40}
seesaw=$("${SEESAW_BUILD_DIR:-$root/build}/seesaw-bench-w1" --steps "$steps")
pytorch=$(/usr/bin/python3 "$root/bench/w1_pytorch.py" --steps "$steps")
echo "$seesaw"
echo "$pytorch"
ms() { echo "$1" | grep "mode=$2 " | sed 's/.*ms_per_step=\([0-9.]*\).*/\1/'; }
for mode in ew analyze; do
  awk -v m="$mode" -v s="$(ms "$seesaw" "$mode")" -v p="$(ms "$pytorch" "$mode")" \
    'BEGIN { printf "W1-ratio mode=%s pytorch_over_seesaw=%.2f\n", m, p / s }'
done
