"""Backprop one step at a time: ``backward_steps`` and ``explain_backward``.

Both run the very walk that ``backward()`` runs (``autograd.walk_steps``: the tape's
reference walk for Values, the linked walk for Tensors), paused after each node has
handed its gradient on; nothing here computes a derivative of its own.
"""

import html
from collections import namedtuple

import numpy as np

from .autograd import Node, walk_steps

__all__ = ["backward_steps", "explain_backward", "Step", "Edge", "Explanation"]


class Edge(namedtuple("Edge", "input local contribution")):
    """One input of a step, and what the chain rule hands it.

    ``input``: the input node. ``contribution``: what the op's VJP hands it,
    d(root)/d(node) times d(node)/d(input), which the walk adds to the input's
    gradient. ``local``: the same VJP applied to 1 instead of d(root)/d(node): for a
    Value, d(node)/d(input); for a Tensor, the VJP of a gradient of ones shaped as
    the input (d sum(node) / d input; for an elementwise op, each element's derivative).
    """

    __slots__ = ()


class Step(namedtuple("Step", "node grad edges")):
    """One node of the backward walk handing its gradient to its inputs.

    ``node``: a node made by an op (leaves hand nothing on, so they have no step:
    their gradients are the sums of the contributions handed to them). ``grad``:
    d(root)/d(node), complete when the step is taken (a float, or an array to read,
    not to change). ``edges``: an ``Edge`` per input that needs a gradient, in the
    op's order.
    """

    __slots__ = ()


def backward_steps(root, grad=None, retain_graph=False):
    """``root.backward()``, one step at a time: an iterator of ``Step``.

    One step per node made by an op, in the order backward() runs them: for Values,
    the order they were computed in, newest first; for Tensors, a reverse
    topological order. Running it to the end leaves every ``.grad`` exactly as
    ``root.backward(grad, retain_graph)`` would (it is the same walk).

    Stopping early (``close()`` the iterator, or drop it): for Values no ``.grad``
    has changed and nothing is freed (a Value keeps what it gathered until the walk
    ends); for Tensors the leaves the walk has reached hold their gradients and the
    nodes already stepped are freed unless ``retain_graph``, as when an error
    stops a backward part-way. While the iterator is open the walk is under way:
    run no other backward through the same graph until it has ended. A step through
    an op that an earlier backward freed raises GraphFreedError, as backward() does.

    Args:
        root: the Value or Tensor to differentiate (e.g. the loss); it must require grad.
        grad: d(result)/d(root), as backward()'s. Default None: 1 for a single element.
        retain_graph: keep the graph for another backward. Default False.
    """
    _check_root(root, "backward_steps")
    return _steps(root, walk_steps(root, grad, retain_graph))


def _steps(root, walk):
    """The walk's raw steps as ``Step`` objects; closing this closes the walk."""
    try:
        for node, g, handed in walk:
            if node._key == root._key:
                node = root  # the caller's own handle, not another view of the same node
            parents = node._parents
            yield Step(node, g, tuple(Edge(parents[i], local, c) for i, c, local in handed))
    finally:
        walk.close()


def explain_backward(root, grad=None, digits=4):
    """The chain rule of each step of backward, as text: one line per edge.

    For Values: ``dL/da += dL/dc * dc/da = 1.0000 * -3.0000 = -3.0000`` (the
    gradient of the node, the local derivative, the contribution); for Tensors their
    shapes and norms instead of their elements (numbers again when all three have one
    element). Nodes are named by their labels; others by their op and a number in
    the order the explanation first meets them (``tanh#0``, ``leaf#3``), the root
    ``L`` when it has no label. It runs the same walk as backward() but keeps the
    graph and touches no ``.grad`` (as ``mg.grad``), so it can be asked before or
    after ``backward()``.

    Args:
        root: the Value or Tensor to differentiate; it must require grad.
        grad: d(result)/d(root), as backward()'s. Default None.
        digits: decimals shown. Default 4.

    Returns:
        An ``Explanation``: prints as text, shows as a table in Jupyter.
    """
    _check_root(root, "explain_backward")
    if not isinstance(digits, int) or isinstance(digits, bool) or not 0 <= digits <= 17:
        raise ValueError(f"explain_backward: digits must be an int from 0 to 17, "
                         f"got {digits!r}")
    steps = list(_steps(root, walk_steps(root, grad, True, {}, "explain_backward()")))
    return Explanation(root, steps, digits)


class Explanation:
    """The chain rule of each backward step: ``lines`` (text), ``rows`` (a table).

    ``steps``: the ``Step`` objects explained. ``rows``: one tuple per edge, (step
    number, the update ``dL/da += dL/dc * dc/da``, d(root)/d(node), local
    derivative, contribution), the numbers as text. ``name(node)``: a node's name
    in the lines.
    """

    def __init__(self, root, steps, digits):
        self.steps = steps
        self.name = names = _Names(root)
        self.rows, self.lines = [], []
        for k, step in enumerate(steps, 1):
            for edge in step.edges:
                update = names.update(step.node, edge.input)
                values = (step.grad, edge.local, edge.contribution)
                if all(np.size(v) == 1 for v in values):
                    g, local, c = (_fixed(float(np.asarray(v).reshape(())), digits)
                                   for v in values)
                    self.lines.append(f"{update} = {g} * {local} = {c}")
                else:
                    g, local, c = (f"{np.shape(v)} norm {_fixed(np.linalg.norm(v), digits)}"
                                   for v in values)
                    self.lines.append(f"{update}: {g} * {local} -> {c}")
                self.rows.append((k, update, g, local, c))

    def __str__(self):
        return "\n".join(self.lines)

    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        head = ("step", "chain rule", "upstream", "local", "contribution")
        cells = [f"<tr>{''.join(f'<th>{h}</th>' for h in head)}</tr>"]
        for row in self.rows:
            cells.append("<tr>" + "".join(f"<td><code>{html.escape(str(c))}</code></td>"
                                          for c in row) + "</tr>")
        return "<table>" + "".join(cells) + "</table>"


class _Names:
    """Each node's name in an explanation: its label, or its op and a number."""

    def __init__(self, root):
        self.root = root._key
        self.names = {root._key: root.label or "L"}

    def plain(self, node):
        """The name itself: ``x1*w1``, ``tanh#0``."""
        key = node._key
        if key not in self.names:
            self.names[key] = node.label or f"{node.op or 'leaf'}#{len(self.names)}"
        return self.names[key]

    def __call__(self, node):
        """The name as the lines write it: in parentheses unless it is an identifier."""
        name = self.plain(node)
        return name if name.isidentifier() else f"({name})"

    def update(self, node, x):
        r, n, i = self.names[self.root], self(node), self(x)
        return f"d{r}/d{i} += d{r}/d{n} * d{n}/d{i}"


def _fixed(x, digits):
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _check_root(root, what):
    if not isinstance(root, Node):
        raise TypeError(f"{what}: root must be a Value or a Tensor, got {type(root).__name__}")
