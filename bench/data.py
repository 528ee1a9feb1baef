"""Datasets and initial weights, made with numpy so every engine starts the same."""

import numpy as np


def moons(n=100, noise=0.1, seed=1):
    """Two interleaved half circles; labels -1 and +1 (the micrograd demo's data)."""
    rng = np.random.default_rng(seed)
    half = n // 2
    t_top = np.linspace(0.0, np.pi, n - half)
    t_bottom = np.linspace(0.0, np.pi, half)
    top = np.stack([np.cos(t_top), np.sin(t_top)], axis=1)
    bottom = np.stack([1.0 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)], axis=1)
    X = np.concatenate([top, bottom]) + rng.normal(0.0, noise, (n, 2))
    y = np.concatenate([-np.ones(n - half), np.ones(half)])
    return X, y


def sin_cubed(n=100, seed=0):
    """The lesson's curve: x uniform in [0, 10), y = sin(x)^3 + noise; shapes (n, 1)."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 1)) * 10
    y = np.sin(x) ** 3 + rng.normal(0.0, 0.1, (n, 1))
    return x, y


def circle(n=1000, seed=0):
    """X uniform in [-1, 1]^2, y = |X| + noise; shapes (n, 2) and (n, 1)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, (n, 2))
    y = np.linalg.norm(X, axis=1, keepdims=True) + rng.normal(0.0, 0.05, (n, 1))
    return X, y


def random_classes(n=4096, features=784, classes=10, seed=0):
    """Random inputs in [0, 1) and random integer labels in [0, classes)."""
    rng = np.random.default_rng(seed)
    return rng.random((n, features)), rng.integers(0, classes, n)


def mlp_weights(sizes, seed=0):
    """[W1, b1, W2, b2, ...] for layers sizes[0] -> sizes[1] -> ..., float64.

    Each W is (out, in) and each b is (out,), uniform in +-1/sqrt(in) as
    PyTorch's nn.Linear initialises them.
    """
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        weights.append(rng.uniform(-bound, bound, (fan_out, fan_in)))
        weights.append(rng.uniform(-bound, bound, fan_out))
    return weights
