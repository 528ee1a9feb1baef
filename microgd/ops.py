"""Every differentiable op, defined once: its forward and its derivative side by side.

An ``Op`` has a forward on Python floats (for Value), a forward on numpy arrays
(for Tensor) and one vector-Jacobian product per input. A VJP is called as
``vjp(g, out, *inputs, *ctx)`` and returns d(result)/d(input) given
``g = d(result)/d(out)``:

- in a plain backward, ``g``, ``out`` and the inputs are raw floats or arrays,
  so the rule runs at numpy speed and records nothing;
- with ``create_graph=True`` they are the Values/Tensors themselves, so the very
  same expression is recorded and can be differentiated again.

A rule returns a new array, a view, or ``g`` itself, never an array kept elsewhere:
the driver stores a new array as a leaf's ``.grad`` without copying it.

The helpers below (``power``, ``log``, ``broadcast_to``, ``scatter``...) are the few
places where floats, arrays and nodes need different spellings of one function.
The driver sums a gradient back to its input's shape when an op broadcast it,
so the rules here are written for the output's shape.
"""

import math
import numbers
import operator

import numpy as np

from .autograd import Node


class Op:
    """A differentiable primitive: name, forwards, and one VJP per input.

    ``spent`` is the same op as it stands in a Tensor graph that backward has freed:
    the driver refuses to run through it (``live`` is False) while drawings still see
    its name and arguments. (A Value's tape keeps its own record of freed ops.)
    """

    __slots__ = ("name", "scalar", "array", "vjps", "live", "spent")

    def __init__(self, name, scalar, array, *vjps, live=True):
        if len(vjps) > 3:  # a node keeps its inputs in three slots (autograd.Linked)
            raise ValueError(f"op {name!r}: an op takes at most three inputs, got {len(vjps)}")
        self.name = name
        self.scalar = scalar  # forward on Python floats, or None (Tensor-only op)
        self.array = array    # forward on numpy arrays
        self.vjps = vjps
        self.live = live
        self.spent = Op(name, scalar, array, *vjps, live=False) if live else self

    def __repr__(self):
        return f"Op({self.name!r})" if self.live else f"Op({self.name!r}, freed)"


# --- scalar forwards with IEEE semantics (inf and nan, as numpy), not Python exceptions ---

def _exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _log(x):
    if x > 0:
        return math.log(x)
    return -math.inf if x == 0 else math.nan


def _div(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _pow(a, b):
    try:
        return math.pow(a, b)
    except (ValueError, OverflowError):  # 0 ** -1, (-8) ** 0.5, 10 ** 400
        with np.errstate(all="ignore"):
            return float(np.power(np.float64(a), np.float64(b)))


def _sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + _exp(-x))
    e = _exp(x)
    return e / (1.0 + e)


def _sigmoid_array(x):
    e = np.exp(-np.abs(x))  # never overflows: the argument is <= 0
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _relu(x):
    return 0.0 if x <= 0 else x


# --- helpers that take floats, arrays or nodes ------------------------------------------

def data_of(x):
    """The raw float or array behind x (x itself when it is already raw)."""
    return x.data if isinstance(x, Node) else x


def power(x, e):
    """x ** e on floats (IEEE, never complex), arrays or nodes."""
    if isinstance(x, float):
        return _pow(x, float(e))
    return x ** e  # the operator takes numpy's fast paths for 2, 0.5, -1


def log(x):
    """Natural log on floats (IEEE), arrays or nodes."""
    if isinstance(x, Node):
        return x.log()
    if isinstance(x, float):
        return _log(x)
    return np.log(x)


def broadcast_to(x, shape):
    """x repeated along broadcast axes up to ``shape`` (a read-only view for arrays)."""
    if isinstance(x, Node):
        return x.broadcast_to(shape)
    return np.broadcast_to(x, shape)


def scatter(g, shape, index):
    """Zeros of ``shape`` with ``g`` added at ``index``; repeated indices accumulate."""
    if isinstance(g, Node):
        return g._scatter(shape, index)
    out = np.zeros(shape, dtype=g.dtype)
    if is_basic_index(index):
        out[index] = g  # basic indexing never selects an element twice
    else:
        np.add.at(out, index, g)
    return out


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
    return broadcast_to(g, x.shape)


# --- elementwise, on Values and Tensors ---------------------------------------------------

# a + b; d/da = 1, d/db = 1
ADD = Op("+", operator.add, np.add,
         lambda g, out, a, b: g,
         lambda g, out, a, b: g)

# a - b; d/da = 1, d/db = -1
SUB = Op("-", operator.sub, np.subtract,
         lambda g, out, a, b: g,
         lambda g, out, a, b: -g)

# a * b; d/da = b, d/db = a
MUL = Op("*", operator.mul, np.multiply,
         lambda g, out, a, b: g * b,
         lambda g, out, a, b: g * a)

# a / b; d/da = 1/b, d/db = -a/b^2 = -out/b
DIV = Op("/", _div, np.divide,
         lambda g, out, a, b: g / b,
         lambda g, out, a, b: -g * out / b)

# a ** b; d/da = b * a^(b-1), d/db = a^b * log(a)
POW = Op("**", _pow, np.power,
         lambda g, out, a, b: g * b * power(a, b - 1),
         lambda g, out, a, b: g * out * log(a))

# x ** p for a constant number p; d/dx = p * x^(p-1)
POW_CONST = Op("**", _pow, operator.pow,
               lambda g, out, x, p: g * p * power(x, p - 1))

