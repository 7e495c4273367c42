#!/usr/bin/env python3
"""A plain PyTorch MMoE on the KuaiRand demo data, recorded to a Seesaw trace.

It shows that any PyTorch training loop, single-process or under torch.distributed, writes the
traces that `seesaw-train` writes: the same data, tasks, features, time split and model as the
`demo` preset (resources/configs/demo.json, docs/data.md), so that its trace and the one of
`seesaw-train demo` can be compared side by side. The loop is the loop's own; the recorder only
watches it (python/seesaw/recorder.py):

    with rec.step(losses, users=user_codes):   # every task's gradient, before backward
        losses.sum().backward()                # the loop's own method
    optimizer.step()

Two methods: `ew` (equal weights, the sum of the losses) and `pcgrad` (PCGrad, Yu et al. 2020,
written here in plain PyTorch).

Run from the repository root (PYTHONPATH is optional: the script finds python/seesaw itself):

    python3 python/examples/mmoe_kuairand.py --method pcgrad
    python3 python/examples/mmoe_kuairand.py --method ew --world-size 2     # 2 gloo ranks, spawned

or start each rank yourself (torchrun sets the same variables):

    export WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29511
    RANK=0 python3 python/examples/mmoe_kuairand.py & RANK=1 python3 python/examples/mmoe_kuairand.py

The trace is written while training runs (default runs/pytorch-mmoe-<method>.h5), so

    build/seesaw runs/pytorch-mmoe-pcgrad.h5

tails it live.
"""
import argparse
import csv
import gzip
import math
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn import functional as F
from torch.nn.parallel import DistributedDataParallel

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python"))
import seesaw  # noqa: E402

DATA = REPO / "resources/data/kuairand-27k-likehate-subset/kuairand27k_likehate_kcore15.tsv.gz"
# As the kuairand preset reads the like/hate subset: `label` (liked 1, hated 0) stands in for is_like.
TASKS = ["is_click", "long_view", "label"]
FIELDS = {"user": "user_id", "item": "video_id", "hourmin": "hourmin"}  # field name -> column
DENSE = ["duration_ms"]  # not play_time_ms: it leaks long_view and is_click
DEMO = {"batch": 512, "lr": 1e-3, "epochs": 8, "eval_every": 100, "seed": 1, "valid": 0.1, "test": 0.1}


# --- data -----------------------------------------------------------------------------------------

@dataclass
class KuaiRand:
    categorical: torch.Tensor  # [N, 3] codes of user, item, hourmin
    dense: torch.Tensor        # [N, 1] standardized with the training rows
    labels: torch.Tensor       # [N, K]
    cardinalities: list
    user_ids: list             # the original user id of each user code
    splits: dict               # train, valid, test -> row indices

    def rows(self, index):
        return self.categorical[index], self.dense[index], self.labels[index]


