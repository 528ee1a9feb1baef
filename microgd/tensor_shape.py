"""Tensor's shape methods (numpy's and PyTorch's names), and the axis arguments."""

import math

import numpy as np

from . import array_ops


class ShapeMethods:
    """The shape methods of Tensor (a mixin: each records through ``_make``)."""

    __slots__ = ()

    @property
    def T(self):
        """The axes reversed (as numpy's ``.T``)."""
        return self.transpose()

    def size(self, dim=None):
        """The shape as a tuple, or the length of axis ``dim`` (PyTorch's ``size()``).

        Args:
            dim: an axis (negative counts from the end). Default None: the whole shape.
        """
        if dim is None:
            return self.data.shape
        if self.ndim == 0:
            raise IndexError(f"size: dimension specified as {dim} but the tensor has no "
                             "dimensions")
        return self.data.shape[check_dim(dim, self.ndim, "size")]

    def numel(self):
        """The number of elements."""
        return self.data.size

    def dim(self):
        """The number of dimensions (as ``ndim``)."""
        return self.data.ndim

    def reshape(self, *shape):
        """The same elements in a new shape; one dimension may be -1."""
        shape = shape_arg(shape)
        try:
            data = self.data.reshape(shape)
        except (ValueError, TypeError):
            raise ValueError(f"reshape: cannot reshape a tensor of shape {self.shape} "
                             f"({self.data.size} elements) into shape {shape}") from None
        return self._make(data, array_ops.RESHAPE, (self,), (shape,))

    def view(self, *shape):
        """As ``reshape`` (numpy arrays need no contiguity check)."""
        return self.reshape(*shape)

    def ravel(self):
        """The elements in one dimension."""
        return self.reshape(-1)

    def flatten(self, start_dim=0, end_dim=-1):
        """The axes ``start_dim`` to ``end_dim`` (both included) merged into one.

        Args:
            start_dim: the first axis to merge. Default 0.
            end_dim: the last axis to merge. Default -1 (the last).
        """
        if self.ndim == 0:
            return self.reshape(1)
        start = check_dim(start_dim, self.ndim, "flatten")
        end = check_dim(end_dim, self.ndim, "flatten")
        if start > end:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after "
                               f"end_dim (got start_dim={start_dim}, end_dim={end_dim})")
        shape = self.shape
        return self.reshape(shape[:start] + (math.prod(shape[start:end + 1]),)
                            + shape[end + 1:])

    def squeeze(self, dim=None):
        """The axes of length 1 removed: all of them, or ``dim`` (an int or a tuple) if
        its length is 1 (else the tensor is returned unchanged, as PyTorch)."""
        if dim is None:
            drop = {i for i, n in enumerate(self.shape) if n == 1}
        else:
            dims = dim if isinstance(dim, (tuple, list)) else (dim,)
            drop = {d for d in (check_dim(d, self.ndim, "squeeze") for d in dims)
                    if self.ndim and self.shape[d] == 1}
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if i not in drop))

    def unsqueeze(self, dim):
        """A new axis of length 1 at position ``dim`` (-1: a new last axis)."""
        dim = check_dim(dim, self.ndim + 1, "unsqueeze")
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def transpose(self, *axes):
        """Two axes exchanged, as PyTorch's ``transpose(dim0, dim1)``; with no argument
        or one tuple, numpy's ``transpose``: the axes reversed, or permuted."""
        if len(axes) == 2 and all(isinstance(a, (int, np.integer)) for a in axes):
            dim0, dim1 = (check_dim(a, self.ndim, "transpose") for a in axes)
            order = list(range(self.ndim)) or [0]
            order[dim0], order[dim1] = dim1, dim0
            return self._permute(tuple(order[:self.ndim]))
        n = self.ndim
        axes = shape_arg(axes) or tuple(range(n))[::-1]
        if (any(not -n <= a < n for a in axes)
                or sorted(a % n for a in axes) != list(range(n))):
            raise ValueError(f"transpose: axes {axes} are not a permutation of the "
                             f"{self.ndim} axes of a tensor of shape {self.shape}")
        return self._permute(tuple(a % n for a in axes))

    def swapaxes(self, axis1, axis2):
        """Exchange two axes (numpy's name for ``transpose(dim0, dim1)``)."""
        return self.transpose(int(axis1), int(axis2))

    def permute(self, *dims):
        """The axes in the order ``dims`` (a permutation of all of them)."""
        dims = shape_arg(dims)
        if len(dims) != self.ndim:
            raise RuntimeError(f"permute: the tensor has {self.ndim} dimensions (shape "
                               f"{self.shape}) but {len(dims)} dims were given: {dims}")
        dims = tuple(check_dim(d, self.ndim, "permute") for d in dims)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"permute(): duplicate dims are not allowed, got {dims}")
        return self._permute(dims)

    def t(self):
        """The transpose of a matrix (a tensor of fewer dimensions is returned as it is)."""
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                               f"{self.ndim}D (shape {self.shape}); use transpose(dim0, dim1)")
        return self.transpose()

    def contiguous(self):
        """The tensor itself (numpy arrays need no contiguous copy here)."""
        return self

    def broadcast_to(self, shape):
        """Repeat along broadcast axes to ``shape``; the gradient sums back."""
        shape = tuple(shape)
        try:
            data = np.broadcast_to(self.data, shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {self.shape} "
                             f"to {shape}") from None
        return self._make(data, array_ops.BROADCAST, (self,), (shape,))

    def expand(self, *sizes):
        """A view repeated along axes of length 1 (and new leading axes) to ``sizes``;
        -1 keeps an axis's length. The gradient sums back."""
        sizes = shape_arg(sizes)
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be "
                               f"greater or equal to the number of dimensions in the tensor "
                               f"({self.ndim}, shape {self.shape})")
        shape = []
        for i, n in enumerate(sizes):
            if n == -1:
                if i < lead:
                    raise RuntimeError(f"expand: the expanded size of the tensor (-1) isn't "
                                       f"allowed in a leading, non-existing dimension {i}")
                n = self.shape[i - lead]
            elif i >= lead and self.shape[i - lead] not in (1, n):
                raise RuntimeError(
                    f"expand: the expanded size of the tensor ({n}) must match the existing "
                    f"size ({self.shape[i - lead]}) at non-singleton dimension {i}. Target "
                    f"sizes: {list(sizes)}. Tensor sizes: {list(self.shape)}")
            shape.append(n)
        return self.broadcast_to(shape)

    def _permute(self, axes):
        return self._make(self.data.transpose(axes), array_ops.TRANSPOSE, (self,), (axes,))


def check_dim(dim, ndim, name):
    """``dim`` as an axis in [0, ndim), with PyTorch's IndexError out of range."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{name}: dim must be an int, got {type(dim).__name__} {dim!r}")
    low, high = (-ndim, ndim - 1) if ndim else (-1, 0)
    if not low <= dim <= high:
        raise IndexError(f"{name}: dimension out of range (expected to be in range of "
                         f"[{low}, {high}], but got {dim})")
    return int(dim) % max(ndim, 1)


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
