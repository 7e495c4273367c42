"""What the recorder writes, read by Seesaw's own C++ reader (seesaw-trace), and what it refuses."""
import csv
import io
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
import torch

import seesaw
from models import TinyMMoE, batches, task_losses
from test_geometry import TASKS, read, train


def run_tool(tool, *args):
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=120)


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_cpp_reader_validates_and_exports_the_recorded_numbers(tmp_path, seesaw_trace):
    path = str(tmp_path / "run.h5")
    train(path, 7)
    done = run_tool(seesaw_trace, "validate", path)
    assert done.returncode == 0, done.stdout + done.stderr
    got = read(path)
    steps = csv_rows(run_tool(seesaw_trace, "export", path, "--what", "steps").stdout)
    assert [int(r["step"]) for r in steps] == list(got["step"])
    for t, row in enumerate(steps):
        for k, task in enumerate(TASKS):
            assert float(row[f"loss:{task}"]) == pytest.approx(got["loss"][t][k], rel=1e-6)
            assert float(row[f"grad_norm:{task}"]) == pytest.approx(got["grad_norm"][t][k], rel=1e-6)
        assert float(row[f"cosine:{TASKS[0]}/{TASKS[1]}"]) == pytest.approx(got["cosine"][t][0, 1], rel=1e-6, abs=1e-7)
    for level in ("embedding", "representation", "exact"):
        out = run_tool(seesaw_trace, "export", path, "--what", "users", "--snapshot", "1", "--level", level)
        assert out.returncode == 0, out.stderr
        users = csv_rows(out.stdout)
        assert len(users) == 12
        column = next(c for c in users[0] if c.startswith("cosine:"))
        for u, row in enumerate(users):
            assert int(row["count"]) == got["count"][1][u]
            want = got[f"{level}/cosine"][1][u][0]
            if np.isnan(want):
                assert row[column] in ("", "nan", "NaN")
            else:
                assert float(row[column]) == pytest.approx(want, rel=1e-5, abs=1e-6)
    info = run_tool(seesaw_trace, "info", path).stdout
    assert "finished" in info and "levels embedding (default), representation, exact" in info


def make(tmp_path, **overrides):
    model = TinyMMoE()
    args = dict(shared=[model.user, model.item, model.experts], user_embedding=model.user,
                representation=model.experts, snapshot_every=2)
    args.update(overrides)
    return model, seesaw.Recorder(str(tmp_path / "bad.h5"), model, TASKS, **args)


def test_bad_input_names_the_argument(tmp_path):
    with pytest.raises(ValueError, match=r"shared: item 0 \(shape \[3, 3\]\) is not a parameter of the model"):
        make(tmp_path, shared=[torch.nn.Parameter(torch.zeros(3, 3))])
    with pytest.raises(ValueError, match="levels: unknown level 'users'"):
        make(tmp_path, levels=["users"])
    with pytest.raises(ValueError, match="levels: 'representation' needs representation"):
        make(tmp_path, representation=None, levels=["representation"])
    model = TinyMMoE()
    model.norm = torch.nn.LayerNorm(4)
    with pytest.raises(ValueError, match="levels: 'exact' needs every shared parameter in an nn.Linear or nn.Embedding, "
                                         "but 'norm.weight' is not"):
        seesaw.Recorder(str(tmp_path / "x.h5"), model, TASKS, shared=[model.user, model.norm], user_embedding=model.user,
                        levels=["exact"])
    model, rec = make(tmp_path)
    user, item, dense, labels = next(batches(1))
    losses = task_losses(model, user, item, dense, labels)
    with pytest.raises(ValueError, match=r"losses: expected a \[3\] float tensor .* got \[2\]"):
        rec.step(losses[:2], users=user)
    with pytest.raises(ValueError, match=r"users: user code 12 at position 3 is outside \[0, 12\)"):
        rec.step(losses, users=torch.tensor([0, 1, 2, 12]))
    with pytest.raises(ValueError, match="users: the batch's user codes are needed"):
        rec.step(losses)
    losses.sum().backward()
    with pytest.raises(RuntimeError, match="call rec.step.* before backward"):
        rec.step(losses, users=user)
    rec.close()
    assert read(str(tmp_path / "bad.h5"))["state"] == 1


def test_a_refused_recorder_leaves_no_hook_and_names_an_uncreatable_path(tmp_path):
    model = TinyMMoE()
    with pytest.raises(ValueError, match="levels: unknown level"):
        seesaw.Recorder(str(tmp_path / "x.h5"), model, TASKS, shared=[model.user, model.experts],
                        user_embedding=model.user, representation=model.experts, levels=["nope"])
    with pytest.raises(ValueError, match="path: cannot create the trace .*/missing/x.h5"):
        seesaw.Recorder(str(tmp_path / "missing" / "x.h5"), model, TASKS, shared=[model.user, model.experts])
    assert all(not m._forward_hooks for m in model.modules())


def test_a_process_that_exits_without_close_marks_its_trace_aborted(tmp_path, seesaw_trace):
    path = str(tmp_path / "exit.h5")
    script = CHILD.replace("10 ** 6", "3").replace("time.sleep(0.002)", "pass")
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run([sys.executable, "-c", script, path, os.path.dirname(here), here], check=True, capture_output=True)
    got = read(path)
    assert got["state"] == 4 and list(got["step"]) == [1, 2, 3]
    assert run_tool(seesaw_trace, "validate", path).returncode == 0