def read_columns(path, names):
    with gzip.open(path, "rt", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        columns = {name: [] for name in names}
        for row in reader:
            for name in names:
                columns[name].append(row[name])
    return {name: np.asarray(values) for name, values in columns.items()}


def codes_by_first_appearance(values):
    """Contiguous codes numbered in order of first appearance, as seesaw-train numbers them, so
    that user code u is the same user in both traces."""
    vocabulary, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[inverse], vocabulary[order]


def round_half_up(x):
    # Python's round() rounds halves to even; seesaw-train's llround rounds them away from zero.
    return int(math.floor(x + 0.5))


def time_split(users, times, valid, test):
    """seesaw-train's `time` split: per user, the latest rows are test and the ones before them
    validation, and every user keeps at least one training row."""
    order = np.lexsort((times, users))
    starts = np.flatnonzero(np.diff(users[order])) + 1
    parts = {"train": [], "valid": [], "test": []}
    for rows in np.split(order, starts):
        n = rows.size
        n_test = min(n - 1, round_half_up(test * n))
        n_valid = min(n - 1 - n_test, round_half_up(valid * n))
        n_train = n - n_test - n_valid
        parts["train"].append(rows[:n_train])
        parts["valid"].append(rows[n_train:n_train + n_valid])
        parts["test"].append(rows[n_train + n_valid:])
    return {name: torch.from_numpy(np.sort(np.concatenate(p))) for name, p in parts.items()}


def standardize(column, train_rows):
    train = column[train_rows]
    sd = train.std()
    return (column - train.mean()) / (sd if sd > 1e-6 else 1.0)


def load_kuairand(path=DATA, valid=DEMO["valid"], test=DEMO["test"]):
    columns = read_columns(path, list(FIELDS.values()) + DENSE + TASKS + ["time_ms"])
    coded = [codes_by_first_appearance(columns[c]) for c in FIELDS.values()]
    users = coded[0][0]
    splits = time_split(users, columns["time_ms"].astype(np.int64), valid, test)
    dense = np.stack([standardize(columns[c].astype(np.float64), splits["train"].numpy()) for c in DENSE], 1)
    return KuaiRand(
        categorical=torch.from_numpy(np.stack([codes for codes, _ in coded], 1).astype(np.int64)),
        dense=torch.from_numpy(dense.astype(np.float32)),
        labels=torch.from_numpy(np.stack([columns[t].astype(np.float32) for t in TASKS], 1)),
        cardinalities=[len(vocabulary) for _, vocabulary in coded],
        user_ids=[str(u) for u in coded[0][1]],
        splits=splits)


def global_batches(rows, batch, seed):
    """Endless global batches: a fresh shuffle of the training rows each epoch, its last batch
    shorter, as seesaw-train draws them. Every rank draws the same ones and takes its slice."""
    generator = torch.Generator().manual_seed(seed)
    while True:
        yield from rows[torch.randperm(rows.numel(), generator=generator)].split(batch)


# --- model ----------------------------------------------------------------------------------------

class MMoE(nn.Module):
    """The demo preset's MMoE: a 16-dim table per field, 4 experts (51 -> 128 -> 64), and per task a
    softmax gate over the experts and a 64 -> 32 -> 1 tower."""

    def __init__(self, cardinalities, dense, tasks, dim=16, experts=4, expert_hidden=(128, 64), tower_hidden=32):
        super().__init__()
        self.tables = nn.ModuleList(nn.Embedding(c, dim) for c in cardinalities)
        for table in self.tables:
            nn.init.normal_(table.weight, 0.0, 0.01)  # small rows keep the first logits near zero
        width = len(cardinalities) * dim + dense
        self.experts = nn.ModuleList(expert(width, expert_hidden) for _ in range(experts))
        self.gates = nn.ModuleList(nn.Linear(width, experts) for _ in range(tasks))
        self.towers = nn.ModuleList(
            nn.Sequential(nn.Linear(expert_hidden[-1], tower_hidden), nn.ReLU(), nn.Linear(tower_hidden, 1))
            for _ in range(tasks))

    def shared_parameters(self):
        return list(self.tables.parameters()) + list(self.experts.parameters())

    def task_parameters(self, task):
        return list(self.gates[task].parameters()) + list(self.towers[task].parameters())

    def forward(self, categorical, dense):
        x = torch.cat([table(categorical[:, f]) for f, table in enumerate(self.tables)] + [dense], 1)
        h = torch.stack([e(x) for e in self.experts], 1)  # [B, E, H]
        logits = [tower((torch.softmax(gate(x), 1).unsqueeze(2) * h).sum(1))
                  for gate, tower in zip(self.gates, self.towers)]
        return torch.cat(logits, 1)


def expert(width, hidden):
    layers = []
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU()]
        width = size
    return nn.Sequential(*layers)


def task_losses(logits, labels):
    """[K] per-task batch means, unweighted: what the recorder measures."""
    return F.binary_cross_entropy_with_logits(logits, labels, reduction="none").mean(0)


# --- gradient methods -----------------------------------------------------------------------------

def sum_over_ranks(tensors):
    """The tensors summed over ranks, in one all_reduce."""
    if not (dist.is_initialized() and dist.get_world_size() > 1):
        return tensors
    flat = torch.cat([t.reshape(-1) for t in tensors])
    dist.all_reduce(flat)
    return [part.view_as(t) for part, t in zip(flat.split([t.numel() for t in tensors]), tensors)]


