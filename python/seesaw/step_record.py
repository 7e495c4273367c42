"""One step's record for /steps (docs/trace-format.md) from the step's Gram matrices."""
import numpy as np
import torch

from . import geometry
from .trace_file import FLAG_NON_FINITE, FLAG_ZERO_GRADIENT


def step_record(step, epoch, wall_time, lr, loss, gram, module_grams, weights):
    """loss [K], gram [K, K] on all shared parameters, module_grams [M, K, K], weights [K]: the
    values of every /steps series at this step (float64 in, the trace's types out)."""
    k = gram.shape[0]
    rows, cols = geometry.pair_index(k)
    flags = 0
    if not (torch.isfinite(loss).all() and torch.isfinite(gram).all()):
        flags |= FLAG_NON_FINITE
    if (gram.diagonal() == 0).any():
        flags |= FLAG_ZERO_GRADIENT
    return {"step": np.int64(step), "epoch": np.float64(epoch), "wall_time": np.float64(wall_time),
            "lr": np.float64(lr), "flags": np.uint32(flags), "loss": loss.float().numpy(),
            "grad_norm": geometry.norms(gram).float().numpy(), "cosine": geometry.cosines(gram).float().numpy(),
            "magnitude_ratio": geometry.magnitude_ratios(gram).float().numpy(), "weight": weights.float().numpy(),
            "module_cosine": geometry.cosines(module_grams)[:, rows, cols].float().numpy(),
            "method_state": np.zeros(0, np.float32)}
