"""The recorder's step and per-user geometry against brute force: one torch.autograd.grad per task
(per user, for the per-user levels) over the same forward pass."""
import h5py
import numpy as np
import pytest
import torch
from torch import nn

import seesaw
from models import TinyMMoE, batches, task_losses

TASKS = ["click", "like", "follow"]


def shared_params(model):
    return list(model.user.parameters()) + list(model.item.parameters()) + list(model.experts.parameters())


def flat_task_grads(losses, params):
    rows = [torch.cat([g.reshape(-1) for g in torch.autograd.grad(losses[k], params, retain_graph=True)])
            for k in range(losses.shape[0])]
    return torch.stack(rows).double()


def cosine(g):
    gram = g @ g.T
    n = gram.diagonal().sqrt()
    return gram / torch.outer(n, n)


def read(path):
    with h5py.File(path, "r", swmr=True) as f:
        n, s = int(f["status/steps"][()]), int(f["status/snapshots"][()])
        out = {name: f[f"steps/{name}"][:n] for name in ("step", "loss", "grad_norm", "cosine", "magnitude_ratio",
                                                           "weight", "module_cosine", "flags")}
        out["modules"] = list(f["modules/name"].asstr()[...])
        out["levels"] = list(f["users/level"].asstr()[...])
        out["snapshot_step"], out["window_start"] = f["users/snapshot_step"][:s], f["users/window_start"][:s]
        out["count"], out["user_weight"] = f["users/count"][:s], f["users/weight"][:s]
        for level in out["levels"]:
            for name in ("cosine", "grad_norm", "magnitude_ratio"):
                out[f"{level}/{name}"] = f[f"users/{level}/{name}"][:s]
        out["state"] = int(f["status/state"][()])
    return out


def train(path, steps, record=True, weights=None, padding_idx=None, levels=("embedding", "representation", "exact"),
          snapshot_every=3, brute=None, seed=0, user_table="embedding"):
    torch.manual_seed(seed)
    model = TinyMMoE(padding_idx=padding_idx, user_table=user_table)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    rec = None
    if record:
        rec = seesaw.Recorder(path, model, TASKS, shared=[model.user, model.item, model.experts],
                              user_embedding=model.user, representation=model.experts, levels=list(levels),
                              snapshot_every=snapshot_every, optimizer=opt, total_steps=steps)
    w = torch.tensor(weights if weights is not None else [1.0, 1.0, 1.0])
    for user, item, dense, labels in batches(steps, users=10, seed=seed):  # users 10 and 11 never train
        losses = task_losses(model, user, item, dense, labels)
        if brute is not None:
            brute(model, user, item, dense, labels)
        opt.zero_grad()
        if rec is None:
            (losses * w).sum().backward()
        else:
            with rec.step(losses, users=user):
                (losses * w).sum().backward()
        opt.step()
    if rec is not None:
        rec.close()
    return model


def test_step_geometry_equals_brute_force(tmp_path):
    expected = []

    def brute(model, user, item, dense, labels):
        losses = task_losses(model, user, item, dense, labels)
        g = flat_task_grads(losses, shared_params(model))
        modules = [list(model.user.parameters()), list(model.item.parameters()),
                   list(model.experts[0].parameters()), list(model.experts[1].parameters())]
        module_cos = []
        for params in modules:
            c = cosine(flat_task_grads(losses, params))
            module_cos.append(c[np.triu_indices(3, 1)])
        expected.append((losses.detach().double(), g.norm(dim=1), cosine(g), torch.stack(module_cos)))

    path = str(tmp_path / "steps.h5")
    train(path, 6, brute=brute)
    got = read(path)
    assert got["modules"] == ["user", "item", "experts.0", "experts.1"]
    assert list(got["step"]) == [1, 2, 3, 4, 5, 6]
    for t, (loss, norm, cos, module_cos) in enumerate(expected):
        np.testing.assert_allclose(got["loss"][t], loss.numpy(), rtol=1e-5)
        np.testing.assert_allclose(got["grad_norm"][t], norm.numpy(), rtol=1e-5)
        np.testing.assert_allclose(got["cosine"][t], cos.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got["magnitude_ratio"][t], (norm / norm.max()).numpy(), rtol=1e-5)
        np.testing.assert_allclose(got["module_cosine"][t], module_cos.numpy(), rtol=1e-5, atol=1e-6)
    assert got["state"] == 1


class Tricky(nn.Module):
    """What a forward hook alone would get wrong: a ReLU in place on a Linear's output, a weight tied
    between two Linears, and a table looked up twice."""

    def __init__(self):
        super().__init__()
        self.user = nn.Embedding(12, 4)
        self.first = nn.Linear(8, 6)
        self.second = nn.Linear(6, 6, bias=False)
        self.third = nn.Linear(6, 6, bias=False)
        self.third.weight = self.second.weight
        self.heads = nn.Linear(6, 3)

    def forward(self, user, other):
        h = nn.functional.relu(self.first(torch.cat([self.user(user), self.user(other)], 1)), inplace=True)
        return self.heads(torch.tanh(self.third(torch.tanh(self.second(h)))))


