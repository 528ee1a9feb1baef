"""The arithmetic, functions and comparisons that Value and Tensor share, once.

Each kind supplies ``_binary(op, a, b)`` (one of a and b is the node; the other,
a number or an array, becomes a constant of the node's kind),
``_apply1(op, x, ctx=())``: run the op's forward and record it, and ``_compared``:
a comparison's raw result in the kind's form. The methods of
the ops that have one (``ops.METHODS``: exp, log, sqrt, sin...) are made from
the op table below the class.
"""

import numbers

import numpy as np

from . import ops
from .ops import data_of


class Operators:
    """Python's operators and the elementwise methods, for Value and Tensor."""

    __slots__ = ()

    def __add__(self, other):
        return self._binary(ops.ADD, self, other)

    def __radd__(self, other):
        return self._binary(ops.ADD, other, self)

    def __sub__(self, other):
        return self._binary(ops.SUB, self, other)

    def __rsub__(self, other):
        return self._binary(ops.SUB, other, self)

    def __mul__(self, other):
        return self._binary(ops.MUL, self, other)

    def __rmul__(self, other):
        return self._binary(ops.MUL, other, self)

    def __truediv__(self, other):
        return self._binary(ops.DIV, self, other)

    def __rtruediv__(self, other):
        return self._binary(ops.DIV, other, self)

    def __pow__(self, other):
        if isinstance(other, (numbers.Real, np.number)):  # a constant exponent
            return self._apply1(ops.POW_CONST, self, (float(other),))
        return self._binary(ops.POW, self, other)

    def __rpow__(self, other):
        return self._binary(ops.POW, other, self)

    def __neg__(self):
        return self._apply1(ops.NEG, self)

    def __pos__(self):
        return self

    def clamp(self, min=None, max=None):
        """x limited to [min, max] elementwise (either may be None, not both)."""
        if min is None and max is None:
            raise ValueError("clamp: give at least one of min and max")
        return self._apply1(ops.CLAMP, self, (_bound(min, "min"), _bound(max, "max")))

    def maximum(self, other):
        """The larger of self and other, elementwise; ties share the gradient."""
        return self._binary(ops.MAXIMUM, self, other)

    def minimum(self, other):
        """The smaller of self and other, elementwise; ties share the gradient."""
        return self._binary(ops.MINIMUM, self, other)

    # Comparisons compare data, recording nothing; each kind gives the result its form
    # (``_compared``): a plain bool for a Value, a boolean Tensor for a Tensor.
    def __lt__(self, other):
        return self._compared(self.data < data_of(other))

    def __le__(self, other):
        return self._compared(self.data <= data_of(other))

    def __gt__(self, other):
        return self._compared(self.data > data_of(other))

    def __ge__(self, other):
        return self._compared(self.data >= data_of(other))


def _bound(x, what):
    if x is None or isinstance(x, (numbers.Real, np.number)) and not isinstance(x, bool):
        return None if x is None else float(x)
    raise TypeError(f"clamp: {what} must be a number or None, got {type(x).__name__} {x!r}")


def _method(op):
    def method(self):
        return self._apply1(op, self)
    method.__name__ = method.__qualname__ = op.method
    method.__doc__ = op.doc
    return method


for _op in ops.METHODS:
    setattr(Operators, _op.method, _method(_op))
