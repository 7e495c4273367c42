#!/usr/bin/env python3
"""How well a run's per-user window cosines find the users whose tasks conflict: the detection AUC
of minus the window cosine against the synthetic data's ground-truth groups, per snapshot, at one
geometry level or at all of them.

Usage: python3 bench/user_groups.py TRACE [--pair P] [--level NAME | --all-levels]

The positive class is the group whose generator task cosine (data.synthetic.groups in the run's
config) is lowest; users not seen in a window (count 0, cosine NaN) are left out of it. One line
per snapshot, machine-readable, at the level --level names (default: the trace's default level,
the one /users/cosine links to; a trace from before levels has one, "embedding"):
    groups snapshot=I step=S window_start=W pair=P level=L seen=N auc=A mean_cos_conflict=C mean_cos_other=O
With --all-levels, a table instead: one row per snapshot, the AUC at each level in /users/level
("nan" where a window has users of one group only).
Needs h5py (apt-get install python3-h5py).
"""

import argparse
import json
import sys

import h5py
import numpy as np


def auc(score, positive):
    """The probability that a random positive outscores a random negative, ties counting half."""
    ranks = np.empty(len(score))
    ranks[np.argsort(score, kind="mergesort")] = np.arange(1, len(score) + 1)
    _, tie = np.unique(score, return_inverse=True)
    ranks = (np.bincount(tie, ranks) / np.bincount(tie))[tie]  # tied scores share their mean rank
    n1, n0 = positive.sum(), (~positive).sum()
    return (ranks[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def levels(f):
    """The recorded geometry levels, the default first."""
    if "level" in f["users"]:
        return list(f["users/level"].asstr()[:])
    return ["embedding"]  # a trace from before levels: its /users/cosine is the embedding rows


def cosine_dataset(f, level):
    # A trace from before levels has no level groups; /users/cosine is its one level.
    return f["users/cosine"] if "level" not in f["users"] else f[f"users/{level}/cosine"]


def score(f, i, level, pair, group, conflict):
    """The snapshot's detection at a level: (seen, auc, mean cosine of the conflicting group, of the
    others), or None where the window's users are all of one kind."""
    cosine = cosine_dataset(f, level)[i][:, pair]
    keep = (f["users/count"][i] > 0) & ~np.isnan(cosine)
    positive = group[keep] == conflict
    if positive.all() or not positive.any():
        return None
    kept = cosine[keep]
    return keep.sum(), auc(-kept, positive), kept[positive].mean(), kept[~positive].mean()


def print_level(f, snapshots, level, pair, group, conflict):
    for i in range(snapshots):
        s = score(f, i, level, pair, group, conflict)
        if s is None:
            continue
        seen, a, conflicting, other = s
        print(f"groups snapshot={i} step={f['users/snapshot_step'][i]} window_start={f['users/window_start'][i]} "
              f"pair={pair} level={level} seen={seen} auc={a:.4f} "
              f"mean_cos_conflict={conflicting:.4f} mean_cos_other={other:.4f}")


def print_table(f, snapshots, names, pair, group, conflict):
    print(f"# detection AUC, pair {pair}, per snapshot and geometry level")
    print(f"{'snapshot':>8} {'step':>8} {'window_start':>12} " + " ".join(f"{n:>14}" for n in names))
    for i in range(snapshots):
        aucs = [score(f, i, n, pair, group, conflict) for n in names]
        cells = " ".join(f"{'nan' if s is None else f'{s[1]:.4f}':>14}" for s in aucs)
        print(f"{i:>8} {f['users/snapshot_step'][i]:>8} {f['users/window_start'][i]:>12} {cells}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trace")
    ap.add_argument("--pair", type=int, default=0, help="task pair index, (0,1), (0,2), ..., (1,2), ... (default 0)")
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--level", help="geometry level (default: the trace's default level)")
    which.add_argument("--all-levels", action="store_true", help="a table of the AUC at every recorded level")
    a = ap.parse_args()
    with h5py.File(a.trace, "r", swmr=True) as f:
        config = json.loads(f.attrs["config"])
        groups = config["data"].get("synthetic", {}).get("groups", [])
        if config["data"]["source"] != "synthetic" or len(groups) < 2:
            sys.exit(f"{a.trace}: not a synthetic run with two or more user groups; no ground truth to score against")
        conflict = int(np.argmin([g["task_cosine"] for g in groups]))
        group = f["users/group"][:]
        snapshots = int(f["status/snapshots"][()])
        if snapshots == 0:
            sys.exit(f"{a.trace}: no per-user snapshots (train.user_snapshot_every 0, or train.analyze off)")
        names = levels(f)
        if not names:
            sys.exit(f"{a.trace}: records no geometry levels")
        if a.all_levels:
            print_table(f, snapshots, names, a.pair, group, conflict)
            return
        level = a.level or names[0]
        if level not in names:
            sys.exit(f"{a.trace}: no geometry level '{level}' (it records {', '.join(names)})")
        print_level(f, snapshots, level, a.pair, group, conflict)


if __name__ == "__main__":
    main()
