"""Value: a scalar graph node holding one Python float, as in micrograd.

Every Value keeps its gradient after backward, so each multiply of a small
network can be printed, drawn and checked by hand. A Value made by an op is a
handle onto its thread's tape (tape.Tape), where the op is recorded.
"""

import numbers
import weakref

import numpy as np

from . import ops
from .autograd import Node, checked_label, taping
from .operators import Operators
from .tape import (OPS_PER_TAPE, NewerTape, contributions, place, recording, sort,
                   start_tape, walk)

_new = object.__new__
_LAST = OPS_PER_TAPE - 1  # past this op, a new tape at the next expression (see Tape)


def _builder(op):
    """The function that applies the two-input ``op`` to Values (and numbers).

    + - * / make two thirds of a scalar network's nodes, so each op gets a function
    of its own that records onto the tape inline (see tape.Tape): it serves as
    Value's method directly (``a * b`` calls ``build(a, b)``), with no call to spare.
    """
    forward = op.scalar

    def build(a, b):
        if type(a) is Value:
            ad = a.data
        else:
            a, ad = _operand(a)
        if type(b) is Value:
            bd = b.data
        else:
            b, bd = _operand(b)
        d = forward(ad, bd)
        try:
            tape = taping.into
        except AttributeError:  # the thread's first op
            tape = recording()
        if tape is not None and ((a is not None and a.requires_grad)
                                 or (b is not None and b.requires_grad)):
            # Where the inputs are: tape.place(), spelled out (this is the hot path).
            try:
                if a is None:
                    ra = None
                elif a._tape is tape:
                    ra = a._index
                elif a._tape is None:
                    ra = a
                else:
                    ra = place(a, tape)
                if b is None:
                    rb = None
                elif b._tape is tape:
                    rb = b._index
                elif b._tape is None:
                    rb = b
                else:
                    rb = place(b, tape)
            except NewerTape:
                start_tape()
                return build(ad if a is None else a, bd if b is None else b)
            k = len(tape) // 6
            if k > _LAST and ra.__class__ is not int and rb.__class__ is not int:
                tape = start_tape()  # a full tape ends where an expression begins
                k = 0
            tape += (op, ra, rb, ad, bd, d)
            out = _new(Value)
            out.data = d
            out._tape = tape
            out._index = k
            out.requires_grad = True
            return out
        return _constant(d)
    return build


def _swapped(build):
    """The reflected method: ``2 * a`` calls ``a.__rmul__(2)``, which is build(2, a)."""
    return lambda self, other: build(other, self)


def _builder1(op):
    """The function that applies the one-input ``op`` to a Value, recording inline as
    _builder's functions do; it serves as Value's method directly (``x.relu()``
    calls ``apply(x)``). ``ctx``: the op's extra arguments (the exponent of ``x ** 2``).
    """
    forward = op.scalar

    def apply(x, ctx=()):
        xd = x.data
        d = forward(xd, *ctx) if ctx else forward(xd)  # a star call costs twice a plain one
        try:
            tape = taping.into
        except AttributeError:  # the thread's first op
            tape = recording()
        if tape is not None and x.requires_grad:
            try:
                if x._tape is tape:
                    ref = x._index
                elif x._tape is None:
                    ref = x
                else:
                    ref = place(x, tape)
            except NewerTape:
                start_tape()
                return apply(x, ctx)
            k = len(tape) // 6
            if k > _LAST and ref.__class__ is not int:
                tape = start_tape()  # a full tape ends where an expression begins
                k = 0
            tape += (op, ref, None, xd, ctx, d)
            out = _new(Value)
            out.data = d
            out._tape = tape
            out._index = k
            out.requires_grad = True
            return out
        return _constant(d)
    apply.__name__ = op.method or op.name
    apply.__doc__ = op.doc
    return apply


