"""Every differentiable op, defined once: its forwards and its derivative side by side.

An ``Op`` has a forward on Python floats (for Value), a forward on numpy arrays
(for Tensor) and one vector-Jacobian product (VJP) per input. A VJP is called as
``vjp(g, out, *inputs, *ctx)`` and returns d(result)/d(input) given
``g = d(result)/d(out)`` (``ctx``: the op's non-differentiable arguments):

- in a plain backward, ``g``, ``out`` and the inputs are raw floats or arrays,
  so the rule runs at numpy speed and records nothing;
- with ``create_graph=True`` they are the Values/Tensors themselves, so the very
  same expression is recorded and can be differentiated again.

An op is also a function on floats, arrays and nodes alike (``COS(x)``), which is
how a rule uses another op (the derivative of sin is ``g * COS(x)``). A rule
returns a new array, a view, or ``g`` itself, never an array kept elsewhere: the
driver stores a new array as a leaf's ``.grad`` without copying it. The walks sum
a gradient back to its input's shape when an op broadcast it, so the rules here
are written for the output's shape.

Adding an op:

1. Write its ``Op(...)`` below: name, forward on floats (None for a Tensor-only
   op), forward on arrays, one VJP per input, with the maths in a comment above.
   Scalar forwards follow IEEE (inf and nan, as numpy), never raise.
2. Give it ``method="name"`` and ``doc="..."``: Value and Tensor get ``x.name()``
   (operators.py makes the methods from this table; Value's fast recording builder
   is made on first use). An op with extra arguments (``clamp``) or two inputs gets a
   one-line method in operators.py instead.
3. Add a row to the op table of tests/test_ops.py: it runs the op on Values and
   Tensors through gradcheck and gradgradcheck.
"""

import functools
import math
import operator

import numpy as np

from .autograd import Node


class Op:
    """A differentiable primitive: name, forwards, and one VJP per input.

    Args:
        name: shown in drawings and errors.
        scalar: forward on Python floats, or None for a Tensor-only op.
        array: forward on numpy arrays.
        *vjps: one rule per input; or with ``variadic``, one rule called as
            ``rule(i, g, out, *inputs, *ctx)`` for the ``i``-th of any number of inputs.
        method: the name of the Value/Tensor method that applies it, if any.
        doc: that method's docstring.
        saves: whether its VJPs read the data of its inputs or result (backward then
            refuses to run if one was changed in place since the forward); False for
            ops that need shapes only (+, -, sum, reshape...).
        view: whether its array forward may return a view of its input's memory
            (then the result shares the input's version counter, as PyTorch's views).

    ``spent`` is the same op as it stands in a Tensor graph that backward has freed:
    the walk refuses to run through it (``live`` is False) while drawings still see
    its name and arguments. (A Value's tape keeps its own record of freed ops.)
    """

    __slots__ = ("name", "scalar", "array", "vjps", "method", "doc", "live", "spent",
                 "variadic", "saves", "view")

    def __init__(self, name, scalar, array, *vjps, method=None, doc=None, variadic=False,
                 saves=True, view=False, live=True):
        self.name = name
        self.scalar = scalar
        self.array = array
        self.vjps = _EveryInput(vjps[0]) if variadic else vjps
        self.variadic = variadic
        self.method = method
        self.doc = doc
        self.saves = saves
        self.view = view
        self.live = live
        self.spent = self if not live else Op(name, scalar, array, *vjps, method=method,
                                              doc=doc, variadic=variadic, saves=saves,
                                              view=view, live=False)

    def __repr__(self):
        return f"Op({self.name!r})" if self.live else f"Op({self.name!r}, freed)"

    def __call__(self, *args):
        """Apply the op to floats, arrays or nodes (recorded when a node requires grad).

        ``args``: the op's inputs, then its extra arguments (as its VJPs take them).
        """
        if self.variadic:
            raise TypeError(f"op {self.name!r} takes any number of inputs: apply it "
                            "through its Tensor function")
        n = len(self.vjps)
        for x in args[:n]:
            if isinstance(x, Node):
                return x._apply(self, args[:n], args[n:])
        if self.scalar is not None and isinstance(args[0], float):
            return self.scalar(*args)
        return self.array(*args)


