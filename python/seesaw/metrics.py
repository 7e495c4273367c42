"""Evaluation metrics as seesaw-train computes them (core/train/metrics.cpp): AUC with ties counted
one half, GAUC as the per-user AUC weighted by the user's samples over users with both classes,
logloss with probabilities clipped to [1e-7, 1 - 1e-7], and mean squared error."""
import numpy as np


def auc(scores, labels):
    """Area under the ROC curve; NaN with one class only or a NaN score."""
    scores = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(labels) > 0.5
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0 or np.isnan(scores).any():
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranked = scores[order]
    ranks = np.empty(scores.size, dtype=np.float64)
    # average rank (1-based) of each run of equal scores: a tie counts one half
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    ends = np.r_[starts[1:], ranked.size]
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def gauc(scores, labels, users):
    scores, labels, users = np.asarray(scores), np.asarray(labels), np.asarray(users)
    order = np.argsort(users, kind="mergesort")
    bounds = np.flatnonzero(np.r_[True, users[order][1:] != users[order][:-1], True])
    total = weight = 0.0
    for first, last in zip(bounds[:-1], bounds[1:]):
        rows = order[first:last]
        value = auc(scores[rows], labels[rows])
        if not np.isnan(value):
            total += value * rows.size
            weight += rows.size
    return total / weight if weight > 0 else float("nan")


def logloss(probabilities, labels):
    p = np.clip(np.asarray(probabilities, dtype=np.float64), 1e-7, 1 - 1e-7)
    positive = np.asarray(labels) > 0.5
    return float(-np.mean(np.where(positive, np.log(p), np.log(1 - p))))


def mse(predictions, labels):
    return float(np.mean((np.asarray(predictions, np.float64) - np.asarray(labels, np.float64)) ** 2))


def evaluate(scores, labels, users, binary):
    """Per task: scores are logits [N, K] (binary tasks) or predictions (regression tasks)."""
    nan = float("nan")
    out = {name: np.full(len(binary), nan) for name in ("auc", "gauc", "logloss", "mse")}
    for k, is_binary in enumerate(binary):
        s, y = scores[:, k], labels[:, k]
        if is_binary:
            out["auc"][k] = auc(s, y)
            out["gauc"][k] = gauc(s, y, users)
            out["logloss"][k] = logloss(1.0 / (1.0 + np.exp(-s.astype(np.float64))), y)
        else:
            out["mse"][k] = mse(s, y)
    return out
