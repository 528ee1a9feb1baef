"""Graph drawings with graphviz: computation graphs and network diagrams.

``draw_graph`` draws what backward walks: one record per Value or Tensor and one
small node per op between its inputs and its output, as micrograd draws it, with
parameter names and shapes as torchviz shows them. ``draw_network`` draws a model
as layers of units. Both return an unrendered ``graphviz.Digraph``: it shows inline
in Jupyter, and ``.render("graph", format="svg")`` or ``.pipe("svg")`` renders it.

graphviz is imported on first use, so ``import microgd`` does not need it.
"""

import re
from collections import Counter

import numpy as np

from .autograd import Node, toposort
from .ops import data_of

__all__ = ["draw_graph", "draw_network", "COLORS"]

# Fill colours by role, explained in each drawing's legend.
COLORS = {
    "input": "#dae8fc",         # a leaf that does not require grad: data, a constant
    "parameter": "#ffe6cc",     # a named node, or a leaf that requires grad
    "intermediate": "#f5f5f5",  # made by an op on the way to the output
    "output": "#d5e8d4",        # the root: the loss or the expression's value
}
ROLE_NAMES = {
    "input": "input / constant",
    "parameter": "parameter / variable",
    "intermediate": "intermediate",
    "output": "output",
}
RANKDIRS = ("LR", "TB", "RL", "BT")
MIN_NODES = 20
MAX_NODES = 500   # draw_graph's default: bigger graphs fold into boxes
COLLAPSE = ("modules",)
_BANDS = 8        # depth bands a graph without module names is folded into


def draw_graph(root, params=None, show_data=True, show_grad=True, rankdir="LR",
               max_nodes=MAX_NODES, collapse=None):
    """Draw the computation graph that ends at ``root`` (a Value or a Tensor).

    Each node is a record: a Value shows its name, data and grad; a Tensor shows its
    name, shape, dtype and a summary of data and grad (the values when there are at
    most four, else min/mean/max). Each op is a separate small node. Fill colours
    mark roles, explained in a legend node: inputs and constants (leaves that do
    not require grad) blue, parameters (named, or leaves that require grad) orange,
    intermediates grey, the output (root) green.

    A graph bigger than ``max_nodes`` is folded into boxes: the ops of each module
    (found from the closest named parameter feeding them, so a layer is one box),
    the rest in bands of depth; a note in the drawing says what was collapsed.

    Args:
        root: the Value or Tensor whose graph is drawn (e.g. the loss).
        params: parameter names: a dict name -> node, e.g.
            ``dict(model.named_parameters())``, or a module (anything with
            ``named_parameters()``). Nodes are matched by identity. Default None:
            nodes show their ``.label``.
        show_data: show each node's data. Default True.
        show_grad: show each node's grad. Default True.
        rankdir: graphviz layout direction, "LR", "TB", "RL" or "BT". Default "LR".
        max_nodes: the most nodes drawn before the graph is folded into boxes; at
            least 20, or None to always draw every node. Default 500.
        collapse: None (fold only above max_nodes) or "modules" (always fold each
            module's ops into one box; needs ``params``). Default None.

    Returns:
        An unrendered graphviz.Digraph.
    """
    graphviz = import_graphviz()
    if not isinstance(root, Node):
        raise TypeError(f"draw_graph: root must be a Value or a Tensor, "
                        f"got {type(root).__name__}")
    _check_rankdir(rankdir)
    if max_nodes is not None and (not isinstance(max_nodes, int) or isinstance(max_nodes, bool)
                                  or max_nodes < MIN_NODES):
        raise ValueError(f"draw_graph: max_nodes must be None or an int >= {MIN_NODES}, "
                         f"got {max_nodes!r}")
    if collapse is not None and collapse not in COLLAPSE:
        raise ValueError(f"draw_graph: collapse must be None or 'modules', got {collapse!r}")
    names, module_types = _param_names(params)
    if collapse == "modules" and not names:
        raise ValueError("draw_graph: collapse='modules' needs parameter names: pass "
                         "params=dict(model.named_parameters()) or the model itself")

    order = toposort([root], grad_only=False)
    size = _cost(order, {})
    group, note = {}, None
    if collapse == "modules" or (max_nodes is not None and size + 1 > max_nodes):
        budget = (max_nodes or size + 2) - 2  # room for the legend and the note
        group, note = _fold(order, root, names, module_types, budget)
        note = f"collapsed {size:,} nodes {note}"
        if collapse is None:
            note += f" (max_nodes={max_nodes})"

    dot = _digraph(graphviz, rankdir)
    roles = _draw_nodes(dot, order, root, names, group, show_data, show_grad)
    _draw_edges(dot, order, group)
    _legend(dot, roles)
    if note:
        dot.node("note", note, shape="note", fontsize="10")
    return dot


