#!/usr/bin/env python3
"""Cost of the Python recorder on W1 (docs/benchmarks.md) written in plain PyTorch.

The W1 MMoE of bench/w1_pytorch.py, EW training (one backward of the summed loss, Adam), 2 threads,
in these modes, run interleaved step by step so that the machine's drift hits all alike:
  ew        the plain training step
  steps     + the recorder with step geometry only (no per-user levels), writing its trace
  loop      steps, with one backward pass per task (the losses passed as a list of scalars)
            instead of one pass batched over the tasks
  users     + the embedding and representation levels (snapshots every 50 steps), writing
  nowriter  users with the writer thread's work dropped (what the writer adds)

Prints one line per mode, `recorder-w1 mode=<m> ms_per_step=<median>`, then the ratios
`recorder-w1-ratio steps/ew=<r> users/ew=<r> users/nowriter=<r>`.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seesaw  # noqa: E402
from w1_pytorch import MMoE  # noqa: E402

CARDS = [20000, 10000, 100, 100, 100, 100]
TASKS = ["click", "like", "follow"]
LEVELS = {"steps": [], "loop": [], "users": ["embedding", "representation"], "nowriter": ["embedding", "representation"]}


class Setup:
    """One mode's model, optimizer and recorder, on the same data as every other mode."""

    def __init__(self, mode, folder):
        torch.manual_seed(7)
        self.model = MMoE(CARDS, 8)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.rec = None
        self.listed = mode == "loop"
        if mode != "ew":
            m = self.model
            self.rec = seesaw.Recorder(os.path.join(folder, f"{mode}.h5"), m, TASKS, shared=[m.tables, m.experts],
                                       user_embedding=m.tables[0], representation=m.experts,
                                       levels=LEVELS[mode],
                                       snapshot_every=50, optimizer=self.opt)
            if mode == "loop":
                self.rec.task_gradients.batched = False
            if mode == "nowriter":
                self.rec.writer.finish(seesaw.recorder.ABORTED, "benchmark: the writer's work is dropped")
                self.rec.writer = None

    def step(self, cat, dense, labels):
        out = self.model(cat, dense)
        scalars = [nn.functional.binary_cross_entropy_with_logits(out[:, k], labels[:, k]) for k in range(3)]
        losses = torch.stack(scalars)
        self.opt.zero_grad()
        if self.rec is None:
            losses.sum().backward()
            losses.detach().tolist()
        else:
            with self.rec.step(scalars if self.listed else losses, users=cat[:, 0]):
                losses.sum().backward()
        self.opt.step()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=2048)
    parser.add_argument("--modes", default="ew,steps,loop,users,nowriter")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    modes = args.modes.split(",")
    torch.manual_seed(7)
    n = args.batch * (args.steps + args.warmup)
    cat = torch.stack([torch.randint(0, c, (n,)) for c in CARDS], 1)
    dense = torch.randn(n, 8)
    labels = (torch.rand(n, 3) > 0.5).float()
    times = {m: [] for m in modes}
    with tempfile.TemporaryDirectory() as folder:
        setups = {m: Setup(m, folder) for m in modes}
        for step in range(args.steps + args.warmup):
            rows = slice(step * args.batch, (step + 1) * args.batch)
            for m in modes:
                t0 = time.perf_counter()
                setups[m].step(cat[rows], dense[rows], labels[rows])
                if step >= args.warmup:
                    times[m].append(time.perf_counter() - t0)
        for s in setups.values():
            if s.rec is not None:
                s.rec.close()
    ms = {m: 1e3 * statistics.median(times[m]) for m in modes}
    for m in modes:
        print(f"recorder-w1 mode={m} ms_per_step={ms[m]:.2f}", flush=True)
    ratios = [f"{a}/{b}={ms[a] / ms[b]:.3f}" for a, b in (("steps", "ew"), ("users", "ew"), ("users", "nowriter"))
              if a in ms and b in ms]
    print("recorder-w1-ratio " + " ".join(ratios))


if __name__ == "__main__":
    main()