class _Builders(dict):
    """Each op's recording function, made on first use."""

    def __missing__(self, op):
        if op.scalar is None:
            raise TypeError(f"{op.name}() works on Tensors, not on Values")
        self[op] = _builder1(op) if len(op.vjps) == 1 else _builder(op)
        return self[op]


_BUILDERS = _Builders()


class Value(Operators, Node):
    """A scalar that records the ops applied to it, for reverse-mode autodiff.

    Args:
        data: a real number (int, float, bool, numpy scalar or 0-d array).
        label: a name shown by repr and in graph drawings. Default "".
        requires_grad: whether backward computes a gradient for it. Default True
            (as in micrograd); Python numbers mixed into an expression become
            constants with requires_grad=False.

    A Value made by an op is a handle onto its thread's tape (``_tape``, at its
    op's ``_index``), where its op, inputs, gradient and label are kept; a leaf has
    ``_tape`` None and keeps its gradient (``_grad``), its label (``_leaf_label``)
    (the gradient a backward gathers for it is the walk's own: see tape.walk).
    """

    __slots__ = ("data", "requires_grad", "_grad", "_leaf_label", "_tape", "_index",
                 "_parents_cache", "__weakref__")

    def __init__(self, data, label="", requires_grad=True):
        self.data = _as_float(data)
        self.requires_grad = bool(requires_grad)
        self._grad = 0.0
        self._leaf_label = checked_label(label)
        self._tape = self._index = None

    def __repr__(self):
        label = self.label
        label = f", label={label!r}" if label else ""
        return f"Value(data={_fmt(self.data)}, grad={_fmt(self.grad)}{label})"

    # The hot paths record inline (see _builder, _builder1); ** comes from Operators.
    __add__ = _BUILDERS[ops.ADD]
    __radd__ = _swapped(_BUILDERS[ops.ADD])
    __sub__ = _BUILDERS[ops.SUB]
    __rsub__ = _swapped(_BUILDERS[ops.SUB])
    __mul__ = _BUILDERS[ops.MUL]
    __rmul__ = _swapped(_BUILDERS[ops.MUL])
    __truediv__ = _BUILDERS[ops.DIV]
    __rtruediv__ = _swapped(_BUILDERS[ops.DIV])
    __neg__ = _BUILDERS[ops.NEG]

    # --- what lives on the tape for a node, and on the Value for a leaf ----------------------
    @property
    def grad(self):
        """d(output)/d(self) after backward, accumulated (every Value keeps it); 0.0 before."""
        return self._grad if self._tape is None else self._tape.grad_at(self._index)

    @grad.setter
    def grad(self, g):
        if self._tape is None:
            self._grad = g
        else:
            self._tape.set_grad(self._index, g)

    @property
    def label(self):
        """The name shown by repr and in drawings."""
        if self._tape is None:
            return self._leaf_label
        labels = self._tape.labels
        return "" if labels is None else labels.get(self._index, "")

    @label.setter
    def label(self, label):
        label = checked_label(label)
        if self._tape is None:
            self._leaf_label = label
        else:
            if self._tape.labels is None:
                self._tape.labels = {}
            self._tape.labels[self._index] = label

    @property
    def _op(self):
        return None if self._tape is None else self._tape.op(self._index)

    @property
    def _parents(self):
        """The input Values, in order: one object per node however often it is asked
        (a node's view, the leaf itself, a constant Value made once for a number)."""
        if self._tape is None:
            return ()
        try:
            return self._parents_cache
        except AttributeError:
            pass
        entry = self._tape.entry(self._index)
        inputs = [(entry.ref_a, entry.a)]
        if len(entry.op.vjps) == 2:
            inputs.append((entry.ref_b, entry.b))
        self._parents_cache = tuple(_input_view(self._tape, ref, x) for ref, x in inputs)
        return self._parents_cache

    @property
    def _key(self):
        return id(self) if self._tape is None else (id(self._tape), self._index)

    def _backward(self):
        """micrograd's one step of backprop: add what ``self.grad`` contributes to each
        input's ``.grad``, through the op's VJPs (the step backward() takes here).

        The lecture sets the output's grad to 1, then calls it on every node, outputs
        first. Nothing happens for a leaf; the graph is kept.
        """
        if self._tape is None:
            return
        parents = self._parents
        for i, _, contribution in contributions(self._tape, self._index, self.grad):
            x = parents[i]
            x.grad = x.grad + contribution

    def __float__(self):
        return self.data

    def __reduce__(self):
        # pickle and deepcopy: a leaf as its data, label, requires_grad and grad; a node
        # lives on its thread's tape, which holds the ops' functions.
        if self._tape is not None:
            raise TypeError(f"cannot pickle or copy a Value made by an op "
                            f"('{self._op.name}'): use .detach() (a constant with its data)")
        return (_leaf, (self.data, self._leaf_label, self.requires_grad, self._grad))

    def item(self):
        """The data as a Python float."""
        return self.data

    def detach(self):
        """A new constant Value with the same data, cut off from the graph."""
        return Value(self.data, self.label, requires_grad=False)

    # --- what Operators and autograd need ----------------------------------------------------
    _sort = staticmethod(sort)
    _walk = staticmethod(walk)

    def _seed(self, grad, what):
        return 1.0 if grad is None else _as_float(ops.data_of(grad), what)

    @staticmethod
    def _constant(raw):
        return Value(raw, requires_grad=False)

    @staticmethod
    def _fresh_grad(g):
        return g

    @staticmethod
    def _node_at(tape, k):
        return _view(tape, k)

    @staticmethod
    def _compared(result):
        return result

    @staticmethod
    def _apply1(op, x, ctx=()):
        return _BUILDERS[op](x, ctx)

    @staticmethod
    def _binary(op, a, b):
        return _BUILDERS[op](a, b)

    @staticmethod
    def _apply(op, inputs, ctx):
        if len(inputs) == 1:
            return _BUILDERS[op](inputs[0], ctx)
        return _BUILDERS[op](*inputs)