def draw_network(model, rankdir="LR", max_units=6):
    """Draw a model as a network diagram: its inputs, its layers and their units.

    When every layer has at most ``max_units`` units, each unit is a circle, each
    weight an edge labelled with its value, and each layer's biases come from a
    "bias" node (as in ``input -> n1 -> output``). Bigger models are drawn as one
    box per layer with its sizes ("Linear 16 -> 16"), activation and parameter count.

    Args:
        model: an ``nn.Linear``, ``nn.Sequential`` or ``nn.MLP`` (any module whose
            layers have ``in_features``, ``out_features``, ``weight`` and ``bias``).
        rankdir: graphviz layout direction, "LR", "TB", "RL" or "BT". Default "LR".
        max_units: the widest layer drawn unit by unit, a positive int. Default 6.

    Returns:
        An unrendered graphviz.Digraph.
    """
    graphviz = import_graphviz()
    _check_rankdir(rankdir)
    if not isinstance(max_units, int) or isinstance(max_units, bool) or max_units < 1:
        raise ValueError(f"draw_network: max_units must be a positive int, got {max_units!r}")
    stages = _stages(model)
    dot = _digraph(graphviz, rankdir)
    widths = [stages[0][1].in_features] + [layer.out_features for _, layer, _ in stages]
    if max(widths) <= max_units:
        _draw_units(dot, stages)
    else:
        _draw_layer_boxes(dot, stages)
    return dot


def _stages(model):
    """[(name, Linear, activation names)] from a model's layers, in order."""
    if hasattr(model, "named_modules"):
        leaves = [(name, m) for name, m in model.named_modules()
                  if next(iter(getattr(m, "children", list)()), None) is None]
    elif hasattr(model, "__iter__"):
        leaves = [(str(i), m) for i, m in enumerate(model)]
    else:
        leaves = [("", model)]
    stages = []
    for name, m in leaves:
        if hasattr(m, "in_features") and hasattr(m, "out_features"):
            if stages and stages[-1][1].out_features != m.in_features:
                raise ValueError(f"draw_network: layer {name!r} takes {m.in_features} "
                                 f"inputs but the layer before it gives "
                                 f"{stages[-1][1].out_features}")
            stages.append((name, m, []))
        elif stages:
            stages[-1][2].append(type(m).__name__)
    if not stages:
        raise TypeError(f"draw_network: model must be a Linear, Sequential or MLP with "
                        f"Linear layers, got {type(model).__name__} with none")
    return stages


