"""Tensor's shape methods: reshape, transpose, broadcast_to, and the axis arguments."""

import numpy as np

from . import array_ops


class ShapeMethods:
    """The shape methods of Tensor (a mixin: each records through ``_make``)."""

    __slots__ = ()

    @property
    def T(self):
        """The axes reversed (as numpy's ``.T``)."""
        return self.transpose()

    def reshape(self, *shape):
        """The same elements in a new shape; one dimension may be -1."""
        shape = shape_arg(shape)
        try:
            data = self.data.reshape(shape)
        except (ValueError, TypeError):
            raise ValueError(f"reshape: cannot reshape a tensor of shape {self.shape} "
                             f"({self.size} elements) into shape {shape}") from None
        return self._make(data, array_ops.RESHAPE, (self,), (shape,))

    def transpose(self, *axes):
        """Permute the axes (default: reverse them), as numpy's ``transpose``."""
        n = self.ndim
        axes = shape_arg(axes) or tuple(range(n))[::-1]
        if (any(not -n <= a < n for a in axes)
                or sorted(a % n for a in axes) != list(range(n))):
            raise ValueError(f"transpose: axes {axes} are not a permutation of the "
                             f"{self.ndim} axes of a tensor of shape {self.shape}")
        axes = tuple(a % n for a in axes)
        return self._make(self.data.transpose(axes), array_ops.TRANSPOSE, (self,), (axes,))

    def swapaxes(self, axis1, axis2):
        """Exchange two axes."""
        axes = list(range(self.ndim))
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
        return self.transpose(tuple(axes))

    def broadcast_to(self, shape):
        """Repeat along broadcast axes to ``shape``; the gradient sums back."""
        shape = tuple(shape)
        try:
            data = np.broadcast_to(self.data, shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {self.shape} "
                             f"to {shape}") from None
        return self._make(data, array_ops.BROADCAST, (self,), (shape,))


def normalize_axes(axis, ndim, name):
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    if not isinstance(axes, (tuple, list)):
        raise TypeError(f"{name}: axis must be None, an int or a tuple of ints, got {axis!r}")
    out = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{name}: axis must be None, an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"{name}: axis {a} is out of range for a tensor with {ndim} "
                             f"dimension(s)")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: axis {axis!r} repeats an axis")
    return tuple(out)


def shape_arg(shape):
    """reshape(2, 3) and reshape((2, 3)) alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    try:
        return tuple(int(n) for n in shape)
    except (TypeError, ValueError):
        raise TypeError(f"a shape must be ints, got {shape!r}") from None
