"""The backward driver of Value and Tensor: grad mode, the node protocol, backward.

Seeding, accumulation, freeing the graph, retain_graph, create_graph and ``grad()``
live here. A graph is kept in one of two shapes (see ``Node``): linked nodes (a
Tensor holds its op and its inputs; backward sorts them, then walks them) or a
tape (a Value is a place on its thread's list of scalar ops, which read backwards
is already in order). Each op's forward and derivatives are in ops.py, once for both.
"""

import itertools
import threading
from contextlib import ContextDecorator

import numpy as np

__all__ = ["Node", "no_grad", "enable_grad", "is_grad_enabled", "grad", "GraphFreedError"]


# --- grad mode ------------------------------------------------------------------------

class _GradMode(threading.local):
    enabled = True


_mode = _GradMode()

# The thread's tape (``tape``) and the tape Value ops record onto (``into``: the tape
# while grad mode is on, None under no_grad). A plain threading.local: reading it is
# on every scalar op, and it is the fastest per-thread store (``_taping.into`` raises
# AttributeError in a thread that has not recorded yet: see ``_recording``).
_taping = threading.local()


def is_grad_enabled():
    """True when new ops are recorded for backward (per thread)."""
    return _mode.enabled


def _set_enabled(enabled):
    _mode.enabled = enabled
    try:
        _taping.into = _taping.tape if enabled else None
    except AttributeError:
        _start_tape()


def _start_tape():
    """A fresh tape for this thread; returns what Value ops should record onto."""
    _taping.tape = Tape()
    _taping.into = _taping.tape if _mode.enabled else None
    return _taping.into


def _recording():
    """The tape Value ops of this thread record onto, or None under no_grad."""
    try:
        return _taping.into
    except AttributeError:
        return _start_tape()


class _SetGradMode(ContextDecorator):
    def __init__(self, enabled):
        self._enabled = enabled
        self._saved = []

    def _recreate_cm(self):
        # As a decorator: a fresh instance per call, so that calls in several threads
        # (each with its own grad mode) never share the stack of saved modes.
        return _SetGradMode(self._enabled)

    def __enter__(self):
        self._saved.append(_mode.enabled)
        _set_enabled(self._enabled)
        return self

    def __exit__(self, *exc):
        _set_enabled(self._saved.pop())
        return False


def no_grad():
    """Context manager (and decorator) under which ops record nothing for backward."""
    return _SetGradMode(False)


def enable_grad():
    """Context manager (and decorator) that turns recording back on inside no_grad."""
    return _SetGradMode(True)


class GraphFreedError(RuntimeError, ValueError):
    """Backward through a graph whose saved state was freed by an earlier backward.

    A RuntimeError as in PyTorch, and a ValueError: it is a misuse of the API.
    """


# --- the node protocol ------------------------------------------------------------------

