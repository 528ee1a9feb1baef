"""Value graphs: the tape each thread records its scalar ops onto, and backward over it.

A scalar network makes tens of thousands of nodes per step. As one Python object
each, they cost more to create, sort and collect than the arithmetic itself (in
CPython the garbage collector walks every live one). So a Value op appends six
entries to its thread's tape, one flat list, and the Value it returns is only a
handle: its data, its tape and its op's index there. The tape read backwards is
already a topological order: backward needs no sort.

Read in this order: ``Tape`` (the layout), the thread's tape (``recording``,
``start_tape``), ``walk`` (seeding, tapes newest first, storing the gradients)
and ``reference_walk`` (one op at a time, the rules of ops.py: ``steps``, which
the teaching tools take one at a time, and ``contributions``). ``fast_walk``
does what ``reference_walk`` does for plain floats, with + - * spelled out: it is
there for speed only (tests/test_tape.py holds the two equal on random graphs).

Freeing: a walk without retain_graph adds its list of gradients to the tape's
``freed`` lists; an op with a gradient in one of them was freed, and a later walk
that reaches it raises GraphFreedError. Example: ``l1, l2 = x * 2.0, x * 3.0;
l1.backward()`` frees op 0 only, so ``l2.backward()`` still runs, and
``l1.backward()`` again raises. After a freeing walk the thread starts a new tape.
A freed tape kept alive by a Value (``losses.append(loss)``) stays whole: its entries
are the graph's structure, which drawings of it show (Tensor graphs, whose arrays are
big, release their data instead: see linked.py).
"""

import itertools
from collections import namedtuple

from .autograd import graph_freed, state, taping
from .ops import ADD, MUL, SUB

OPS_PER_TAPE = 1 << 18  # the ops on a tape before a thread starts the next (see Tape)
_serials = itertools.count()

Entry = namedtuple("Entry", "op ref_a ref_b a b out")
Entry.__doc__ = """One op of a tape: the op, where its inputs are, their data, its result.

``ref_a``/``ref_b``: an int (the index of the op that made the input, on this tape),
a Value (a leaf, or a node of an older tape) or None (a Python number; ``ref_b`` is
None for an op of one input). ``b``: b's data, or for an op of one input its
extra arguments (a tuple: the exponent of ``x ** 2``).
"""


class Tape(list):
    """Every scalar (Value) op of one thread, in the order they ran: an ``Entry`` per op,
    flattened (op ``k`` is ``tape[6 * k:6 * k + 6]``; read it with ``entry(k)``).

    Inputs are recorded before their results, so the tape read backwards is a
    topological order. A thread starts a new tape after each backward that frees the
    graph, and after ``OPS_PER_TAPE`` ops at the next op that reads no node of the
    tape (the start of an expression); the ops of a newer tape may read nodes of older
    ones (as Values, like leaves). A tape lives as long as a Value points into it, or
    into a newer tape that reads it: a loop that only ever runs forward, keeping its
    last result, should run under ``no_grad()`` (as in PyTorch) to record nothing.

    Kept with the tape: ``serial`` (tapes are numbered in the order they were
    started), ``grads`` (the gradients of its nodes by index, once a backward has
    run), ``freed`` (the gradient lists of the walks that freed the graph), ``labels``
    (index -> label) and ``views`` (handles made for drawings, one per node).
    """

    __slots__ = ("serial", "grads", "freed", "labels", "views", "__weakref__")

    def __init__(self):
        super().__init__()
        self.serial = next(_serials)
        self.grads = self.labels = self.views = None
        self.freed = []

    def __repr__(self):
        return f"Tape(serial={self.serial}, ops={self.ops()})"

    def ops(self):
        """The number of ops recorded."""
        return len(self) // 6

    def entry(self, k):
        """The ``k``-th op recorded, as an Entry."""
        return Entry._make(self[6 * k:6 * k + 6])

    def op(self, k):
        return self[6 * k]

    def result(self, k):
        return self[6 * k + 5]

    def freed_at(self, k):
        """Whether a backward that freed the graph went through the node at ``k``."""
        return any(k < len(grads) and grads[k] is not None for grads in self.freed)

    def grad_at(self, k):
        grads = self.grads
        g = grads[k] if grads is not None and k < len(grads) else None
        return 0.0 if g is None else g

    def set_grad(self, k, g):
        grads = self._own_grads()
        if len(grads) <= k:
            grads += [None] * (self.ops() - len(grads))
        grads[k] = g

    def keep_grads(self, grads):
        """Store a walk's node gradients, added to those of earlier walks."""
        if self.grads is None:
            self.grads = grads  # the list itself, however often it is also in freed
            return
        kept = self._own_grads()
        if len(kept) < len(grads):
            kept += [None] * (len(grads) - len(kept))
        for k, g in enumerate(grads):
            if g is not None:
                x = kept[k]
                kept[k] = g if x is None else x + g

    def _own_grads(self):
        """``grads``, to change: a list of its own, not one of ``freed`` (copy on write)."""
        grads = self.grads
        if grads is None:
            grads = self.grads = [None] * self.ops()
        elif any(grads is freed for freed in self.freed):
            grads = self.grads = list(grads)
        return grads