for _op in ops.METHODS:  # exp, log, tanh...: each op's recording function is the method
    setattr(Value, _op.method, _BUILDERS[_op])


def _leaf(data, label, requires_grad, grad):
    """A leaf Value from what pickle keeps."""
    leaf = Value(data, label, requires_grad)
    leaf.grad = grad
    return leaf


def _constant(d):
    """The result of an op that is not recorded: a leaf that does not require grad."""
    out = _new(Value)
    out.data = d
    out.requires_grad = False
    out._tape = out._index = None
    out._grad = 0.0
    out._leaf_label = ""
    return out


def _view(tape, k, cache=False):
    """A handle on the node of op ``k`` of ``tape``; with ``cache``, the same
    handle every time while it lives (drawings tell nodes apart by identity)."""
    if cache and tape.views is not None:
        node = tape.views.get(k)
        if node is not None:
            return node
    node = _new(Value)
    node.data = tape.result(k)
    node.requires_grad = True
    node._tape = tape
    node._index = k
    if cache:
        if tape.views is None:
            tape.views = weakref.WeakValueDictionary()
        tape.views[k] = node
    return node


def _input_view(tape, ref, data):
    """An input of an op on ``tape`` as drawings see it (see Value._parents)."""
    if ref.__class__ is int:
        return _view(tape, ref, cache=True)
    if ref is None:
        return Value(data, requires_grad=False)
    if ref._tape is None:
        return ref
    return _view(ref._tape, ref._index, cache=True)  # a node of an older tape: its one view


def _operand(x):
    """(the Value, its data) for a Value; (None, the float) for a number."""
    if isinstance(x, Value):
        return x, x.data
    if type(x) is float:
        return None, x
    return None, _as_float(x, "operand")


def _as_float(x, what="Value data"):
    if type(x) is float:
        return x
    if isinstance(x, (numbers.Real, np.bool_)):
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
