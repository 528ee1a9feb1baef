"""What every graph shares: grad mode, the node protocol, backward() and grad().

A graph is kept in one of two shapes, each in a file of its own:

- linked.py (Tensor): a node holds its op and its inputs; backward counts each
  node's uses, then walks the nodes, each once its consumers have handed it theirs;
- tape.py (Value): a node is a place on its thread's tape, a flat list of every
  scalar op in the order it ran, which read backwards is already in order.

Every node class names the functions that sort and walk its shape (``_sort`` and
``_walk``); ``backward()``, ``grad()`` and ``walk_steps()`` here check their
arguments, seed the walk and dispatch to it. Each op's forwards and derivatives are
in ops.py.
"""

import threading
from contextlib import ContextDecorator

import numpy as np

__all__ = ["Node", "no_grad", "enable_grad", "is_grad_enabled", "grad", "toposort",
           "GraphFreedError"]


# --- grad mode ------------------------------------------------------------------------

class _ThreadState(threading.local):
    """Per thread: the grad mode, and the tape its Value ops record onto (``tape``,
    started by tape.py on the thread's first Value op)."""

    grad_enabled = True


state = _ThreadState()

# Per thread, what every scalar op reads first: ``taping.into`` is the thread's tape
# while grad mode is on, None under no_grad. A plain threading.local, the fastest
# per-thread store (a subclass's attributes take a slower path); ``into`` is missing
# in a thread that has not recorded yet (see tape.recording).
taping = threading.local()


def is_grad_enabled():
    """True when new ops are recorded for backward (per thread)."""
    return state.grad_enabled


def _set_grad_enabled(enabled):
    state.grad_enabled = enabled
    tape = getattr(state, "tape", None)
    if tape is not None:
        taping.into = tape if enabled else None


class _GradMode(ContextDecorator):
    def __init__(self, enabled):
        self._enabled = enabled
        self._saved = []

    def _recreate_cm(self):
        # As a decorator: a fresh instance per call, so that calls in several threads
        # (each with its own grad mode) never share the stack of saved modes.
        return _GradMode(self._enabled)

    def __enter__(self):
        self._saved.append(state.grad_enabled)
        _set_grad_enabled(self._enabled)
        return self

    def __exit__(self, *exc):
        _set_grad_enabled(self._saved.pop())
        return False


def no_grad():
    """Context manager (and decorator) under which ops record nothing for backward."""
    return _GradMode(False)


def enable_grad():
    """Context manager (and decorator) that turns recording back on inside no_grad."""
    return _GradMode(True)


# --- errors ---------------------------------------------------------------------------

class GraphFreedError(RuntimeError, ValueError):
    """Backward through a graph whose saved state was freed by an earlier backward.

    A RuntimeError as in PyTorch, and a ValueError: it is a misuse of the API.
    """


def graph_freed(op):
    """The error for a walk that meets an op freed by an earlier backward."""
    return GraphFreedError(
        f"backward through the graph a second time (at a '{op.name}' node): its "
        "saved state was freed by the first backward. Pass retain_graph=True to the "
        "first backward() to keep it.")


def checked_label(label):
    if not isinstance(label, str):
        raise TypeError(f"label must be a str, got {type(label).__name__} {label!r}")
    return label


# --- the node protocol ------------------------------------------------------------------

