"""draw_graph: the computation graph that backward walks, drawn to fit a notebook."""

import re

import numpy as np

from ..autograd import toposort
from ..linked import Released
from ..tensor import Tensor
from ..value import Value
from ._fold import Group, cost, fold
from ._mlp import find_structure
from ._style import (COLORS, MAX_WIDTH, Sketch, check_max_width, check_rankdir,
                     import_graphviz, num, summary)

MIN_NODES = 20
MAX_NODES = 500   # the most nodes drawn before the graph is folded
COLLAPSE = ("neurons", "layers", "samples", "modules")
HIDDEN = object()  # a node drawn inside its group's node (a neuron's weights)
_INPUT_NAME = re.compile(r"^[xX]_?\d+$")  # x1, x2, ...: a bare x may be a variable
_SHRINK = 1.25  # a drawing may be scaled down to 80% (11 points to 9) rather than folded


def draw_graph(root, params=None, show_data=True, show_grad=True, rankdir=None,
               max_nodes=MAX_NODES, collapse=None, max_width=MAX_WIDTH):
    """Draw the computation graph that ends at ``root`` (a Value or a Tensor).

    Each node is a record, its fields stacked: a Value shows its name, data and grad;
    a Tensor its name, shape and dtype, data and grad (the values when there are at
    most four, else their mean and range). A constant shows just its value. Each op
    is a small node of its own. Fill colours mark roles, explained in the legend
    below the drawing: inputs (leaves that do not require grad, and leaves labelled
    x1, x2, ... as the micrograd lecture names its inputs) blue, parameters (named,
    or leaves that require grad) orange, intermediates grey, the output (root) green.

    The drawing is made to fit ``max_width``: it is laid out left to right when that
    fits (scaled down by at most a fifth), else top to bottom, else folded. A graph
    of scalar Linear layers (an ``nn.MLP(engine="value")``) folds into what a
    learner knows: a box per neuron (its weights times inputs, sum, bias and
    activation), then per layer, then per sample (one forward pass), and one for the
    loss, each showing the data and grad of its output. Other graphs fold into a box
    per module, then into bands of ops.

    Args:
        root: the Value or Tensor whose graph is drawn (e.g. the loss).
        params: parameter names: a dict name -> node, e.g.
            ``dict(model.named_parameters())``, or a module (anything with
            ``named_parameters()``). Nodes are matched by identity. Default None:
            nodes show their ``.label``.
        show_data: show each node's data. Default True.
        show_grad: show each node's grad. Default True.
        rankdir: layout direction "LR", "TB", "RL" or "BT", or None to choose the
            one that fits (left to right first). Default None.
        max_nodes: the most nodes drawn before the graph is folded; at least 20, or
            None to draw every node (scaled down to ``max_width``). Default 500.
        collapse: None (fold only what does not fit), or always fold by "neurons",
            "layers" or "samples" (graphs of scalar Linear layers), or "modules"
            (a box per module; needs ``params``). Default None.
        max_width: the widest drawing in pixels (at least 100), or None for no limit.
            A drawing that is still wider after folding is scaled down. Default 1000.

    Returns:
        An unrendered graphviz.Digraph.
    """
    graphviz = import_graphviz()
    if not isinstance(root, (Value, Tensor)):
        raise TypeError(f"draw_graph: root must be a Value or a Tensor, "
                        f"got {type(root).__name__}")
    check_rankdir(rankdir, allow_none=True)
    if max_nodes is not None and (not isinstance(max_nodes, int) or isinstance(max_nodes, bool)
                                  or max_nodes < MIN_NODES):
        raise ValueError(f"draw_graph: max_nodes must be None or an int >= {MIN_NODES}, "
                         f"got {max_nodes!r}")
    if collapse is not None and collapse not in COLLAPSE:
        raise ValueError(f"draw_graph: collapse must be None or one of "
                         f"{', '.join(map(repr, COLLAPSE))}, got {collapse!r}")
    check_max_width(max_width, "draw_graph")
    names, module_types = _param_names(params)
    if collapse == "modules" and not names:
        raise ValueError("draw_graph: collapse='modules' needs parameter names: pass "
                         "params=dict(model.named_parameters()) or the model itself")
    order = toposort([root], grad_only=False)
    drawing = _Drawing(order, root, names, show_data, show_grad)
    structure = find_structure(order, names) if collapse != "modules" else None
    if collapse in ("neurons", "layers", "samples") and structure is None:
        raise ValueError(f"draw_graph: collapse={collapse!r} needs a graph of scalar Linear "
                         f"layers (parameters named like '0.weight[2,1]', as nn.MLP(..., "
                         f"engine='value') names them)")
    size = cost(order, {})
    candidates = []  # (place, what was folded), most detailed first
    if collapse is None and (max_nodes is None or size <= max_nodes):
        candidates.append(({}, None))
    if structure is not None and (collapse is not None or max_nodes is not None):
        levels = COLLAPSE[:3] if collapse is None else [collapse]
        candidates += [(_mlp_places(structure, order, root, level), _FOLDS[level])
                       for level in levels]
    if collapse == "modules" or collapse is None and max_nodes is not None and size > max_nodes:
        budget = max_nodes or size
        place, done = fold(order, root, names, module_types, budget, drawing.role)
        candidates.append((place, f"collapsed {size:,} nodes {done}"
                           + (f" (max_nodes={max_nodes})" if collapse is None else "")))
    sketch, direction = _fitting(drawing, candidates, max_nodes, rankdir, max_width)
    return sketch.emit(graphviz, direction, max_width)


