"""Per-user task-gradient geometry (docs/per-user-geometry.md): each step's K x K Gram matrix of
every user's task gradients at the embedding, representation and exact levels, and the window sums
a snapshot is made of. Gradients here are the global batch's (task_gradients.py), so a user's
gradient is the sum of its samples' parts whichever rank they were on."""
import torch

from . import geometry
from .task_gradients import EmbeddingGradient, LinearGradient

LEVELS = ("embedding", "representation", "exact")


def user_grams(rows):
    """Gram matrices [n, K, K] of per-user task gradients rows [K, n, ...]."""
    flat = rows.reshape(rows.shape[0], rows.shape[1], -1)
    return torch.einsum("kud,lud->ukl", flat, flat)


def per_user_sums(values, inverse, users):
    """Per-sample rows [K, B, ...] summed per user: [K, users, ...]."""
    out = values.new_zeros((values.shape[0], users) + tuple(values.shape[2:]))
    return out.index_add_(1, inverse, values)


def same_user_pairs(inverse):
    """Every ordered pair (i, j) of samples of one user, i = j included: (I, J). Users seen once
    give only (i, i); the pairs between repeated samples are found among those alone."""
    b = inverse.numel()
    counts = torch.bincount(inverse)
    single = torch.arange(b, device=inverse.device)
    repeated = (counts[inverse] > 1).nonzero().flatten()
    if repeated.numel() == 0:
        return single, single
    same = inverse[repeated, None] == inverse[None, repeated]
    a, c = same.nonzero(as_tuple=True)
    i, j = repeated[a], repeated[c]
    off = i != j
    return torch.cat([single, i[off]]), torch.cat([single, j[off]])


def exact_grams(gradients, inverse, users):
    """The exact level: per user, <G_u^k, G_u^l> over every shared parameter, without per-sample
    gradients. For a Linear with inputs a_i and output gradients d_i^k, sample i's gradient is
    d_i^k a_i^T (and d_i^k for the bias), so <G_u^k, G_u^l> sums (d_i^k . d_j^l)(a_i . a_j + 1)
    over the pairs i, j of u; for a table, e_i^k . e_j^l over the pairs that looked up one row."""
    i, j = same_user_pairs(inverse)
    owner = inverse[i]
    k = None
    total = None
    for g in gradients:
        if isinstance(g, LinearGradient):
            d = g.d
            products = torch.einsum("kpo,lpo->pkl", d[:, i], d[:, j])
            inputs = (g.a[i] * g.a[j]).sum(1) + (1.0 if g.bias is not None else 0.0)
            part = products * inputs[:, None, None]
        elif isinstance(g, EmbeddingGradient):
            e, rows = g.sample_grads, g.sample_rows
            match = rows[i] == rows[j]
            if g.padding_idx is not None:
                match &= rows[i] != g.padding_idx
            match = match.to(e.dtype)
            part = torch.einsum("kpd,lpd->pkl", e[:, i], e[:, j]) * match[:, None, None]
        else:
            raise RuntimeError("the exact level needs every shared parameter in an nn.Linear or nn.Embedding")
        k = part.shape[1]
        total = part if total is None else total + part
    return torch.zeros(users, k, k, dtype=total.dtype, device=total.device).index_add_(0, owner, total)