class Node:
    """What the driver needs of a graph node; Value and Tensor subclass it.

    The two kinds keep their graphs in two shapes, for speed at their two scales:

    - a Tensor (``Linked``) holds its op and its inputs itself: one object per op on
      whole arrays, freed by reference counting as soon as the result is dropped;
    - a Value holds a place on a ``Tape``, the list of every scalar op of its thread
      in the order they ran: its inputs are found there (see ``Tape``). Scalar
      networks make tens of thousands of nodes per step, and a tape makes them
      without an object per node for the garbage collector to walk, and already in
      topological order (no sort before backward).

    Each kind provides ``_op`` (the op that made the node, None for a leaf),
    ``_parents`` (the input nodes, for drawings) and:
      _seed(grad, what) -> the seed gradient in raw form, checked against self
      _wrap(raw)        -> a constant node holding raw data (for create_graph)
      _own(g)           -> g made fit to be stored as a fresh .grad (arrays are copied)
      _key              -> what identifies the node to ``grad()`` (its gradient's key)
    """

    __slots__ = ()
    _taped = False

    @property
    def op(self):
        """Name of the op that made this node ('' for a leaf)."""
        op = self._op
        return "" if op is None else op.name

    @property
    def is_leaf(self):
        """True for nodes made by the user, not recorded from an op."""
        return self._op is None

    def backward(self, grad=None, retain_graph=None, create_graph=False):
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad.

        Args:
            grad: d(result)/d(self), the seed; default 1 for a single-element node.
            retain_graph: keep the graph for another backward (default: create_graph).
            create_graph: record the backward pass so gradients can be differentiated.
        """
        if not self.requires_grad:
            raise ValueError(
                f"backward() on a {type(self).__name__} that does not require grad: "
                "nothing it was computed from requires grad (set requires_grad=True on "
                "the leaves, and do not compute it under no_grad())")
        seed = self._seed(grad, "grad")
        if retain_graph is None:
            retain_graph = create_graph
        _run([self], [seed], retain_graph, create_graph)


def _checked_label(label):
    if not isinstance(label, str):
        raise TypeError(f"label must be a str, got {type(label).__name__} {label!r}")
    return label


class Linked(Node):
    """A node that keeps its op and its inputs (Tensor).

    ``_parents`` are kept in the slots ``_p0``, ``_p1``, ``_p2``, and the op's
    extra non-differentiable arguments (an axis, a shape, an index...) in ``_ctx``.
    ``_retain``: whether backward stores the node's gradient in ``.grad`` (leaves,
    and nodes that called ``retain_grad()``). Once backward has freed the graph,
    ``_op`` is the spent form of the op (``op.live`` is False): a second backward
    through it raises GraphFreedError.
    """

    __slots__ = ("data", "grad", "requires_grad", "label", "_op", "_p0", "_p1", "_p2", "_ctx",
                 "_acc", "_mark", "__weakref__")

    def _init_leaf(self, data, grad, requires_grad, label):
        self.data = data
        self.grad = grad
        self.requires_grad = bool(requires_grad)
        self.label = _checked_label(label)
        self._op = None
        self._p0 = self._p1 = self._p2 = None
        self._ctx = ()
        self._acc = None
        self._mark = None

    @property
    def _parents(self):
        """The nodes this one was made from, in order (none for a leaf).

        An op has at most three inputs, kept in slots rather than in a tuple: a node
        is then one object for the garbage collector to walk, not two.
        """
        p0, p1, p2 = self._p0, self._p1, self._p2
        if p2 is not None:
            return (p0, p1, p2)
        if p1 is not None:
            return (p0, p1)
        return () if p0 is None else (p0,)

    def _link(self, op, parents):
        """Record that ``op`` made this node from ``parents`` (at most three)."""
        self._op = op
        self._p0, self._p1, self._p2 = (*parents, None, None, None)[:3]

    @property
    def _key(self):
        return id(self)


# --- the tape (Value) --------------------------------------------------------------------

_serials = itertools.count()
TAPE_OPS = 1 << 18  # the ops on a tape before a thread starts the next (see Tape)


class Tape(list):
    """Every scalar (Value) op of one thread, in the order they ran: six entries per op.

    The ``k``-th op recorded is ``tape[6 * k:6 * k + 6]``:

        op    the ops.Op
        ra    input a: an int (the index of the op that made it, on this tape),
              a Value (a leaf, or a node of an older tape) or None (a Python number)
        rb    input b, the same; None for an op of one input
        a     a's data
        b     b's data; for an op of one input, its extra arguments (a tuple)
        out   the result

    A Value made by an op is a handle: its data, its tape and ``k``. Inputs are
    recorded before their results, so the tape read backwards is a topological
    order. A thread starts a new tape after each backward that frees the graph, and
    after ``TAPE_OPS`` ops at the next op that reads no node of the tape (the start of
    an expression); the ops of a newer tape may read nodes of older ones (as Values,
    like leaves). A tape lives as long as a Value points into it, or into a newer
    tape that reads it: a loop that only ever runs forward, keeping its last result,
    should run under ``no_grad()`` (as in PyTorch) so as to record nothing at all.

    Kept with the tape: ``serial`` (tapes are numbered in the order they were
    started), ``grads`` (the gradients of its nodes by index, once a backward has
    run), ``freed`` (the gradient lists of the backwards that freed the graph: a node
    with a gradient in one of them was freed), ``labels`` (index -> label) and
    ``views`` (handles made for drawings, so that each node is one object there).
    """

    __slots__ = ("serial", "grads", "freed", "labels", "views", "__weakref__")

    def __init__(self):
        super().__init__()
        self.serial = next(_serials)
        self.grads = self.labels = self.views = None
        self.freed = []

    def freed_at(self, k):
        """Whether a backward that freed the graph went through the node at ``k``."""
        return any(k < len(grads) and grads[k] is not None for grads in self.freed)

    def __repr__(self):
        return f"Tape(serial={self.serial}, ops={self.ops()})"

    def grad_at(self, k):
        grads = self.grads
        g = grads[k] if grads is not None and k < len(grads) else None
        return 0.0 if g is None else g

    def set_grad(self, k, g):
        grads = self.own_grads()
        if len(grads) <= k:
            grads += [None] * (self.ops() - len(grads))
        grads[k] = g

    def own_grads(self):
        """``grads``, to change: a list of its own, not one of ``freed`` (copy on write)."""
        grads = self.grads
        if grads is None:
            grads = self.grads = [None] * self.ops()
        elif any(grads is walk for walk in self.freed):
            grads = self.grads = list(grads)
        return grads

    def ops(self):
        """The number of ops recorded."""
        return len(self) // 6


def _freed(op):
    return GraphFreedError(
        f"backward through the graph a second time (at a '{op.name}' node): its "
        "saved state was freed by the first backward. Pass retain_graph=True to the "
        "first backward() to keep it.")


def _seed_tape(work, tape, k, g):
    """Add ``g`` to the gradient of the node at ``k`` of ``tape`` (another tape's node)."""
    entry = work.get(id(tape))
    if entry is None:
        entry = work[id(tape)] = [tape, [None] * tape.ops(), k]
    grads = entry[1]
    x = grads[k]
    grads[k] = g if x is None else x + g
    if k > entry[2]:
        entry[2] = k


def _run_tapes(roots, seeds, retain_graph, create_graph, capture):
    if create_graph:
        with enable_grad():  # record the backward pass itself
            _walk_tapes(roots, seeds, retain_graph, True, capture)
    else:  # raw floats record nothing, whatever the grad mode
        _walk_tapes(roots, seeds, retain_graph, False, capture)


def _walk_tapes(roots, seeds, retain_graph, create_graph, capture):
    """Backward from Value ``roots``: each tape read backwards from its last seeded op.

    Tapes are walked newest first (an op reads only its own tape and older ones). A
    leaf gathers its gradient in ``_acc`` during the walk; ``.grad`` (or ``capture``)
    takes it at the end, so an error part-way leaves no half-accumulated gradient.
    """
    view = type(roots[0])._view
    work, touched, walked = {}, [], []
    try:
        for root, seed in zip(roots, seeds):
            if create_graph:
                seed = root._wrap(seed)
            if root._t is None:  # a leaf is its own whole graph
                _to_leaf(root, seed, touched)
            else:
                _seed_tape(work, root._t, root._k, seed)
        while work:
            tape, grads, top = work.pop(max(work, key=lambda i: work[i][0].serial))
            if create_graph:
                _walk_graph(tape, grads, top, work, touched, view)
            else:
                _walk(tape, grads, top, work, touched)
            walked.append((tape, grads))
            if not retain_graph:
                tape.freed.append(grads)
    except BaseException:
        for leaf in touched:
            leaf._acc = None
        raise
    for tape, grads in walked:
        if capture is None:
            _keep_grads(tape, grads)
        else:
            for key in capture:
                if type(key) is tuple and key[0] == id(tape):
                    capture[key] = grads[key[1]]
    for leaf in touched:
        g, leaf._acc = leaf._acc, None
        if capture is None:
            leaf._g = leaf._g + g
        elif id(leaf) in capture:
            capture[id(leaf)] = g
    if not retain_graph and any(tape is getattr(_taping, "tape", None) for tape, _ in walked):
        _start_tape()  # the next graph starts on a tape of its own


def _keep_grads(tape, grads):
    """Store a walk's node gradients with the tape (added to those of earlier walks)."""
    if tape.grads is None:
        tape.grads = grads  # the first walk's list itself, however often also in freed
        return
    kept = tape.own_grads()
    if len(kept) < len(grads):
        kept += [None] * (len(grads) - len(kept))
    for k, g in enumerate(grads):
        if g is not None:
            x = kept[k]
            kept[k] = g if x is None else x + g


def _to_leaf(leaf, g, touched):
    if leaf.requires_grad:
        x = leaf._acc
        if x is None:
            leaf._acc = g
            touched.append(leaf)
        else:
            leaf._acc = x + g


def _walk(tape, grads, top, work, touched):
    """The hot loop of a plain backward over one tape, on raw floats.

    ``grads[k]`` is the gradient of the node of the ``k``-th op. + - * (most of a
    scalar network) have their rules spelled out here, a call cheaper than their
    VJPs in ops.py (tests check the two agree); every other op calls its VJPs.
    """
    from .ops import ADD, MUL, SUB  # ops imports this module
    freed = tape.freed
    it = reversed(tape)  # from the last entry: skip to the top op's
    skip = len(tape) - 6 * top - 6
    if skip:
        next(itertools.islice(it, skip - 1, None))
    for k, out, b, a, rb, ra, op in zip(range(top, -1, -1), it, it, it, it, it, it):
        g = grads[k]
        if g is None:  # nothing flows back through this node
            continue
        if freed and tape.freed_at(k):
            raise _freed(op)
        if op is MUL:
            ga = g * b if ra is not None else None
            gb = g * a if rb is not None else None
        elif op is ADD:
            ga = gb = g
        elif op is SUB:
            ga, gb = g, -g
        elif len(op.vjps) == 1:  # one input; b holds the op's extra arguments
            ga = op.vjps[0](g, out, a, *b) if _needs(ra) else None
            gb = None
        else:
            ga = op.vjps[0](g, out, a, b) if _needs(ra) else None
            gb = op.vjps[1](g, out, a, b) if _needs(rb) else None
        # Hand ga to input a and gb to input b: a node of this tape (the commonest),
        # a leaf, or a node of an older tape. Spelled out twice: a call per input made
        # this walk 28% slower.
        if ra is not None:
            if ra.__class__ is int:
                x = grads[ra]
                grads[ra] = ga if x is None else x + ga
            elif ra._t is None:
                if ra.requires_grad:
                    x = ra._acc
                    if x is None:
                        ra._acc = ga
                        touched.append(ra)
                    else:
                        ra._acc = x + ga
            else:
                _seed_tape(work, ra._t, ra._k, ga)
        if rb is not None:
            if rb.__class__ is int:
                x = grads[rb]
                grads[rb] = gb if x is None else x + gb
            elif rb._t is None:
                if rb.requires_grad:
                    x = rb._acc
                    if x is None:
                        rb._acc = gb
                        touched.append(rb)
                    else:
                        rb._acc = x + gb
            else:
                _seed_tape(work, rb._t, rb._k, gb)


def _needs(ref):
    """Whether an input needs its gradient: a node, or a Value that requires grad."""
    return ref is not None and (ref.__class__ is int or ref.requires_grad)


def _walk_graph(tape, grads, top, work, touched, view):
    """Backward over one tape with create_graph: the VJPs run on Values, recorded."""
    for k in range(top, -1, -1):
        g = grads[k]
        if g is None:
            continue
        op, ra, rb, a, b, out = tape[6 * k:6 * k + 6]
        if tape.freed_at(k):
            raise _freed(op)
        x = _handle(ra, a, tape, view)
        if len(op.vjps) == 1:  # one input; b holds the op's extra arguments
            refs, args = (ra,), (x, *b)
        else:
            refs, args = (ra, rb), (x, _handle(rb, b, tape, view))
        out = view(tape, k)
        for ref, vjp in zip(refs, op.vjps):
            if not _needs(ref):
                continue
            pg = vjp(g, out, *args)
            if ref.__class__ is int:
                x = grads[ref]
                grads[ref] = pg if x is None else x + pg
            elif ref._t is None:
                _to_leaf(ref, pg, touched)
            else:
                _seed_tape(work, ref._t, ref._k, pg)


def _handle(ref, data, tape, view):
    """The input as the VJPs of create_graph see it: a Value, or the number itself."""
    if ref is None:
        return data
    return view(tape, ref) if ref.__class__ is int else ref


def _tape_order(roots, grad_only):
    """toposort for Values: leaves and constants first, then nodes by (tape, index)."""
    found, stack = {}, list(roots)
    while stack:
        node = stack.pop()
        if id(node) in found or (grad_only and not node.requires_grad):
            continue
        found[id(node)] = node
        stack.extend(node._parents)
    return sorted(found.values(),
                  key=lambda n: (-1, 0) if n._t is None else (n._t.serial, n._k))


def toposort(roots, grad_only=True):
    """The nodes that lead to ``roots``, each after all of its parents.

    Iterative depth-first search: no recursion limit, linear time. With
    ``grad_only`` (what backward walks) only nodes that require grad are listed;
    without it, constants and inputs too (what a drawing shows).

    Nodes are marked in their ``_mark`` slot with tokens new to this call, which is
    cheaper than a set of ids and needs no clean-up. A node is pushed, expanded
    (marked ``entered``, pushed again below its parents) and, when it comes back
    up, listed (marked ``done``); stale duplicate pushes find it ``done``.
    """
    if roots and roots[0]._taped:
        return _tape_order(roots, grad_only)
    entered, done = object(), object()
    order = []
    stack = [r for r in roots if r.requires_grad or not grad_only]
    while stack:
        node = stack.pop()
        mark = node._mark
        if mark is done:
            continue
        if mark is entered:  # its parents are all listed: a DAG never re-enters a node
            node._mark = done
            order.append(node)
            continue
        node._mark = entered
        stack.append(node)
        for p in (node._p0, node._p1, node._p2):
            if p is None:
                break
            mark = p._mark
            if mark is not entered and mark is not done and (p.requires_grad or not grad_only):
                stack.append(p)
    return order


def _run(roots, seeds, retain_graph, create_graph, capture=None):
    """Propagate ``seeds`` from ``roots`` back through the graph.

    With ``capture`` (a dict node._key -> None), the gradients of those nodes are
    stored there and no ``.grad`` is touched; otherwise leaves accumulate.
    """
    taped = [(r, s) for r, s in zip(roots, seeds) if r._taped]
    if taped:
        _run_tapes(*zip(*taped), retain_graph, create_graph, capture)
    if len(taped) == len(roots):
        return
    roots, seeds = zip(*[(r, s) for r, s in zip(roots, seeds) if not r._taped])
    order = toposort(roots)
    for root, seed in zip(roots, seeds):
        if create_graph:
            seed = root._wrap(seed)
        root._acc = seed if root._acc is None else root._acc + seed
    try:
        if create_graph:
            with enable_grad():  # record the backward pass itself
                _backprop(order, retain_graph, True, capture)
        else:  # raw floats and arrays record nothing, whatever the grad mode
            _backprop(order, retain_graph, False, capture)
    except BaseException:
        # An error part-way must not leave half-accumulated gradients behind.
        for node in order:
            node._acc = None
        raise


def _backprop(order, retain_graph, create_graph, capture):
    """The loop over linked nodes: each, after all its consumers, hands its gradient on.

    A leaf keeps as its ``.grad`` the very array a rule made for it alone (``own``: a
    new array, neither a view nor the gradient the rule was handed); any other
    gradient is copied first (``_own``), so no two ``.grad`` share memory.
    """
    own = set()
    for node in reversed(order):
        g = node._acc
        if g is None:  # nothing flows back through this node
            continue
        node._acc = None
        if capture is not None:
            if id(node) in capture:
                capture[id(node)] = g
        elif node._op is None or node._retain:
            if node.grad is not None:
                node.grad = node.grad + g
            else:
                node.grad = g if id(node) in own else node._own(g)
        op = node._op
        if op is None:
            continue
        if not op.live:
            raise _freed(op)
        # The rules see raw arrays in a plain backward, and the nodes themselves (so
        # that the backward pass is recorded) under create_graph.
        parents, ctx = node._parents, node._ctx
        if create_graph:
            out, args = node, parents + ctx
        elif len(parents) == 1:
            out, args = node.data, (parents[0].data,) + ctx
        elif len(parents) == 2:
            out, args = node.data, (parents[0].data, parents[1].data) + ctx
        else:
            out, args = node.data, tuple([p.data for p in parents]) + ctx
        vjps = op.vjps
        for i, p in enumerate(parents):
            if p.requires_grad:
                pg = vjps[i](g, out, *args)
                like = p.data
                if pg.shape != like.shape or (pg.dtype is not like.dtype
                                              and pg.dtype != like.dtype):
                    pg = _fit(pg, like)
                if p._acc is None:
                    p._acc = pg
                    if not create_graph and pg is not g and pg.base is None:
                        own.add(id(p))
                else:
                    p._acc = p._acc + pg
                    own.add(id(p))
        if not retain_graph:
            node._op = op.spent


def _fit(grad, like):
    """grad summed back to the shape of ``like`` (after broadcasting) and cast to its dtype."""
    if grad.shape != like.shape:
        grad = unbroadcast(grad, like.shape)
    if grad.dtype != like.dtype:
        grad = grad.astype(like.dtype)
    return grad


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: first the extra leading axes, then the axes of size 1.

    Works on numpy arrays and on Tensors (for create_graph).
    """
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    ones = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if ones:
        grad = grad.sum(axis=ones, keepdims=True)
    return grad


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of ``outputs`` with respect to ``inputs``, without touching any ``.grad``.

    Args:
        outputs: a node or a sequence of nodes.
        inputs: a node or a sequence of nodes.
        grad_outputs: the seeds, one per output (default 1 for single-element outputs).
        retain_graph: keep the graph for another backward (default: create_graph).
        create_graph: return gradients as nodes recorded for differentiating again.
        allow_unused: give None for an input the outputs do not depend on, instead of
            raising ValueError.

    Returns:
        A list with one gradient per input: numpy arrays / floats, or nodes when
        create_graph is True.
    """
    outputs = _as_node_list(outputs, "outputs")
    inputs = _as_node_list(inputs, "inputs")
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, (Node, np.ndarray, float, int)):
        grad_outputs = [grad_outputs]
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad_outputs has {len(grad_outputs)} entries for "
                         f"{len(outputs)} outputs; give one per output")
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise ValueError(f"outputs[{i}] does not require grad: it does not depend on "
                             "any input that requires grad")
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise ValueError(f"inputs[{i}] does not require grad; set requires_grad=True")
    seeds = [out._seed(g, f"grad_outputs[{i}]")
             for i, (out, g) in enumerate(zip(outputs, grad_outputs))]
    if retain_graph is None:
        retain_graph = create_graph
    capture = {x._key: None for x in inputs}
    _run(outputs, seeds, retain_graph, create_graph, capture)
    result = []
    for i, x in enumerate(inputs):
        g = capture[x._key]
        if g is None and not allow_unused:
            raise ValueError(f"inputs[{i}] was not used to compute the outputs; pass "
                             "allow_unused=True to get None for it")
        result.append(None if g is None else x._own(g))
    return result


def _as_node_list(x, what):
    if isinstance(x, Node):
        return [x]
    if isinstance(x, (list, tuple)):
        for i, n in enumerate(x):
            if not isinstance(n, Node):
                raise TypeError(f"{what}[{i}] must be a Value or Tensor, "
                                f"got {type(n).__name__}")
        if not x:
            raise ValueError(f"{what} is empty")
        return list(x)
    raise TypeError(f"{what} must be a Value, a Tensor or a sequence of them, "
                    f"got {type(x).__name__}")