def _draw_units(dot, stages):
    """One circle per unit, weights on the edges, a bias node per layer.

    A layer's bias node is drawn with the units that feed the layer, as textbooks do.
    """
    units = [[f"x{i}" for i in range(stages[0][1].in_features)]]
    units += [[f"l{k}u{j}" for j in range(layer.out_features)]
              for k, (_, layer, _) in enumerate(stages)]
    titles = ["input"] + [_layer_title(name, layer, acts) for name, layer, acts in stages]
    for k, names in enumerate(units):
        last = k == len(stages)
        with dot.subgraph(name=f"cluster_{k}") as sub:
            sub.attr(label=titles[k], style="rounded", color="grey")
            for j, unit in enumerate(names):
                label = f"x{j + 1}" if k == 0 else f"y{j + 1}" if last else f"n{k}.{j + 1}"
                role = "input" if k == 0 else "output" if last else "intermediate"
                sub.node(unit, label, shape="circle", style="filled", fillcolor=COLORS[role])
            if not last and stages[k][1].bias is not None:
                sub.node(f"b{k}", "bias", shape="circle", style="filled",
                         fillcolor=COLORS["parameter"])
    for k, (_, layer, _) in enumerate(stages):
        weight = np.asarray(layer.weight.data)
        bias = None if layer.bias is None else np.asarray(layer.bias.data)
        for j, head in enumerate(units[k + 1]):
            for i, tail in enumerate(units[k]):
                dot.edge(tail, head, label=f"{weight[j, i]:.3g}")
            if bias is not None:
                dot.edge(f"b{k}", head, label=f"{bias[j]:.3g}", style="dashed")


def _draw_layer_boxes(dot, stages):
    """input -> one box per layer -> output, edges labelled with the widths."""
    dot.node("input", f"input\\n{_plural(stages[0][1].in_features, 'feature')}",
             shape="box", style="rounded,filled", fillcolor=COLORS["input"])
    tail = "input"
    for k, (name, layer, acts) in enumerate(stages):
        count = sum(np.size(p.data) for p in (layer.weight, layer.bias) if p is not None)
        lines = [_layer_title(name, layer, []), *acts, _plural(count, "parameter")]
        dot.node(f"l{k}", "\\n".join(lines), shape="box3d", style="filled",
                 fillcolor=COLORS["parameter"])
        dot.edge(tail, f"l{k}", label=str(layer.in_features))
        tail = f"l{k}"
    out = stages[-1][1].out_features
    dot.node("output", f"output\\n{_plural(out, 'unit')}", shape="box", style="rounded,filled",
             fillcolor=COLORS["output"])
    dot.edge(tail, "output", label=str(out))


def _layer_title(name, layer, acts):
    title = f"Linear {layer.in_features} -> {layer.out_features}"
    title = f"{name}: {title}" if name else title
    return " + ".join([title, *acts])


# --- names and roles ---------------------------------------------------------------------

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
        if not isinstance(node, Node):
            raise TypeError(f"draw_graph: params[{name!r}] must be a Value or a Tensor, "
                            f"got {type(node).__name__}")
        names[id(node)] = str(name)
    return names, module_types


def _role(node, root, names):
    if node is root:
        return "output"
    if id(node) in names or (node._op is None and node.requires_grad):
        return "parameter"
    return "input" if node._op is None else "intermediate"


def _module_of(name):
    """The module that owns a parameter name: '0.weight[3,1]' -> '0', 'w' -> ''."""
    return name.split("[", 1)[0].rpartition(".")[0]


# --- folding big graphs into boxes ---------------------------------------------------------

def _fold(order, root, names, module_types, budget):
    """Map id(node) -> _Box so that at most ``budget`` nodes are drawn.

    Module boxes first (each op goes to the module of the closest named parameter
    feeding it); then, while too big, the remaining ops in bands of depth, then the
    remaining leaves by role. The root and its op are always drawn. Returns the
    mapping and a phrase saying what was collapsed.
    """
    group = _module_groups(order, names, module_types) if names else {}
    if len(set(group.values())) > budget - (2 + _BANDS + 2):  # root and op, bands, leaves
        group = {}
    group.pop(id(root), None)
    if group:
        _absorb_leaves(order, root, group)
    if _cost(order, group) > budget:
        _band_ops(order, root, group)
        _absorb_leaves(order, root, group)
    if _cost(order, group) > budget:
        for n in order:
            if n._op is None and n is not root and id(n) not in group:
                group[id(n)] = ("leaves", _role(n, root, names))
    boxes = {key: _Box(f"box{j}", key) for j, key in enumerate(dict.fromkeys(group.values()))}
    kinds = Counter(key[0] for key in boxes)
    words = {"module": "layer box", "depth": "depth band", "leaves": "leaf box"}
    parts = [_plural(kinds[k], w) for k, w in words.items() if kinds[k]]
    return {key: boxes[box] for key, box in group.items()}, "into " + ", ".join(parts)


