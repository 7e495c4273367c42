"""Where each task's gradient on the shared parameters is taken from.

The recorder asks autograd for every task's gradient once per step, before the loop's own
backward, and never touches `.grad`. To keep that cheap and to see individual samples, it asks
for gradients with respect to module *outputs* where it can, captured by forward hooks:

- an `nn.Linear` whose parameters are shared: its input a and output gradient d give the weight
  gradient d^T a and the bias gradient sum(d), and, per sample, the outer products that the
  `exact` level needs;
- an `nn.Embedding` whose table is shared: the output gradient of each looked-up row, added up per
  row, is the table's gradient on the rows the batch touched (the other rows' gradient is zero);
- anything else: the parameter itself (its full gradient).

A module whose forward did not run this step, ran on an output that was later modified in place
(`ReLU(inplace=True)` on a Linear's output), or is an Embedding with `scale_grad_by_freq`, falls
back to the parameter itself for that step, so the result is always the parameter's gradient.
"""
from collections import OrderedDict

import torch
from torch import nn


class Call:
    """One forward call of a tapped module: its input (Linear) or indices (Embedding), its output."""

    __slots__ = ("inputs", "output", "versions")

    def __init__(self, inputs, output):
        self.inputs = inputs
        self.output = output
        self.versions = (inputs._version, output._version)

    def intact(self):
        """Neither the input nor the output was modified in place since the forward pass."""
        return (self.inputs._version, self.output._version) == self.versions


class Tap:
    """Forward hook on one module, keeping the calls of the current step."""

    def __init__(self, module, name):
        self.module = module
        self.name = name
        self.calls = []
        self.handle = module.register_forward_hook(self._hook)

    def _hook(self, module, inputs, output):
        if (torch.is_grad_enabled() and isinstance(output, torch.Tensor) and output.requires_grad and inputs
                and isinstance(inputs[0], torch.Tensor)):
            self.calls.append(Call(inputs[0], output))

    def live_calls(self):
        """The calls whose input and output still hold their forward values; none when any was
        modified in place since (the module's parameters are then differentiated directly)."""
        return self.calls if all(c.intact() for c in self.calls) else []

    def clear(self):
        self.calls = []

    def remove(self):
        self.handle.remove()
        self.calls = []


def linear_parameters(module):
    return [p for p in (module.weight, module.bias) if p is not None]


class Route:
    """How one shared module's (or one loose parameter's) task gradients are obtained this step.

    kind: "linear", "embedding" or "param". params: the parameters it covers. group: index of the
    per-module group (module_cosine) they belong to, or None for a table that is only read for the
    per-user embedding level."""

    def __init__(self, kind, params, group, tap=None):
        self.kind = kind
        self.params = params
        self.group = group
        self.tap = tap


def qualified_names(model):
    return {id(p): name for name, p in model.named_parameters()}


def owner_modules(model):
    """Parameter id -> (module name, module) of the module that holds it directly, or None for a
    parameter that several modules hold (tied weights: a hook on one module would miss the others'
    use of it)."""
    owners = {}
    for name, module in model.named_modules(remove_duplicate=False):
        for p in module._parameters.values():
            if p is None:
                continue
            if id(p) in owners and owners[id(p)] is not None and owners[id(p)][1] is not module:
                owners[id(p)] = None
            else:
                owners.setdefault(id(p), (name, module))
    return owners


def _group_prefix(path, containers):
    """The group a parameter path falls in: its first component, two where the first is a
    ModuleList or ModuleDict (experts.0, experts.1, ...)."""
    parts = path.split(".")
    if len(parts) > 2 and parts[0] in containers:
        return ".".join(parts[:2])
    return parts[0] if len(parts) > 1 else path


