"""Functions on Tensors: where, cat, stack, and linear (what nn.Linear computes)."""

import numpy as np

from . import array_ops, ops
from .tensor import Tensor, _make
from .tensor_shape import normalize_axes


def where(condition, input, other):
    """``input`` where ``condition`` holds, else ``other`` (elementwise, broadcast).

    Args:
        condition: a boolean array or Tensor (not differentiated).
        input, other: Tensors or numbers; the gradient goes to the side chosen.
    """
    condition = np.asarray(ops.data_of(condition))
    if condition.dtype != np.bool_:
        raise TypeError(f"where: condition must be boolean, got dtype {condition.dtype}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = Tensor(input)
    try:
        return Tensor._apply(ops.WHERE, (input, other), (condition,))
    except ValueError:
        raise ValueError(f"where: shapes {condition.shape}, {np.shape(ops.data_of(input))} "
                         f"and {np.shape(ops.data_of(other))} cannot be broadcast "
                         "together") from None


def cat(tensors, dim=0):
    """The tensors joined along the existing axis ``dim`` (their other sizes must match)."""
    tensors = _joined("cat", tensors)
    axis = normalize_axes(dim, tensors[0].ndim, "cat")[0]
    first = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.ndim != len(first) or any(n != m for j, (n, m) in enumerate(zip(t.shape, first))
                                       if j != axis):
            raise ValueError(f"cat: tensors[{i}] has shape {t.shape}, tensors[0] {first}: "
                             f"sizes must match except in dimension {axis}")
    data = array_ops.CAT.array(*[t.data for t in tensors], axis)
    return _make(data, array_ops.CAT, tensors, (axis,))


def stack(tensors, dim=0):
    """The tensors (all of one shape) joined along a new axis ``dim``."""
    tensors = _joined("stack", tensors)
    axis = normalize_axes(dim, tensors[0].ndim + 1, "stack")[0]
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack: tensors[{i}] has shape {t.shape}, tensors[0] "
                             f"{tensors[0].shape}: stack expects each tensor to be equal size")
    data = array_ops.STACK.array(*[t.data for t in tensors], axis)
    return _make(data, array_ops.STACK, tensors, (axis,))


def _joined(name, tensors):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}: expected a list or tuple of Tensors, got "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{name}: expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: tensors[{i}] must be a Tensor, got {type(t).__name__}")
    return tuple(tensors)


def linear(x, weight, bias=None):
    """x @ weight.T + bias as one node (what nn.Linear computes).

    Args:
        x: a Tensor of shape (..., in_features).
        weight: a Tensor of shape (out_features, in_features).
        bias: a Tensor of shape (out_features,), or None. Default None.
    """
    if not (isinstance(x, Tensor) and isinstance(weight, Tensor)
            and (bias is None or isinstance(bias, Tensor))):
        for name, t in (("x", x), ("weight", weight), ("bias", bias)):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"linear: {name} must be a Tensor, got {type(t).__name__}")
    xd, wd = x.data, weight.data  # the arrays: their shapes without a property call each
    if wd.ndim != 2:
        raise ValueError(f"linear: weight must have shape (out_features, in_features), "
                         f"got shape {wd.shape}")
    if xd.ndim == 0 or xd.shape[-1] != wd.shape[1]:
        n = wd.shape[1]
        raise ValueError(f"linear: expected input of shape (..., {n}) (in_features={n}), "
                         f"got shape {xd.shape}, for a weight of shape {wd.shape}")
    if bias is None:
        return _make(array_ops.LINEAR.array(xd, wd), array_ops.LINEAR, (x, weight))
    bd = bias.data
    if bd.shape != (wd.shape[0],):
        raise ValueError(f"linear: bias must have shape ({wd.shape[0]},) for a weight of "
                         f"shape {wd.shape}, got shape {bd.shape}")
    return _make(array_ops.LINEAR.array(xd, wd, bd), array_ops.LINEAR, (x, weight, bias))