_FOLDS = {
    "neurons": "a box per neuron: its weights times inputs, sum, bias and activation",
    "layers": "a box per layer of each sample",
    "samples": "a box per sample: one forward pass",
}


def _fitting(drawing, candidates, max_nodes, rankdir, max_width):
    """The first candidate drawing that fits, in the first direction it fits in."""
    directions = [rankdir] if rankdir else ["LR", "TB"]
    budget = None if max_width is None else max_width * 0.75 * _SHRINK  # pixels -> points
    best = None
    for k, (place, folded) in enumerate(candidates):
        sketch = drawing.sketch(place, folded)
        if max_nodes is not None and len(sketch.nodes) > max_nodes and k + 1 < len(candidates):
            continue
        widths = {d: sketch.width(d) for d in directions}
        direction = min(directions, key=widths.get)
        best = (sketch, direction)
        fits = [d for d in directions if budget is None or widths[d] <= budget]
        if fits:
            return sketch, fits[0]
    return best


def _mlp_places(structure, order, root, level):
    """{id(node): Group or HIDDEN} of a graph of neurons folded at ``level``."""
    groups, place = {}, {}
    clustered = structure.samples > 1 and level != "samples"
    last = len(structure.layers) - 1
    for nr in structure.neurons:
        key = {"neurons": id(nr), "layers": (nr.layer, nr.sample), "samples": nr.sample}[level]
        if key not in groups:
            if level == "neurons":
                title, shows = f"{nr.title()}\n{nr.formula()}", [nr.output]
            else:
                shows = [m.output for m in structure.neurons if m.sample == nr.sample
                         and m.layer == (nr.layer if level == "layers" else last)]
                title = (f"layer {nr.layer + 1}\n{len(shows)} x {nr.formula()}"
                         if level == "layers" else
                         f"sample {nr.sample + 1}\nforward pass: {last + 1} layers")
            cluster = f"sample {nr.sample + 1}" if clustered else None
            groups[key] = Group(f"g{len(groups)}", title, "intermediate", shows, cluster)
        for op in nr.ops:
            place[id(op)] = groups[key]
    if id(root) in place:  # the graph ends at a neuron: its box is the output
        place[id(root)].role = "output"
    for n in order:
        if id(n) in structure.hidden:
            place[id(n)] = HIDDEN
    inputs = {}
    for n in order:
        if id(n) in structure.inputs:
            inputs.setdefault(structure.inputs[id(n)][0], []).append(n)
    for sample, leaves in inputs.items():
        leaves.sort(key=lambda n: structure.inputs[id(n)][1])
        labels = [n.label for n in leaves]
        title = ", ".join(labels) if all(labels) else "x"
        cluster = f"sample {sample + 1}" if clustered else None
        g = Group(f"in{sample}", title, "input", leaves, cluster)
        for n in leaves:
            place[id(n)] = g
    if structure.loss:
        loss = Group("loss", root.label or "loss", "output", [root], lists_ops=True)
        outside = set()  # ids of the leaves used outside the loss
        for n in order:
            if id(n) in structure.loss:
                place[id(n)] = loss
            elif n._op is not None:
                outside.update(id(p) for p in n._parents)
        for n in order:  # the targets and constants of the loss
            if n._op is None and id(n) not in place and id(n) not in outside:
                place[id(n)] = loss
    return place


