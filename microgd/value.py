"""Value: a scalar graph node holding one Python float, as in micrograd.

Every Value keeps its gradient after backward, so each multiply of a small
network can be printed, drawn and checked by hand. A Value made by an op is a
handle onto its thread's tape (autograd.Tape), where the op is recorded.
"""

import numbers
import operator
import weakref

import numpy as np

from . import ops
from .autograd import TAPE_OPS, Node, _checked_label, _recording, _start_tape, _taping


_new = object.__new__


def _builder(op):
    """The function that applies the two-input ``op`` to Values (and numbers).

    + - * / make two thirds of a scalar network's nodes, so each gets a function of
    its own that records onto the tape inline (see autograd.Tape): it serves as
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
            tape = _taping.into
        except AttributeError:  # the thread's first op
            tape = _recording()
        if tape is not None and ((a is not None and a.requires_grad)
                                 or (b is not None and b.requires_grad)):
            # an input's place: its op's index on this tape, or itself (see Tape)
            try:
                ra = None if a is None else a._k if a._t is tape else \
                    a if a._t is None else _older(a, tape)
                rb = None if b is None else b._k if b._t is tape else \
                    b if b._t is None else _older(b, tape)
            except _NewerTape:
                _start_tape()
                return build(ad if a is None else a, bd if b is None else b)
            k = len(tape) // 6
            if k > _LAST and ra.__class__ is not int and rb.__class__ is not int:
                tape = _start_tape()  # a full tape ends where an expression begins
                k = 0
            tape += (op, ra, rb, ad, bd, d)
            out = _new(Value)
            out.data = d
            out._t = tape
            out._k = k
            out.requires_grad = True
            return out
        return _constant(d)
    return build


_LAST = TAPE_OPS - 1  # past this op, a new tape at the next expression (see Tape)


def _swapped(build):
    """The reflected method: ``2 * a`` calls ``a.__rmul__(2)``, which is build(2, a)."""
    return lambda self, other: build(other, self)


_BUILDERS = {op: _builder(op) for op in (ops.ADD, ops.SUB, ops.MUL, ops.DIV, ops.POW)}


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
            tape = _taping.into
        except AttributeError:  # the thread's first op
            tape = _recording()
        if tape is not None and x.requires_grad:
            try:
                ref = x._k if x._t is tape else x if x._t is None else _older(x, tape)
            except _NewerTape:
                _start_tape()
                return apply(x, ctx)
            k = len(tape) // 6
            if k > _LAST and ref.__class__ is not int:
                tape = _start_tape()  # a full tape ends where an expression begins
                k = 0
            tape += (op, ref, None, xd, ctx, d)
            out = _new(Value)
            out.data = d
            out._t = tape
            out._k = k
            out.requires_grad = True
            return out
        return _constant(d)
    return apply


_BUILDERS1 = {op: _builder1(op) for op in (ops.NEG, ops.EXP, ops.LOG, ops.TANH, ops.SIGMOID,
                                          ops.RELU, ops.POW_CONST)}


class Value(ops.Operators, Node):
    """A scalar that records the ops applied to it, for reverse-mode autodiff.

    Args:
        data: a real number (int, float, bool, numpy scalar or 0-d array).
        label: a name shown by repr and in graph drawings. Default "".
        requires_grad: whether backward computes a gradient for it. Default True
            (as in micrograd); Python numbers mixed into an expression become
            constants with requires_grad=False.

    A Value made by an op is a handle onto its thread's tape (``_t``, at its
    op ``_k``), where its op, inputs and gradient are kept; a leaf has ``_t`` None and
    keeps its gradient (``_g``), its label and, during a backward, ``_acc``.
    """

    __slots__ = ("data", "requires_grad", "_g", "_label", "_t", "_k", "_acc", "_pc",
                 "__weakref__")
    _taped = True

    def __init__(self, data, label="", requires_grad=True):
        self.data = _as_float(data)
        self.requires_grad = bool(requires_grad)
        self._g = 0.0
        self._label = _checked_label(label)
        self._t = self._k = self._acc = None

    def __repr__(self):
        label = self.label
        label = f", label={label!r}" if label else ""
        return f"Value(data={_fmt(self.data)}, grad={_fmt(self.grad)}{label})"

    # The hot paths (see _builder, _builder1); ** comes from ops.Operators, and the
    # docstrings of the functions too.
    __add__, __radd__ = _BUILDERS[ops.ADD], _swapped(_BUILDERS[ops.ADD])
    __sub__, __rsub__ = _BUILDERS[ops.SUB], _swapped(_BUILDERS[ops.SUB])
    __mul__, __rmul__ = _BUILDERS[ops.MUL], _swapped(_BUILDERS[ops.MUL])
    __truediv__, __rtruediv__ = _BUILDERS[ops.DIV], _swapped(_BUILDERS[ops.DIV])
    __neg__ = _BUILDERS1[ops.NEG]
    exp = _BUILDERS1[ops.EXP]
    log = _BUILDERS1[ops.LOG]
    tanh = _BUILDERS1[ops.TANH]
    sigmoid = _BUILDERS1[ops.SIGMOID]
    relu = _BUILDERS1[ops.RELU]

    # --- what lives on the tape for a node, and on the Value for a leaf ----------------------
    @property
    def grad(self):
        """d(output)/d(self) after backward, accumulated (every Value keeps it); 0.0 before."""
        return self._g if self._t is None else self._t.grad_at(self._k)

    @grad.setter
    def grad(self, g):
        if self._t is None:
            self._g = g
        else:
            self._t.set_grad(self._k, g)

    @property
    def label(self):
        """The name shown by repr and in drawings."""
        if self._t is None:
            return self._label
        labels = self._t.labels
        return "" if labels is None else labels.get(self._k, "")

    @label.setter
    def label(self, label):
        label = _checked_label(label)
        if self._t is None:
            self._label = label
        else:
            if self._t.labels is None:
                self._t.labels = {}
            self._t.labels[self._k] = label

    @property
    def _op(self):
        return None if self._t is None else self._t[6 * self._k]

    @property
    def _parents(self):
        """The input Values, in order: one object per node however often it is asked
        (a node's view, the leaf itself, a constant Value made once for a number)."""
        if self._t is None:
            return ()
        try:
            return self._pc
        except AttributeError:
            pass
        tape, k = self._t, self._k
        _, ra, rb, a, b, _ = tape[6 * k:6 * k + 6]
        refs = ((ra, a),) if len(tape[6 * k].vjps) == 1 else ((ra, a), (rb, b))
        self._pc = tuple(_input_view(tape, r, x) for r, x in refs)
        return self._pc

    @property
    def _key(self):
        return id(self) if self._t is None else (id(self._t), self._k)

    @staticmethod
    def _view(tape, k, cache=False):
        return _view(tape, k, cache)

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
        return _BUILDERS1[op](x, ctx)

    @staticmethod
    def _binary(op, a, b):
        return _BUILDERS[op](a, b)


for _name in ("exp", "log", "tanh", "sigmoid", "relu"):  # their docstrings, as documented
    getattr(Value, _name).__doc__ = getattr(ops.Operators, _name).__doc__


def linear(xs, weights, biases):
    """The units of a scalar Linear layer: ``b[o] + w[o, 0]*x[0] + w[o, 1]*x[1] + ...``.

    Records the same nodes, in the same order and with the same floats, as those
    operators would (micrograd's neuron: one node per multiply and per add), but in
    one loop that appends two ops to the tape per input, with no Value per node.

    Args:
        xs: the n inputs, Values or numbers.
        weights: the m*n weight Values, row by row (unit o's row is weights[o*n:(o+1)*n]).
        biases: the m bias Values, or None.

    Returns:
        A list of m Values.
    """
    n = len(xs)
    m = len(weights) // n if n else 0
    if n == 0 or m * n != len(weights) or (biases is not None and len(biases) != m):
        raise ValueError(f"linear: {len(weights)} weights for {n} inputs and "
                         f"{'no' if biases is None else len(biases)} biases; expected at "
                         "least one input, a row of weights per unit as long as the inputs, "
                         "and one bias per unit (or biases=None)")
    units = range(m)
    tape = _recording()
    leaves = weights if biases is None else weights + biases
    if (tape is None or not all(map(_requires_grad, leaves))
            or any(map(_tape_of, leaves))):
        # no recording, or weights that are not plain parameters: the operators themselves
        return [_unit(xs, weights[o * n:(o + 1) * n], biases and biases[o]) for o in units]
    try:
        places = [_place(x, tape) for x in xs]
    except _NewerTape:
        tape = _start_tape()
        places = [_place(x, tape) for x in xs]
    if len(tape) // 6 > _LAST and not any(type(ref) is int for ref, _ in places):
        tape = _start_tape()  # a full tape ends where an expression begins
    mul, add = ops.MUL, ops.ADD
    outs = []
    k = len(tape) // 6  # the index of the next op
    for o in units:
        pairs = zip(weights[o * n:(o + 1) * n], places)
        if biases is None:
            w, (xr, xd) = next(pairs)
            wd = w.data
            ad = wd * xd
            tape += (mul, w, xr, wd, xd, ad)
            ar = k
            k += 1
        else:
            ar = biases[o]
            ad = ar.data
        for w, (xr, xd) in pairs:  # op k: w * x; op k + 1: act + (w * x)
            wd = w.data
            p = wd * xd
            s = ad + p
            tape += (mul, w, xr, wd, xd, p, add, ar, k, ad, p, s)
            ar = k + 1
            ad = s
            k += 2
        out = _new(Value)
        out.data = ad
        out._t = tape
        out._k = ar
        out.requires_grad = True
        outs.append(out)
    return outs


def _unit(xs, row, bias):
    pairs = zip(row, xs)
    if bias is None:
        w, x = next(pairs)
        act = w * x
    else:
        act = bias
    for w, x in pairs:
        act = act + w * x
    return act


_requires_grad = operator.attrgetter("requires_grad")
_tape_of = operator.attrgetter("_t")  # a Value's tape: never empty, so true for a node


def _place(x, tape):
    """(how an op on ``tape`` refers to x, x's data): see Tape."""
    if not isinstance(x, Value):
        return None, _operand(x)[1]
    return (x._k if x._t is tape else x if x._t is None else _older(x, tape)), x.data


def _constant(d):
    """The result of an op that is not recorded: a leaf that does not require grad."""
    out = _new(Value)
    out.data = d
    out.requires_grad = False
    out._t = out._k = out._acc = None
    out._g = 0.0
    out._label = ""
    return out


def _view(tape, k, cache=False):
    """A handle on the node of op ``k`` of ``tape``; with ``cache``, the same
    handle every time while it lives (drawings tell nodes apart by identity)."""
    if cache and tape.views is not None:
        node = tape.views.get(k)
        if node is not None:
            return node
    node = _new(Value)
    node.data = tape[6 * k + 5]
    node.requires_grad = True
    node._t = tape
    node._k = k
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
    if ref._t is None:
        return ref
    return _view(ref._t, ref._k, cache=True)  # a node of an older tape: its one view


class _NewerTape(Exception):
    """An input was recorded on a tape newer than this thread's (by another thread)."""


def _older(x, tape):
    """x as an input of an op on ``tape``, x being a node of another tape (see Tape).

    Tapes are walked newest first, so an op may read nodes of older tapes only. A
    node of a newer one (another thread's) makes the caller start a new tape.
    """
    if x._t.serial >= tape.serial:
        raise _NewerTape
    return x


def _operand(x):
    """(the Value, its data) for a Value; (None, the float) for a number."""
    if isinstance(x, Value):
        return x, x.data
    if type(x) is float:
        return None, x
    return None, _as_float(x, "operand")


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