def ew_backward(losses, share, world):
    # DDP averages the ranks' gradients of their own batch means; weighting each rank by its
    # slice's share of the global batch makes that average the global batch's mean even when the
    # last batch of an epoch does not split evenly.
    (losses.sum() * share * world).backward()


def pcgrad_backward(losses, model, share, generator):
    """PCGrad's update in .grad: the global batch's task gradients on the shared parameters, each
    projected off the tasks it conflicts with, summed; each task's own parameters get its gradient."""
    shared = model.shared_parameters()
    k = losses.numel()
    grads = []
    for task in range(k):
        grads += torch.autograd.grad(losses[task] * share, shared + model.task_parameters(task),
                                     retain_graph=task < k - 1)
    # Every rank projects the same global-batch gradients (the slices' shares add up to its mean),
    # so every rank applies the same update without DDP.
    grads = sum_over_ranks(grads)
    per_task = len(grads) // k
    task_grads = [grads[t * per_task:(t + 1) * per_task] for t in range(k)]
    flat = torch.stack([torch.cat([g.reshape(-1) for g in tg[:len(shared)]]) for tg in task_grads])
    update = pcgrad(flat, generator)
    for p, g in zip(shared, update.split([p.numel() for p in shared])):
        p.grad = g.view_as(p)
    for task, tg in enumerate(task_grads):
        for p, g in zip(model.task_parameters(task), tg[len(shared):]):
            p.grad = g


def pcgrad(g, generator):
    """g: [K, P] task gradients -> the sum of the projected gradients [P]. Each task is projected,
    in a fresh random order of the others, off every task it conflicts with at that point, always
    onto the normal plane of the other task's original gradient."""
    k = g.shape[0]
    update = torch.zeros_like(g[0])
    for i in range(k):
        gi = g[i].clone()
        for j in torch.randperm(k, generator=generator).tolist():
            if j == i:
                continue
            dot = gi @ g[j]
            if dot < 0:  # (implies g_j != 0)
                gi -= dot / (g[j] @ g[j]) * g[j]
        update += gi
    return update


# --- training -------------------------------------------------------------------------------------

def make_recorder(args, model, mmoe, optimizer, data):
    tables = dict(zip((f"embedding.{f}" for f in FIELDS), mmoe.tables))
    experts = {f"expert{e}": m for e, m in enumerate(mmoe.experts)}
    return seesaw.Recorder(
        args.out, model, TASKS,
        shared={**tables, **experts},  # named as seesaw-train names its shared modules
        user_embedding=mmoe.tables[0], representation=mmoe.experts, levels=["embedding", "representation"],
        snapshot_every=args.snapshot_every, user_ids=data.user_ids, optimizer=optimizer,
        method=args.method, config=vars(args), total_steps=args.steps, batch_size=args.batch,
        train_rows=data.splits["train"].numel(), valid_rows=data.splits["valid"].numel(),
        test_rows=data.splits["test"].numel(), data_items=data.cardinalities[1],
        label_means=data.labels.mean(0).tolist())


@torch.no_grad()
def evaluate(rec, mmoe, data, split, rank, world):
    # Each rank scores its slice; the recorder gathers them and computes AUC, GAUC and logloss.
    categorical, dense, labels = data.rows(data.splits[split].tensor_split(world)[rank])
    rec.evaluate(split, scores=mmoe(categorical, dense), labels=labels, users=categorical[:, 0])