class _EveryInput:
    """The VJPs of an op of any number of inputs: one rule, told which input."""

    __slots__ = ("rule",)

    def __init__(self, rule):
        self.rule = rule

    def __getitem__(self, i):
        return functools.partial(self.rule, i)


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


def _sqrt(x):
    return math.sqrt(x) if x >= 0 else math.nan


def _sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + _exp(-x))
    e = _exp(x)
    return e / (1.0 + e)


def _sigmoid_array(x):
    e = np.exp(-np.abs(x))  # never overflows: the argument is <= 0
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _softplus(x):
    return x + math.log1p(_exp(-x)) if x > 0 else math.log1p(_exp(x))


def _relu(x):
    return 0.0 if x <= 0 else x


def _clamp(x, low, high):
    if low is not None and x < low:
        x = float(low)
    if high is not None and x > high:
        x = float(high)
    return x


# --- what rules need on floats, arrays or nodes alike ----------------------------------------

def data_of(x):
    """The raw float or array behind x (x itself when it is already raw)."""
    return x.data if isinstance(x, Node) else x


def _mask(condition, like):
    """A constant 0/1 factor where ``condition`` holds: a float for floats, else an
    array (of ``like``'s dtype, so a float32 gradient stays float32)."""
    if isinstance(condition, (bool, np.bool_)):
        return 1.0 if condition else 0.0
    return condition.astype(data_of(like).dtype)


def _share(a, b):
    """The share of maximum(a, b)'s gradient that goes to a: 1, 1/2 at a tie, else 0."""
    a, b = data_of(a), data_of(b)
    return (_mask(a > b, a) + _mask(a == b, a) * 0.5)


def _zero_where(condition, g, x):
    """x, but 0 where ``condition`` holds: a true 0, where x * 0 would keep an inf or a
    nan of x (``g``: the gradient x was made from, to make the 0 of its kind)."""
    if isinstance(condition, (bool, np.bool_)):
        return g * 0.0 if condition else x
    return WHERE(0.0, x, condition)


# --- elementwise, on Values and Tensors ---------------------------------------------------

# a + b; d/da = 1, d/db = 1
ADD = Op("+", operator.add, np.add,
         lambda g, out, a, b: g,
         lambda g, out, a, b: g, saves=False)

# a - b; d/da = 1, d/db = -1
SUB = Op("-", operator.sub, np.subtract,
         lambda g, out, a, b: g,
         lambda g, out, a, b: -g, saves=False)

# a * b; d/da = b, d/db = a
MUL = Op("*", operator.mul, np.multiply,
         lambda g, out, a, b: g * b,
         lambda g, out, a, b: g * a)

# a / b; d/da = 1/b, d/db = -a/b^2 = -out/b
DIV = Op("/", _div, np.divide,
         lambda g, out, a, b: DIV(g, b),
         lambda g, out, a, b: DIV(-g * out, b))

def _pow_da(g, out, a, b):
    with np.errstate(divide="ignore", invalid="ignore"):  # the 0 * inf that is masked
        return _zero_where((data_of(a) == 0) & (data_of(b) == 0), g, g * b * POW(a, b - 1))