def test_non_finite_losses_are_recorded_and_flagged(tmp_path, seesaw_trace):
    model, rec = make(tmp_path)
    for t, (user, item, dense, labels) in enumerate(batches(4)):
        losses = task_losses(model, user, item, dense, labels)
        if t == 2:
            losses = losses * torch.tensor([1.0, float("nan"), 1.0])
        with rec.step(losses, users=user):
            losses.sum().backward()
        model.zero_grad()
    rec.close()
    got = read(str(tmp_path / "bad.h5"))
    assert list(got["flags"] & 1) == [0, 0, 1, 0]
    assert np.isnan(got["loss"][2][1]) and np.isfinite(got["loss"][3]).all()
    assert run_tool(seesaw_trace, "validate", str(tmp_path / "bad.h5")).returncode == 0


CHILD = r"""
import sys, time, torch
sys.path[:0] = [sys.argv[2], sys.argv[3]]
import seesaw
from models import TinyMMoE, batches, task_losses
model = TinyMMoE(users=50)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
rec = seesaw.Recorder(sys.argv[1], model, ["a", "b", "c"], shared=[model.user, model.experts], user_embedding=model.user,
                      representation=model.experts, snapshot_every=25, flush_seconds=1.0)
for step, (user, item, dense, labels) in enumerate(batches(10 ** 6, users=50), 1):
    losses = task_losses(model, user, item, dense, labels)
    with rec.step(losses, users=user):
        opt.zero_grad(); losses.sum().backward()
    opt.step()
    print(step, time.time(), flush=True)
    time.sleep(0.002)
"""


def test_a_killed_training_process_leaves_a_valid_trace(tmp_path, seesaw_trace):
    path = str(tmp_path / "killed.h5")
    here = os.path.dirname(os.path.abspath(__file__))
    child = subprocess.Popen([sys.executable, "-c", CHILD, path, os.path.dirname(here), here], stdout=subprocess.PIPE,
                             text=True)
    printed = []
    for line in child.stdout:  # past the start and a few commits, then at a random moment
        printed.append(line.split())
        if len(printed) == 60:
            break
    assert len(printed) == 60, "the child stopped before training 60 steps"
    time.sleep(1.5 + np.random.default_rng().uniform(0, 2))
    os.kill(child.pid, signal.SIGKILL)
    killed = time.time()
    # The kill may cut the last line short (a step without its time, or a time cut to fewer digits):
    # only lines that ended count.
    printed += [line.split() for line in child.stdout.read().split("\n")[:-1]]
    child.wait()
    done = run_tool(seesaw_trace, "validate", path)
    assert done.returncode == 0, done.stdout + done.stderr
    with h5py.File(path, "r", swmr=True) as f:
        committed = int(f["status/steps"][()])
        assert int(f["status/state"][()]) == 0  # running: the writer never recorded an end
        assert list(f["steps/step"][:committed]) == list(range(1, committed + 1))
        assert int(f["status/snapshots"][()]) >= 1
    # at most the last second (plus the commit's own time) is lost
    older = [int(s) for s, t in printed if float(t) < killed - 1.5]
    assert committed >= max(older)


def brute_auc(scores, labels):
    pos, neg = scores[labels > 0.5], scores[labels <= 0.5]
    if pos.size == 0 or neg.size == 0:
        return float("nan")
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return wins / (pos.size * neg.size)


def test_evaluations_are_the_metrics_by_their_definitions(tmp_path):
    # Scores with ties (counted one half), a user with one class only (left out of GAUC), a
    # probability beyond the clip; and the loop's own values, written as given.
    rng = np.random.default_rng(3)
    n = 80
    scores = np.round(rng.normal(size=(n, 3)), 1).astype(np.float32)
    scores[0, 2] = 40.0
    labels = (rng.random((n, 3)) < 0.4).astype(np.float32)
    users = rng.integers(0, 6, n)
    labels[users == 5, 0] = 1.0
    model, rec = make(tmp_path)
    user, item, dense, y = next(batches(1))
    losses = task_losses(model, user, item, dense, y)
    with rec.step(losses, users=user):
        losses.sum().backward()
    rec.evaluate("valid", scores=torch.from_numpy(scores), labels=torch.from_numpy(labels), users=torch.from_numpy(users))
    rec.evaluate("test", auc=[0.7, 0.6, 0.5], gauc=torch.tensor([0.65, 0.55, 0.45]), logloss=[0.4, 0.5, 0.6])
    rec.close()
    with h5py.File(str(tmp_path / "bad.h5"), "r") as f:
        valid = {name: f[f"eval/valid/{name}"][0] for name in ("step", "auc", "gauc", "logloss", "mse")}
        test = {name: f[f"eval/test/{name}"][0] for name in ("auc", "gauc", "logloss", "mse")}
    assert valid["step"] == 1
    for k in range(3):
        s, l = scores[:, k].astype(np.float64), labels[:, k]
        assert valid["auc"][k] == pytest.approx(brute_auc(s, l), rel=1e-12)
        by_user = [(brute_auc(s[users == u], l[users == u]), (users == u).sum()) for u in np.unique(users)]
        both = [(a, m) for a, m in by_user if not np.isnan(a)]
        assert len(both) == len(by_user) - (k == 0)  # user 5 has only clicks: no AUC of its own
        assert valid["gauc"][k] == pytest.approx(sum(a * m for a, m in both) / sum(m for _, m in both), rel=1e-12)
        p = np.clip(1 / (1 + np.exp(-s)), 1e-7, 1 - 1e-7)
        assert valid["logloss"][k] == pytest.approx(-np.mean(l * np.log(p) + (1 - l) * np.log(1 - p)), rel=1e-9)
    assert np.isnan(valid["mse"]).all()  # binary tasks only
    np.testing.assert_allclose(test["auc"], [0.7, 0.6, 0.5])
    np.testing.assert_allclose(test["gauc"], [0.65, 0.55, 0.45])
    np.testing.assert_allclose(test["logloss"], [0.4, 0.5, 0.6])
    assert np.isnan(test["mse"]).all()
