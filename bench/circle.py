"""Tensor circle: y = |X| + noise on 1000 points, 2-100-100-1 ReLU, MSE, Adam lr 0.01.

Run alone: ``python -m bench.circle [--quick]``.
"""

from .data import circle
from .harness import main_for
from .mlp import Task, run_task

LIMITS = {"torch": 1.0}


def task():
    """Full-batch regression of the distance from the origin."""
    X, y = circle(1000)
    return Task("tensor circle", X, y, (2, 100, 100, 1), "mse_loss", "adam", 0.01,
                steps=200, quick_steps=20)


def run(quick=False):
    return run_task("bench.circle", quick, ("float32", "float64"), LIMITS)


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