def test_step_geometry_falls_back_where_hooks_cannot_see(tmp_path):
    torch.manual_seed(0)
    model = Tricky()
    shared = {"user": model.user, "first": model.first, "tied": [model.second.weight]}
    rec = seesaw.Recorder(str(tmp_path / "tricky.h5"), model, TASKS, shared=shared, user_embedding=model.user,
                          levels=["embedding"], snapshot_every=2)
    expected = []
    g = torch.Generator().manual_seed(3)
    for _ in range(3):
        user, other = torch.randint(0, 12, (16,), generator=g), torch.randint(0, 12, (16,), generator=g)
        labels = (torch.rand(16, 3, generator=g) > 0.5).float()
        out = model(user, other)
        losses = nn.functional.binary_cross_entropy_with_logits(out, labels, reduction="none").mean(0)
        params = [p for group in (model.user.parameters(), model.first.parameters(), [model.second.weight])
                  for p in group]
        expected.append(cosine(flat_task_grads(losses, params)))
        with rec.step(losses, users=user):
            losses.sum().backward()
        model.zero_grad()
    rec.close()
    kinds = sorted(r.kind for r in rec.routes)
    assert kinds == ["embedding", "linear", "param"]  # the tied weight is differentiated directly
    np.testing.assert_allclose(read(str(tmp_path / "tricky.h5"))["cosine"], torch.stack(expected).numpy(),
                               rtol=1e-5, atol=1e-6)


def test_the_exact_level_names_a_linear_whose_output_was_modified_in_place(tmp_path):
    model = Tricky()  # first's output goes through relu(inplace=True)
    rec = seesaw.Recorder(str(tmp_path / "inplace.h5"), model, TASKS, shared={"first": model.first},
                          user_embedding=model.user, levels=["exact"], snapshot_every=2)
    user = torch.arange(8)
    losses = nn.functional.binary_cross_entropy_with_logits(model(user, user), torch.ones(8, 3), reduction="none").mean(0)
    with pytest.raises(ValueError, match="levels: 'exact' needs the per-sample inputs and outputs of 'first', but "
                                         "this step modified them in place"):
        with rec.step(losses, users=user):
            losses.sum().backward()
    rec.close()


def test_weights_of_the_applied_gradient(tmp_path):
    path = str(tmp_path / "fixed.h5")
    train(path, 4, weights=[0.5, 2.0, 1.0])
    np.testing.assert_allclose(read(path)["weight"], np.tile([0.5, 2.0, 1.0], (4, 1)), rtol=1e-4)
    # per user too: with global weights every seen user's least-squares weights are the same
    got = read(path)
    seen = got["count"][0] > 0
    np.testing.assert_allclose(got["user_weight"][0][seen], np.tile([0.5, 2.0, 1.0], (seen.sum(), 1)), rtol=1e-3)
    assert np.isnan(got["user_weight"][0][~seen]).all()


def test_weights_of_a_combined_gradient_given_outside_grad(tmp_path):
    """A loop that applies its update itself gives it as step.combined; .grad is then not read."""
    torch.manual_seed(0)
    model = TinyMMoE()
    rec = seesaw.Recorder(str(tmp_path / "combined.h5"), model, TASKS, shared=[model.user, model.item, model.experts],
                          user_embedding=model.user, snapshot_every=2)
    for user, item, dense, labels in batches(2):
        losses = task_losses(model, user, item, dense, labels)
        with rec.step(losses, users=user) as step:
            grads = torch.autograd.grad((losses * torch.tensor([3.0, 1.0, 0.5])).sum(), rec.shared_parameters)
            step.combined = list(grads)
    rec.close()
    got = read(str(tmp_path / "combined.h5"))
    np.testing.assert_allclose(got["weight"], np.tile([3.0, 1.0, 0.5], (2, 1)), rtol=1e-4)
    seen = got["count"][0] > 0
    np.testing.assert_allclose(got["user_weight"][0][seen], np.tile([3.0, 1.0, 0.5], (seen.sum(), 1)), rtol=1e-3)


