"""Optimizers (SGD, Adam, AdamW) and learning-rate schedulers, as ``torch.optim``.

Parameters may be Values or Tensors (anything with ``.data`` and ``.grad``); a
parameter whose grad is None is skipped. Tensors are updated in place, Values get a
new float. The update rules are PyTorch's documented ones, written in each class's
docstring; every hyperparameter is checked up front ("Invalid learning rate: -1").
"""

import math
from collections.abc import Mapping

import numpy as np

from ._util import boolean, non_negative, positive_int, real_number, zero_grads
from .autograd import Node, enable_grad
from .ops import data_of

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "LRScheduler", "StepLR", "CosineAnnealingLR"]


class Optimizer:
    """Base class of the optimizers: parameter groups, per-parameter state, checkpoints.

    Args:
        params: an iterable of parameters (Values or Tensors), or of dicts, each a
            parameter group with a "params" list and hyperparameters of its own.
        defaults: the hyperparameters of groups that do not set them.
    """

    def __init__(self, params, defaults):
        if isinstance(params, Node):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of parameters "
                            f"or of dicts, got a single {type(params).__name__}; wrap it in "
                            "a list")
        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add a parameter group: a dict with "params" and optional hyperparameters."""
        name = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' entry, "
                            f"got {type(group).__name__}")
        group = {**self.defaults, **group}
        params = group["params"]
        params = [params] if isinstance(params, Node) else list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Node):
                raise TypeError(f"{name}: parameter {i} must be a Value or a Tensor, got "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{name}: parameter {i} is not a leaf (it was computed by "
                                 f"op '{p.op}'); optimize the leaves it came from")
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids) or taken.intersection(ids):
            raise ValueError(f"{name}: some parameters appear more than once (within a group "
                             "or in two groups)")
        self._check_group(group)
        group["params"] = params
        self.param_groups.append(group)

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

        Args:
            closure: an optional function that recomputes the loss (and calls backward);
                it runs first, with grad enabled, and its result is returned.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._step_group(group)
        return loss

    def _step_group(self, group):
        raise NotImplementedError(f"{type(self).__name__} does not define _step_group()")

    def _with_grads(self, group):
        """(parameter, raw gradient, state) for each parameter of ``group`` that has a grad."""
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {}
            yield p, data_of(g), state  # raw after create_graph too

    # --- checkpoints ----------------------------------------------------------------------
    def state_dict(self):
        """{"state": {index: {name: copy}}, "param_groups": [...]}, parameters by index."""
        index = {}
        groups = []
        for group in self.param_groups:
            for p in group["params"]:
                index[id(p)] = len(index)
            groups.append({**group, "params": [index[id(p)] for p in group["params"]]})
        state = {index[id(p)]: {k: _copy(v) for k, v in s.items()}
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
        state = {}
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


def _copy(x):
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


def _maximum(a, b):
    """max(a, b) elementwise, into a when it is an array."""
    if isinstance(a, np.ndarray):
        return np.maximum(a, b, out=a)
    return max(a, b)


def _zeros_like(x):
    return np.zeros_like(x) if isinstance(x, np.ndarray) else 0.0


def _check_at_least_zero(group, key, where, what):
    if not real_number(group[key], key, where) >= 0:
        raise ValueError(f"Invalid {what}: {group[key]}")


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum, as ``torch.optim.SGD``.

    For each parameter θ with gradient g, at step t::

        g = -g if maximize
        g = g + weight_decay * θ                       (L2 penalty, if weight_decay)
        b = g at t = 1, else momentum * b + (1 - dampening) * g     (if momentum)
        g = g + momentum * b if nesterov, else b                    (if momentum)
        θ = θ - lr * g

    The fast.ai lesson's momentum, "step = 0.8 * last_step + 0.2 * grad, and the first
    step is the gradient", is exactly ``SGD(params, lr, momentum=0.8, dampening=0.8)``.

    ``maximize`` negates the gradient before the weight decay, as PyTorch's
    implementation (and its Adam documentation) does.

    Args:
        params: the parameters, or a list of parameter-group dicts.
        lr: the learning rate, >= 0.
        momentum: the momentum factor, >= 0. Default 0.
        dampening: the dampening of the new gradient in the momentum buffer. Default 0.
        weight_decay: L2 penalty added to the gradient, >= 0. Default 0.
        nesterov: use Nesterov momentum (needs momentum > 0, dampening 0). Default False.
        maximize: maximize the objective instead of minimizing it. Default False.
    """

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _check_group(self, group):
        _check_at_least_zero(group, "lr", "SGD", "learning rate")
        _check_at_least_zero(group, "momentum", "SGD", "momentum value")
        real_number(group["dampening"], "dampening", "SGD")
        _check_at_least_zero(group, "weight_decay", "SGD", "weight_decay value")
        boolean(group["nesterov"], "nesterov", "SGD")
        boolean(group["maximize"], "maximize", "SGD")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"Nesterov momentum requires a momentum and zero dampening, got "
                             f"momentum={group['momentum']}, dampening={group['dampening']}")

    def _step_group(self, group):
        lr, mu, wd = group["lr"], group["momentum"], group["weight_decay"]
        damp, nesterov, maximize = group["dampening"], group["nesterov"], group["maximize"]
        for p, g, state in self._with_grads(group):
            if maximize:
                g = -g
            if wd:
                g = g + wd * p.data
            if mu:
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = _copy(g)  # the first step's buffer is the gradient, undampened
                else:
                    buf *= mu
                    buf += (1 - damp) * g
                state["momentum_buffer"] = buf
                g = g + mu * buf if nesterov else buf
            p.data -= lr * g


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam``, with PyTorch's bias corrections and eps placement.

    For each parameter θ with gradient g, at step t (counted once per ``step()``)::

        g = -g if maximize
        g = g + weight_decay * θ                       (L2 penalty, if weight_decay)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v)                          (amsgrad: on the uncorrected v)
        θ = θ - lr / (1 - beta1^t) * m / (sqrt(v or v_max) / sqrt(1 - beta2^t) + eps)

    Args:
        params: the parameters, or a list of parameter-group dicts.
        lr: the learning rate, >= 0. Default 1e-3.
        betas: (beta1, beta2), each in [0, 1). Default (0.9, 0.999).
        eps: added to the denominator, >= 0. Default 1e-8.
        weight_decay: L2 penalty added to the gradient, >= 0. Default 0.
        amsgrad: use the running maximum of v (AMSGrad). Default False.
        maximize: maximize the objective instead of minimizing it. Default False.
    """

    _decoupled = False  # AdamW shrinks θ directly instead of adding to the gradient

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    def _check_group(self, group):
        where = type(self).__name__
        _check_at_least_zero(group, "lr", where, "learning rate")
        _check_at_least_zero(group, "eps", where, "epsilon value")
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{where}: betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            if not 0 <= real_number(beta, f"betas[{i}]", where) < 1:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        _check_at_least_zero(group, "weight_decay", where, "weight_decay value")
        boolean(group["amsgrad"], "amsgrad", where)
        boolean(group["maximize"], "maximize", where)

    def _step_group(self, group):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        wd, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
        for p, g, state in self._with_grads(group):
            if maximize:
                g = -g
            if wd and self._decoupled:
                p.data *= 1 - lr * wd
            elif wd:
                g = g + wd * p.data
            if not state:
                state.update(step=0, exp_avg=_zeros_like(p.data), exp_avg_sq=_zeros_like(p.data))
                if amsgrad:
                    state["max_exp_avg_sq"] = _zeros_like(p.data)
            step = state["step"] = state["step"] + 1
            m, v = state["exp_avg"], state["exp_avg_sq"]
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * (g * g)
            state["exp_avg"], state["exp_avg_sq"] = m, v
            if amsgrad:
                v = state["max_exp_avg_sq"] = _maximum(state["max_exp_avg_sq"], v)
            denom = v ** 0.5 / math.sqrt(1 - beta2 ** step) + eps
            p.data -= lr / (1 - beta1 ** step) * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay, as ``torch.optim.AdamW``.

    Each step first shrinks θ = θ - lr * weight_decay * θ, then applies Adam's update
    with no L2 term in the gradient.

    Args:
        params: the parameters, or a list of parameter-group dicts.
        lr: the learning rate, >= 0. Default 1e-3.
        betas: (beta1, beta2), each in [0, 1). Default (0.9, 0.999).
        eps: added to the denominator, >= 0. Default 1e-8.
        weight_decay: the decoupled decay, >= 0. Default 1e-2.
        amsgrad: use the running maximum of v (AMSGrad). Default False.
        maximize: maximize the objective instead of minimizing it. Default False.
    """

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize)