class _Drawing:
    """Turns a graph and a placement of its nodes into a Sketch."""

    def __init__(self, order, root, names, show_data, show_grad):
        self.order, self.root, self.names = order, root, names
        self.show_data, self.show_grad = show_data, show_grad

    def role(self, node):
        if node is self.root:
            return "output"
        if id(node) in self.names:
            return "parameter"
        if node._op is not None:
            return "intermediate"
        if not node.requires_grad or _INPUT_NAME.match(node.label):
            return "input"
        return "parameter"

    def sketch(self, place, folded):
        """Each node drawn alone as a record and an op node; each group once."""
        sketch = Sketch()
        index = {id(n): i for i, n in enumerate(self.order)}
        groups = {}
        for i, n in enumerate(self.order):
            where = place.get(id(n))
            if where is HIDDEN:
                continue
            if where is not None:
                groups[where.key] = where
                if n._op is None:
                    where.leaves[self.role(n)] += 1
                else:
                    where.ops[n.op] += 1
                continue
            role = self.role(n)
            sketch.roles.add(role)
            self._alone(sketch, f"n{i}", n, role)
        for g in groups.values():
            sketch.roles.add(g.role)
            sketch.node(g.key, g.fields(self.show_data, self.show_grad), g.cluster,
                        **g.attrs(COLORS))
        self._edges(sketch, place, index)
        if folded:
            sketch.notes.append(folded)
        inputs = sorted((k for k in groups if k.startswith("in")), key=lambda k: int(k[2:]))
        if inputs:
            _in_order(sketch, inputs)
        return sketch

    def _alone(self, sketch, key, n, role):
        if _is_constant(n, self.names):
            sketch.node(key, [num(n.data)], shape="box", style="rounded,filled",
                        fillcolor=COLORS["input"], height="0.3", width="0.3", margin="0.05")
        else:
            sketch.node(key, self._record(n), shape="record", style="filled",
                        fillcolor=COLORS[role])
        if n._op is not None:
            sketch.node(key + "op", [n.op], shape="ellipse", width="0.3", height="0.3",
                        margin="0.03")
            sketch.edge(key + "op", key)

    def _edges(self, sketch, place, index):
        """Inputs -> op for nodes drawn alone; one edge per pair touching a group."""
        seen = set()
        for i, n in enumerate(self.order):
            if n._op is None or place.get(id(n)) is HIDDEN:
                continue
            box = place.get(id(n))
            head = f"n{i}op" if box is None else box.key
            for p in n._parents:
                pbox = place.get(id(p))
                if pbox is HIDDEN:
                    continue
                tail = f"n{index[id(p)]}" if pbox is None else pbox.key
                if box is None and pbox is None:
                    sketch.edge(tail, head)  # x * x keeps both of its edges
                elif tail != head and (tail, head) not in seen:
                    seen.add((tail, head))
                    if box is not None and pbox is not None:  # layers fully connected: lighter
                        sketch.edge(tail, head, color="grey45")
                    else:
                        sketch.edge(tail, head)

    def _record(self, node):
        """name, data, grad stacked for a Value; name, shape dtype, data, grad for a Tensor."""
        name = self.names.get(id(node)) or node.label
        fields = [name] if name else []
        grad = node.grad
        if isinstance(grad, (Value, Tensor)):
            grad = grad.data
        show_grad = self.show_grad and node.requires_grad and grad is not None
        if isinstance(node.data, np.ndarray):
            fields.append(f"{node.data.shape} {node.data.dtype}")
            if isinstance(node.data, Released):  # a graph freed and released: no values
                fields.append("data freed")
            elif self.show_data:
                fields.append("data " + summary(node.data))
            if show_grad:
                fields.append("grad " + summary(np.asarray(grad)))
        else:
            if self.show_data:
                fields.append(f"data {num(node.data)}")
            if show_grad:
                fields.append(f"grad {num(grad)}")
        return fields


def _in_order(sketch, inputs):
    """Keep the samples, and the neurons of each, in order from top to bottom."""
    sketch.graph_attrs["ordering"] = "out"
    sketch.node("start", [""], style="invis", width="0", height="0")
    for key in inputs:
        sketch.edge("start", key, style="invis")


def _is_constant(node, names):
    """A number in the graph: a leaf Value (or 0-d Tensor) without a name or grad."""
    return (node._op is None and not node.requires_grad and not node.label
            and id(node) not in names and np.ndim(node.data) == 0)


def _param_names(params):
    """{id(node): name} and {module name: class name} from a dict or a module."""
    if params is None:
        return {}, {}
    module_types = {}
    if hasattr(params, "named_parameters"):
        if hasattr(params, "named_modules"):
            module_types = {name: type(m).__name__ for name, m in params.named_modules()}
        params = dict(params.named_parameters())
    if not isinstance(params, dict):
        raise TypeError(f"draw_graph: params must be a dict name -> Value/Tensor or a "
                        f"module with named_parameters(), got {type(params).__name__}")
    names = {}
    for name, node in params.items():
        if not isinstance(node, (Value, Tensor)):
            raise TypeError(f"draw_graph: params[{name!r}] must be a Value or a Tensor, "
                            f"got {type(node).__name__}")
        names[id(node)] = str(name)
    return names, module_types

