#!/usr/bin/env python3
"""Benchmark W1 written in PyTorch with Python: the reference that seesaw-bench-w1 is compared with.

The same workload as bench/w1.cpp: MMoE with 4 experts (104 -> 128 -> 64), a softmax gate and a
64 -> 32 -> 1 tower per task, 6 categorical fields embedded in 16 dimensions plus 8 dense features,
3 binary tasks, batch 2048, Adam lr 1e-3, float32, 2 threads. Written as a PyTorch user would write
it: nn.Embedding per field, nn.ModuleList of experts, torch.autograd.grad per task for `analyze`.

Prints `W1-pytorch mode=<m> samples_per_s=<x> ms_per_step=<y>` per mode.
"""
import argparse
import statistics
import time

import torch
from torch import nn


class MMoE(nn.Module):
    def __init__(self, cardinalities, dense, dim=16, experts=4, tasks=3):
        super().__init__()
        self.tables = nn.ModuleList(nn.Embedding(c, dim) for c in cardinalities)
        for t in self.tables:
            nn.init.normal_(t.weight, 0.0, 0.01)
        width = len(cardinalities) * dim + dense
        self.experts = nn.ModuleList(
            nn.Sequential(nn.Linear(width, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU()) for _ in range(experts))
        self.gates = nn.ModuleList(nn.Linear(width, experts) for _ in range(tasks))
        self.towers = nn.ModuleList(
            nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1)) for _ in range(tasks))

    def shared_parameters(self):
        return list(self.tables.parameters()) + list(self.experts.parameters())

    def task_parameters(self, k):
        return list(self.gates[k].parameters()) + list(self.towers[k].parameters())

    def forward(self, cat, dense):
        x = torch.cat([t(cat[:, f]) for f, t in enumerate(self.tables)] + [dense], 1)
        h = torch.stack([e(x) for e in self.experts], 1)
        out = []
        for gate, tower in zip(self.gates, self.towers):
            g = torch.softmax(gate(x), 1).unsqueeze(1)
            out.append(tower(torch.bmm(g, h).squeeze(1)))
        return torch.cat(out, 1)


def run(mode, steps, warmup, batch):
    torch.manual_seed(7)
    cards = [20000, 10000, 100, 100, 100, 100]
    n = batch * (steps + warmup)
    cat = torch.stack([torch.randint(0, c, (n,)) for c in cards], 1)
    dense = torch.randn(n, 8)
    labels = (torch.rand(n, 3) > 0.5).float()
    model = MMoE(cards, 8)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    shared = model.shared_parameters()
    times = []
    for step in range(steps + warmup):
        t0 = time.perf_counter()
        idx = torch.arange(step * batch, (step + 1) * batch)
        out = model(cat[idx], dense[idx])
        losses = torch.stack([nn.functional.binary_cross_entropy_with_logits(out[:, k], labels[idx, k])
                              for k in range(3)])
        opt.zero_grad()
        if mode == "ew":
            losses.sum().backward()
            losses.detach().tolist()
        else:
            rows = []
            for k in range(3):
                task = model.task_parameters(k)
                grads = torch.autograd.grad(losses[k], shared + task, retain_graph=k < 2, allow_unused=True)
                rows.append(torch.cat([g.reshape(-1) for g in grads[:len(shared)]]))
                for p, g in zip(task, grads[len(shared):]):
                    p.grad = g
            g = torch.stack(rows)
            gram = g @ g.T
            norms = gram.diagonal().sqrt()
            cosine = gram / torch.outer(norms, norms)
            combined = g.sum(0)
            offset = 0
            for p in shared:
                p.grad = combined[offset:offset + p.numel()].view_as(p)
                offset += p.numel()
            torch.cat([losses.detach(), cosine.reshape(-1), norms]).tolist()
        opt.step()
        times.append(time.perf_counter() - t0)
    ms = 1e3 * statistics.median(times[warmup:])
    print(f"W1-pytorch mode={mode} samples_per_s={batch / ms * 1e3:.0f} ms_per_step={ms:.2f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=2048)
    parser.add_argument("--modes", default="ew,analyze")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for mode in args.modes.split(","):
        run(mode, args.steps, args.warmup, args.batch)


if __name__ == "__main__":
    main()