# -x; d/dx = -1
NEG = Op("neg", operator.neg, np.negative,
         lambda g, out, x: -g)

# exp(x); d/dx = exp(x)
EXP = Op("exp", _exp, np.exp,
         lambda g, out, x: g * out)

# log(x); d/dx = 1/x
LOG = Op("log", _log, np.log,
         lambda g, out, x: g / x)

# tanh(x); d/dx = 1 - tanh(x)^2
TANH = Op("tanh", math.tanh, np.tanh,
          lambda g, out, x: g * (1 - out * out))

# sigmoid(x) = 1 / (1 + exp(-x)); d/dx = sigmoid(x) * (1 - sigmoid(x))
SIGMOID = Op("sigmoid", _sigmoid, _sigmoid_array,
             lambda g, out, x: g * out * (1 - out))

# relu(x) = max(x, 0); d/dx = 1 where x > 0, else 0
RELU = Op("relu", _relu, lambda x: np.maximum(x, 0),
          lambda g, out, x: g * (x > 0))


# --- Tensor-only ops ----------------------------------------------------------------------

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
    return (a - b) * (g * (2 / a.size if mean else 2))


# sum((a - b)^2), or its mean: MSE as one node; d/da = 2 (a - b) (/ n), d/db = -d/da
SQUARED_ERROR = Op("mse", None, _squared_error,
                   _squared_error_da,
                   lambda g, out, a, b, mean: -_squared_error_da(g, out, a, b, mean))

# sum over axes; d/dx = 1 on every summed element
SUM = Op("sum", None, lambda x, axes, keepdims: np.sum(x, axis=axes, keepdims=keepdims),
         lambda g, out, x, axes, keepdims: _unreduce(g, x, axes, keepdims))

# mean over axes; d/dx = 1/n, n the number of elements averaged
MEAN = Op("mean", None, lambda x, axes, keepdims: np.mean(x, axis=axes, keepdims=keepdims),
          lambda g, out, x, axes, keepdims: _unreduce(g, x, axes, keepdims) / (x.size // out.size))


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
             lambda g, out, x, shape: g.reshape(x.shape))

# transpose by a permutation of the axes; the gradient is permuted back
TRANSPOSE = Op("transpose", None, np.transpose,
               lambda g, out, x, axes: g.transpose(tuple(np.argsort(axes))))

# x[index]; the gradient is scattered back, repeated indices accumulating
GETITEM = Op("index", None, operator.getitem,
             lambda g, out, x, index: scatter(g, x.shape, index))

# the adjoint of indexing (used by create_graph); its gradient is indexing again
SCATTER = Op("scatter", None, scatter,
             lambda g, out, x, shape, index: g[index])

# x repeated to a broadcast shape; the driver sums the gradient back to x's shape
BROADCAST = Op("broadcast", None, np.broadcast_to,
               lambda g, out, x, shape: g)

# x cast to another float dtype; the gradient is cast back
ASTYPE = Op("astype", None, lambda x, dtype: x.astype(dtype),
            lambda g, out, x, dtype: g.astype(x.dtype))


# --- the operators, once for both kinds of node ----------------------------------------------

class Operators:
    """The arithmetic, functions and comparisons that Value and Tensor share.

    Each kind supplies ``_binary(op, a, b)`` (one of a and b is the node, the other
    may be a number or an array, made a constant of the node's kind) and
    ``_apply1(op, x, ctx=())``: run the op's forward and record it.
    """

    __slots__ = ()

    def __add__(self, other):
        return self._binary(ADD, self, other)

    def __radd__(self, other):
        return self._binary(ADD, other, self)

    def __sub__(self, other):
        return self._binary(SUB, self, other)

    def __rsub__(self, other):
        return self._binary(SUB, other, self)

    def __mul__(self, other):
        return self._binary(MUL, self, other)

    def __rmul__(self, other):
        return self._binary(MUL, other, self)

    def __truediv__(self, other):
        return self._binary(DIV, self, other)

    def __rtruediv__(self, other):
        return self._binary(DIV, other, self)

    def __pow__(self, other):
        if isinstance(other, (numbers.Real, np.number)):  # a constant exponent
            return self._apply1(POW_CONST, self, (float(other),))
        return self._binary(POW, self, other)

    def __rpow__(self, other):
        return self._binary(POW, other, self)

    def __neg__(self):
        return self._apply1(NEG, self)

    def __pos__(self):
        return self

    def exp(self):
        """e ** x (elementwise); inf where it overflows."""
        return self._apply1(EXP, self)

    def log(self):
        """Natural log (elementwise); -inf at 0 and nan below, as numpy."""
        return self._apply1(LOG, self)

    def tanh(self):
        """Hyperbolic tangent (elementwise), exact for large |x|."""
        return self._apply1(TANH, self)

    def relu(self):
        """max(x, 0), elementwise."""
        return self._apply1(RELU, self)

    def sigmoid(self):
        """1 / (1 + exp(-x)) (elementwise), without overflow for large |x|."""
        return self._apply1(SIGMOID, self)

    # Comparisons compare data: plain bools (Value) or boolean arrays (Tensor).
    def __lt__(self, other):
        return self.data < data_of(other)

    def __le__(self, other):
        return self.data <= data_of(other)

    def __gt__(self, other):
        return self.data > data_of(other)

    def __ge__(self, other):
        return self.data >= data_of(other)
