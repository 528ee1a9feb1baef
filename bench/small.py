"""Tensor small (the lesson): y = sin(x)^3 + noise, 1-100-100-1 ReLU, MSE, SGD lr 0.01.

Run alone: ``python -m bench.small [--quick]``.
"""

from .data import sin_cubed
from .harness import main_for
from .mlp import Task, run_task

LIMITS = {"numpy floor": 1.3, "torch": 0.8}


def task():
    """The lesson's full-batch fit of 100 points."""
    x, y = sin_cubed(100)
    return Task("tensor small", x, y, (1, 100, 100, 1), "mse_loss", "sgd", 0.01,
                steps=500, quick_steps=50)


def run(quick=False):
    return run_task("bench.small", quick, ("float32", "float64"), LIMITS)


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
