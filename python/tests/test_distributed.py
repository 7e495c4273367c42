"""The recorder under torch.distributed (gloo on the loopback interface): two ranks, each with half
of every global batch, record the same trace as one process over the whole batches; a rank that
dies makes the other exit with a message instead of hanging."""
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

import seesaw
from models import TinyMMoE, batches, task_losses
from test_geometry import TASKS, read

STEPS, BATCH = 7, 16
HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(path, rank=0, world=1):
    """Trains TinyMMoE on the global batches, this rank's slice of each, and records it."""
    torch.manual_seed(0)
    model = TinyMMoE()
    trained = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    part = BATCH // world
    with seesaw.Recorder(path, trained, TASKS, shared=[model.user, model.item, model.experts], user_embedding=model.user,
                         representation=model.experts, snapshot_every=3, optimizer=opt) as rec:
        for user, item, dense, labels in batches(STEPS, batch=BATCH, users=10):
            mine = slice(rank * part, (rank + 1) * part)
            user, item, dense, labels = user[mine], item[mine], dense[mine], labels[mine]
            out = trained(user, item, dense)
            losses = torch.stack([torch.nn.functional.binary_cross_entropy_with_logits(out[:, k], labels[:, k])
                                  for k in range(3)])
            with rec.step(losses, users=user):
                opt.zero_grad()
                losses.sum().backward()
            opt.step()
            rec.evaluate("valid", scores=out.detach(), labels=labels, users=user)


def rank_main(rank, world, port, path):
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world,
                            timeout=timedelta(seconds=60))
    try:
        run(path, rank, world)
    finally:
        dist.destroy_process_group()


def test_two_gloo_ranks_record_the_global_batch(tmp_path):
    single, double = str(tmp_path / "single.h5"), str(tmp_path / "double.h5")
    run(single)
    mp.spawn(rank_main, args=(2, free_port(), double), nprocs=2, join=True)
    a, b = read(single), read(double)
    assert b["state"] == 1 and len(b["step"]) == STEPS and list(b["snapshot_step"]) == [3, 6, 7]
    for name in ("loss", "grad_norm", "magnitude_ratio", "weight", "cosine", "module_cosine"):
        np.testing.assert_allclose(b[name], a[name], rtol=1e-5, atol=1e-6, err_msg=name)
    np.testing.assert_array_equal(b["count"], a["count"])
    for level in ("embedding", "representation"):
        for name in ("cosine", "grad_norm", "magnitude_ratio"):
            np.testing.assert_allclose(b[f"{level}/{name}"], a[f"{level}/{name}"], rtol=1e-5, atol=1e-6,
                                       err_msg=f"{level}/{name}")
    np.testing.assert_allclose(b["user_weight"], a["user_weight"], rtol=1e-4, atol=1e-5)
    import h5py
    with h5py.File(double, "r", swmr=True) as f:
        assert int(f.attrs["world_size"]) == 2 and f.attrs["backend"] == b"gloo"
        with h5py.File(single, "r", swmr=True) as g:
            n = int(f["status/valid_evals"][()])
            assert n == STEPS
            np.testing.assert_allclose(f["eval/valid/auc"][:n], g["eval/valid/auc"][:n], rtol=1e-6)


RANK = r"""
import os, signal, sys, torch, torch.distributed as dist
from datetime import timedelta
sys.path[:0] = [sys.argv[2], sys.argv[3]]
import seesaw
from models import TinyMMoE, batches, task_losses
dist.init_process_group("gloo", timeout=timedelta(seconds=int(sys.argv[4])))
rank = dist.get_rank()
torch.manual_seed(0)
model = TinyMMoE()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
with seesaw.Recorder(sys.argv[1], model, ["a", "b", "c"], shared=[model.user, model.experts], user_embedding=model.user,
                     snapshot_every=2) as rec:
    for step, (user, item, dense, labels) in enumerate(batches(100), 1):
        if rank == 1 and step == 5:
            os.kill(os.getpid(), signal.SIGKILL)
        losses = task_losses(model, user[rank::2], item[rank::2], dense[rank::2], labels[rank::2])
        with rec.step(losses, users=user[rank::2]):
            opt.zero_grad(); losses.sum().backward()
        opt.step()
"""


def test_a_dead_rank_makes_the_others_exit_with_a_message(tmp_path, seesaw_trace):
    path = str(tmp_path / "dead.h5")
    env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()), WORLD_SIZE="2")
    ranks = [subprocess.Popen([sys.executable, "-c", RANK, path, os.path.dirname(HERE), HERE, "60"],
                              env=dict(env, RANK=str(r)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for r in range(2)]
    started = time.monotonic()
    try:
        _, err = ranks[0].communicate(timeout=90)
    except subprocess.TimeoutExpired:
        for p in ranks:
            p.kill()
        pytest.fail("rank 0 hung after rank 1 died")
    ranks[1].wait(timeout=30)
    assert ranks[1].returncode == -9
    assert ranks[0].returncode != 0
    assert time.monotonic() - started < 90
    assert "rank 0 of 2" in err and "failed (another rank died or timed out)" in err, err[-2000:]
    done = subprocess.run([seesaw_trace, "validate", path], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    got = read(path)
    assert got["state"] == 3 and list(got["step"]) == [1, 2, 3, 4]
