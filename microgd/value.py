"""Value: a scalar graph node holding one Python float, as in micrograd.

Every Value keeps its gradient after backward, so each multiply of a small
network can be printed, drawn and checked by hand.
"""

import numbers

import numpy as np

from . import ops
from .autograd import Node, _mode


_new = object.__new__


def _builder(op):
    """The function that applies the two-input ``op`` to Values (and numbers).

    + - * / make two thirds of a scalar network's nodes, so each gets a function of
    its own that builds the node inline: it serves as Value's method directly
    (``a * b`` calls ``build(a, b)``), with no call to spare.
    """
    scalar = op.scalar

    def build(a, b):
        if type(a) is not Value:
            a = _value(a)
        if type(b) is not Value:
            b = _value(b)
        out = _new(Value)
        out.data = scalar(a.data, b.data)
        out.grad = 0.0
        out.label = ""
        out._acc = None
        out._mark = None
        out._ctx = ()
        out._p2 = None
        if (a.requires_grad or b.requires_grad) and _mode.enabled:
            out.requires_grad = True
            out._op = op
            out._p0 = a
            out._p1 = b
        else:
            out.requires_grad = False
            out._op = out._p0 = out._p1 = None
        return out
    return build


def _swapped(build):
    """The reflected method: ``2 * a`` calls ``a.__rmul__(2)``, which is build(2, a)."""
    return lambda self, other: build(other, self)


_BUILDERS = {op: _builder(op) for op in (ops.ADD, ops.SUB, ops.MUL, ops.DIV, ops.POW)}


class Value(ops.Operators, Node):
    """A scalar that records the ops applied to it, for reverse-mode autodiff.

    Args:
        data: a real number (int, float, bool, numpy scalar or 0-d array).
        label: a name shown by repr and in graph drawings. Default "".
        requires_grad: whether backward computes a gradient for it. Default True
            (as in micrograd); Python numbers mixed into an expression become
            constants with requires_grad=False.
    """

    __slots__ = ()
    _retain = True    # every Value keeps its .grad (micrograd's behaviour)
    _shaped = False   # gradients are floats: nothing to sum back to a shape

    def __init__(self, data, label="", requires_grad=True):
        self._init_leaf(_as_float(data), 0.0, requires_grad, label)

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={_fmt(self.data)}, grad={_fmt(self.grad)}{label})"

    # The hot path (see _builder); ** and the functions come from ops.Operators.
    __add__, __radd__ = _BUILDERS[ops.ADD], _swapped(_BUILDERS[ops.ADD])
    __sub__, __rsub__ = _BUILDERS[ops.SUB], _swapped(_BUILDERS[ops.SUB])
    __mul__, __rmul__ = _BUILDERS[ops.MUL], _swapped(_BUILDERS[ops.MUL])
    __truediv__, __rtruediv__ = _BUILDERS[ops.DIV], _swapped(_BUILDERS[ops.DIV])

    def __float__(self):
        return self.data

    def item(self):
        """The data as a Python float."""
        return self.data

    def detach(self):
        """A new constant Value with the same data, cut off from the graph."""
        return Value(self.data, self.label, requires_grad=False)

    # --- what Operators and the driver need ----------------------------------------------
    def _seed(self, grad, what):
        return 1.0 if grad is None else _as_float(ops.data_of(grad), what)

    @staticmethod
    def _wrap(raw):
        return Value(raw, requires_grad=False)

    @staticmethod
    def _own(g):
        return g

    @staticmethod
    def _apply1(op, x, ctx=()):
        return _make(op.scalar(x.data, *ctx), op, (x,), ctx, x.requires_grad and _mode.enabled)

    @staticmethod
    def _binary(op, a, b):
        return _BUILDERS[op](a, b)


def _make(data, op, parents, ctx=(), record=False):
    """A new Value; ``record`` keeps the op and parents that made it, for backward."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._acc = None
    out._mark = None
    out._ctx = ctx
    out.requires_grad = record
    if record:
        out._link(op, parents)
    else:
        out._op = out._p0 = out._p1 = out._p2 = None
    return out


def _value(x):
    """x as a Value: numbers become constants that do not require grad."""
    if type(x) is Value:
        return x
    if type(x) is float:
        return _make(x, None, ())
    if isinstance(x, Value):
        return x
    return _make(_as_float(x, "operand"), None, ())


def _as_float(x, what="Value data"):
    if isinstance(x, float):
        return x
    if isinstance(x, numbers.Real):
        return float(x)
    if isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "biuf":
        return float(x)
    shape = f" of shape {x.shape}" if isinstance(x, np.ndarray) else ""
    hint = "; use Tensor for arrays" if isinstance(x, (np.ndarray, list, tuple)) else ""
    raise TypeError(f"{what} must be a real number, got {type(x).__name__}{shape} "
                    f"{x!r:.60}{hint}")


def _fmt(x):
    """A float in at most 6 significant digits that still reads as a float (2.0, not 2)."""
    if not isinstance(x, float):
        return repr(x)
    s = f"{x:.6g}"
    return s if any(c in s for c in ".ein") else s + ".0"