# --- the thread's tape ---------------------------------------------------------------------

def recording():
    """The tape this thread's Value ops record onto, or None under no_grad.

    The hot paths read ``taping.into`` directly, and call this only when it is
    missing (the thread's first op).
    """
    try:
        return taping.into
    except AttributeError:
        return start_tape()


def start_tape():
    """A fresh tape for this thread; returns what Value ops should record onto."""
    state.tape = Tape()
    taping.into = state.tape if state.grad_enabled else None
    return taping.into


class NewerTape(Exception):
    """An input was recorded on a tape newer than this thread's (by another thread)."""


def place(x, tape):
    """How an op on ``tape`` refers to the Value ``x``: its op's index when x is a
    node of ``tape``, else x itself (a leaf, or a node of an older tape).

    Tapes are walked newest first, so an op may read nodes of older tapes only. A
    node of a newer one (another thread's) raises NewerTape: the caller starts a
    new tape and records there.
    """
    if x._tape is tape:
        return x._index
    if x._tape is not None and x._tape.serial >= tape.serial:
        raise NewerTape
    return x


# --- backward -------------------------------------------------------------------------------

class _Pending:
    """A tape waiting to be walked: its gradients so far and its highest seeded op."""

    __slots__ = ("tape", "grads", "top")

    def __init__(self, tape):
        self.tape, self.grads, self.top = tape, [None] * tape.ops(), -1


def _seed(pending, tape, k, g):
    """Add ``g`` to the gradient of the node at ``k`` of ``tape``."""
    entry = pending.get(id(tape))
    if entry is None:
        entry = pending[id(tape)] = _Pending(tape)
    x = entry.grads[k]
    entry.grads[k] = g if x is None else x + g
    entry.top = max(entry.top, k)


def _gather(leaf, g, gathered):
    """Add ``g`` to what a leaf has gathered in this walk (``gathered``: leaf -> sum;
    a Value hashes and compares by identity)."""
    if leaf.requires_grad:
        x = gathered.get(leaf)
        gathered[leaf] = g if x is None else x + g


def _hand_to(ref, g, grads, pending, gathered):
    """Hand ``g`` to an op's input, wherever it is (see Entry)."""
    if ref.__class__ is int:
        x = grads[ref]
        grads[ref] = g if x is None else x + g
    elif ref._tape is None:
        _gather(ref, g, gathered)
    else:
        _seed(pending, ref._tape, ref._index, g)


def _needs_grad(ref):
    """Whether an input needs its gradient: a node, or a Value that requires grad."""
    return ref is not None and (ref.__class__ is int or ref.requires_grad)


def walk(roots, seeds, retain_graph, create_graph, capture, stepping=False):
    """Backward from Value ``roots``: each tape read backwards from its highest seeded op.

    Tapes are walked newest first (an op reads only its own tape and older ones).
    Everything the walk gathers is its own (the gradients of each tape's nodes, and
    ``gathered`` for the leaves), so several threads can walk one graph at once.
    ``.grad`` (or ``capture``) takes the leaves' gradients at the end, and the
    walked tapes are freed then, so an error part-way (or a stepping walk closed
    early) changes no gradient and frees nothing.

    A generator: it yields nothing, unless ``stepping``; then it walks with
    ``steps`` and yields ``(node, g, handed)`` after each op has handed its
    gradient ``g`` on: ``handed`` is ``[(input position, contribution, local
    derivative)]`` (the local derivative is the same VJP applied to 1).
    """
    node_at = type(roots[0])._node_at
    pending, gathered, walked = {}, {}, []
    walk_tape = reference_walk if create_graph else fast_walk
    for root, seed in zip(roots, seeds):
        if create_graph:
            seed = root._constant(seed)
        if root._tape is None:  # a leaf is its own whole graph
            _gather(root, seed, gathered)
        else:
            _seed(pending, root._tape, root._index, seed)
    while pending:
        newest = pending.pop(max(pending, key=lambda i: pending[i].tape.serial))
        tape, grads = newest.tape, newest.grads
        if stepping:
            for k, g, handed in steps(tape, grads, newest.top, pending, gathered):
                yield node_at(tape, k), g, [
                    (i, c, local) for (i, _, c), (_, _, local)
                    in zip(handed, contributions(tape, k, 1.0))]
        else:
            walk_tape(tape, grads, newest.top, pending, gathered,
                      node_at if create_graph else None)
        walked.append((tape, grads))
    for tape, grads in walked:
        if not retain_graph:
            tape.freed.append(grads)
        if capture is None:
            tape.keep_grads(grads)
        else:
            for key in capture:
                if type(key) is tuple and key[0] == id(tape):
                    capture[key] = grads[key[1]]
    for leaf, g in gathered.items():
        if capture is None:
            leaf._grad = leaf._grad + g
        elif id(leaf) in capture:
            capture[id(leaf)] = g
    if not retain_graph and any(tape is getattr(state, "tape", None) for tape, _ in walked):
        start_tape()  # the next graph starts on a tape of its own