def measure_users(levels, users, table, reps, rep_names, shared, ranks, scale):
    """One step's per-user Gram matrices at each level, for the global batch's users.

    users: this rank's user codes [B]; table: the user table's gradient (or None); reps: the task
    gradients of the representation modules' outputs (None for an output of another forward pass);
    shared: the shared routes' gradients; scale: this rank's share of the global batch.
    Returns codes [n] (sorted), counts [n], grams (level -> [n, K, K]) and, with a table, its rows
    [K, n, ...] and their Gram matrices (the per-user weights' system)."""
    everyone = ranks.all_cat(users, "user-code gather")
    codes, inverse = torch.unique(everyone, return_inverse=True)
    out = {"codes": codes, "counts": torch.bincount(inverse, minlength=codes.numel()), "grams": {}}
    if table is not None:
        rows = table.rows_at(codes.to(table.tensors()[0].device))
        out["table_rows"], out["table_gram"] = rows, user_grams(rows)
    if "embedding" in levels:
        out["grams"]["embedding"] = out["table_gram"]
    b = users.numel()
    if "representation" in levels:
        parts = []
        for name, r in zip(rep_names, reps):
            if r is None:
                continue
            if r.shape[1] != b:
                raise ValueError(f"representation: the output of '{name}', shaped {list(r.shape[1:])}, does not have "
                                 f"one row per sample of the batch ({b} user codes)")
            parts.append(r.reshape(r.shape[0], b, -1))
        if not parts:
            raise ValueError("representation: its forward did not run with grad enabled in this step")
        local_codes, local_inverse = torch.unique(users.to(parts[0].device), return_inverse=True)
        sums = per_user_sums(torch.cat(parts, 2) * scale, local_inverse, local_codes.numel())
        _, sums = ranks.sum_rows(local_codes, sums, "representation gather")
        out["grams"]["representation"] = user_grams(sums)
    if "exact" in levels:
        for g in shared:
            n = g.a.shape[0] if isinstance(g, LinearGradient) else (
                g.sample_rows.numel() if isinstance(g, EmbeddingGradient) else -1)
            if n != b:
                raise ValueError(f"levels: 'exact' needs each shared Linear and Embedding called once per step on one "
                                 f"row per sample ({b} user codes), got {n} rows")
        _, local_inverse = torch.unique(users.to(shared[0].tensors()[0].device), return_inverse=True)
        out["grams"]["exact"] = exact_grams(shared, local_inverse, int(local_inverse.max()) + 1)
    return out


class Window:
    """A geometry window's running sums per user code (float32, as the C++ core sums them): the Gram
    matrices at each level, the embedding-level Gram and fit sums for the least-squares weights,
    and the sample counts. Sums start from zero at each window."""

    def __init__(self, users, tasks, levels, fit):
        self.users, self.tasks, self.levels, self.fit_enabled = users, tasks, list(levels), fit
        self.reset()

    def reset(self):
        n, k = self.users, self.tasks
        self.grams = [torch.zeros(n, k, k) for _ in self.levels]
        self.fit_gram = torch.zeros(n, k, k)
        self.fit = torch.zeros(n, k)
        self.count = torch.zeros(n, dtype=torch.int64)

    def add(self, users, counts, grams, fit_gram=None, fit=None):
        """users: codes [n]; counts [n]; grams: level -> [n, K, K]; fit_gram/fit: [n, K, K] and [n, K]."""
        users = users.cpu()
        self.count.index_add_(0, users, counts.cpu())
        for level, sums in zip(self.levels, self.grams):
            sums.index_add_(0, users, grams[level].float().cpu())
        if fit_gram is not None:
            self.fit_gram.index_add_(0, users, fit_gram.float().cpu())
            self.fit.index_add_(0, users, fit.float().cpu())

    def snapshot(self, step, start):
        """The window's record: per level cosine [U, P], grad_norm and magnitude_ratio [U, K];
        weight [U, K]; count [U]. NaN for users not seen."""
        levels = []
        for sums in self.grams:
            cos, norm, ratio = geometry.entity_geometry(sums.double(), self.count)
            levels.append({"cosine": cos.float().numpy(), "grad_norm": norm.float().numpy(),
                           "magnitude_ratio": ratio.float().numpy()})
        if self.fit_enabled:
            weight = geometry.least_squares_weights(self.fit_gram.double(), self.fit.double())
        else:
            weight = torch.full((self.users, self.tasks), float("nan"), dtype=torch.float64)
        weight[self.count == 0] = float("nan")
        return {"snapshot_step": step, "window_start": start, "levels": levels,
                "weight": weight.float().numpy(), "count": self.count.to(torch.int32).numpy()}
