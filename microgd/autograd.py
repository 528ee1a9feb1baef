"""The backward driver shared by Value and Tensor.

A graph node (``Node``) holds its ``data``, the op that made it (``_op``, an
``ops.Op``), the nodes it was made from (``_parents``, kept in the slots
``_p0``, ``_p1``, ``_p2``) and the op's extra non-differentiable arguments
(``_ctx``: an axis, a shape, an index...).
Everything about ordering, accumulation, freeing and create_graph lives here,
once, for both kinds of node.
"""

import threading
from contextlib import ContextDecorator

import numpy as np

__all__ = ["Node", "no_grad", "enable_grad", "is_grad_enabled", "grad", "GraphFreedError"]


# --- grad mode ------------------------------------------------------------------------

class _GradMode(threading.local):
    enabled = True


_mode = _GradMode()


def is_grad_enabled():
    """True when new ops are recorded for backward (per thread)."""
    return _mode.enabled


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
        _mode.enabled = self._enabled
        return self

    def __exit__(self, *exc):
        _mode.enabled = self._saved.pop()
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

    ``_retain``: whether backward stores the node's gradient in ``.grad``. Values
    keep every gradient (as in micrograd: each node can be printed and drawn);
    Tensors keep it for leaves and for nodes that called ``retain_grad()``.
    Once backward has freed the graph, ``_op`` is the spent form of the op (``op.live``
    is False): a second backward through it raises GraphFreedError.
    """

    __slots__ = ("data", "grad", "requires_grad", "label", "_op", "_p0", "_p1", "_p2", "_ctx",
                 "_acc", "_mark", "__weakref__")

    def _init_leaf(self, data, grad, requires_grad, label):
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__} {label!r}")
        self.data = data
        self.grad = grad
        self.requires_grad = bool(requires_grad)
        self.label = label
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
    def op(self):
        """Name of the op that made this node ('' for a leaf)."""
        return "" if self._op is None else self._op.name

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

    # Each kind of node provides:
    #   _seed(grad, what) -> the seed gradient in raw form, checked against self
    #   _wrap(raw)        -> a constant node holding raw data (for create_graph)
    #   _own(g)           -> g made fit to be stored as a fresh .grad (arrays are copied)
    #   _shaped           -> whether gradients are arrays to fit to each input's shape and dtype


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

    With ``capture`` (a dict id(node) -> None), the gradients of those nodes are
    stored there and no ``.grad`` is touched; otherwise leaves accumulate.
    """
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
    """The hot loop: each node, after all its consumers, hands its gradient to its parents."""
    for node in reversed(order):
        g = node._acc
        if g is None:  # nothing flows back through this node
            continue
        node._acc = None
        if capture is not None:
            if id(node) in capture:
                capture[id(node)] = g
        elif node._op is None or node._retain:
            node.grad = node._own(g) if node.grad is None else node.grad + g
        op = node._op
        if op is None:
            continue
        if not op.live:
            raise GraphFreedError(
                f"backward through the graph a second time (at a '{op.name}' node): its "
                "saved state was freed by the first backward. Pass retain_graph=True to the "
                "first backward() to keep it.")
        ctx, b = node._ctx, node._p1
        if b is not None and node._p2 is None and not (create_graph or ctx or node._shaped):
            # A scalar op of two inputs: the commonest node of the Value engine, spelled
            # out without the general path's argument tuples (a third faster).
            a = node._p0
            ad, bd, out = a.data, b.data, node.data
            da, db = op.vjps
            if a.requires_grad:
                pg = da(g, out, ad, bd)
                a._acc = pg if a._acc is None else a._acc + pg
            if b.requires_grad:
                pg = db(g, out, ad, bd)
                b._acc = pg if b._acc is None else b._acc + pg
        else:
            # The rules see raw floats/arrays in a plain backward, and the nodes
            # themselves (so that the backward pass is recorded) under create_graph.
            parents = node._parents
            if create_graph:
                out, args = node, parents + ctx
            elif len(parents) == 1:
                out, args = node.data, (parents[0].data,) + ctx
            elif len(parents) == 2:
                out, args = node.data, (parents[0].data, parents[1].data) + ctx
            else:
                out, args = node.data, tuple([p.data for p in parents]) + ctx
            vjps = op.vjps
            for i in range(len(parents)):
                p = parents[i]
                if p.requires_grad:
                    pg = vjps[i](g, out, *args)
                    if node._shaped:
                        like = p.data
                        if pg.shape != like.shape or pg.dtype != like.dtype:
                            pg = _fit(pg, like)
                    p._acc = pg if p._acc is None else p._acc + pg
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
    capture = {id(x): None for x in inputs}
    _run(outputs, seeds, retain_graph, create_graph, capture)
    result = []
    for i, x in enumerate(inputs):
        g = capture[id(x)]
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
