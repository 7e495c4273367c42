"""Gradient geometry from Gram matrices: the same arithmetic as core/train/gradient_geometry.cpp
and core/train/geometry_window.cpp, vectorised over a batch of Gram matrices ([..., K, K]).

Float64 throughout: the Gram matrices are small, and the C++ core derives its cosines in double.
"""
import torch


def pair_index(tasks):
    """Rows and columns of the task pairs (k, l), k < l, in trace order (0,1), (0,2), ..., (1,2), ..."""
    return torch.triu_indices(tasks, tasks, 1)


def norms(gram):
    """Per-task norms sqrt(G_kk); a NaN diagonal stays NaN (a broken gradient is not a zero one)."""
    diagonal = gram.diagonal(dim1=-2, dim2=-1)
    return torch.where(torch.isnan(diagonal), diagonal, diagonal.clamp(min=0).sqrt())


def cosines(gram):
    """cos(g_k, g_l) = G_kl / sqrt(G_kk G_ll), clamped to [-1, 1]; NaN where either norm is zero or NaN."""
    n = norms(gram)
    denominator = n.unsqueeze(-1) * n.unsqueeze(-2)
    nan = torch.full_like(gram, float("nan"))
    return torch.where(denominator > 0, (gram / denominator).clamp(-1.0, 1.0), nan)


def magnitude_ratios(gram):
    """Each norm over the largest non-NaN norm; NaN for NaN norms, and everywhere when none is positive."""
    n = norms(gram)
    largest = torch.where(torch.isnan(n), torch.zeros_like(n), n).amax(dim=-1, keepdim=True)
    nan = torch.full_like(n, float("nan"))
    return torch.where(largest > 0, n / largest, nan)


def least_squares_weights(gram, fit):
    """w with (G + ridge I) w = b, the ridge 1e-9 of G's mean diagonal so that parallel task gradients
    still give weights. gram [..., K, K], fit b [..., K]. NaN where the system is singular or not finite,
    and for a task whose gradient is zero (it moved nothing: its weight is undefined)."""
    k = gram.shape[-1]
    eye = torch.eye(k, dtype=gram.dtype, device=gram.device)
    ridge = 1e-9 * gram.diagonal(dim1=-2, dim2=-1).mean(-1)
    system = gram + ridge[..., None, None] * eye
    finite = torch.isfinite(system).flatten(-2).all(-1) & torch.isfinite(fit).all(-1)
    safe = torch.where(finite[..., None, None], system, eye.expand_as(system))
    solution, info = torch.linalg.solve_ex(safe, torch.where(finite[..., None], fit, torch.zeros_like(fit)))
    ok = finite & (info == 0)
    w = torch.where(ok[..., None], solution, torch.full_like(solution, float("nan")))
    return torch.where(gram.diagonal(dim1=-2, dim2=-1) > 0, w, torch.full_like(w, float("nan")))


def entity_geometry(gram, counts):
    """A window's statistics per entity from its summed Gram matrices [n, K, K] and sample counts [n]:
    (pair cosines [n, P], norms [n, K], magnitude ratios [n, K]); NaN for entities not seen (count 0)."""
    k = gram.shape[-1]
    rows, cols = pair_index(k)
    cos = cosines(gram)[:, rows, cols]
    n = norms(gram)
    ratio = magnitude_ratios(gram)
    unseen = (counts == 0)
    for series in (cos, n, ratio):
        series[unseen] = float("nan")
    return cos, n, ratio
