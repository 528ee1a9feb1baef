"""The one random generator behind microgd's initialisation, data sets and shuffling.

``manual_seed(n)`` reseeds it, so that weight initialisation, generated data and
mini-batch order are reproducible. Without a seed it starts from fresh OS entropy.
"""

import numbers

import numpy as np

__all__ = ["manual_seed", "generator"]

_state = {"rng": np.random.default_rng()}


def manual_seed(seed):
    """Reseed microgd's random generator (as ``torch.manual_seed``).

    Args:
        seed: a non-negative int.

    Returns:
        The new ``numpy.random.Generator``.
    """
    _state["rng"] = np.random.default_rng(check_seed(seed, "manual_seed"))
    return _state["rng"]


def generator(seed=None):
    """A generator to draw from: microgd's shared one, or a fresh one when ``seed`` is given.

    Args:
        seed: None (default) for the shared generator that ``manual_seed`` controls,
            or a non-negative int for an independent generator seeded with it.
    """
    if seed is None:
        return _state["rng"]
    return np.random.default_rng(check_seed(seed, "seed"))


def check_seed(seed, what):
    """``seed`` as an int, or a TypeError/ValueError naming it."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{what}: the seed must be an int, got {type(seed).__name__} {seed!r:.60}")
    if seed < 0:
        raise ValueError(f"{what}: the seed must be non-negative, got {seed}")
    return int(seed)