def shared_groups(model, shared):
    """The shared parameters in named groups, the per-module cosines' modules.

    shared: a module of the model (its children are the groups; a ModuleList's or ModuleDict's
    items are groups of their own), a mapping of group names to modules or parameter lists, or an
    iterable of modules and parameters (each grouped by where it sits in the model)."""
    names = qualified_names(model)
    module_names = {id(m): n for n, m in model.named_modules()}

    def check(p, what):
        if not isinstance(p, torch.Tensor):
            raise TypeError(f"shared: {what} is a {type(p).__name__}, not a parameter or module")
        if id(p) not in names:
            raise ValueError(f"shared: {what} (shape {list(p.shape)}) is not a parameter of the model")
        if not p.requires_grad:
            raise ValueError(f"shared: parameter '{names[id(p)]}' does not require grad")
        return p

    def module_params(m, what):
        if id(m) not in module_names:
            raise ValueError(f"shared: {what} ({type(m).__name__}) is not a module of the model")
        return list(m.parameters())

    groups = OrderedDict()

    def add(group, p):
        groups.setdefault(group, [])
        if all(q is not p for q in groups[group]):
            groups[group].append(p)

    if isinstance(shared, dict):
        for group, value in shared.items():
            items = module_params(value, f"'{group}'") if isinstance(value, nn.Module) else list(value)
            for i, p in enumerate(items):
                add(str(group), check(p, f"'{group}' item {i}"))
    else:
        roots = [shared] if isinstance(shared, (nn.Module, torch.Tensor)) else list(shared)
        containers = {n for n, m in model.named_modules() if isinstance(m, (nn.ModuleList, nn.ModuleDict))}
        for i, root in enumerate(roots):
            if isinstance(root, nn.Module):
                module_params(root, f"item {i}")
                prefix = module_names[id(root)]
                inner = {n for n, m in root.named_modules() if isinstance(m, (nn.ModuleList, nn.ModuleDict))}
                for name, p in root.named_parameters():
                    if "." not in name:  # the module's own parameter: the module is the group
                        add(prefix or name, check(p, f"'{prefix}.{name}'"))
                        continue
                    if isinstance(root, (nn.ModuleList, nn.ModuleDict)):
                        group = name.split(".")[0]
                    else:
                        group = _group_prefix(name, inner)
                    add(f"{prefix}.{group}" if prefix else group, check(p, f"'{prefix}.{name}'"))
            else:
                p = check(root, f"item {i}")
                add(_group_prefix(names[id(p)], containers), p)
    if not groups or not any(groups.values()):
        raise ValueError("shared: no shared parameters")
    seen = {}
    for group, params in groups.items():
        for p in params:
            if id(p) in seen and seen[id(p)] != group:
                raise ValueError(f"shared: parameter '{names[id(p)]}' is in groups '{seen[id(p)]}' and '{group}'")
            seen[id(p)] = group
    return list(groups.items())


def routes_for(model, groups):
    """One route per hooked module or loose parameter, in group order."""
    owners = owner_modules(model)
    group_of = {id(p): g for g, (_, params) in enumerate(groups) for p in params}
    routes, taken = [], set()
    for g, (_, params) in enumerate(groups):
        for p in params:
            if id(p) not in taken:
                routes.append(_module_route(owners, group_of, p, g) or Route("param", [p], g))
                taken.update(id(q) for q in routes[-1].params)
    return routes


def _module_route(owners, group_of, p, g):
    """A hooked route for the Linear or Embedding that holds p, when it alone holds its parameters
    and all of them are shared, in group g; otherwise None (p is differentiated directly)."""
    owner = owners[id(p)]
    if owner is None:
        return None
    name, module = owner
    if any(owners[id(q)] is None or group_of.get(id(q)) != g for q in module.parameters(recurse=False)):
        return None
    if isinstance(module, nn.Linear):
        return Route("linear", linear_parameters(module), g, Tap(module, name))
    if isinstance(module, nn.Embedding) and not module.scale_grad_by_freq:
        return Route("embedding", [module.weight], g, Tap(module, name))
    return None


def table_route(model, table, routes):
    """The route that gives the user-embedding table's gradient: the shared one when the table is
    shared, else a tap of its own outside every group."""
    for r in routes:
        if any(p is table.weight for p in r.params):
            return r
    names = {id(m): n for n, m in model.named_modules()}
    if id(table) not in names:
        raise ValueError(f"user_embedding: the {type(table).__name__} is not a module of the model")
    if isinstance(table, nn.Embedding) and not table.scale_grad_by_freq:
        return Route("embedding", [table.weight], None, Tap(table, names[id(table)]))
    return Route("param", [table.weight], None)
