"""Tensor's reductions: sum, mean, max, min over axes."""

from . import array_ops
from .tensor_shape import normalize_axes


class Reductions:
    """The reductions of Tensor (a mixin: each records through ``_apply1``)."""

    __slots__ = ()

    def sum(self, axis=None, keepdims=False):
        """Sum over ``axis`` (None: all; an int or a tuple of ints)."""
        return self._reduce(array_ops.SUM, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        """Mean over ``axis`` (None: all; an int or a tuple of ints)."""
        return self._reduce(array_ops.MEAN, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        """Maximum over ``axis``; tied maxima share the gradient equally."""
        return self._reduce(array_ops.MAX, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        """Minimum over ``axis``; tied minima share the gradient equally."""
        return self._reduce(array_ops.MIN, axis, keepdims)

    def _reduce(self, op, axis, keepdims):
        axes = normalize_axes(axis, self.ndim, op.name)
        if self.size == 0 and op in (array_ops.MAX, array_ops.MIN):
            raise ValueError(f"{op.name}() of an empty tensor of shape {self.shape}")
        return self._apply1(op, self, (axes, bool(keepdims)))
