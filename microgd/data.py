"""The lessons' data sets, made with numpy, and mini-batches for stochastic gradient descent.

Every data set takes its size ``n`` and a ``seed``: None draws from microgd's generator
(so ``mg.manual_seed`` makes it reproducible), an int gives the same data every time
without touching that generator. All arrays are float64.
"""

import numpy as np

from ._util import boolean, non_negative, positive_int, real_number
from .ops import data_of
from .random import generator
from .utils.data import batch_indices

__all__ = ["line", "lesson2", "sin_cubed", "circle", "moons", "batches"]


def line(n=30, a=3.0, b=8.0, noise=0.0, seed=None, low=0.0, high=1.0):
    """The straight line of lesson 2: y = a * x + b (+ Gaussian noise), x uniform in [low, high).

    Args:
        n: the number of points. Default 30.
        a: the slope. Default 3.0.
        b: the intercept. Default 8.0.
        noise: the standard deviation of the noise added to y. Default 0.0 (none).
        seed: None (microgd's generator, default) or an int.
        low, high: the range of x. Default 0.0 and 1.0, the lesson's.

    Returns:
        x of shape (n,), y of shape (n,).
    """
    n, noise, rng = _prepare("line", n, noise, seed)
    a, b = real_number(a, "a", "line"), real_number(b, "b", "line")
    low, high = real_number(low, "low", "line"), real_number(high, "high", "line")
    if not low < high:
        raise ValueError(f"line: low must be below high, got low={low} and high={high}")
    x = rng.uniform(low, high, n)
    return x, a * x + b + noise * rng.standard_normal(n)


def lesson2(n=100, seed=None):
    """fast.ai lesson 2's regression: X = [u, 1] with u uniform in [-1, 1), y = X @ [3, 2] + u'.

    The noise u' is uniform in [0, 1), as ``torch.rand`` in the lesson.

    Args:
        n: the number of points. Default 100.
        seed: None (microgd's generator, default) or an int.

    Returns:
        X of shape (n, 2) (second column all ones), y of shape (n,).
    """
    n = positive_int(n, "n", "lesson2")
    rng = generator(seed)
    X = np.ones((n, 2))
    X[:, 0] = rng.uniform(-1.0, 1.0, n)
    return X, X @ np.array([3.0, 2.0]) + rng.random(n)


def sin_cubed(n=100, noise=0.1, seed=None):
    """The blog lesson's non-linear curve: y = sin(x) ** 3 + Gaussian noise, x uniform in [0, 10).

    Args:
        n: the number of points. Default 100.
        noise: the standard deviation of the noise. Default 0.1.
        seed: None (microgd's generator, default) or an int.

    Returns:
        x of shape (n,), y of shape (n,) (reshape to (n, 1) for a model with one input).
    """
    n, noise, rng = _prepare("sin_cubed", n, noise, seed)
    x = rng.random(n) * 10
    return x, np.sin(x) ** 3 + noise * rng.standard_normal(n)


def circle(n=1000, noise=0.1, seed=None):
    """The blog lesson's 2-D cone: y = |X| + Gaussian noise, X uniform in [-1, 1)^2.

    Args:
        n: the number of points. Default 1000.
        noise: the standard deviation of the noise. Default 0.1.
        seed: None (microgd's generator, default) or an int.

    Returns:
        X of shape (n, 2), y of shape (n,).
    """
    n, noise, rng = _prepare("circle", n, noise, seed)
    X = rng.random((n, 2)) * 2 - 1
    return X, np.sqrt((X ** 2).sum(axis=1)) + noise * rng.standard_normal(n)


def moons(n=100, noise=0.1, seed=None):
    """Two interleaving half circles, the classification data of micrograd's demo.

    The upper half circle (centre (0, 0), radius 1) has label -1, the lower one (centre
    (1, 0.5)) label +1; Gaussian noise is added to the points, which come shuffled.

    Args:
        n: the number of points (n // 2 upper, the rest lower). Default 100.
        noise: the standard deviation of the noise on each coordinate. Default 0.1.
        seed: None (microgd's generator, default) or an int.

    Returns:
        X of shape (n, 2), y of shape (n,) with values -1.0 and +1.0.
    """
    n, noise, rng = _prepare("moons", n, noise, seed)
    upper, lower = n // 2, n - n // 2
    t_up, t_low = np.linspace(0, np.pi, upper), np.linspace(0, np.pi, lower)
    X = np.concatenate([np.c_[np.cos(t_up), np.sin(t_up)],
                        np.c_[1 - np.cos(t_low), 0.5 - np.sin(t_low)]])
    y = np.concatenate([-np.ones(upper), np.ones(lower)])
    order = rng.permutation(n)
    return X[order] + noise * rng.standard_normal((n, 2)), y[order]


def _prepare(where, n, noise, seed):
    """The checked size and noise level, and the generator to draw from."""
    return (positive_int(n, "n", where), non_negative(noise, "noise", where),
            generator(seed))


def batches(X, y, batch_size, shuffle=True, seed=None):
    """Mini-batches (X[i], y[i]) covering every sample once per pass; the last may be smaller.

    Made once, it can be iterated again every epoch (as a DataLoader): with shuffle,
    each pass draws a new order.

    Args:
        X: inputs, an array (or Tensor) with the samples along axis 0.
        y: targets, the same number of samples.
        batch_size: the samples per batch, a positive int.
        shuffle: visit the samples in a random order. Default True.
        seed: for the orders: None (microgd's generator, default) or an int (a generator
            of its own, so the epochs' orders repeat from one call to the next).

    Returns:
        An iterable of (X_batch, y_batch) numpy arrays; ``len()`` is the number of batches.
    """
    X, y = _samples(X, "X"), _samples(y, "y")
    if len(X) != len(y):
        raise ValueError(f"batches: X has {len(X)} samples but y has {len(y)}; they must "
                         "match along axis 0")
    batch_size = positive_int(batch_size, "batch_size", "batches")
    boolean(shuffle, "shuffle", "batches")
    return Batches(X, y, batch_size, shuffle, None if seed is None else generator(seed))


class Batches:
    """The mini-batches of ``batches()``: each iteration is one epoch, in a new order.

    Args:
        X, y: arrays with the same number of samples along axis 0.
        batch_size: the samples per batch.
        shuffle: a new random order each epoch.
        rng: the generator of the orders; None for microgd's (as it is at each epoch).
    """

    def __init__(self, X, y, batch_size, shuffle, rng):
        self.X, self.y = X, y
        self.batch_size, self.shuffle, self._rng = batch_size, shuffle, rng

    def __iter__(self):
        for index in batch_indices(len(self.X), self.batch_size, self.shuffle, rng=self._rng):
            yield self.X[index], self.y[index]

    def __len__(self):
        return -(-len(self.X) // self.batch_size)

    def __repr__(self):
        return (f"Batches({len(self.X)} samples, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle})")


def _samples(a, what):
    a = np.asarray(data_of(a))
    if a.ndim == 0:
        raise ValueError(f"batches: {what} must have a sample axis, got a scalar {a!r}")
    return a
