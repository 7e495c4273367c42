"""The recorder: a PyTorch training loop writes a Seesaw trace (docs/python.md).

    rec = seesaw.Recorder("runs/mine.h5", model, tasks=["click", "like"], shared=model.trunk,
                          user_embedding=model.users, representation=model.trunk)
    for batch in loader:
        losses = model.losses(batch)                  # [K] batch means, before any weighting
        with rec.step(losses, users=batch.user):      # every task's gradient, before backward
            losses.sum().backward()                   # the loop's own method and backward
        optimizer.step()
    rec.close()

`step()` takes every task's gradient on the shared parameters with torch.autograd.grad (it never
touches .grad, so the training trajectory is the loop's own); leaving the `with` block reads the
gradient the loop is about to apply from .grad, and queues the step's record for the writer
thread.
"""
import atexit
import datetime
import json
import math
import time
import weakref

import numpy as np
import torch
from torch import nn

from . import __version__, allocator, geometry, metrics
from .capture import Tap, routes_for, shared_groups, table_route
from .distributed import Ranks
from .step_record import step_record
from .task_gradients import TaskGradients, assemble, dense, grad_inputs
from .trace_file import ABORTED, FAILED, FINISHED, STATE_NAMES
from .user_geometry import LEVELS, Window, measure_users
from .writer import TraceWriter

_open_recorders = weakref.WeakSet()


@atexit.register
def _abort_open_recorders():
    for recorder in list(_open_recorders):
        recorder.close("aborted", "the training process exited without Recorder.close()")


def _as_list(modules):
    """Modules given as one module or several; a ModuleList's or ModuleDict's items are never called
    as a whole, so they stand for themselves."""
    if modules is None:
        return []
    if isinstance(modules, nn.ModuleDict):
        return list(modules.values())
    if isinstance(modules, nn.ModuleList):
        return list(modules)
    return [modules] if isinstance(modules, nn.Module) else list(modules)