# --- learning-rate schedulers -----------------------------------------------------------

class LRScheduler:
    """Base class: sets each group's lr from a closed-form rule of the epoch count.

    Creating a scheduler sets epoch 0 (the initial lr); each ``step()`` advances one
    epoch. Call it after ``optimizer.step()``, as in PyTorch.

    Args:
        optimizer: the Optimizer whose learning rates to set.
    """

    def __init__(self, optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: optimizer must be an Optimizer, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["initial_lr"] = group["lr"]
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def lr_at(self, base_lr, epoch):
        """The learning rate at ``epoch`` for a group that started at ``base_lr``."""
        raise NotImplementedError(f"{type(self).__name__} does not define lr_at()")

    def step(self):
        """Advance one epoch and set every group's lr."""
        self.last_epoch += 1
        self._last_lr = [self.lr_at(base, self.last_epoch) for base in self.base_lrs]
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr

    def get_last_lr(self):
        """The learning rates set by the last ``step()``, one per group."""
        return list(self._last_lr)

    def state_dict(self):
        """Everything but the optimizer, as a dict."""
        return _lists_copied((k, v) for k, v in self.__dict__.items() if k != "optimizer")

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict()`` saved."""
        expected = sorted(self.state_dict())
        got = sorted(state_dict) if isinstance(state_dict, Mapping) else state_dict
        if got != expected:
            raise ValueError(f"{type(self).__name__}.load_state_dict: expected the keys "
                             f"{expected}, got {got!r}")
        self.__dict__.update(_lists_copied(state_dict.items()))


class StepLR(LRScheduler):
    """lr = initial_lr * gamma ** (epoch // step_size), as ``torch.optim.lr_scheduler.StepLR``.

    Args:
        optimizer: the Optimizer.
        step_size: the number of epochs between decays, a positive int.
        gamma: the decay factor. Default 0.1.
    """

    def __init__(self, optimizer, step_size, gamma=0.1):
        self.step_size = positive_int(step_size, "step_size", "StepLR")
        self.gamma = non_negative(gamma, "gamma", "StepLR")
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch):
        return base_lr * self.gamma ** (epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2.

    The closed form of ``torch.optim.lr_scheduler.CosineAnnealingLR`` (SGDR without
    restarts): the lr falls from the initial lr to eta_min over T_max epochs.

    Args:
        optimizer: the Optimizer.
        T_max: the number of epochs of the half cosine, a positive int.
        eta_min: the smallest learning rate, >= 0. Default 0.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0):
        self.T_max = positive_int(T_max, "T_max", "CosineAnnealingLR")
        self.eta_min = non_negative(eta_min, "eta_min", "CosineAnnealingLR")
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch):
        return self.eta_min + (base_lr - self.eta_min) * (
            1 + math.cos(math.pi * epoch / self.T_max)) / 2


def _lists_copied(items):
    """A dict of (key, value) pairs, each list value copied (a scheduler's state)."""
    return {k: (list(v) if isinstance(v, list) else v) for k, v in items}
