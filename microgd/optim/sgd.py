"""SGD, as ``torch.optim.SGD``."""

from .._util import boolean, real_number
from .optimizer import Optimizer, check_at_least_zero, copied

__all__ = ["SGD"]


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
        lr: the learning rate, >= 0. Default 1e-3 (PyTorch's).
        momentum: the momentum factor, >= 0. Default 0.
        dampening: the dampening of the new gradient in the momentum buffer. Default 0.
        weight_decay: L2 penalty added to the gradient, >= 0. Default 0.
        nesterov: use Nesterov momentum (needs momentum > 0, dampening 0). Default False.
        maximize: maximize the objective instead of minimizing it. Default False.
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _check_group(self, group):
        check_at_least_zero(group, "lr", "SGD", "learning rate")
        check_at_least_zero(group, "momentum", "SGD", "momentum value")
        real_number(group["dampening"], "dampening", "SGD")
        check_at_least_zero(group, "weight_decay", "SGD", "weight_decay value")
        boolean(group["nesterov"], "nesterov", "SGD")
        boolean(group["maximize"], "maximize", "SGD")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"Nesterov momentum requires a momentum and zero dampening, got "
                             f"momentum={group['momentum']}, dampening={group['dampening']}")

    def _step_group(self, group, params_grads):
        lr, mu, wd = group["lr"], group["momentum"], group["weight_decay"]
        damp, nesterov, maximize = group["dampening"], group["nesterov"], group["maximize"]
        for p, g in params_grads:
            if maximize:
                g = -g
            if wd:
                g = g + wd * p.data
            if mu:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = copied(g)  # the first step's buffer is the gradient, undampened
                else:
                    buf *= mu
                    buf += (1 - damp) * g
                state["momentum_buffer"] = buf
                g = g + mu * buf if nesterov else buf
            p.data -= lr * g
