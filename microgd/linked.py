"""Tensor graphs: linked nodes, their backward walk and their topological sort.

A Tensor made by an op holds the op and its inputs, so a graph is the nodes
themselves, one object per op on whole arrays, and it is freed by reference
counting as soon as its last Tensor is dropped. Backward counts how many times
each node of the graph is an input (``count_uses``), then walks it from the root
down (``walk``): each node, once all its consumers have handed it their
gradients, runs its op's vector-Jacobian products and hands the results on to
its inputs. Drawings list the nodes in topological order (``sort``).

Freeing: a walk without retain_graph replaces each node's op by the op's spent
twin (``op.live`` is False). The node still names its op for drawings, and a
second walk through it raises GraphFreedError. Example: ``y = (x * x).sum();
y.backward()`` leaves y's op and x * x's op spent; ``y.backward()`` again raises.
The arrays the graph saved (its intermediate Tensors' data) are released two
freeing backwards later, if the root is still alive then (``losses.append(loss)``):
each intermediate Tensor that only the graph holds keeps its op, shape and label,
and its data becomes a placeholder (``Released``), so a drawing of the old graph
shows structure only. The last two graphs keep their data: the last to be drawn
after its backward, the one before so that a loop keeping the previous step's
loss (``loss = train_step()``) pays for no release. A graph nobody keeps dies by
reference counting, as always.
"""

import sys
import threading
import weakref

import numpy as np

from .autograd import Node, graph_freed, unbroadcast


class Linked(Node):
    """A node that keeps its op and its inputs (Tensor).

    ``_parents`` holds the op's inputs in order (a tuple, empty for a leaf), and
    ``_ctx`` the op's non-differentiable arguments (an axis, a shape, an index...).
    ``_retain``: whether backward stores the node's gradient in ``.grad`` (leaves, and
    nodes that called ``retain_grad()``).
    A walk keeps nothing on the nodes (see ``walk``). In-place changes are counted (see
    ``changed_in_place``): ``_changed_at`` holds when the node's memory last changed in
    place (None: never; shared with its views), ``_recorded_at`` when its op ran.
    """

    __slots__ = ("data", "_grad", "requires_grad", "label", "_op", "_parents", "_ctx",
                 "_retain", "_changed_at", "_recorded_at", "__weakref__")

    def _init(self, data, requires_grad=False, label="", ctx=(), recorded_at=0):
        """Fill every slot, as for a node no op made (``_link`` records an op later):
        ``requires_grad`` a bool, ``label`` checked, ``data`` an array (a numpy scalar is
        made one)."""
        self.data = data if type(data) is np.ndarray else np.asanyarray(data)
        self._grad = None
        self.requires_grad = requires_grad
        self.label = label
        self._op = None
        self._parents = ()
        self._ctx = ctx
        self._retain = False
        self._changed_at = None
        self._recorded_at = recorded_at

    def _link(self, op, inputs):
        """Record that ``op`` made this node from ``inputs``."""
        self._op = op
        self._parents = tuple(inputs)

    @property
    def _key(self):
        return id(self)

    @staticmethod
    def _sort(roots, grad_only):
        return sort(roots, grad_only)

    @staticmethod
    def _walk(roots, seeds, retain_graph, create_graph, capture, stepping=False):
        return walk(roots, seeds, retain_graph, create_graph, capture, stepping)


clock = [0]  # ticks at every in-place change of a Tensor's data


def changed_in_place(nodes):
    """Note that the data of ``nodes`` (and so their views') changed in place, now.

    Backward compares this with when each op ran: an op whose saved input or result
    changed after it ran would compute its gradient from the new data, so it refuses.
    """
    clock[0] += 1
    now = clock[0]
    for node in nodes:
        if node._changed_at is None:
            node._changed_at = [now]
        else:
            node._changed_at[0] = now


def _check_unchanged(node, inputs):
    for x in (node, *inputs):
        changed = x._changed_at
        if changed is not None and changed[0] > node._recorded_at:
            what = "its result" if x is node else f"input of shape {x.shape}"
            raise RuntimeError(
                f"backward through '{node._op.name}': {what}, saved for the backward, was "
                f"modified by an in-place operation after the forward (an optimizer step, "
                f"add_, -=, ...). Run backward() before changing it, or compute again")