def per_user_brute_force(sums):
    """A brute-force hook that adds, per user of the batch and level, the Gram matrix of the user's task
    gradients (one autograd.grad per user per task) to sums[step][level][user]."""

    def brute(model, user, item, dense, labels):
        outputs = []
        hooks = [e.register_forward_hook(lambda m, i, o: outputs.append(o)) for e in model.experts]
        logits = model(user, item, dense)
        for h in hooks:
            h.remove()
        per_sample = nn.functional.binary_cross_entropy_with_logits(logits, labels, reduction="none") / user.numel()
        step = {level: {} for level in ("embedding", "representation", "exact")}
        for u in user.unique().tolist():
            mine = user == u
            user_losses = per_sample[mine].sum(0)
            emb, rep, exact = [], [], []
            for k in range(3):
                g = torch.autograd.grad(user_losses[k], [model.user.weight] + outputs + shared_params(model),
                                        retain_graph=True, allow_unused=True)
                emb.append(g[0][u].double())
                rep.append(torch.cat([o[mine].sum(0) for o in g[1:1 + len(outputs)]]).double())
                exact.append(torch.cat([p.reshape(-1) for p in g[1 + len(outputs):]]).double())
            for level, rows in (("embedding", emb), ("representation", rep), ("exact", exact)):
                m = torch.stack(rows)
                step[level][u] = (m @ m.T, int(mine.sum()))
        sums.append(step)

    return brute


@np.errstate(invalid="ignore")
def window_expectation(sums, first, last, level, users=12):
    gram = np.zeros((users, 3, 3))
    count = np.zeros(users, dtype=int)
    for step in sums[first - 1:last]:
        for u, (g, n) in step[level].items():
            gram[u] += g.numpy()
            count[u] += n
    return gram, count


def test_user_levels_equal_brute_force(tmp_path):
    sums = []
    path = str(tmp_path / "users.h5")
    train(path, 7, brute=per_user_brute_force(sums), padding_idx=2)  # windows 1-3, 4-6 and the last, 7
    got = read(path)
    assert got["levels"] == ["embedding", "representation", "exact"]
    assert list(got["snapshot_step"]) == [3, 6, 7]
    assert list(got["window_start"]) == [1, 4, 7]
    pairs = np.triu_indices(3, 1)
    for s, (first, last) in enumerate([(1, 3), (4, 6), (7, 7)]):
        for level in got["levels"]:
            gram, count = window_expectation(sums, first, last, level)
            norm = np.sqrt(np.einsum("ukk->uk", gram))
            np.testing.assert_array_equal(got["count"][s], count)
            seen = count > 0
            assert seen.sum() >= 5 and (~seen).sum() >= 1, "the test batches must leave some users unseen"
            with np.errstate(invalid="ignore"):
                cos = gram / (norm[:, :, None] * norm[:, None, :])
                ratio = norm / norm.max(1, keepdims=True)
            np.testing.assert_allclose(got[f"{level}/grad_norm"][s][seen], norm[seen], rtol=1e-4)
            np.testing.assert_allclose(got[f"{level}/cosine"][s][seen], cos[seen][:, pairs[0], pairs[1]], rtol=1e-4,
                                       atol=1e-5)
            np.testing.assert_allclose(got[f"{level}/magnitude_ratio"][s][seen], ratio[seen], rtol=1e-4)
            for name in ("cosine", "grad_norm", "magnitude_ratio"):
                assert np.isnan(got[f"{level}/{name}"][s][~seen]).all()


def test_recorder_leaves_the_training_trajectory_unchanged(tmp_path):
    plain = train(None, 20, record=False)
    recorded = train(str(tmp_path / "same.h5"), 20)
    for (name, a), (_, b) in zip(plain.named_parameters(), recorded.named_parameters()):
        assert torch.equal(a, b), name


def test_an_embedding_bag_and_a_sparse_table_record_what_a_plain_table_records(tmp_path):
    # One-id bags and sparse gradients compute what nn.Embedding computes: the same trace, step and
    # per-user series alike, and the same trajectory. (The exact level takes a table's per-sample
    # rows from nn.Embedding's lookup: an EmbeddingBag is refused there, by name.)
    levels = ("embedding", "representation")
    plain = read_after(train(str(tmp_path / "plain.h5"), 7, levels=levels), tmp_path / "plain.h5")
    for table in ("bag", "sparse"):
        path = tmp_path / f"{table}.h5"
        got = read_after(train(str(path), 7, user_table=table, levels=levels), path)
        for name, expected in plain.items():
            if name == "model":
                for (p, a), (_, b) in zip(expected.named_parameters(), got["model"].named_parameters()):
                    torch.testing.assert_close(b, a, rtol=1e-5, atol=1e-6, msg=f"{table}: {p}")
            elif isinstance(expected, np.ndarray) and expected.dtype.kind == "f":
                # A least-squares fit amplifies float rounding: the per-user weights to 1e-4, as brute force.
                rtol = 1e-4 if name == "user_weight" else 1e-5
                np.testing.assert_allclose(got[name], expected, rtol=rtol, atol=1e-6, err_msg=f"{table}: {name}")
            else:
                np.testing.assert_array_equal(got[name], expected, err_msg=f"{table}: {name}")


def read_after(model, path):
    got = read(str(path))
    got["model"] = model
    return got