def _module_groups(order, names, module_types):
    """Each named parameter and each op fed by one -> ('module', name, class name)."""
    nearest = {}  # id(node) -> (distance to the closest named parameter, its module)
    for n in order:
        if id(n) in names:
            nearest[id(n)] = (0, _module_of(names[id(n)]))
        elif n._op is not None:
            found = [nearest[id(p)] for p in n._parents if id(p) in nearest]
            if found:
                dist, module = min(found, key=lambda f: f[0])
                nearest[id(n)] = (dist + 1, module)
    return {key: ("module", m, module_types.get(m, "")) for key, (_, m) in nearest.items()}


def _absorb_leaves(order, root, group):
    """A leaf whose consumers all sit in one box joins that box."""
    user = {}  # id(leaf) -> the one box that uses it, or None (drawn alone, or several)
    for n in order:
        if n._op is None:
            continue
        box = None if n is root else group.get(id(n))
        for p in n._parents:
            key = id(p)
            if p._op is not None or key in group:
                continue
            if key not in user:
                user[key] = box
            elif user[key] != box:
                user[key] = None
    group.update((key, box) for key, box in user.items() if box is not None)


def _band_ops(order, root, group):
    """The ops not yet in a box, in _BANDS bands of depth (longest path from a leaf)."""
    depth = {}
    for n in order:
        d = 0
        for p in n._parents:
            d = max(d, depth[id(p)] + 1)
        depth[id(n)] = d
    free = [n for n in order if n._op is not None and n is not root and id(n) not in group]
    if not free:
        return
    low = min(depth[id(n)] for n in free)
    high = max(depth[id(n)] for n in free)
    span = (high - low) // _BANDS + 1
    bands = [("depth", start, min(start + span - 1, high)) for start in range(low, high + 1, span)]
    for n in free:
        group[id(n)] = bands[(depth[id(n)] - low) // span]


def _plural(n, word):
    return f"{n:,} {word}" + ("" if n == 1 else "es" if word.endswith("x") else "s")


def _cost(order, group):
    alone = sum(1 if n._op is None else 2 for n in order if id(n) not in group)
    return alone + len(set(group.values()))


class _Box:
    """One node of a folded drawing, standing for the ops and leaves of a module or band."""

    def __init__(self, name, key):
        self.name = name
        self.key = key  # ("module", name, class name), ("depth", low, high), ("leaves", role)
        self.ops = Counter()
        self.leaves = Counter()

    def title(self):
        kind = self.key[0]
        if kind == "module":
            _, module, cls = self.key
            return f"{module or 'model'}: {cls}" if cls else f"module {module or '(top level)'}"
        if kind == "depth":
            _, low, high = self.key
            return f"ops at depth {low}" + (f"-{high}" if high != low else "")
        return f"{ROLE_NAMES[self.key[1]]} leaves"

    def role(self):
        """The role whose colour the box takes: a layer is its parameters' box."""
        if self.key[0] == "module":
            return "parameter"
        return self.key[1] if self.key[0] == "leaves" else "intermediate"

    def label(self):
        lines = [self.title()]
        if self.ops:
            top = self.ops.most_common()
            lines.append(_plural(sum(self.ops.values()), "op") + ": "
                         + ", ".join(f"{op} {k:,}" for op, k in top[:4])
                         + (", ..." if len(top) > 4 else ""))
        lines += [_plural(self.leaves[r], r) for r in COLORS if self.leaves[r]]
        return "\\n".join(lines)


# --- emitting DOT --------------------------------------------------------------------------

def _digraph(graphviz, rankdir):
    font = {"fontname": "Helvetica", "fontsize": "11"}
    return graphviz.Digraph("microgd", graph_attr={"rankdir": rankdir, **font},
                            node_attr=font, edge_attr={**font, "fontsize": "9",
                                                       "arrowsize": "0.7"})


def _data_id(i):
    return f"n{i}"


def _op_id(i):
    return f"n{i}op"


def _draw_nodes(dot, order, root, names, group, show_data, show_grad):
    """Emit each node drawn alone, its op, and each box; return the roles drawn."""
    roles = set()
    for i, n in enumerate(order):
        role = _role(n, root, names)
        box = group.get(id(n))
        if box is not None:
            if n._op is None:
                box.leaves[role] += 1
            else:
                box.ops[n.op] += 1
            continue
        roles.add(role)
        label = _record(n, names.get(id(n)) or n.label, show_data, show_grad)
        dot.node(_data_id(i), label, shape="record", style="filled", fillcolor=COLORS[role])
        if n._op is not None:
            dot.node(_op_id(i), n.op, shape="ellipse", width="0.3", height="0.3",
                     margin="0.03")
    for box in dict.fromkeys(group.values()):
        roles.add(box.role())
        dot.node(box.name, box.label(), shape="box3d", style="filled",
                 fillcolor=COLORS[box.role()])
    return roles


def _draw_edges(dot, order, group):
    """Inputs -> op -> output for nodes drawn alone; one edge per pair touching a box."""
    index = {id(n): i for i, n in enumerate(order)}
    seen = set()
    for i, n in enumerate(order):
        if n._op is None:
            continue
        box = group.get(id(n))
        if box is None:
            dot.edge(_op_id(i), _data_id(i))
        head = _op_id(i) if box is None else box.name
        for p in n._parents:
            pbox = group.get(id(p))
            tail = _data_id(index[id(p)]) if pbox is None else pbox.name
            if box is None and pbox is None:
                dot.edge(tail, head)  # x * x keeps both of its edges
            elif tail != head and (tail, head) not in seen:
                seen.add((tail, head))
                dot.edge(tail, head)


def _legend(dot, roles):
    rows = "".join(f'<tr><td bgcolor="{COLORS[r]}">{ROLE_NAMES[r]}</td></tr>'
                   for r in COLORS if r in roles)
    dot.node("legend", f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
             f"{rows}</table>>", shape="plaintext", fontsize="9")


def _record(node, name, show_data, show_grad):
    """A record label: name | data | grad for a Value; name | shape dtype | ... for a Tensor."""
    fields = [name] if name else []
    grad = data_of(node.grad)
    show_grad = show_grad and node.requires_grad and grad is not None
    if isinstance(node.data, np.ndarray):
        fields.append(f"{node.data.shape} {node.data.dtype}")
        if show_data:
            fields.append("data " + _summary(node.data))
        if show_grad:
            fields.append("grad " + _summary(np.asarray(grad)))
    else:
        if show_data:
            fields.append(f"data {_num(node.data)}")
        if show_grad:
            fields.append(f"grad {_num(grad)}")
    return "{ " + " | ".join(_escape(f) for f in fields or [" "]) + " }"


def _summary(a):
    """The values when there are at most four, else min/mean/max."""
    if a.size == 0:
        return "empty"
    if a.ndim == 0:
        return _num(a)
    if a.size <= 4:
        return "[" + ", ".join(_num(x) for x in a.ravel()) + "]"
    with np.errstate(all="ignore"):
        return f"min {_num(a.min())} mean {_num(a.mean())} max {_num(a.max())}"


def _num(x):
    return f"{float(x):.4g}"


def _escape(text):
    """Backslash the characters that structure a graphviz record label."""
    return re.sub(r"([\\{}|<>])", r"\\\1", str(text))


def _check_rankdir(rankdir):
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")


def import_graphviz():
    """The graphviz module, or an ImportError that says how to install it."""
    try:
        import graphviz
    except ImportError:
        raise ImportError("drawing graphs needs the graphviz Python package: "
                          "pip install graphviz (and the Graphviz 'dot' program to "
                          "render them)") from None
    return graphviz