def sort(roots, grad_only=True):
    """The nodes that lead to ``roots``, each after all of its inputs.

    Iterative depth-first search: no recursion limit, linear time. A node is pushed,
    expanded (marked ``_ENTERED``, pushed again below its inputs) and, when it comes
    back up, listed (marked ``_DONE``); stale duplicate pushes find it done. The
    marks are this call's own (a dict keyed by the nodes, which hash by identity), so
    threads can sort one graph at once.
    """
    order, marks = [], {}
    stack = [r for r in roots if r.requires_grad or not grad_only]
    while stack:
        node = stack.pop()
        mark = marks.get(node)
        if mark is _DONE:
            continue
        if mark is _ENTERED:  # its inputs are all listed: a DAG never re-enters a node
            marks[node] = _DONE
            order.append(node)
            continue
        marks[node] = _ENTERED
        stack.append(node)
        for p in node._parents:
            if p not in marks and (p.requires_grad or not grad_only):
                stack.append(p)
    return order


_ENTERED, _DONE = "entered", "done"


def count_uses(roots):
    """node -> how many times the nodes that lead to ``roots`` take it as an input
    (0 for a root nothing else uses): the parts its gradient arrives in.

    Only nodes that require grad are counted (what backward walks). Iterative: no
    recursion limit, each node expanded once. The counts are this call's own (a dict
    keyed by the nodes, which hash by identity), so threads can walk one graph at once.
    """
    uses = {}
    stack = []
    for root in roots:
        if root.requires_grad and root not in uses:
            uses[root] = 0
            stack.append(root)
    while stack:
        for p in stack.pop()._parents:
            if p.requires_grad:
                n = uses.get(p)
                if n is None:  # first seen: expand it
                    uses[p] = 1
                    stack.append(p)
                else:
                    uses[p] = n + 1
    return uses


def walk(roots, seeds, retain_graph, create_graph, capture, stepping=False):
    """Backward from ``roots``: count the uses, seed the roots, walk (see ``_hand_on``).

    With ``capture`` (a dict id(node) -> None) the gradients of those nodes go
    there and no ``.grad`` is touched. The counts and the gradients gathered on the
    way are the walk's own, so several threads can walk one graph at once. An
    error part-way leaves no half-gathered gradient behind; the leaves already
    reached keep theirs, and the nodes already walked are freed (without
    retain_graph). A stepping walk closed early stops in the same state.

    A generator: it yields nothing unless ``stepping`` (see ``_hand_on``).
    """
    waiting = count_uses(roots)  # node -> the gradients still to come to it
    gathered = {}  # node -> the sum of the gradients come so far: this walk's own
    for root, seed in zip(roots, seeds):
        if create_graph:
            seed = root._constant(seed)
        x = gathered.get(root)
        gathered[root] = seed if x is None else x + seed
    ready = []  # a root nothing else uses, with its seed (the caller's: not the walk's own)
    for root in roots:
        if waiting.get(root) == 0 and root in gathered:
            ready.append((root, gathered.pop(root), False))
    yield from _hand_on(ready, waiting, gathered, retain_graph, create_graph, capture,
                        stepping)
    if not retain_graph:
        _release_kept_graphs(roots)


class Released(np.ndarray):
    """The data of a Tensor whose graph was freed and released: its shape and dtype,
    no values (a read-only view of one zero). Drawings show such nodes as structure."""


_last_freed = threading.local()  # per thread: weak references to the roots of the last two


def _release_kept_graphs(roots):
    """Release what the graph freed two backwards before this one saved, if its root is
    still alive; remember ``roots``."""
    older, newer = getattr(_last_freed, "roots", ((), ()))
    _last_freed.roots = newer, list(map(weakref.ref, roots))
    for ref in older:
        root = ref()
        if root is not None:
            _release(root)


