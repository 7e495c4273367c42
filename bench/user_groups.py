#!/usr/bin/env python3
"""How well a run's per-user window cosines find the users whose tasks conflict: the detection AUC
of minus the window cosine against the synthetic data's ground-truth groups, per snapshot.

Usage: python3 bench/user_groups.py TRACE [--pair P]

The positive class is the group whose generator task cosine (data.synthetic.groups in the run's
config) is lowest; users not seen in a window (count 0, cosine NaN) are left out of it. One line
per snapshot, machine-readable:
    groups snapshot=I step=S window_start=W pair=P seen=N auc=A mean_cos_conflict=C mean_cos_other=O
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trace")
    ap.add_argument("--pair", type=int, default=0, help="task pair index, (0,1), (0,2), ..., (1,2), ... (default 0)")
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
        for i in range(snapshots):
            cosine = f["users/cosine"][i][:, a.pair]
            seen = f["users/count"][i] > 0
            keep = seen & ~np.isnan(cosine)
            positive = group[keep] == conflict
            if positive.all() or not positive.any():
                continue
            print(f"groups snapshot={i} step={f['users/snapshot_step'][i]} window_start={f['users/window_start'][i]} "
                  f"pair={a.pair} seen={keep.sum()} auc={auc(-cosine[keep], positive):.4f} "
                  f"mean_cos_conflict={cosine[keep][positive].mean():.4f} mean_cos_other={cosine[keep][~positive].mean():.4f}")


if __name__ == "__main__":
    main()
