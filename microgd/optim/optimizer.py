"""Optimizer, the base class of the optimizers, as ``torch.optim.Optimizer``.

Parameters may be Values or Tensors (anything with ``.data`` and ``.grad``); a
parameter whose grad is None is skipped. A grad may be raw (a float or an array) or a
node (a Tensor holding it). A Tensor's array is updated in place, so every view of it
sees the step; a Value gets a new float. Parameters come in groups, each a dict of
its own hyperparameters (``param_groups[0]["lr"] = 0.01`` takes effect at the next
step); state and checkpoints follow PyTorch's layout.
"""

import numbers
from collections import defaultdict
from collections.abc import Mapping

import numpy as np

from .._util import real_number, zero_grads
from ..autograd import Node, enable_grad
from ..linked import Linked, changed_in_place
from ..ops import data_of

__all__ = ["Optimizer"]


class Optimizer:
    """Base class of the optimizers: parameter groups, per-parameter state, checkpoints.

    Args:
        params: an iterable of parameters (Values or Tensors), such as
            ``model.parameters()``, or of dicts, each a parameter group with a
            "params" entry and hyperparameters of its own.
        defaults: the hyperparameters of groups that do not set them.
    """

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = defaultdict(dict)
        self.param_groups = []
        self._checked = {}  # group index -> a copy of the group as its last check passed it
        groups = _listed(params, type(self).__name__, "params")
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a parameter group: a dict with "params" and optional hyperparameters.

        Hyperparameters the group does not set are the constructor's. A parameter may
        be in one group only.

        Args:
            param_group: the dict, e.g. ``{"params": head.parameters(), "lr": 1e-3}``.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' entry, "
                            f"got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, Node) else _listed(params, name, "'params'")
        names = _names(params, name)
        if names is not None:
            params = [p for _, p in params]
        for k, group in enumerate(self.param_groups):
            if ("param_names" in group) != (names is not None):
                raise ValueError(f"{name}: the new group's parameters are "
                                 f"{'un' if names is None else ''}named, group {k}'s are not; "
                                 "name every group's (model.named_parameters()) or none")
        for i, p in enumerate(params):
            if hasattr(p, "parameters"):
                raise TypeError(f"{name}: parameter {i} is a {type(p).__name__} module; pass "
                                "module.parameters()")
            if not isinstance(p, Node):
                raise TypeError(f"{name}: parameter {i} must be a Value or a Tensor, got "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{name}: parameter {i} is not a leaf (it was computed by "
                                 f"op '{p.op}'); optimize the leaves it came from")
        position = {}
        for i, p in enumerate(params):
            if position.setdefault(id(p), i) != i:
                raise ValueError(f"{name}: some parameters appear more than once: parameter "
                                 f"{i} of the group is parameter {position[id(p)]}")
        for k, group in enumerate(self.param_groups):
            for p in group["params"]:
                if id(p) in position:
                    raise ValueError(f"{name}: some parameters appear more than once: "
                                     f"parameter {position[id(p)]} of the new group is in "
                                     f"group {k} already (a parameter may be in one group)")
        group = {**self.defaults, **param_group, "params": params}
        if names is not None:
            group["param_names"] = names
        self._check_group(group)
        self.param_groups.append(group)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group)
                      if key not in ("params", "param_names")]
        return "\n".join(lines + [")"])

    def _check_group(self, group):
        """Raise ValueError/TypeError for an invalid hyperparameter of ``group``."""

    def zero_grad(self, set_to_none=True):
        """Clear the gradients: Tensor grads to None (or zeros), Value grads to 0.0.

        Args:
            set_to_none: give Tensors grad None (default, as PyTorch) instead of zeros.
        """
        for group in self.param_groups:
            zero_grads(group["params"], set_to_none)

    def step(self, closure=None):
        """Update every parameter that has a gradient, once.

        Every group's hyperparameters and every grad's shape are checked before any
        parameter changes.

        Args:
            closure: an optional function that recomputes the loss (and calls backward);
                it runs first, with grad enabled, and its result is returned.
        """
        name, loss = type(self).__name__, None
        if closure is not None:
            with enable_grad():
                loss = closure()
        todo, tensors = [], []  # (group, [(parameter, raw grad)]); the Tensors stepped
        for k, group in enumerate(self.param_groups):
            self._check_if_changed(k, group)
            params_grads = []
            for i, p in enumerate(group["params"]):
                g = p._grad  # a Value's float; a Tensor's array, the Tensor made of it, None
                if g is None:
                    continue
                data = p.data
                if type(g) is np.ndarray and type(data) is np.ndarray and g.shape == data.shape:
                    tensors.append(p)  # the commonest two cases first: no call
                elif type(g) is not float or type(data) is not float:
                    g = _raw_grad(g, p, i, k, name)  # converted, or a clear error
                    if isinstance(p, Linked):
                        tensors.append(p)
                params_grads.append((p, g))
            todo.append((group, params_grads))
        for group, params_grads in todo:
            self._step_group(group, params_grads)
        changed_in_place(tensors)  # the graphs that saved them refuse backward
        return loss

    def _check_if_changed(self, k, group):
        """Check group ``k``'s hyperparameters if the group changed since its last check
        passed (a dict comparison each step instead of the checks)."""
        last = self._checked.get(k)
        # the same list of parameters, by identity: Tensors do not compare as booleans
        if last is None or last["params"] is not group["params"] or last != group:
            self._check_group(group)
            self._checked[k] = dict(group)

    def _step_group(self, group, params_grads):
        """Update each parameter of ``group`` from its raw grad: the pairs (p, grad)."""
        raise NotImplementedError(f"{type(self).__name__} does not define _step_group()")

    # --- checkpoints ----------------------------------------------------------------------
    def state_dict(self):
        """{"state": {index: {name: copy}}, "param_groups": [...]}, parameters by index.

        As PyTorch's: parameters are numbered across the groups in order, and each
        group lists its parameters' numbers in "params".
        """
        index = {}
        groups = []
        for group in self.param_groups:
            for p in group["params"]:
                index[id(p)] = len(index)
            groups.append({**group, "params": [index[id(p)] for p in group["params"]]})
        state = {index[id(p)]: {k: copied(v) for k, v in s.items()}
                 for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore the state and hyperparameters saved by ``state_dict()``.

        Everything is checked before anything changes: the group and parameter counts
        must match, and every saved buffer must have its parameter's shape.
        """
        name = type(self).__name__
        if not isinstance(state_dict, Mapping) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and "
                             "'param_groups', as made by state_dict()")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the state dict has {len(saved_groups)} "
                             f"parameter groups, the optimizer {len(self.param_groups)}")
        by_index = {}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: group {i} has "
                                 f"{len(saved['params'])} parameters in the state dict, "
                                 f"{len(group['params'])} in the optimizer")
            by_index.update(zip(saved["params"], group["params"]))
            self._check_group({**group, **saved})
        state = defaultdict(dict)
        for key, saved in state_dict["state"].items():
            if key not in by_index:
                raise ValueError(f"{name}.load_state_dict: state for parameter {key!r}, "
                                 "which no group lists")
            p = by_index[key]
            state[p] = {k: _restore(v, p, f"{name}.load_state_dict: state[{key!r}][{k!r}]")
                        for k, v in saved.items()}
        self.state = state
        for saved, group in zip(saved_groups, self.param_groups):
            group.update({k: v for k, v in saved.items() if k != "params"})


def _listed(params, where, what):
    """``params`` as a list, or a TypeError that says what to pass instead."""
    expected = f"{what} must be an iterable of parameters (Values or Tensors) or of dicts"
    if isinstance(params, Node):
        raise TypeError(f"{where}: {expected}, got a single {type(params).__name__}; wrap it "
                        "in a list")
    if hasattr(params, "parameters"):
        raise TypeError(f"{where}: {expected}, got a {type(params).__name__} module; pass "
                        "module.parameters()")
    if isinstance(params, Mapping):
        raise TypeError(f"{where}: {expected}, got a {type(params).__name__}; a parameter group "
                        "goes in a list: [{'params': ...}]")
    if isinstance(params, (set, frozenset)):
        raise TypeError(f"{where}: {what} must be an ordered collection such as a list, not "
                        "a set (the order of a set changes between runs)")
    try:
        return list(params)
    except TypeError:
        raise TypeError(f"{where}: {expected}, got {type(params).__name__}") from None


def _names(params, where):
    """The names of (name, parameter) pairs, as named_parameters() gives; None if unnamed."""
    named = [isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in params]
    if not any(named):
        return None
    if not all(named):
        raise ValueError(f"{where}: parameter {named.index(False)} has no name, others do; "
                         "give every parameter of a group a name (model.named_parameters()) "
                         "or none (model.parameters())")
    return [p[0] for p in params]


def _raw_grad(grad, p, i, k, where):
    """``grad`` (p's) as a raw float or array, checked against p's shape (p is parameter i
    of group k of the optimizer ``where``)."""
    g = data_of(grad)
    if not isinstance(g, (np.ndarray, numbers.Real)) or isinstance(g, bool):
        raise TypeError(f"{where}.step: parameter {i} of group {k} has a "
                        f"grad of type {type(g).__name__}; expected a number, an array or a "
                        "Tensor")
    if isinstance(g, np.ndarray) or isinstance(p.data, np.ndarray):
        if np.shape(g) != np.shape(p.data):
            raise RuntimeError(f"{where}.step: parameter {i} of group {k} "
                               f"has shape {np.shape(p.data)} but its grad has shape "
                               f"{np.shape(g)}; a grad must have its parameter's shape")
    return g


def copied(x):
    """A copy of an array buffer; a float as it is."""
    return x.copy() if isinstance(x, np.ndarray) else x


def _restore(x, p, what):
    """A saved buffer as p's kind: an array of p's shape and dtype, or a float for a Value."""
    if not isinstance(x, np.ndarray):
        return x
    if isinstance(p.data, np.ndarray):
        if x.shape != p.data.shape:
            raise ValueError(f"{what} has shape {x.shape}, the parameter {p.data.shape}")
        return x.astype(p.data.dtype)
    if x.size != 1:
        raise ValueError(f"{what} has shape {x.shape} for a Value parameter")
    return float(x)


def full_like(data, value):
    """A buffer for a parameter holding ``data``: an array of its shape, or a float."""
    if isinstance(data, np.ndarray):
        return np.full_like(data, value)
    return float(value)


def check_at_least_zero(group, key, where, what):
    """A ValueError "Invalid {what}: {value}" unless group[key] is a real number >= 0."""
    if not real_number(group[key], key, where) >= 0:
        raise ValueError(f"Invalid {what}: {group[key]}")
