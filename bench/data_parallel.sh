#!/usr/bin/env bash
# W1 (docs/benchmarks.md: synthetic data, MMoE 4 experts 128 -> 64, batch 2048, Adam) trained by
# seesaw-train as one process of 2 threads and as 2 ranks of 1 thread (--nproc 2, Gloo over
# loopback), alternating ROUNDS times (default 3), with analyze (per-task gradients), with analyze
# and the per-user windows at every level (snapshots every 10 steps, gathered from the ranks), and
# without analyze.
# Prints a DP line per run: samples/s from the step records' wall time (steps after the first 5),
# and for the ranks the bytes each all-reduces per step and the share of the run spent in the
# all-reduces; then DP-ratio lines, the medians' ratios. TABLES=10 makes the user and item tables
# 10 times larger (200,000 users, 100,000 items). Needs a build (scripts/build.sh) and python3-h5py.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SEESAW_BUILD_DIR:-$root/build}
rounds=${ROUNDS:-3} steps=${STEPS:-40} tables=${TABLES:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/w1.json" <<JSON
{
  "name": "w1",
  "data": {"source": "synthetic",
           "synthetic": {"users": $((20000 * tables)), "items": $((10000 * tables)), "rows": $((2048 * (steps + 10))), "tasks": 3,
                         "latent_dim": 8, "dense_features": 8, "extra_cardinalities": [100, 100, 100, 100], "seed": 7},
           "split": {"method": "random", "valid": 0, "test": 0, "seed": 7}},
  "model": {"type": "mmoe", "embedding_dim": 16, "experts": 4, "expert_hidden": [128, 64], "tower_hidden": [32]},
  "train": {"steps": $((steps + 5)), "batch_size": 2048, "optimizer": "adam", "lr": 0.001, "eval_every": 0, "seed": 7,
            "user_snapshot_every": 0},
  "method": {"name": "ew"}
}
JSON
# samples/s over the steps after the first 5, from the trace's wall times.
rate() {
  /usr/bin/python3 - "$1" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    t, n = f["steps/wall_time"][:], int(f.attrs["batch_size"])
print(f"{(len(t) - 5) * n / (t[-1] - t[4]):.0f}")
PY
}
declare -A samples
for ((round = 1; round <= rounds; ++round)); do
  for mode in analyze levels ew; do
    flag=()
    [ "$mode" = ew ] && flag=(--no-analyze)
    [ "$mode" = levels ] && flag=(--snapshot-every 10 --levels exact,embedding,representation)
    "$build/seesaw-train" --config "$work/w1.json" --threads 2 "${flag[@]}" --trace "$work/one.h5" --summary "$work/one.json" >/dev/null
    one=$(rate "$work/one.h5")
    out=$("$build/seesaw-train" --config "$work/w1.json" --threads 1 --nproc 2 "${flag[@]}" --trace "$work/two.h5" --summary "$work/two.json")
    two=$(rate "$work/two.h5")
    traffic=$(grep '^data-parallel: .* all-reduces' <<<"$out")
    mb=$(sed 's/.*, \([0-9.]*\) MB per step.*/\1/' <<<"$traffic")
    comm=$(sed 's/.*step, \([0-9.]*\) s in them.*/\1/' <<<"$traffic")
    wall=$(/usr/bin/python3 -c "import h5py; print(h5py.File('$work/two.h5', 'r')['steps/wall_time'][-1])")
    # What a dense all-reduce would send: every shared gradient (K of them with analyze) and
    # every other parameter's, in float32, and the K losses.
    dense=$(/usr/bin/python3 -c "
import h5py
a = h5py.File('$work/two.h5', 'r').attrs
k, shared, total = len(a['task_names']), int(a['shared_parameters']), int(a['total_parameters'])
print(f'{4 * (k + (total if \"$mode\" == \"ew\" else k * shared + total - shared)) / 1e6:.1f}')")
    echo "DP round=$round mode=$mode tables=${tables}x one_process_2_threads_samples_per_s=$one two_ranks_1_thread_samples_per_s=$two allreduce_mb_per_step=$mb dense_mb_per_step=$dense communication_share=$(awk -v c="$comm" -v w="$wall" 'BEGIN { printf "%.3f", c / w }')"
    samples[$mode-one]+=" $one"
    samples[$mode-two]+=" $two"
  done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for mode in analyze levels ew; do
  awk -v m="$mode" -v o="$(median "${samples[$mode-one]}")" -v t="$(median "${samples[$mode-two]}")" -v r="$rounds" -v x="$tables" \
    'BEGIN { printf "DP-ratio mode=%s tables=%sx rounds=%d one_process_samples_per_s=%.0f two_ranks_samples_per_s=%.0f two_over_one=%.2f\n", m, x, r, o, t, t / o }'
done
