"""Every task's gradient on the shared parameters at one step, route by route (capture.py), and
what the recorder derives from them: Gram matrices, the fit of the applied gradient, table rows.

Under torch.distributed each rank holds the gradient of its own batch mean; `scale` (the rank's
share of the global batch) turns it into its part of the global batch's gradient, and the
reduction (distributed.py) adds the ranks' parts, so that everything below is the global batch's.
"""
import warnings

import torch


class LinearGradient:
    """A Linear's task gradients: weight [K, out, in], bias [K, out] or None; per sample the inputs
    a [N, in] and output gradients d [K, N, out] (N: the calls' rows, concatenated)."""

    def __init__(self, a, d, has_bias):
        self.a, self.d = a, d
        # one product per task on the transposed view: a batched matmul would copy `a` K times, and
        # one product over the K tasks' rows would first copy d transposed (slower than the products)
        self.weight = d.new_empty(d.shape[0], d.shape[2], a.shape[1])
        for k in range(d.shape[0]):
            torch.mm(d[k].T, a, out=self.weight[k])
        self.bias = d.sum(1) if has_bias else None

    def tensors(self):
        return [self.weight] + ([self.bias] if self.bias is not None else [])

    def gram(self):
        return sum(_gram(t) for t in self.tensors())

    def fit(self, applied):
        return sum(_fit(t, c) for t, c in zip(self.tensors(), applied))


class EmbeddingGradient:
    """A table's task gradients on the rows the batch touched: rows [n] (sorted), values [K, n, dim];
    the table's gradient is zero elsewhere. Per sample: the looked-up rows [N] and their output
    gradients [K, N, dim]."""

    def __init__(self, indices, grads, padding_idx):
        self.sample_rows, self.sample_grads, self.padding_idx = indices, grads, padding_idx
        if padding_idx is not None:  # the padding row never receives a gradient
            keep = indices != padding_idx
            indices, grads = indices[keep], grads[:, keep]
        self.rows, inverse = torch.unique(indices, return_inverse=True)
        self.values = grads.new_zeros(grads.shape[0], self.rows.numel(), grads.shape[2]).index_add_(1, inverse, grads)

    def tensors(self):
        return [self.values]

    def gram(self):
        return _gram(self.values)

    def fit(self, applied):
        if applied[0] is None:
            return self.values.new_zeros(self.values.shape[0])
        return _fit(self.values, dense(applied[0]).index_select(0, self.rows))

    def rows_at(self, users):
        """The task gradients of the given table rows, [K, len(users), dim]; zero for rows not touched."""
        if self.rows.numel() == 0:
            return self.values.new_zeros(self.values.shape[0], users.numel(), self.values.shape[2])
        at = torch.searchsorted(self.rows, users).clamp(max=self.rows.numel() - 1)
        found = (self.rows[at] == users).to(self.values.dtype)
        return self.values[:, at] * found[None, :, None]


class ParamGradient:
    """Parameters' full task gradients, [K, *shape] each."""

    def __init__(self, grads):
        self.grads = grads

    def tensors(self):
        return self.grads

    def gram(self):
        return sum(_gram(g) for g in self.grads)

    def fit(self, applied):
        return sum(_fit(g, c) for g, c in zip(self.grads, applied))

    def rows_at(self, users):
        return self.grads[0].index_select(1, users)


def dense(grad):
    """A table's gradient as a dense tensor (an nn.Embedding with sparse=True gives a sparse one)."""
    return grad.coalesce().to_dense() if grad.is_sparse else grad


def _gram(t):
    flat = t.reshape(t.shape[0], -1)
    return flat @ flat.T


def _fit(t, applied):
    """<g_k, c> per task for one tensor; an absent .grad is a zero gradient."""
    if applied is None:
        return t.new_zeros(t.shape[0])
    return t.reshape(t.shape[0], -1) @ applied.reshape(-1).to(t.dtype)