class Recorder:
    """Records a multi-task training run to a Seesaw trace at `path` (rank 0 writes; other ranks of a
    torch.distributed job take part in the reductions and write nothing).

    model: the nn.Module being trained (a DistributedDataParallel wrapper is fine).
    tasks: the task names, in the order of the losses passed to step().
    shared: the shared parameters: a module of the model, a list of modules and parameters, or a
        dict of names to modules or parameter lists. Per-module cosines follow its child modules
        (a ModuleList's items each count as a module) or the dict's names.
    task_types: "binary" or "regression" per task (default: binary).
    user_embedding: the user-embedding table (nn.Embedding or nn.EmbeddingBag) whose rows are the
        user codes passed to step(); needed by the embedding level and the per-user weights.
    representation: the module (or modules) whose output is the shared trunk's output, one row per
        sample; needed by the representation level.
    levels: the per-user geometry levels to record, the default first, among "embedding",
        "representation" and "exact" (default: embedding and representation where given).
    snapshot_every: steps per per-user geometry window.
    num_users: user codes (default: the user table's rows); user_ids: their original ids (default:
        the codes as text); user_groups: a ground-truth group per code (default -1).
    optimizer: read for the learning rate of each step (its first parameter group).
    method, config: the gradient method's name and the run's settings (a JSON-able dict) to store.
    total_steps, batch_size, train_rows, valid_rows, test_rows: the run's planned size (0: unknown);
        with train_rows the epoch of each step is counted, otherwise it is NaN unless step() gets it.
    data_items, label_means: the data's distinct items and per-task label means (positive rate of a
        binary task), for the run's description (default: 0 and NaN, not known).
    group: the torch.distributed process group to reduce over (default: the default group).
    keep_freed_memory: keep freed memory in the process (allocator.py), as seesaw-train does; without
        it the step's temporaries are faulted in again every step (W1: about 1.6 times slower).
    """

    def __init__(self, path, model, tasks, shared, *, task_types=None, user_embedding=None, representation=None,
                 levels=None, snapshot_every=100, num_users=None, user_ids=None, user_groups=None, optimizer=None,
                 method="", config=None, total_steps=0, batch_size=0, train_rows=0, valid_rows=0, test_rows=0,
                 data_items=0, label_means=None, group=None, flush_seconds=1.0, keep_freed_memory=True):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model: expected an nn.Module, got {type(model).__name__}")
        if isinstance(model, nn.parallel.DistributedDataParallel):
            model = model.module  # module names as the model's own, without DDP's "module."
        tasks = [str(t) for t in tasks]
        if not tasks or len(set(tasks)) != len(tasks) or not all(tasks):
            raise ValueError(f"tasks: expected distinct non-empty names, got {tasks}")
        self.tasks = tasks
        k = len(tasks)
        task_types = list(task_types) if task_types is not None else ["binary"] * k
        if len(task_types) != k or any(t not in ("binary", "regression") for t in task_types):
            raise ValueError(f"task_types: expected 'binary' or 'regression' for each of the {k} tasks, got {task_types}")
        if keep_freed_memory:
            allocator.keep_freed_memory()
        self.task_types = task_types
        self.model = model
        self.optimizer = optimizer
        self.ranks = Ranks(group)
        self.task_gradients = TaskGradients()
        self.groups = shared_groups(model, shared)
        self.routes, self.extra_routes, self.rep_taps = [], [], []
        try:  # a refused argument leaves no hook behind on the model
            self._describe(model, user_embedding, representation)
            reps = self.rep_taps
            if levels is None:
                levels = (["embedding"] if user_embedding is not None else []) + (["representation"] if reps else [])
            levels = list(levels)
            for level in levels:
                if level not in LEVELS:
                    raise ValueError(f"levels: unknown level '{level}' (known: {', '.join(LEVELS)})")
            if len(set(levels)) != len(levels):
                raise ValueError(f"levels: {levels} names a level twice")
            if "embedding" in levels and user_embedding is None:
                raise ValueError("levels: 'embedding' needs user_embedding (the user-embedding table)")
            if "representation" in levels and not reps:
                raise ValueError("levels: 'representation' needs representation (the module whose output is the trunk's)")
            if "exact" in levels:
                self._check_exact()
            self.levels = levels
            if levels and (not isinstance(snapshot_every, int) or snapshot_every < 1):
                raise ValueError(f"snapshot_every: expected a positive number of steps, got {snapshot_every}")
            self.snapshot_every = snapshot_every if levels else 0

            if num_users is None and user_embedding is not None:
                num_users = user_embedding.num_embeddings
            if levels and num_users is None:
                raise ValueError("num_users: needed for per-user levels without a user_embedding table")
            self.num_users = int(num_users or 0)
            if user_ids is None:
                user_ids = [str(u) for u in range(self.num_users)]
            user_ids = [str(u) for u in user_ids]
            if len(user_ids) != self.num_users:
                raise ValueError(f"user_ids: {len(user_ids)} ids for {self.num_users} user codes")
            user_groups = [-1] * self.num_users if user_groups is None else [int(g) for g in user_groups]
            if len(user_groups) != self.num_users:
                raise ValueError(f"user_groups: {len(user_groups)} groups for {self.num_users} user codes")
            self.window = Window(self.num_users, k, levels, fit=self.table_route is not None) if levels else None

            self.path = path
            self.step_count = 0
            self.window_start = 1
            self.samples = 0
            self.train_rows = int(train_rows)
            self.closed = False
            self.started = time.monotonic()
            shared_params = self.shared_parameters
            first = next(model.parameters(), None)
            info = {
                "software_version": __version__,
                "start_time": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "device": first.device.type if first is not None else "cpu",
                "method": str(method),
                "config": json.dumps(config if config is not None else {}, sort_keys=True, default=str),
                "task_names": tasks, "task_types": task_types,
                "data_rows": int(train_rows) + int(valid_rows) + int(test_rows), "data_users": self.num_users,
                "data_items": int(data_items), "data_label_means": self._label_means(label_means, k),
                "train_rows": train_rows, "valid_rows": valid_rows, "test_rows": test_rows,
                "total_steps": int(total_steps),
                "steps_per_epoch": -(-int(train_rows) // int(batch_size)) if batch_size and train_rows else 0,
                "batch_size": batch_size,
                "shared_parameters": sum(p.numel() for p in shared_params),
                "total_parameters": sum(p.numel() for p in model.parameters()),
                "analyze": 1, "user_snapshot_every": self.snapshot_every,
                "module_names": [name for name, _ in self.groups], "levels": levels,
                "user_ids": user_ids, "user_groups": user_groups,
                "world_size": self.ranks.size, "backend": self.ranks.backend,
                "recorder": f"seesaw-python {__version__}, torch {torch.__version__}",
            }
            try:
                self.writer = TraceWriter(path, info, flush_seconds=flush_seconds) if self.ranks.rank == 0 else None
            except OSError as e:
                raise ValueError(f"path: cannot create the trace {path}: {e}") from e
        except BaseException:
            self._remove_taps()
            raise
        _open_recorders.add(self)

    def _describe(self, model, user_embedding, representation):
        """The hooks that see the shared modules, the user table and the representation."""
        self.routes = routes_for(model, self.groups)
        self.table = user_embedding
        self.table_route = table_route(model, user_embedding, self.routes) if user_embedding is not None else None
        if self.table_route is not None and self.table_route.group is None:
            self.extra_routes = [self.table_route]
        module_names = {id(m): n for n, m in model.named_modules()}
        reps = _as_list(representation)
        for m in reps:
            if id(m) not in module_names:
                raise ValueError(f"representation: the {type(m).__name__} is not a module of the model")
        self.rep_taps = [Tap(m, module_names[id(m)]) for m in reps]

    def _remove_taps(self):
        for tap in [r.tap for r in self.routes + self.extra_routes if r.tap is not None] + self.rep_taps:
            tap.remove()

    @staticmethod
    def _label_means(means, k):
        if means is None:
            return [math.nan] * k
        means = [float(m) for m in means]
        if len(means) != k:
            raise ValueError(f"label_means: {len(means)} values for {k} tasks")
        return means

    def _check_exact_step(self, routes, plan):
        """A shared Linear or Embedding whose output or input was modified in place after its forward
        (nn.ReLU(inplace=True) on it) is differentiated directly: its per-sample gradients are gone."""
        for route, (kind, _) in zip(routes, plan):
            if route.group is not None and route.kind != "param" and kind == "param":
                name = next(n for n, p in self.model.named_parameters() if p is route.params[0])
                raise ValueError(f"levels: 'exact' needs the per-sample inputs and outputs of '{name.rsplit('.', 1)[0]}', "
                                 f"but this step modified them in place after its forward (an inplace=True activation "
                                 f"on its output?); record 'embedding' and 'representation', or make that operation "
                                 f"out of place")

    def _check_exact(self):
        if self.ranks.distributed:
            raise ValueError("levels: 'exact' is not available under torch.distributed (a user's sample pairs "
                             "would span ranks); record 'embedding' and 'representation'")
        for route in self.routes:
            if route.kind == "param":
                name = next(n for n, p in self.model.named_parameters() if p is route.params[0])
                raise ValueError(f"levels: 'exact' needs every shared parameter in an nn.Linear or nn.Embedding, "
                                 f"but '{name}' is not")

    # --- one training step -----------------------------------------------------------------------

    def step(self, losses, users=None, *, epoch=None):
        """Measures this step's task gradients; call it after the forward pass and before backward().
        losses: the per-task batch means (before any weighting), still attached to the graph: a [K]
            tensor, or a list of K scalar tensors (faster: each task's gradient then starts from its
            own loss, where a stacked tensor sends zeros through every other task's head).
        users: the batch's user codes [B] (rows of the user table); needed by the per-user levels.
        Returns a context manager: leave it after backward() and before optimizer.step()."""
        self._check_open()
        k = len(self.tasks)
        scalars = list(losses) if isinstance(losses, (list, tuple)) else None
        if scalars is not None:
            if len(scalars) != k or not all(isinstance(l, torch.Tensor) and l.numel() == 1 for l in scalars):
                raise ValueError(f"losses: expected {k} scalar tensors ({', '.join(self.tasks)}), got "
                                 f"{[list(l.shape) if isinstance(l, torch.Tensor) else type(l).__name__ for l in scalars]}")
            scalars = [l.reshape(()) for l in scalars]
            losses = torch.stack([l.detach() for l in scalars])
        if not isinstance(losses, torch.Tensor) or losses.shape != (k,) or not losses.is_floating_point():
            shape = list(losses.shape) if isinstance(losses, torch.Tensor) else type(losses).__name__
            raise ValueError(f"losses: expected a [{k}] float tensor of per-task batch means "
                             f"({', '.join(self.tasks)}), got {shape}")
        if scalars is None:
            if not losses.requires_grad:
                raise ValueError("losses: they do not require grad (computed under torch.no_grad(), or detached)")
            scalars = list(losses)
        elif not all(l.requires_grad for l in scalars):
            raise ValueError("losses: they do not require grad (computed under torch.no_grad(), or detached)")
        if users is not None:
            users = torch.as_tensor(users).reshape(-1)
            if users.is_floating_point() or users.is_complex():
                raise ValueError(f"users: expected integer user codes, got {users.dtype}")
            users = users.to(torch.int64)
            bad = ((users < 0) | (users >= self.num_users)).nonzero()
            if bad.numel():
                i = int(bad[0])
                raise ValueError(f"users: user code {int(users[i])} at position {i} is outside "
                                 f"[0, {self.num_users}) (num_users)")
        elif self.levels:
            raise ValueError("users: the batch's user codes are needed for the per-user levels "
                             f"({', '.join(self.levels)})")
        return _Step(self, scalars, users, epoch)

    def _measure(self, losses, users):
        """Everything a step records that can be known before backward()."""
        routes = self.routes + self.extra_routes
        inputs, plan, rep_outputs = grad_inputs(routes, self.rep_taps)
        try:
            grads = self.task_gradients(losses, inputs + [output for _, output in rep_outputs])
        except RuntimeError as e:
            if "backward through the graph a second time" in str(e):
                raise RuntimeError("Recorder.step: the graph was already freed; call rec.step(losses, ...) "
                                   "before backward()") from e
            raise
        finally:
            for tap in [r.tap for r in routes if r.tap is not None] + self.rep_taps:
                tap.clear()
        local_samples = users.numel() if users is not None else 1
        total = self.ranks.all_sum(torch.tensor([float(local_samples)], dtype=torch.float64), "batch-size all-reduce")
        scale = local_samples / float(total)
        gradients, used = assemble(routes, plan, grads, scale)
        reps = grads[used:]
        self.ranks.reduce_gradients(gradients)
        loss = self.ranks.all_sum(torch.stack([l.detach() for l in losses]).double().cpu() * scale, "loss all-reduce")

        k = len(self.tasks)
        module_grams = torch.zeros(len(self.groups), k, k, dtype=torch.float64)
        for route, g in zip(routes, gradients):
            if route.group is not None:
                module_grams[route.group] += g.gram().double().cpu()
        measured = {"loss": loss, "gram": module_grams.sum(0), "module_grams": module_grams,
                    "gradients": [g for r, g in zip(routes, gradients) if r.group is not None],
                    "shared_routes": [r for r in routes if r.group is not None],
                    "samples": float(total)}
        if users is not None and self.levels:
            if "exact" in self.levels:
                self._check_exact_step(routes, plan)
            table = gradients[routes.index(self.table_route)] if self.table_route is not None else None
            measured.update(measure_users(self.levels, users, table, reps, [name for name, _ in rep_outputs],
                                          gradients[:len(self.routes)], self.ranks, scale))
        return measured

    def _finish(self, measured, epoch, weights, combined):
        """Leaving the step: the applied gradient is in .grad (or `combined`); the record goes to the writer."""
        applied_gradient = self._combined(combined)
        k = len(self.tasks)
        self.step_count += 1
        self.samples += measured["samples"]
        gram = measured["gram"]
        if weights is None:
            fit = sum(g.fit([applied_gradient.get(id(p), p.grad) for p in r.params]).double().cpu()
                      for r, g in zip(measured["shared_routes"], measured["gradients"]))
            applied = geometry.least_squares_weights(gram, fit)
        else:
            applied = torch.as_tensor(weights, dtype=torch.float64).detach().cpu().reshape(-1)
            if applied.numel() != k:
                raise ValueError(f"weights: expected {k} task weights, got {applied.numel()}")
        if epoch is None:
            epoch = self.samples / self.train_rows if self.train_rows else math.nan
        lr = self.optimizer.param_groups[0]["lr"] if self.optimizer is not None else math.nan
        record = step_record(self.step_count, epoch, time.monotonic() - self.started, lr, measured["loss"], gram,
                             measured["module_grams"], applied)
        if "codes" in measured:
            self._add_to_window(measured, applied_gradient)
        if self.writer is not None:
            self.writer.put("step", record)
        if self.window is not None and self.step_count % self.snapshot_every == 0:
            self._snapshot()

    def _combined(self, combined):
        """The combined gradient the loop gave in place of .grad, by parameter id."""
        if combined is None:
            return {}
        params = self.shared_parameters
        if isinstance(combined, dict):
            known = {id(p) for p in params}
            if any(id(p) not in known for p in combined):
                raise ValueError("combined: a key is not one of the shared parameters")
            return {id(p): g for p, g in combined.items()}
        combined = list(combined)
        if len(combined) != len(params) or any(g.shape != p.shape for g, p in zip(combined, params)):
            raise ValueError(f"combined: expected {len(params)} tensors shaped as rec.shared_parameters, got "
                             f"{[list(g.shape) for g in combined]}")
        return {id(p): g for p, g in zip(params, combined)}

    @property
    def shared_parameters(self):
        """The shared parameters, in group order (the order `step.combined` takes)."""
        return [p for _, params in self.groups for p in params]

    def _add_to_window(self, measured, applied_gradient):
        fit_gram = fit = None
        if "table_rows" in measured:
            rows = measured["table_rows"]
            applied = applied_gradient.get(id(self.table.weight), self.table.weight.grad)
            if applied is None:
                c = torch.zeros_like(rows[0])
            else:
                c = dense(applied).index_select(0, measured["codes"].to(applied.device))
            fit_gram = measured["table_gram"]
            fit = torch.einsum("kud,ud->uk", rows.reshape(rows.shape[0], rows.shape[1], -1),
                               c.reshape(c.shape[0], -1).to(rows.dtype))
        self.window.add(measured["codes"], measured["counts"], measured["grams"], fit_gram, fit)

    def _snapshot(self):
        if self.writer is not None:
            self.writer.put("snapshot", self.window.snapshot(self.step_count, self.window_start))
        self.window.reset()
        self.window_start = self.step_count + 1

    # --- evaluations and the end -----------------------------------------------------------------

    def evaluate(self, split="valid", *, step=None, scores=None, labels=None, users=None, auc=None, gauc=None,
                 logloss=None, mse=None):
        """Records an evaluation of the `valid` or `test` split after `step` (default: the last step).
        Either scores (logits [N, K]), labels [N, K] and users [N], from which AUC, GAUC, logloss
        (binary tasks) and MSE (regression tasks) are computed as seesaw-train computes them (over
        every rank's rows under torch.distributed), or the loop's own per-task values."""
        self._check_open()
        if split not in ("valid", "test"):
            raise ValueError(f"split: expected 'valid' or 'test', got '{split}'")
        k = len(self.tasks)
        types = [t == "binary" for t in self.task_types]
        if scores is not None:
            if labels is None or users is None:
                raise ValueError("evaluate: scores need labels and users")
            scores = self.ranks.all_cat(torch.as_tensor(scores).detach().reshape(-1, k).float(), "evaluation gather")
            labels = self.ranks.all_cat(torch.as_tensor(labels).detach().reshape(-1, k).float(), "evaluation gather")
            users = self.ranks.all_cat(torch.as_tensor(users).detach().reshape(-1).long(), "evaluation gather")
            if self.writer is None:
                return  # every rank gathers; the writing rank alone computes what it writes
            values = metrics.evaluate(scores.cpu().numpy(), labels.cpu().numpy(), users.cpu().numpy(), types)
        else:
            values = {}
            for name, given in (("auc", auc), ("gauc", gauc), ("logloss", logloss), ("mse", mse)):
                v = np.full(k, np.nan) if given is None else np.asarray(
                    torch.as_tensor(given).detach().cpu(), dtype=np.float64).reshape(-1)
                if v.size != k:
                    raise ValueError(f"{name}: expected {k} values (one per task), got {v.size}")
                values[name] = v
        if self.writer is not None:
            self.writer.put("eval", dict(values, split=split, step=np.int64(self.step_count if step is None else step)))

    def close(self, state="finished", message=""):
        """Ends the run: `finished`, `stopped` or `failed` (with a message), or `aborted`. A finished or
        stopped run's last steps after the last snapshot make a shorter last window."""
        if self.closed:
            return
        if state not in STATE_NAMES or state == "running":
            raise ValueError(f"state: expected finished, stopped, failed or aborted, got '{state}'")
        self.closed = True
        _open_recorders.discard(self)
        self._remove_taps()
        code = STATE_NAMES[state]
        if self.window is not None and code not in (FAILED, ABORTED) and self.step_count >= self.window_start:
            self._snapshot()
        if self.writer is not None:
            self.writer.finish(code, message)
            if self.writer.error is not None and code == FINISHED:
                raise RuntimeError(f"trace {self.path}: writing failed: {self.writer.error}")

    def _check_open(self):
        if self.closed:
            raise RuntimeError(f"trace {self.path}: the recorder is closed")
        if self.writer is not None and self.writer.error is not None:
            raise RuntimeError(f"trace {self.path}: writing failed: {self.writer.error}")

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None:
            self.close("finished")
        elif issubclass(kind, KeyboardInterrupt):
            self.close("stopped", "interrupted")
        else:
            self.close("failed", f"{kind.__name__}: {error}")
        return False


class _Step:
    """The context of one recorded step: set `weights` inside it to record the task weights the loop
    applied; otherwise they are the least-squares weights of the gradient in .grad on the task
    gradients (exact for any update that combines the task gradients linearly). A loop that applies
    its combined gradient some other way than through .grad sets `combined`: tensors in the order of
    `rec.shared_parameters`, or a dict from those parameters to tensors.

    What the step measured, the global batch's under torch.distributed, is readable at once:
    `loss` [K], `grad_norm` [K] and `cosine` [K, K] (float64 tensors on the CPU)."""

    def __init__(self, recorder, losses, users, epoch):
        self._recorder = recorder
        self._epoch = epoch
        self.weights = None
        self.combined = None
        self._measured = recorder._measure(losses, users)
        self.loss = self._measured["loss"]
        self.grad_norm = geometry.norms(self._measured["gram"])
        self.cosine = geometry.cosines(self._measured["gram"])

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None:
            self._recorder._finish(self._measured, self._epoch, self.weights, self.combined)
        return False