def _pow_db(g, out, a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _zero_where((data_of(a) == 0) & (data_of(b) >= 0), g, g * out * LOG(a))


# a ** b; d/da = b * a^(b-1), d/db = a^b * log(a); at a = 0 their limits, where the
# formulas give 0 * inf: d/da = 0 for b = 0, d/db = 0 for b >= 0 (as PyTorch, so that
# relu(x) ** p can learn p)
POW = Op("**", _pow, np.power, _pow_da, _pow_db)

# x ** p for a constant number p; d/dx = p * x^(p-1), and 0 for p = 0 (not 0 * inf at x = 0)
POW_CONST = Op("**", _pow, operator.pow,
               lambda g, out, x, p: g * p * POW_CONST(x, p - 1) if p != 0 else g * 0.0)

# -x; d/dx = -1
NEG = Op("neg", operator.neg, np.negative,
         lambda g, out, x: -g, saves=False)

# exp(x); d/dx = exp(x)
EXP = Op("exp", _exp, np.exp,
         lambda g, out, x: g * out,
         method="exp", doc="e ** x (elementwise); inf where it overflows.")

# log(x); d/dx = 1/x
LOG = Op("log", _log, np.log,
         lambda g, out, x: DIV(g, x),
         method="log", doc="Natural log (elementwise); -inf at 0 and nan below, as numpy.")

# tanh(x); d/dx = 1 - tanh(x)^2
TANH = Op("tanh", math.tanh, np.tanh,
          lambda g, out, x: g * (1 - out * out),
          method="tanh", doc="Hyperbolic tangent (elementwise), exact for large |x|.")

# sigmoid(x) = 1 / (1 + exp(-x)); d/dx = sigmoid(x) * (1 - sigmoid(x))
SIGMOID = Op("sigmoid", _sigmoid, _sigmoid_array,
             lambda g, out, x: g * out * (1 - out),
             method="sigmoid",
             doc="1 / (1 + exp(-x)) (elementwise), without overflow for large |x|.")

# relu(x) = max(x, 0); d/dx = 1 where x > 0, else 0
RELU = Op("relu", _relu, lambda x: np.maximum(x, 0),
          lambda g, out, x: g * (x > 0),
          method="relu", doc="max(x, 0), elementwise.")

# |x|; d/dx = sign(x) (0 at 0, as PyTorch)
ABS = Op("abs", abs, np.abs,
         lambda g, out, x: g * (_mask(data_of(x) > 0, g) - _mask(data_of(x) < 0, g)),
         method="abs", doc="|x|, elementwise.")

# sqrt(x); d/dx = 1 / (2 sqrt(x))
SQRT = Op("sqrt", _sqrt, np.sqrt,
          lambda g, out, x: DIV(g * 0.5, out),
          method="sqrt", doc="Square root (elementwise); nan below 0.")

# sin(x); d/dx = cos(x)
SIN = Op("sin", math.sin, np.sin,
         lambda g, out, x: g * COS(x),
         method="sin", doc="Sine (elementwise, radians).")

# cos(x); d/dx = -sin(x)
COS = Op("cos", math.cos, np.cos,
         lambda g, out, x: -g * SIN(x),
         method="cos", doc="Cosine (elementwise, radians).")

# softplus(x) = log(1 + exp(x)); d/dx = sigmoid(x)
SOFTPLUS = Op("softplus", _softplus, lambda x: np.logaddexp(0, x),
              lambda g, out, x: g * SIGMOID(x),
              method="softplus", doc="log(1 + exp(x)) (elementwise), without overflow.")

# clamp(x, low, high): x limited to [low, high] (either may be None);
# d/dx = 1 where low <= x <= high, else 0 (as PyTorch)
CLAMP = Op("clamp", _clamp, lambda x, low, high: np.clip(x, low, high),
           lambda g, out, x, low, high: g * _mask(data_of(out) == data_of(x), g))

# maximum(a, b) elementwise; d/da = 1 where a > b, 1/2 where a = b (ties split), else 0
MAXIMUM = Op("maximum", max, np.maximum,
             lambda g, out, a, b: g * _share(a, b),
             lambda g, out, a, b: g * _share(b, a))

# minimum(a, b) elementwise; d/da = 1 where a < b, 1/2 where a = b, else 0
MINIMUM = Op("minimum", min, np.minimum,
             lambda g, out, a, b: g * _share(b, a),
             lambda g, out, a, b: g * _share(a, b))


# where(condition, a, b) for Tensors: the rules above need it, the Tensor function too.
# where(condition, a, b): a where condition holds, else b (condition: a boolean array);
# d/da = 1 where condition, else 0; d/db the other way round
WHERE = Op("where", None, lambda a, b, condition: np.where(condition, a, b),
           lambda g, out, a, b, condition: WHERE(g, 0.0, condition),
           lambda g, out, a, b, condition: WHERE(0.0, g, condition))


# The ops that are methods of Value and Tensor (operators.py makes the methods).
METHODS = tuple(op for op in list(globals().values()) if isinstance(op, Op) and op.method)
