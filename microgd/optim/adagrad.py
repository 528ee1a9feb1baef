"""Adagrad, as ``torch.optim.Adagrad``."""

from .._util import boolean
from .optimizer import Optimizer, check_at_least_zero, full_like

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad``.

    For each parameter θ with gradient g, at step t (counted once per ``step()``)::

        g = -g if maximize
        lr_t = lr / (1 + (t - 1) * lr_decay)
        g = g + weight_decay * θ                       (L2 penalty, if weight_decay)
        s = s + g * g                                  (s starts at initial_accumulator_value)
        θ = θ - lr_t * g / (s ** 0.5 + eps)

    As in PyTorch, the state (step 0, s) of every parameter is made by the constructor,
    so ``state_dict()`` lists it before the first step.

    Args:
        params: the parameters, or a list of parameter-group dicts.
        lr: the learning rate, >= 0. Default 1e-2.
        lr_decay: the learning rate decay, >= 0. Default 0.
        weight_decay: L2 penalty added to the gradient, >= 0. Default 0.
        initial_accumulator_value: the starting sum of squared gradients, >= 0. Default 0.
        eps: added to the denominator, >= 0. Default 1e-10.
        maximize: maximize the objective instead of minimizing it. Default False.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10, *, maximize=False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _check_group(self, group):
        check_at_least_zero(group, "lr", "Adagrad", "learning rate")
        check_at_least_zero(group, "lr_decay", "Adagrad", "lr_decay value")
        check_at_least_zero(group, "weight_decay", "Adagrad", "weight_decay value")
        check_at_least_zero(group, "initial_accumulator_value", "Adagrad",
                            "initial_accumulator_value value")
        check_at_least_zero(group, "eps", "Adagrad", "epsilon value")
        boolean(group["maximize"], "maximize", "Adagrad")

    def _init_state(self, p, group):
        self.state[p].update(step=0, sum=full_like(p.data, group["initial_accumulator_value"]))

    def _step_group(self, group, params_grads):
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        wd, maximize = group["weight_decay"], group["maximize"]
        for p, g in params_grads:
            state = self.state[p]
            if not state:  # a parameter of a group added after the constructor
                self._init_state(p, group)
            step = state["step"] = state["step"] + 1
            if maximize:
                g = -g
            if wd:
                g = g + wd * p.data
            s = state["sum"]
            s += g * g
            state["sum"] = s
            p.data -= lr / (1 + (step - 1) * lr_decay) * g / (s ** 0.5 + eps)
