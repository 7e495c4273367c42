#!/usr/bin/env python3
"""Per-user window cosines against user activity, from a Seesaw trace.

Usage: python3 bench/user_activity.py TRACE [--snapshot I] [--level NAME] [--bins N]

For every task pair, prints the distribution of the users' window cosines in one snapshot (the
last by default) at a geometry level (the default level by default): quantiles and the share of
users in conflict (cosine < 0), overall and per activity bin (users split into N bins of equal
size by their samples in the window). Reads only committed snapshots. Needs h5py and numpy.
"""

import argparse
import sys

import h5py
import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trace")
    parser.add_argument("--snapshot", type=int, default=-1, help="snapshot index (default: the last)")
    parser.add_argument("--level", default=None, help="geometry level (default: the trace's default level)")
    parser.add_argument("--bins", type=int, default=4, help="activity bins (default 4)")
    args = parser.parse_args()

    with h5py.File(args.trace, "r") as f:
        committed = int(f["status/snapshots"][()])
        if committed == 0:
            sys.exit(f"{args.trace}: no committed snapshots")
        index = args.snapshot if args.snapshot >= 0 else committed - 1
        if index >= committed:
            sys.exit(f"{args.trace}: snapshot {index} out of range (it has {committed})")
        path = "users/cosine" if args.level is None else f"users/{args.level}/cosine"
        if path not in f:
            sys.exit(f"{args.trace}: no {path}")
        cosine = f[path][index]  # [U, P]
        count = f["users/count"][index]
        tasks = [t.decode() if isinstance(t, bytes) else str(t) for t in f.attrs["task_names"]]
        step = int(f["users/snapshot_step"][index])
        levels = [v.decode() if isinstance(v, bytes) else str(v) for v in f["users/level"][()]] if "users/level" in f else ["embedding"]

    level = args.level or levels[0]
    seen = count > 0
    pairs = [(k, l) for k in range(len(tasks)) for l in range(k + 1, len(tasks))]
    edges = np.quantile(count[seen], np.linspace(0, 1, args.bins + 1))
    print(f"# snapshot {index} (step {step}), level {level}, {seen.sum()} users seen; "
          f"activity bins by samples in the window: {', '.join(f'{e:.0f}' for e in edges)}")
    print(f"{'pair':<24} {'users':>6} {'q10':>7} {'q25':>7} {'median':>7} {'q75':>7} {'q90':>7} {'cos<0':>6}  per activity bin: median (cos<0)")
    for p, (k, l) in enumerate(pairs):
        values = cosine[:, p]
        usable = seen & np.isfinite(values)
        q = np.quantile(values[usable], [0.1, 0.25, 0.5, 0.75, 0.9])
        bins = []
        for b in range(args.bins):
            low, high = edges[b], edges[b + 1]
            inside = usable & (count >= low) & ((count < high) if b + 1 < args.bins else (count <= high))
            if inside.any():
                bins.append(f"{np.median(values[inside]):+.2f} ({(values[inside] < 0).mean():.2f})")
        name = f"{tasks[k]}/{tasks[l]}"
        print(f"{name:<24} {usable.sum():>6} " + " ".join(f"{v:+7.2f}" for v in q) +
              f" {(values[usable] < 0).mean():6.2f}  " + "  ".join(bins))


if __name__ == "__main__":
    main()
