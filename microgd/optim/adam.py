"""Adam and AdamW, as ``torch.optim.Adam`` and ``torch.optim.AdamW``."""

import math

import numpy as np

from .._util import boolean, real_number
from .optimizer import Optimizer, check_at_least_zero, full_like

__all__ = ["Adam", "AdamW"]


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
        check_at_least_zero(group, "lr", where, "learning rate")
        check_at_least_zero(group, "eps", where, "epsilon value")
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{where}: betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            if not 0 <= real_number(beta, f"betas[{i}]", where) < 1:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        check_at_least_zero(group, "weight_decay", where, "weight_decay value")
        boolean(group["amsgrad"], "amsgrad", where)
        boolean(group["maximize"], "maximize", where)

    def _step_group(self, group, params_grads):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        wd, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
        for p, g in params_grads:
            state = self.state[p]
            if maximize:
                g = -g
            if wd and self._decoupled:
                p.data *= 1 - lr * wd
            elif wd:
                g = g + wd * p.data
            if not state:
                state.update(step=0, exp_avg=full_like(p.data, 0), exp_avg_sq=full_like(p.data, 0))
            if amsgrad and "max_exp_avg_sq" not in state:
                state["max_exp_avg_sq"] = full_like(p.data, 0)
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


def _maximum(a, b):
    """max(a, b) elementwise, into a when it is an array."""
    if isinstance(a, np.ndarray):
        return np.maximum(a, b, out=a)
    return max(a, b)


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
