"""The recorder under torch.distributed: every rank measures its part of the global batch, the
parts are added across ranks, and every rank ends up with the global batch's geometry (rank 0
writes it). Collectives run in the recorder's process group, on the tensors' own device (gloo on
the CPU, nccl on GPUs).

A collective that fails (a rank died, a timeout) raises PeerLost, which names the collective, so
that the recorder can close its trace as failed and the loop can exit instead of hanging.
"""
import torch
import torch.distributed as dist

from .task_gradients import EmbeddingGradient


class PeerLost(RuntimeError):
    pass


class Ranks:
    """The ranks a recorder measures over: one process without torch.distributed."""

    def __init__(self, group=None):
        self.active = dist.is_available() and dist.is_initialized()
        self.group = group
        self.rank = dist.get_rank(group) if self.active else 0
        self.size = dist.get_world_size(group) if self.active else 1
        self.backend = dist.get_backend(group) if self.active else ""

    @property
    def distributed(self):
        return self.size > 1

    def _run(self, what, call):
        try:
            return call()
        except RuntimeError as e:
            raise PeerLost(f"rank {self.rank} of {self.size}: the {what} across ranks failed "
                           f"(another rank died or timed out): {e}") from e

    def _device(self, tensor):
        """Where a collective on tensor runs: NCCL reduces CUDA tensors only."""
        if self.backend == "nccl" and tensor.device.type != "cuda":
            return torch.device("cuda", torch.cuda.current_device())
        return tensor.device

    def all_sum(self, tensor, what):
        """The sum over ranks, in place."""
        if self.distributed:
            on = tensor.to(self._device(tensor))
            self._run(what, lambda: dist.all_reduce(on, group=self.group))
            if on is not tensor:
                tensor.copy_(on)
        return tensor

    def all_cat(self, tensor, what):
        """Every rank's tensor concatenated along dim 0, in rank order (their lengths may differ)."""
        if not self.distributed:
            return tensor
        home, tensor = tensor.device, tensor.to(self._device(tensor))
        length = torch.tensor([tensor.shape[0]], device=tensor.device)
        lengths = [torch.zeros_like(length) for _ in range(self.size)]
        self._run(what, lambda: dist.all_gather(lengths, length, group=self.group))
        lengths = [int(n) for n in lengths]
        longest = max(lengths)
        padded = tensor.new_zeros((longest,) + tuple(tensor.shape[1:]))
        padded[:tensor.shape[0]] = tensor
        parts = [torch.zeros_like(padded) for _ in range(self.size)]
        self._run(what, lambda: dist.all_gather(parts, padded.contiguous(), group=self.group))
        return torch.cat([p[:n] for p, n in zip(parts, lengths)]).to(home)

    def sum_rows(self, rows, values, what):
        """Rows keyed by index, [n] and [K, n, ...], added up over ranks by key: (keys sorted, sums)."""
        rows = self.all_cat(rows, what)
        values = self.all_cat(values.transpose(0, 1).contiguous(), what).transpose(0, 1)
        keys, inverse = torch.unique(rows, return_inverse=True)
        sums = values.new_zeros((values.shape[0], keys.numel()) + tuple(values.shape[2:]))
        return keys, sums.index_add_(1, inverse, values)

    def reduce_gradients(self, gradients):
        """The global batch's task gradients from every rank's scaled part, route by route."""
        if not self.distributed:
            return gradients
        for g in gradients:
            if isinstance(g, EmbeddingGradient):
                g.rows, g.values = self.sum_rows(g.rows, g.values, "embedding-row gradient gather")
            else:
                for t in g.tensors():
                    self.all_sum(t, "task-gradient all-reduce")
        return gradients