class Node:
    """What backward needs of a graph node; Value and Tensor subclass it.

    Each kind provides ``_op`` (the op that made the node, None for a leaf),
    ``_parents`` (the input nodes, in order), and:

      _sort(roots, grad_only)   the nodes leading to roots, parents first (toposort)
      _walk(roots, seeds, retain_graph, create_graph, capture, stepping=False)
                                propagate the seeds back through the graph: a
                                generator, which yields nothing unless ``stepping``
                                (then a step per node, see ``walk_steps``)
      _seed(grad, what)         the seed gradient in raw form, checked against the node
      _constant(raw)            a constant node holding raw data (for create_graph)
      _fresh_grad(g)            g made fit to be stored as a .grad of its own
      _grad                     a leaf's gradient as kept (what optimizers read): a
                                float (Value), an array or the Tensor made of it, or None
      _key                      what identifies the node to grad() (its gradient's key)
    """

    __slots__ = ()

    @property
    def op(self):
        """Name of the op that made this node ('' for a leaf)."""
        op = self._op
        return "" if op is None else op.name

    @property
    def is_leaf(self):
        """True for nodes made by the user, not recorded from an op."""
        return self._op is None

    @property
    def parents(self):
        """The nodes this one was computed from, in the op's order (none for a leaf)."""
        return self._parents

    @property
    def _prev(self):
        """micrograd's name: the set of the nodes this one was computed from."""
        return set(self._parents)

    def backward(self, grad=None, retain_graph=None, create_graph=False):
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad.

        Args:
            grad: d(result)/d(self), the seed; default 1 for a single-element node.
            retain_graph: keep the graph for another backward (default: create_graph).
            create_graph: record the backward pass so gradients can be differentiated.
        """
        _check_requires_grad(self, "backward()")
        seed = self._seed(grad, "grad")
        if retain_graph is None:
            retain_graph = create_graph
        _run([self], [seed], retain_graph, create_graph)


def _check_requires_grad(root, what):
    if not root.requires_grad:
        raise ValueError(
            f"{what} on a {type(root).__name__} that does not require grad: "
            "nothing it was computed from requires grad (set requires_grad=True on "
            "the leaves, and do not compute it under no_grad())")


def toposort(roots, grad_only=True):
    """The nodes that lead to ``roots``, each after all of its inputs (no recursion).

    With ``grad_only`` (what backward walks) only nodes that require grad are
    listed; without it, constants and inputs too (what a drawing shows).
    """
    roots = list(roots)
    return type(roots[0])._sort(roots, grad_only) if roots else []


def _run(roots, seeds, retain_graph, create_graph, capture=None):
    """Propagate ``seeds`` from ``roots`` back through their graphs.

    With ``capture`` (a dict node._key -> None), the gradients of those nodes are
    stored there and no ``.grad`` is touched; otherwise leaves accumulate. Under
    create_graph the walk runs the rules on nodes, recorded whatever the grad mode;
    a plain walk runs them on raw floats and arrays, which record nothing.
    """
    shapes = {}  # each graph shape's walk -> its roots and their seeds
    for root, seed in zip(roots, seeds):
        shapes.setdefault(type(root)._walk, []).append((root, seed))
    if create_graph:
        with enable_grad():
            _walk_each(shapes, retain_graph, True, capture)
    else:
        _walk_each(shapes, retain_graph, False, capture)


def _walk_each(shapes, retain_graph, create_graph, capture):
    """Run each graph shape's walk on its roots (see ``_run``)."""
    for walk, pairs in shapes.items():
        for _ in walk(*zip(*pairs), retain_graph, create_graph, capture):
            pass  # a plain walk yields nothing: it runs to the end


def walk_steps(root, grad=None, retain_graph=False, capture=None, what="backward_steps()"):
    """``root.backward(grad, retain_graph)`` one step at a time, as the very same walk.

    A generator of ``(node, g, handed)``, one per node that hands a gradient on, in
    the order the walk runs them: ``g`` is d(root)/d(node), complete by then, and
    ``handed`` lists ``(i, contribution, local)`` for each input ``i`` that needs
    a gradient: what the op's VJP hands it, and the VJP applied to ones (for a
    Value, d(node)/d(input)). With ``capture`` (a dict, as ``grad()`` uses it) no
    ``.grad`` is touched. The walk ends when the generator does; closing it early
    ends it as an error would (see each shape's ``walk``).

    Args:
        root: the node to walk back from; it must require grad.
        grad: the seed, as backward()'s. Default None (1 for a single element).
        retain_graph: keep the graph for another backward. Default False.
        capture: None, or a dict node._key -> None to gather gradients into.
        what: the caller's name, for error messages.
    """
    _check_requires_grad(root, what)
    seed = root._seed(grad, "grad")
    return type(root)._walk([root], [seed], bool(retain_graph), False, capture, stepping=True)


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
        result.append(None if g is None else x._fresh_grad(g))
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
