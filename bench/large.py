"""Tensor large: 4096 x 784 random inputs, 784-256-256-10 ReLU, cross-entropy, SGD momentum 0.9.

Run alone: ``python -m bench.large [--quick]``.
"""

from .data import random_classes
from .harness import main_for
from .mlp import Task, run_task

LIMITS = {"numpy floor": 1.1, "torch": 1.0}


def task():
    """Full-batch softmax classification of 4096 random MNIST-sized inputs."""
    X, labels = random_classes(4096, 784, 10)
    return Task("tensor large", X, labels, (784, 256, 256, 10), "cross_entropy", "momentum",
                0.01, steps=10, quick_steps=2, repeats=5)


def run(quick=False):
    return run_task("bench.large", quick, ("float32",), LIMITS)


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