def reference_walk(tape, grads, top, pending, gathered, node_at=None):
    """Backward over one tape, one op at a time, through the rules of ops.py.

    ``grads[k]`` is the gradient of the node of op ``k``. Under create_graph the
    rules run on Values (``node_at(tape, k)`` makes the node of op ``k``), so the
    backward pass is recorded; without ``node_at``, on the raw floats. It runs
    ``steps`` to the end.
    """
    for _ in steps(tape, grads, top, pending, gathered, node_at):
        pass


def steps(tape, grads, top, pending, gathered, node_at=None):
    """``reference_walk`` as a generator: ``(k, g, handed)`` after op ``k`` has handed
    its gradient ``g`` on to its inputs (``handed``: see ``contributions``)."""
    for k in range(top, -1, -1):
        g = grads[k]
        if g is None:  # nothing flows back through this node
            continue
        handed = contributions(tape, k, g, node_at)
        for _, ref, c in handed:
            _hand_to(ref, c, grads, pending, gathered)
        yield k, g, handed


def contributions(tape, k, g, node_at=None):
    """What op ``k`` hands on, given ``g`` = d(root)/d(its node): its VJPs' results.

    Returns ``[(input position, where the input is (see Entry), vjp(g, ...))]`` for
    the inputs that need a gradient; with ``g`` = 1.0, d(node)/d(input). Raises
    GraphFreedError for an op that a backward freed.
    """
    op, ref_a, ref_b, a, b, out = tape.entry(k)
    if tape.freed_at(k):
        raise graph_freed(op)
    one_input = len(op.vjps) == 1  # then b holds the op's extra arguments
    if node_at is not None:
        out = node_at(tape, k)
        a = _as_node(ref_a, a, tape, node_at)
        if not one_input:
            b = _as_node(ref_b, b, tape, node_at)
    refs, args = ((ref_a,), (a, *b)) if one_input else ((ref_a, ref_b), (a, b))
    return [(i, ref, vjp(g, out, *args)) for i, (ref, vjp) in enumerate(zip(refs, op.vjps))
            if _needs_grad(ref)]


def _as_node(ref, data, tape, node_at):
    """An input as the rules see it under create_graph: a Value, or the number itself."""
    if ref is None:
        return data
    return node_at(tape, ref) if ref.__class__ is int else ref


def fast_walk(tape, grads, top, pending, gathered, node_at=None):
    """``reference_walk`` for a plain backward (raw floats), written for speed.

    + - * (most of a scalar network) have their rules spelled out; the entries are
    read straight off the list (one iterator from the end, six items per op: the
    Entry backwards); an input's hand-off is spelled out twice (a call per input
    made this walk 28% slower).
    """
    freed = tape.freed
    gathered_get = gathered.get  # leaf -> its sum so far (0.0 + g equals g)
    it = reversed(tape)
    skip = len(tape) - 6 * top - 6  # skip to the top op's entries
    if skip:
        next(itertools.islice(it, skip - 1, None))
    for k, out, b, a, rb, ra, op in zip(range(top, -1, -1), it, it, it, it, it, it):
        g = grads[k]
        if g is None:
            continue
        if freed and tape.freed_at(k):
            raise graph_freed(op)
        if op is MUL:
            ga = g * b if ra is not None else None
            gb = g * a if rb is not None else None
        elif op is ADD:
            ga = gb = g
        elif op is SUB:
            ga, gb = g, -g
        elif len(op.vjps) == 1:  # one input; b holds the op's extra arguments
            ga = op.vjps[0](g, out, a, *b) if _needs_grad(ra) else None
            gb = None
        else:
            ga = op.vjps[0](g, out, a, b) if _needs_grad(ra) else None
            gb = op.vjps[1](g, out, a, b) if _needs_grad(rb) else None
        if ra is not None:
            if ra.__class__ is int:  # a node of this tape: the commonest
                x = grads[ra]
                grads[ra] = ga if x is None else x + ga
            elif ra._tape is None:  # a leaf
                if ra.requires_grad:
                    gathered[ra] = gathered_get(ra, 0.0) + ga
            else:  # a node of an older tape
                _seed(pending, ra._tape, ra._index, ga)
        if rb is not None:
            if rb.__class__ is int:
                x = grads[rb]
                grads[rb] = gb if x is None else x + gb
            elif rb._tape is None:
                if rb.requires_grad:
                    gathered[rb] = gathered_get(rb, 0.0) + gb
            else:
                _seed(pending, rb._tape, rb._index, gb)


def sort(roots, grad_only=True):
    """toposort for Values: leaves and constants first, then nodes by (tape, index)."""
    found, stack = {}, list(roots)
    while stack:
        node = stack.pop()
        if id(node) in found or (grad_only and not node.requires_grad):
            continue
        found[id(node)] = node
        stack.extend(node._parents)
    return sorted(found.values(), key=lambda n: (-1, 0) if n._tape is None
                  else (n._tape.serial, n._index))
