"""The tensor workloads' common shape: a ReLU MLP trained full-batch, on three engines.

A ``Task`` names the data, the layer sizes, the loss and the optimizer; ``run_task``
trains it from the same initial weights on microgd, on a hand-written numpy
forward and backward (the floor for any numpy-based engine) and on PyTorch, and
turns the paired timings into table rows and targets.
"""

import functools
import importlib
from dataclasses import dataclass

import numpy as np

from .data import mlp_weights
from .harness import (CHILD, SWITCH_PAUSE, Report, Target, median_faults, paired, rows_from,
                      timed_steps)

ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
MOMENTUM = 0.9


@dataclass(frozen=True)
class Task:
    """One tensor workload.

    Args:
        name: the workload's name in the table.
        X: inputs, (n, features), float64.
        y: targets (n, 1) for "mse_loss", integer labels (n,) for "cross_entropy".
        sizes: layer widths, input first: (1, 100, 100, 1).
        loss: "mse_loss" or "cross_entropy", the function's name in both
            ``microgd.nn.functional`` and ``torch.nn.functional``.
        optimizer: "sgd", "momentum" (SGD with momentum 0.9) or "adam".
        lr: learning rate.
        steps, quick_steps: training steps per timed run, full and --quick.
        repeats, quick_repeats: paired repeats, full and --quick.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    sizes: tuple
    loss: str
    optimizer: str
    lr: float
    steps: int
    quick_steps: int
    repeats: int = 7
    quick_repeats: int = 3

    def arrays(self, dtype):
        """(X, y) converted for ``dtype``: labels stay integers."""
        y = self.y if self.loss == "cross_entropy" else self.y.astype(dtype)
        return self.X.astype(dtype), y


# --- the numpy floor ----------------------------------------------------------------------

class NumpyOptimizer:
    """PyTorch's SGD, SGD with momentum (dampening 0) and Adam update rules on arrays."""

    def __init__(self, kind, params, lr):
        self.kind, self.params, self.lr = kind, params, lr
        self.t = 0
        self.state = [None] * len(params)

    def step(self, grads):
        self.t += 1
        for i, (p, g) in enumerate(zip(self.params, grads)):
            if self.kind == "sgd":
                p -= self.lr * g
            elif self.kind == "momentum":
                if self.state[i] is None:
                    self.state[i] = g.copy()
                else:
                    self.state[i] *= MOMENTUM
                    self.state[i] += g
                p -= self.lr * self.state[i]
            else:
                self._adam(i, p, g)

    def _adam(self, i, p, g):
        b1, b2 = ADAM_BETAS
        if self.state[i] is None:
            self.state[i] = (np.zeros_like(p), np.zeros_like(p))
        m, v = self.state[i]
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        denom = np.sqrt(v) / np.sqrt(1 - b2 ** self.t) + ADAM_EPS
        p -= (self.lr / (1 - b1 ** self.t)) * m / denom


def mm(a, b):
    """a @ b for 2-D arrays; with an inner dimension of 1, the broadcast product (the
    same numbers: numpy's matmul is several times slower for an outer product)."""
    return a * b if a.shape[1] == 1 else a @ b


class FloorMLP:
    """The workload written by hand in numpy: forward, loss, backward, update."""

    def __init__(self, task, weights, dtype):
        self.X, self.y = task.arrays(dtype)
        self.params = [w.astype(dtype) for w in weights]
        self.cross_entropy = task.loss == "cross_entropy"
        self.optimizer = NumpyOptimizer(task.optimizer, self.params, task.lr)

    def step(self):
        weights, biases = self.params[0::2], self.params[1::2]
        last = len(weights) - 1
        inputs = [self.X]  # the input of each layer
        for i, (W, b) in enumerate(zip(weights, biases)):
            z = mm(inputs[-1], W.T) + b
            if i < last:
                inputs.append(np.maximum(z, 0))
        loss, g = self._loss_and_grad(z)
        grads = [None] * len(self.params)
        for i in range(last, -1, -1):
            grads[2 * i] = mm(g.T, inputs[i])
            grads[2 * i + 1] = g.sum(axis=0)
            if i:
                g = mm(g, weights[i]) * (inputs[i] > 0)
        self.optimizer.step(grads)
        return loss

    def _loss_and_grad(self, out):
        """The loss and d(loss)/d(out)."""
        if self.cross_entropy:
            n = len(self.y)
            rows = np.arange(n)
            shifted = out - out.max(axis=1, keepdims=True)
            e = np.exp(shifted)
            total = e.sum(axis=1, keepdims=True)
            loss = (np.log(total)[:, 0] - shifted[rows, self.y]).mean()
            g = e / total
            g[rows, self.y] -= 1
            return loss, g / n
        diff = out - self.y
        return (diff * diff).mean(), diff * (2 / diff.size)


# --- PyTorch --------------------------------------------------------------------------------

