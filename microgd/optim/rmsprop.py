"""RMSprop, as ``torch.optim.RMSprop``."""

from .._util import boolean
import numpy as np

from .optimizer import Optimizer, check_at_least_zero, full_like

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop`` (eps added after the square root).

    For each parameter θ with gradient g, at each step::

        g = -g if maximize
        g = g + weight_decay * θ                       (L2 penalty, if weight_decay)
        v = alpha * v + (1 - alpha) * g * g
        a = alpha * a + (1 - alpha) * g                (if centered)
        d = sqrt(v - a * a) if centered, else sqrt(v); then d = d + eps
        b = momentum * b + g / d;  θ = θ - lr * b      (if momentum > 0)
        θ = θ - lr * g / d                             (otherwise)

    v, a and b start at zero.

    Args:
        params: the parameters, or a list of parameter-group dicts.
        lr: the learning rate, >= 0. Default 1e-2.
        alpha: the smoothing constant of the averages, >= 0. Default 0.99.
        eps: added to the denominator, >= 0. Default 1e-8.
        weight_decay: L2 penalty added to the gradient, >= 0. Default 0.
        momentum: the momentum factor, >= 0. Default 0.
        centered: divide by an estimate of the gradient's variance instead of its
            second moment. Default False.
        maximize: maximize the objective instead of minimizing it. Default False.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _check_group(self, group):
        check_at_least_zero(group, "lr", "RMSprop", "learning rate")
        check_at_least_zero(group, "eps", "RMSprop", "epsilon value")
        check_at_least_zero(group, "momentum", "RMSprop", "momentum value")
        check_at_least_zero(group, "weight_decay", "RMSprop", "weight_decay value")
        check_at_least_zero(group, "alpha", "RMSprop", "alpha value")
        boolean(group["centered"], "centered", "RMSprop")
        boolean(group["maximize"], "maximize", "RMSprop")

    def _step_group(self, group, params_grads):
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        wd, mu, centered = group["weight_decay"], group["momentum"], group["centered"]
        for p, g in params_grads:
            state = self.state[p]
            if not state:
                state.update(step=0, square_avg=full_like(p.data, 0))
            if centered and "grad_avg" not in state:
                state["grad_avg"] = full_like(p.data, 0)
            if mu and "momentum_buffer" not in state:
                state["momentum_buffer"] = full_like(p.data, 0)
            state["step"] += 1
            if group["maximize"]:
                g = -g
            if wd:
                g = g + wd * p.data
            v = state["square_avg"]
            v *= alpha
            v += (1 - alpha) * (g * g)
            state["square_avg"] = v
            if centered:
                a = state["grad_avg"]
                a *= alpha
                a += (1 - alpha) * g
                state["grad_avg"] = a
                v = v - a * a  # >= 0 but for rounding: nan then, as in PyTorch
            denom = _sqrt(v) + eps
            if mu:
                b = state["momentum_buffer"]
                b *= mu
                b += g / denom
                state["momentum_buffer"] = b
                p.data -= lr * b
            else:
                p.data -= lr * g / denom


def _sqrt(x):
    """The square root of an array or a float; nan below zero (never complex)."""
    if isinstance(x, np.ndarray):
        return np.sqrt(x)
    return x ** 0.5 if x >= 0 else float("nan")
