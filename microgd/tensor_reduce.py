"""Tensor's reductions: sum, mean, max, min, var, std, norm, argmax, softmax.

Each takes PyTorch's ``dim``/``keepdim`` or numpy's ``axis``/``keepdims`` (one of each
pair). ``max(dim)`` and ``min(dim)`` with an int ``dim`` return PyTorch's
``(values, indices)``; with ``axis`` (numpy's name, an int or a tuple) the values.
"""

import collections
import math
import numbers

import numpy as np

from . import array_ops
from .autograd import Node
from .tensor_shape import check_dim, normalize_axes

_RESULTS = {name: collections.namedtuple(name, ["values", "indices"]) for name in ("max", "min")}


class Reductions:
    """The reductions of Tensor (a mixin: each records through ``_apply1``)."""

    __slots__ = ()

    def sum(self, dim=None, keepdim=None, *, axis=None, keepdims=None):
        """Sum over ``dim`` (or ``axis``): None for all, an int or a tuple of ints.

        Args:
            dim: the axes to sum over. Default None: all of them.
            keepdim: keep the summed axes with length 1. Default False.
            axis, keepdims: numpy's names for ``dim`` and ``keepdim``.
        """
        return self._reduce(array_ops.SUM, *_axis_args("sum", dim, keepdim, axis, keepdims))

    def mean(self, dim=None, keepdim=None, *, axis=None, keepdims=None):
        """Mean over ``dim`` (or ``axis``); arguments as ``sum``."""
        return self._reduce(array_ops.MEAN, *_axis_args("mean", dim, keepdim, axis, keepdims))

    def max(self, dim=None, keepdim=None, *, axis=None, keepdims=None):
        """The maximum: of all elements (tied maxima share the gradient equally); over
        ``axis`` (an int or a tuple: the values); over an int ``dim``: PyTorch's
        ``(values, indices)``, the first maximum's index, which gets the gradient.
        ``max(other_tensor)`` is ``maximum(other_tensor)``, as PyTorch."""
        if isinstance(dim, Node):
            return self.maximum(dim)
        return self._extreme(array_ops.MAX, np.argmax, dim, keepdim, axis, keepdims)

    def min(self, dim=None, keepdim=None, *, axis=None, keepdims=None):
        """The minimum; arguments and results as ``max``."""
        if isinstance(dim, Node):
            return self.minimum(dim)
        return self._extreme(array_ops.MIN, np.argmin, dim, keepdim, axis, keepdims)

    def argmax(self, dim=None, keepdim=False):
        """The index of the first maximum (int64, no gradient): in the flattened tensor,
        or along ``dim``.

        Args:
            dim: the axis to search along. Default None: the flattened tensor.
            keepdim: keep that axis with length 1. Default False.
        """
        return self._arg(np.argmax, "argmax", dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        """The index of the first minimum; arguments as ``argmax``."""
        return self._arg(np.argmin, "argmin", dim, keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """The variance: sum((x - mean)^2) / (N - correction) over ``dim``.

        Args:
            dim: the axes (None: all, an int or a tuple). Default None.
            unbiased: True for correction=1 (Bessel's), False for 0. Default None.
            keepdim: keep the reduced axes with length 1. Default False.
            correction: subtracted from the number of elements N. Default 1.
                Where N - correction <= 0 the variance is inf (nan for a sum of 0).
        """
        centered, axes, dof = self._deviations(dim, unbiased, correction)
        return _per_degree((centered * centered).sum(axis=axes, keepdims=keepdim), dof)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """The standard deviation, the square root of ``var``; arguments as ``var``.
        Its gradient is 0 where all the elements are equal, as PyTorch's."""
        centered, axes, dof = self._deviations(dim, unbiased, correction)
        # the 2-norm of the deviations, whose gradient is 0 where they are all 0
        return _per_degree(centered.norm(dim=axes, keepdim=keepdim), math.sqrt(dof))

    def norm(self, p="fro", dim=None, keepdim=False):
        """The vector p-norm over ``dim``: (sum |x|^p)^(1/p).

        Args:
            p: a positive number, inf (the largest |x|), -inf (the smallest) or "fro"
                (2). Default "fro". The gradient where all of x is 0 is 0, as PyTorch's.
            dim: the axes (None: all, an int or a tuple). Default None.
            keepdim: keep the reduced axes with length 1. Default False.
        """
        axes = normalize_axes(dim, self.ndim, "norm")
        p = 2 if p == "fro" else p
        if not isinstance(p, numbers.Real) or isinstance(p, bool) or not (p > 0 or
                                                                          p == -math.inf):
            raise ValueError(f"norm: p must be a positive number, inf, -inf or 'fro', "
                             f"got {p!r}")
        if p == math.inf:
            return self.abs().max(axis=axes, keepdims=keepdim)
        if p == -math.inf:
            return self.abs().min(axis=axes, keepdims=keepdim)
        return self._apply1(array_ops.NORM, self, (float(p), axes, bool(keepdim)))

    def softmax(self, dim):
        """exp(x) / sum(exp(x)) along ``dim``, computed with the maximum subtracted."""
        dim = check_dim(dim, self.ndim, "softmax")
        e = (self - self._detached_max(dim)).exp()
        return e / e.sum(axis=dim, keepdims=True)

    def log_softmax(self, dim):
        """x - log(sum(exp(x))) along ``dim``, stable for logits of any size: computed as
        (x - m) - log(sum(exp(x - m))) with m the (constant) maximum, so no exp
        overflows and the log's argument is at least 1."""
        dim = check_dim(dim, self.ndim, "log_softmax")
        shifted = self - self._detached_max(dim)
        return shifted - shifted.exp().sum(axis=dim, keepdims=True).log()

    # --- helpers ------------------------------------------------------------------------------
    def _reduce(self, op, axis, keepdims):
        axes = normalize_axes(axis, self.ndim, op.name)
        if self.data.size == 0 and op in (array_ops.MAX, array_ops.MIN):
            raise ValueError(f"{op.name}() of an empty tensor of shape {self.shape}")
        return self._apply1(op, self, (axes, bool(keepdims)))

    def _extreme(self, op, find, dim, keepdim, axis, keepdims):
        axis, keep = _axis_args(op.name, dim, keepdim, axis, keepdims)
        if dim is None:
            return self._reduce(op, axis, keep)
        if isinstance(dim, (tuple, list)):
            raise TypeError(f"{op.name}: dim must be an int, got {dim!r} (for several axes "
                            f"use axis=..., which gives the values only)")
        d = check_dim(dim, self.ndim, op.name)
        if self.ndim == 0:
            return _RESULTS[op.name](self.reshape(()), self._constant(np.int64(0)))
        if self.shape[d] == 0:
            raise IndexError(f"{op.name}(): dim {dim} has length 0 in shape {self.shape}: "
                             "there is nothing to reduce")
        indices = find(self.data, axis=d)
        rest = self.shape[:d] + self.shape[d + 1:]
        index = [np.arange(n).reshape((-1,) + (1,) * (len(rest) - k - 1))
                 for k, n in enumerate(rest)]
        index.insert(d, indices)
        values = self[tuple(index)]
        if keep:
            values, indices = values.unsqueeze(d), np.expand_dims(indices, d)
        return _RESULTS[op.name](values, self._constant(indices.astype(np.int64)))

    def _arg(self, find, name, dim, keepdim):
        if dim is None:
            if self.data.size == 0:
                raise IndexError(f"{name}(): an empty tensor of shape {self.shape} has no "
                                 "index to give")
            found = find(self.data, keepdims=bool(keepdim))
        else:
            d = check_dim(dim, self.ndim, name)
            if self.ndim and self.shape[d] == 0:
                raise IndexError(f"{name}(): dim {dim} has length 0 in shape {self.shape}")
            found = find(self.data.reshape(self.shape or (1,)), axis=d, keepdims=bool(keepdim))
            found = found.reshape(self.shape) if self.ndim == 0 else found
        return self._constant(np.asarray(found, dtype=np.int64))

    def _deviations(self, dim, unbiased, correction):
        """x - mean over ``dim``, the axes, and the degrees of freedom of var and std."""
        if isinstance(dim, bool):  # var(False): PyTorch's var(unbiased)
            dim, unbiased = None, dim
        if unbiased is not None and correction is not None:
            raise TypeError(f"var/std: give unbiased or correction, not both (got "
                            f"unbiased={unbiased!r}, correction={correction!r})")
        if correction is None:
            correction = 0 if unbiased is False else 1
        axes = normalize_axes(dim, self.ndim, "var")
        count = math.prod(self.shape if axes is None else [self.shape[a] for a in axes])
        return self - self.mean(axis=axes, keepdims=True), axes, max(count - correction, 0)

    def _detached_max(self, dim):
        if self.data.size == 0:  # nothing to shift (an empty batch): max() would refuse
            return 0.0
        return self.detach().max(axis=dim, keepdims=True)


def _per_degree(total, degrees):
    """``total`` divided by the degrees of freedom: inf (nan for 0) when there are none."""
    if degrees > 0:
        return total / degrees
    with np.errstate(invalid="ignore"):
        return total * math.inf


def _axis_args(name, dim, keepdim, axis, keepdims):
    """The axes and keepdims of a reduction given PyTorch's or numpy's names."""
    if dim is not None and axis is not None:
        raise TypeError(f"{name}: give dim or axis, not both (got dim={dim!r}, axis={axis!r})")
    if keepdim is not None and keepdims is not None:
        raise TypeError(f"{name}: give keepdim or keepdims, not both")
    return (axis if dim is None else dim), bool(keepdim or keepdims)