def _release(root):
    """Release the data of each intermediate that only ``root``'s freed graph holds."""
    uses = count_uses([root])  # every node an op made below root requires grad
    for node in uses:
        # Held by its consumers, as a key of ``uses``, by the loop and getrefcount: else
        # by someone else too, whose Tensor must keep its data.
        if (node is not root and node._op is not None and not node._op.live
                and not node._retain and sys.getrefcount(node) == uses[node] + 3):
            node.data = _placeholder(node.data.shape, node.data.dtype)


_placeholders = {}  # (shape, dtype) -> its Released array: one per kind, shared read-only


def _placeholder(shape, dtype):
    key = (shape, dtype)
    data = _placeholders.get(key)
    if data is None:
        data = np.broadcast_to(np.zeros((), dtype), shape).view(Released)
        if len(_placeholders) < 1000:
            _placeholders[key] = data
    return data


def _hand_on(ready, waiting, gathered, retain_graph, create_graph, capture, stepping=False):
    """The loop: each node, after all its consumers, hands its gradient to its inputs.

    ``ready`` holds ``(node, gradient, own)`` for the nodes whose gradient is
    complete (at first, the roots'); ``waiting`` counts, for each other node, the
    gradients still to come, and ``gathered`` sums those come so far. The last one
    makes the node ready. A node with one consumer never waits in ``gathered``.

    A leaf keeps in its ``.grad`` the very array a rule made for it alone (``own``: a
    new array, neither a view nor the gradient the rule was handed, or a sum); any
    other gradient is copied first (``_add_to_grad``), so no two ``.grad`` share memory.

    A generator that yields only when ``stepping``: after each node made by an op
    has handed its gradient ``g`` on, ``(node, g, handed)``, where ``handed`` is
    ``[(input position, contribution, local)]`` and ``local`` is the same VJP
    applied to a gradient of ones (d sum(node) / d input; for an elementwise op,
    the derivative of each element).
    """
    while ready:
        node, g, own = ready.pop()
        op = node._op
        if capture is not None:
            if id(node) in capture:
                capture[id(node)] = g
        elif op is None or node._retain:
            node._add_to_grad(g, own)
        if op is None:
            continue
        if not op.live:
            raise graph_freed(op)
        inputs, ctx = node._parents, node._ctx
        if op.saves and clock[0] > node._recorded_at:  # something changed in place since
            _check_unchanged(node, inputs)
        # The rules see raw arrays in a plain backward, and the nodes themselves (so
        # that the backward pass is recorded) under create_graph.
        if create_graph:
            out, args = node, inputs + ctx
        elif len(inputs) == 1:
            out, args = node.data, (inputs[0].data,) + ctx
        elif len(inputs) == 2:
            out, args = node.data, (inputs[0].data, inputs[1].data) + ctx
        else:
            out, args = node.data, tuple([p.data for p in inputs]) + ctx
        vjps = op.vjps
        handed = [] if stepping else None
        for i, p in enumerate(inputs):
            if p.requires_grad:
                pg = vjps[i](g, out, *args)
                like = p.data
                if pg.shape != like.shape or (pg.dtype is not like.dtype
                                              and pg.dtype != like.dtype):
                    pg = _fit(pg, like)
                left = waiting[p] - 1
                if left:
                    waiting[p] = left
                    x = gathered.get(p)
                    gathered[p] = pg if x is None else x + pg
                else:
                    x = gathered.pop(p, None)
                    if x is None:
                        ready.append((p, pg, not create_graph and pg is not g
                                      and pg.base is None))
                    else:
                        ready.append((p, x + pg, True))
                if stepping:
                    handed.append((i, pg, _fit(vjps[i](np.ones_like(g), out, *args), like)))
        if not retain_graph:
            node._op = op.spent
        if stepping:
            yield node, g, handed


def _fit(grad, like):
    """grad summed back to the shape of ``like`` (after broadcasting) and cast to its dtype."""
    if grad.shape != like.shape:
        grad = unbroadcast(grad, like.shape)
    if grad.dtype != like.dtype:
        grad = grad.astype(like.dtype)
    return grad