def grad_inputs(routes, representation_taps):
    """The tensors to differentiate each task's loss by this step, and how to read the results back:
    per route ("calls", calls) when its module's outputs can be used, else ("param", params); then
    the representation's outputs, with the name of the module of each."""
    inputs, plan = [], []
    for route in routes:
        calls = route.tap.live_calls() if route.tap is not None else []
        if calls:
            plan.append(("calls", calls))
            inputs.extend(c.output for c in calls)
        else:
            plan.append(("param", route.params))
            inputs.extend(route.params)
    rep_outputs = [(tap.name, c.output) for tap in representation_taps for c in tap.calls]
    return inputs, plan, rep_outputs


class TaskGradients:
    """Every task's gradient with respect to a list of tensors. One backward pass batched over the
    tasks (torch.autograd.grad with is_grads_batched: each product of the pass runs once on the K
    tasks' rows together) where torch can batch every operation of the model's graph; otherwise,
    from the first failure on, one backward pass per task."""

    def __init__(self):
        self.batched = True
        self.fallback_reason = None

    def __call__(self, losses, inputs):
        """losses: the K tasks' scalar losses; inputs: the tensors to differentiate them by."""
        if self.batched:
            try:
                return _batched_gradients(losses, inputs)
            except RuntimeError as e:
                if "backward through the graph a second time" in str(e):
                    raise
                self.batched = False
                self.fallback_reason = str(e).splitlines()[0]
        return _per_task_gradients(losses, inputs)


def _batched_gradients(losses, inputs):
    k = len(losses)
    eye = torch.eye(k, dtype=losses[0].dtype, device=losses[0].device)
    with warnings.catch_warnings():
        # vmap's note that an operation runs in a loop: slower, still right
        warnings.filterwarnings("ignore", message=".*batching rule.*")
        warnings.filterwarnings("ignore", message=".*is_grads_batched.*")
        got = torch.autograd.grad(losses, inputs, grad_outputs=list(eye), retain_graph=True, allow_unused=True,
                                  is_grads_batched=True)
    return list(got)


def _per_task_gradients(losses, inputs):
    """For each input, the stacked task gradients [K, *input.shape], or None where no task's loss
    depends on it (a module output of another forward pass, say an evaluation with grad enabled)."""
    k = len(losses)
    grads = [[] for _ in inputs]
    for task in range(k):
        got = torch.autograd.grad(losses[task], inputs, retain_graph=True, allow_unused=True)
        for i, g in enumerate(got):
            grads[i].append(g)
    stacked = []
    for i, per_task in enumerate(grads):
        if all(g is None for g in per_task):
            stacked.append(None)
        else:
            stacked.append(torch.stack([torch.zeros_like(inputs[i]) if g is None else g for g in per_task]))
    return stacked


def assemble(routes, plan, grads, scale):
    """Per route its gradient object, from the stacked gradients in plan order (scaled)."""
    out, at = [], 0
    for route, (kind, items) in zip(routes, plan):
        n = len(items)
        got = grads[at:at + n]
        at += n
        if kind == "param":
            k = next((g.shape[0] for g in grads if g is not None), 0)
            out.append(ParamGradient([_scaled(g, scale) if g is not None else p.new_zeros((k,) + p.shape)
                                      for g, p in zip(got, items)]))
            continue
        # the calls of this step's loss: a forward pass whose output the losses do not use is not
        used = [(c, _scaled(g, scale)) for c, g in zip(items, got) if g is not None]
        if not used:
            k = next((g.shape[0] for g in grads if g is not None), 0)
            out.append(ParamGradient([p.new_zeros((k,) + p.shape) for p in route.params]))
        elif route.kind == "linear":
            a = _joined([c.inputs.detach().reshape(-1, c.inputs.shape[-1]) for c, _ in used], 0)
            d = _joined([g.reshape(g.shape[0], -1, g.shape[-1]) for _, g in used], 1)
            out.append(LinearGradient(a.to(d.dtype), d, route.tap.module.bias is not None))
        else:
            indices = _joined([c.inputs.detach().reshape(-1) for c, _ in used], 0)
            d = _joined([g.reshape(g.shape[0], -1, g.shape[-1]) for _, g in used], 1)
            out.append(EmbeddingGradient(indices, d, route.tap.module.padding_idx))
    return out, at


def _joined(parts, dim):
    """The calls' rows together; the usual single call is not copied."""
    return parts[0] if len(parts) == 1 else torch.cat(parts, dim)


def _scaled(g, scale):
    return g * scale if scale != 1.0 else g