class UserLoop:
    """The training step as a PyTorch or microgd user writes it.

    Subclasses set ``model``, ``X``, ``y``, ``loss_fn`` and ``optimizer``.
    """

    def step(self):
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.model(self.X), self.y)
        loss.backward()
        self.optimizer.step()
        return loss


def make_optimizer(optim, task, params):
    """The task's optimizer from ``optim`` (``torch.optim`` or ``microgd.optim``: same API)."""
    if task.optimizer == "adam":
        return optim.Adam(params, lr=task.lr, betas=ADAM_BETAS, eps=ADAM_EPS)
    momentum = MOMENTUM if task.optimizer == "momentum" else 0.0
    return optim.SGD(params, lr=task.lr, momentum=momentum)


class TorchMLP(UserLoop):
    """The workload in PyTorch on the CPU: nn.Sequential, functional loss, torch.optim."""

    def __init__(self, task, weights, dtype):
        import torch
        torch_dtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
        layers = []
        for i, (fan_in, fan_out) in enumerate(zip(task.sizes[:-1], task.sizes[1:])):
            layers.append(torch.nn.Linear(fan_in, fan_out, dtype=torch_dtype))
            if i < len(task.sizes) - 2:
                layers.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*layers)
        with torch.no_grad():
            for p, w in zip(self.model.parameters(), weights):
                p.copy_(torch.from_numpy(w))
        X, y = task.arrays(dtype)
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)
        self.loss_fn = getattr(torch.nn.functional, task.loss)
        self.optimizer = make_optimizer(torch.optim, task, self.model.parameters())


# --- microgd --------------------------------------------------------------------------------

class MicrogdMLP(UserLoop):
    """The workload as a microgd user writes it: nn.MLP, nn.functional, optim."""

    def __init__(self, task, weights, dtype):
        from microgd import Tensor, nn, optim
        self.model = nn.MLP(task.sizes[0], list(task.sizes[1:]), dtype=dtype)
        load_weights(self.model, weights, dtype)
        X, y = task.arrays(dtype)
        self.X = Tensor(X)
        self.y = y if task.loss == "cross_entropy" else Tensor(y)
        self.loss_fn = getattr(nn.functional, task.loss)
        self.optimizer = make_optimizer(optim, task, self.model.parameters())


def load_weights(model, weights, dtype=np.float64):
    """Load [W1, b1, W2, b2, ...] into a microgd model through its state_dict.

    The names come from the model's own state_dict, in its order; the arrays are
    converted to ``dtype`` and the parameters must keep it.
    """
    names = list(model.state_dict())
    if len(names) != len(weights):
        raise ValueError(f"the model has {len(names)} tensors, the weights {len(weights)}")
    model.load_state_dict({name: w.astype(dtype) for name, w in zip(names, weights)})
    for name, p in model.named_parameters():
        kept = np.asarray(p.data).dtype
        if kept != dtype:
            raise TypeError(f"{name} is {kept} after loading {np.dtype(dtype)} weights")


ENGINES = {"microgd": MicrogdMLP, "numpy floor": FloorMLP, "torch": TorchMLP}

# Engines with a thread pool of their own run in a child process: two BLAS/OpenMP
# pools in one process of a 2-core machine slow each other down many times over.
OWN_PROCESS = ("torch",)


@functools.lru_cache(maxsize=None)
def _task(module):
    return importlib.import_module(module).task()


def build(module, engine, dtype):
    """``engine``'s model of ``module``'s task, fresh from the task's initial weights."""
    task = _task(module)
    return ENGINES[engine](task, mlp_weights(task.sizes), np.dtype(dtype).type)


def measure(module, engine, dtype, steps):
    """Build ``engine`` fresh (see build); time ``steps`` of it."""
    return timed_steps(build(module, engine, dtype).step, steps)


def run_task(module, quick, dtypes, limits):
    """Train the task of ``module`` on every engine for each dtype; paired timings as a Report.

    Args:
        module: the workload module's name; its ``task()`` makes the Task.
        quick: few steps and repeats.
        dtypes: numpy dtype names to run.
        limits: engine name -> largest allowed microgd/engine time ratio (issue 6).
    """
    task = _task(module)
    steps = task.quick_steps if quick else task.steps
    repeats = task.quick_repeats if quick else task.repeats
    report = Report()
    for dtype in dtypes:
        runners = {name: functools.partial(_measure_where, module, name, dtype, steps)
                   for name in ENGINES}
        results = paired(runners, repeats, pause=SWITCH_PAUSE)
        rows = rows_from(task.name, dtype, results,
                         note=lambda name, ms: f"minflt/step {median_faults(ms):.0f}")
        report.rows += rows
        ratios = {row.engine: row.ratio for row in rows}
        for name, limit in limits.items():
            report.targets.append(Target(f"{task.name} {dtype}: microgd/{name}",
                                         ratios[name], limit))
    return report


def _measure_where(module, engine, dtype, steps):
    """measure(...), in the child process if ``engine`` needs one."""
    if engine in OWN_PROCESS:
        return CHILD.call(measure, module, engine, dtype, steps)
    return measure(module, engine, dtype, steps)
