"""A scalar Linear layer's units recorded in one loop: the hot path of Value networks.

``linear`` appends to the tape exactly the nodes that ``b + w0*x0 + w1*x1 + ...``
through Value's operators would (tests/test_value.py compares them entry by
entry), with no Value per node. It is there for speed only: read value.py first.
"""

import operator

from . import ops, value
from .tape import NewerTape, place, recording, start_tape
from .value import Value, _new, _operand


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
    tape = recording()
    leaves = weights if biases is None else weights + biases
    if (tape is None or not all(map(_requires_grad, leaves))
            or any(map(_tape_of, leaves))):
        # no recording, or weights that are not plain parameters: the operators themselves
        return [_unit(xs, weights[o * n:(o + 1) * n], biases and biases[o]) for o in units]
    try:
        places = [_place(x, tape) for x in xs]
    except NewerTape:
        tape = start_tape()
        places = [_place(x, tape) for x in xs]
    if len(tape) // 6 > value._LAST and not any(type(ref) is int for ref, _ in places):
        tape = start_tape()  # a full tape ends where an expression begins
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
        out._tape = tape
        out._index = ar
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
_tape_of = operator.attrgetter("_tape")  # a Value's tape: never empty, so true for a node


def _place(x, tape):
    """(how an op on ``tape`` refers to x, x's data): see tape.place."""
    if not isinstance(x, Value):
        return None, _operand(x)[1]
    return place(x, tape), x.data
