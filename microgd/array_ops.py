"""The ops of Tensors only: joins, matmul, the fused layers, reductions and shapes.

The same ``Op`` as ops.py (forwards and derivatives side by side), for ops that have
no meaning on a single float. Read ops.py first.
"""

import math
import operator

import numpy as np

from .ops import ABS, CLAMP, DIV, LOG, POW_CONST, WHERE, Op, data_of


def matmul(a, b):
    """a @ b on arrays or nodes; for arrays of two or more dimensions with an inner
    dimension of 1 (an outer product), the broadcast product a * b: the same numbers
    (one product per element), where numpy's matmul takes several times longer."""
    if (type(a) is np.ndarray and type(b) is np.ndarray and a.ndim >= 2 and b.ndim >= 2
            and a.shape[-1] == 1 and b.shape[-2] == 1):
        return a * b
    return a @ b


def is_basic_index(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice))
               and not isinstance(p, (bool, np.bool_)) for p in parts)


def kept_shape(shape, axes):
    """The shape of a reduction over ``axes`` with keepdims=True."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _unreduce(g, x, axes, keepdims):
    """Spread the gradient of a reduction back over the reduced axes of x."""
    if not keepdims:
        g = g.reshape(kept_shape(x.shape, axes))
    return BROADCAST(g, x.shape)


def _count(x, axes):
    """The number of elements a reduction over ``axes`` takes into each result."""
    return math.prod(x.shape if axes is None else [x.shape[a] for a in axes])


def _scatter(g, shape, index):
    """Zeros of ``shape`` with ``g`` added at ``index``; repeated indices accumulate."""
    out = np.zeros(shape, dtype=g.dtype)
    if is_basic_index(index):
        out[index] = g  # basic indexing never selects an element twice
    else:
        np.add.at(out, index, g)
    return out


def _cat_vjp(i, g, out, *inputs_and_axis):
    *inputs, axis = inputs_and_axis
    start = sum(x.shape[axis] for x in inputs[:i])
    return g[(slice(None),) * axis + (slice(start, start + inputs[i].shape[axis]),)]


# cat(inputs, axis): joined along an existing axis; d/d(input i) = g's slice of input i
CAT = Op("cat", None, lambda *inputs_and_axis: np.concatenate(inputs_and_axis[:-1],
                                                               axis=inputs_and_axis[-1]),
         _cat_vjp, variadic=True, saves=False)

# stack(inputs, axis): joined along a new axis; d/d(input i) = g at index i of that axis
STACK = Op("stack", None, lambda *inputs_and_axis: np.stack(inputs_and_axis[:-1],
                                                            axis=inputs_and_axis[-1]),
           lambda i, g, out, *inputs_and_axis: g[(slice(None),) * inputs_and_axis[-1] + (i,)],
           variadic=True, saves=False)


def _matmul_da(g, out, a, b):
    if a.ndim == 1 and b.ndim == 1:          # (n,) @ (n,) -> ()
        return g * b
    if a.ndim == 1:                          # (n,) @ (..., n, p) -> (..., p)
        return matmul(g[..., None, :], b.swapaxes(-1, -2))[..., 0, :]
    if b.ndim == 1:                          # (..., m, n) @ (n,) -> (..., m)
        return g[..., :, None] * b
    return matmul(g, b.swapaxes(-1, -2))     # (..., m, n) @ (..., n, p) -> (..., m, p)


def _matmul_db(g, out, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if a.ndim == 1:
        return a[:, None] * g[..., None, :]
    if b.ndim == 1:
        return matmul(a.swapaxes(-1, -2), g[..., :, None])[..., 0]
    return matmul(a.swapaxes(-1, -2), g)


# a @ b (numpy matmul: 1-D and batched); d/da = g @ b^T, d/db = a^T @ g
MATMUL = Op("matmul", None, matmul, _matmul_da, _matmul_db)


def _linear(x, w, b=None):
    out = matmul(x, w.T)
    if b is not None:
        out += b  # in place: one temporary fewer
    return out


def _batch_rows(a):
    """a as a matrix with one row per sample: every leading (batch) axis flattened."""
    return a if a.ndim == 2 else a.reshape(-1, a.shape[-1])


# x @ W^T + b, a Linear layer as one node; d/dx = g @ W, d/dW = g^T @ x,
# d/db = g summed over the batch axes
LINEAR = Op("linear", None, _linear,
            lambda g, out, x, w, b=None: matmul(g, w),
            lambda g, out, x, w, b=None: matmul(_batch_rows(g).T, _batch_rows(x)),
            lambda g, out, x, w, b: _batch_rows(g).sum(axis=0))


def _squared_error(a, b, mean):
    d = (a - b).ravel()
    total = np.dot(d, d)  # the sum of squares in one pass, without a temporary for d * d
    return total / d.size if mean else total


def _squared_error_da(g, out, a, b, mean):
    return (a - b) * (g * (2 / data_of(a).size if mean else 2))


# sum((a - b)^2), or its mean: MSE as one node; d/da = 2 (a - b) (/ n), d/db = -d/da
SQUARED_ERROR = Op("mse", None, _squared_error,
                   _squared_error_da,
                   lambda g, out, a, b, mean: -_squared_error_da(g, out, a, b, mean))

# sum over axes; d/dx = 1 on every summed element
SUM = Op("sum", None, lambda x, axes, keepdims: np.sum(x, axis=axes, keepdims=keepdims),
         lambda g, out, x, axes, keepdims: _unreduce(g, x, axes, keepdims), saves=False)

# mean over axes; d/dx = 1/n, n the number of elements averaged
MEAN = Op("mean", None, lambda x, axes, keepdims: np.mean(x, axis=axes, keepdims=keepdims),
          lambda g, out, x, axes, keepdims: _unreduce(g, x, axes, keepdims) / _count(x, axes),
          saves=False)


def _extreme_dx(g, out, x, axes, keepdims):
    # The gradient goes to the elements equal to the extreme, split evenly between ties.
    xd = data_of(x)
    hit = xd == data_of(out).reshape(kept_shape(xd.shape, axes))
    share = (hit / hit.sum(axis=axes, keepdims=True)).astype(xd.dtype)
    return _unreduce(g, x, axes, keepdims) * share


# max over axes; d/dx = 1 at the maximum (ties share it), else 0
MAX = Op("max", None, lambda x, axes, keepdims: np.max(x, axis=axes, keepdims=keepdims),
         _extreme_dx)

# min over axes; d/dx = 1 at the minimum (ties share it), else 0
MIN = Op("min", None, lambda x, axes, keepdims: np.min(x, axis=axes, keepdims=keepdims),
         _extreme_dx)

# reshape; the gradient is reshaped back
RESHAPE = Op("reshape", None, np.reshape,
             lambda g, out, x, shape: g.reshape(x.shape), saves=False, view=True)

# transpose by a permutation of the axes; the gradient is permuted back
TRANSPOSE = Op("transpose", None, np.transpose,
               lambda g, out, x, axes: g.transpose(tuple(np.argsort(axes))), saves=False,
               view=True)

# x[index]; the gradient is scattered back, repeated indices accumulating
GETITEM = Op("index", None, operator.getitem,
             lambda g, out, x, index: SCATTER(g, x.shape, index), saves=False, view=True)

# the adjoint of indexing (used by create_graph); its gradient is indexing again
SCATTER = Op("scatter", None, _scatter,
             lambda g, out, x, shape, index: g[index], saves=False)

# x repeated to a broadcast shape; the walk sums the gradient back to x's shape
BROADCAST = Op("broadcast", None, np.broadcast_to,
               lambda g, out, x, shape: g, saves=False, view=True)

# x cast to another float dtype; the gradient is cast back
ASTYPE = Op("astype", None, lambda x, dtype: x.astype(dtype),
            lambda g, out, x, dtype: g.astype(x.dtype), saves=False)

# a copy; its gradient is g
CLONE = Op("clone", None, np.copy, lambda g, out, x: g, saves=False)


def _norm(x, p, axes, keepdims):
    if p == 2:
        return np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdims))
    return np.sum(np.abs(x) ** p, axis=axes, keepdims=keepdims) ** (1 / p)


def _norm_dx(g, out, x, p, axes, keepdims):
    # Where the norm is 0 all of x is 0, and the gradient is 0 there (PyTorch's choice):
    # dividing by 1 instead of 0 gives it.
    nonzero = WHERE(out, 1.0, data_of(out) != 0)
    if p == 2:
        return _unreduce(DIV(g, nonzero), x, axes, keepdims) * x
    # |x| / norm, but 1 where x is 0 (the sign makes that 0): no 0^(p-1) = inf for p < 1
    ratio = WHERE(DIV(ABS(x), _unreduce(nonzero, x, axes, keepdims)), 1.0, data_of(x) != 0)
    return _unreduce(g, x, axes, keepdims) * POW_CONST(ratio, p - 1) * np.sign(data_of(x))


# the p-norm over axes, (sum |x|^p)^(1/p) (p > 0); d/dx = sign(x) (|x| / norm)^(p-1)
# (x / norm for p = 2), and 0 where x is 0 (as PyTorch, also for p < 1)
NORM = Op("norm", None, _norm, _norm_dx)


_LOG_FLOOR = math.exp(-100.0)  # log(p) is clamped at -100, as PyTorch's binary_cross_entropy
# PyTorch's BCE backward divides by max(p (1 - p), 1e-12), its 1e-12 a float32 constant
_BCE_GRAD_EPS = float(np.float32(1e-12))


def _clamped_log(p):
    """max(log p, -100) = log(max(p, e^-100)), on an array or a Tensor."""
    return LOG(CLAMP(p, _LOG_FLOOR, None))


def _bce(p, t):
    return -(t * _clamped_log(p) + (1 - t) * _clamped_log(1 - p))


# -(t log p + (1 - t) log(1 - p)), each log clamped at -100, elementwise (a Tensor op).
# d/dp = (p - t) / (p (1 - p)), the denominator floored at 1e-12 as PyTorch's backward;
# d/dt = log(1 - p) - log(p), not clamped (as PyTorch's: infinite at p = 0 and 1).
BINARY_CROSS_ENTROPY = Op(
    "binary_cross_entropy", None, _bce,
    lambda g, out, p, t: g * (p - t) / CLAMP(p * (1 - p), _BCE_GRAD_EPS, None),
    lambda g, out, p, t: g * (LOG(1 - p) - LOG(p)))