def train(args, rank=0, world=1):
    torch.set_num_threads(args.threads or max(1, (os.cpu_count() or 1) // world))
    data = load_kuairand()
    steps_per_epoch = math.ceil(data.splits["train"].numel() / args.batch)
    args.steps = args.steps or DEMO["epochs"] * steps_per_epoch
    torch.manual_seed(args.seed)  # the same initial model on every rank
    mmoe = MMoE(data.cardinalities, data.dense.shape[1], len(TASKS))
    # PCGrad needs every task's gradient on its own, which DDP's fused backward does not give.
    model = DistributedDataParallel(mmoe) if world > 1 and args.method == "ew" else mmoe
    optimizer = torch.optim.Adam(mmoe.parameters(), lr=args.lr)
    generator = torch.Generator().manual_seed(args.seed)  # PCGrad's task orders, alike on every rank
    if rank == 0:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        print(f"{args.method}: {args.steps} steps of {args.batch} rows ({steps_per_epoch} per epoch) "
              f"on {world} rank(s) -> {args.out}", flush=True)
    started = time.monotonic()
    batches = global_batches(data.splits["train"], args.batch, args.seed)
    with make_recorder(args, model, mmoe, optimizer, data) as rec:
        for step in range(1, args.steps + 1):
            rows = next(batches)
            mine = rows.tensor_split(world)[rank]
            share = mine.numel() / rows.numel()
            categorical, dense, labels = data.rows(mine)
            losses = task_losses(model(categorical, dense), labels)
            optimizer.zero_grad(set_to_none=True)
            with rec.step(losses, users=categorical[:, 0]) as measured:
                if args.method == "pcgrad":
                    pcgrad_backward(losses, mmoe, share, generator)
                else:
                    ew_backward(losses, share, world)
            optimizer.step()
            if step % 50 == 0 or step == args.steps:
                report(step, args.steps, measured.loss, rank, started)
            if args.eval_every and step % args.eval_every == 0 and step < args.steps:
                evaluate(rec, mmoe, data, "valid", rank, world)
        evaluate(rec, mmoe, data, "valid", rank, world)
        evaluate(rec, mmoe, data, "test", rank, world)
    if rank == 0:
        print(f"trace: {args.out}  (open it with: build/seesaw {args.out})", flush=True)


def report(step, steps, losses, rank, started):
    """losses: the global batch's, as the recorder measured them (not rank 0's slice)."""
    if rank == 0:
        text = "  ".join(f"{t} {v:.4f}" for t, v in zip(TASKS, losses.tolist()))
        print(f"step {step}/{steps}  {text}  ({time.monotonic() - started:.1f} s)", flush=True)


# --- processes ------------------------------------------------------------------------------------

def run_rank(rank, world, args, init_method):
    dist.init_process_group("gloo", init_method=init_method, rank=rank, world_size=world)
    try:
        train(args, rank, world)
    finally:
        dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="the trace (default: runs/pytorch-mmoe-<method>.h5)")
    parser.add_argument("--method", choices=["ew", "pcgrad"], default="ew")
    parser.add_argument("--steps", type=int, default=0,
                        help=f"training steps (default: {DEMO['epochs']} epochs, as the demo preset)")
    parser.add_argument("--batch", type=int, default=DEMO["batch"], help="global batch size, over all ranks")
    parser.add_argument("--lr", type=float, default=DEMO["lr"], help="Adam's learning rate")
    parser.add_argument("--snapshot-every", type=int, default=50, help="steps per per-user geometry window")
    parser.add_argument("--eval-every", type=int, default=DEMO["eval_every"],
                        help="steps between validation passes (0: only at the end)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads per rank (default: cores / ranks)")
    parser.add_argument("--seed", type=int, default=DEMO["seed"])
    parser.add_argument("--world-size", type=int, default=1,
                        help="ranks to spawn on this machine (gloo); ignored when RANK and WORLD_SIZE are set")
    args = parser.parse_args(argv)
    args.out = args.out or f"runs/pytorch-mmoe-{args.method}.h5"
    return args


def main():
    args = parse_args()
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:  # started per rank (torchrun or by hand)
        args.world_size = int(os.environ["WORLD_SIZE"])
        run_rank(int(os.environ["RANK"]), args.world_size, args, "env://")
    elif args.world_size > 1:
        init_method = f"tcp://127.0.0.1:{free_port()}"
        mp.spawn(run_rank, args=(args.world_size, args, init_method), nprocs=args.world_size)
    else:
        train(args)


if __name__ == "__main__":
    main()
