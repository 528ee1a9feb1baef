"""draw_network: a model as layers of units, each weight an edge of its own."""

import numpy as np

from ._style import COLORS, check_rankdir, digraph, import_graphviz, legend, num, plural

# Edge colours by the weight's sign.
POSITIVE = "#1f77b4"
NEGATIVE = "#d62728"


def draw_network(model, rankdir="LR", max_units=6, show_weights=False):
    """Draw a model as a network diagram: its inputs, its layers and their units.

    When every layer has at most ``max_units`` units, each unit is a circle (listed
    in order: n1.1, n1.2, ...) and each weight an edge coloured by its sign (blue
    positive, red negative) and as thick as it is large; hovering an edge in the SVG
    shows its value. Each layer's biases come from a "bias" node, as in
    ``input -> n1 -> output``. Bigger models are drawn as one box per layer with its
    sizes ("Linear 16 -> 16"), activation and parameter count.

    Args:
        model: an ``nn.Linear``, ``nn.Sequential`` or ``nn.MLP`` (any module whose
            layers have ``in_features``, ``out_features``, ``weight`` and ``bias``).
        rankdir: graphviz layout direction, "LR", "TB", "RL" or "BT". Default "LR".
        max_units: the widest layer drawn unit by unit, a positive int. Default 6.
        show_weights: also write each weight's value on its edge, near the unit it
            feeds. Default False.

    Returns:
        An unrendered graphviz.Digraph.
    """
    graphviz = import_graphviz()
    check_rankdir(rankdir)
    if not isinstance(max_units, int) or isinstance(max_units, bool) or max_units < 1:
        raise ValueError(f"draw_network: max_units must be a positive int, got {max_units!r}")
    if not isinstance(show_weights, bool):
        raise TypeError(f"draw_network: show_weights must be True or False, "
                        f"got {show_weights!r}")
    stages = _stages(model)
    dot = digraph(graphviz, rankdir, None)
    widths = [stages[0][1].in_features] + [layer.out_features for _, layer, _ in stages]
    if max(widths) <= max_units:
        roles = _draw_units(dot, stages, show_weights, rankdir)
        note = "edges: blue a positive weight, red a negative one, thicker when larger"
        dot.attr(label=legend(roles, [note]), labelloc="b", labeljust="l")
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


def _draw_units(dot, stages, show_weights, rankdir):
    """One circle per unit, weights on the edges, a bias node per layer; the roles drawn.

    Each node is pinned where it belongs (neato with fixed positions, straight edges),
    so the units stay in order: a column per layer, its title above it, its bias
    node below (a layer's biases come from the column before it, as textbooks draw
    them). A weight's value sits on its own edge, near the unit it feeds, where the
    edges into a unit fan apart.
    """
    dot.engine = "neato"
    dot.attr(splines="line", overlap="true")
    units = [[f"x{i}" for i in range(stages[0][1].in_features)]]
    units += [[f"l{k}u{j}" for j in range(layer.out_features)]
              for k, (_, layer, _) in enumerate(stages)]
    titles = ["input"] + [_layer_title(name, layer, acts) for name, layer, acts in stages]
    tallest = max(len(names) + 1 for names in units)
    gaps = (2.6, 1.1) if show_weights else (2.2, 0.8)  # inches between layers, units
    roles, spots = {"input", "output"}, {}
    for k, names in enumerate(units):
        last = k == len(stages)
        column = [(unit, f"x{j + 1}" if k == 0 else f"y{j + 1}" if last else f"n{k}.{j + 1}",
                   "input" if k == 0 else "output" if last else "intermediate")
                  for j, unit in enumerate(names)]
        if not last and stages[k][1].bias is not None:
            column.append((f"b{k}", "bias", "parameter"))
        top = (tallest - len(column)) / 2
        if rankdir in ("LR", "RL"):  # the title above its column
            title = _spot(k, top - 0.8, rankdir, gaps)
        else:  # the title after its row, starting where the row ends
            title = _spot(k, top + len(column) - 0.5 + 0.045 * len(titles[k]) / gaps[1],
                          rankdir, gaps)
        dot.node(f"title{k}", titles[k], shape="plaintext", fontsize="10", pos=_pin(title))
        for row, (unit, label, role) in enumerate(column):
            roles.add(role)
            spots[unit] = _spot(k, top + row, rankdir, gaps)
            dot.node(unit, label, shape="circle", style="filled", fillcolor=COLORS[role],
                     width="0.5", fixedsize="true", pos=_pin(spots[unit]))
    for k, (_, layer, _) in enumerate(stages):
        weight = np.asarray(layer.weight.data)
        bias = None if layer.bias is None else np.asarray(layer.bias.data)
        largest = max(np.abs(weight).max(), 0 if bias is None else np.abs(bias).max()) or 1.0
        for j, head in enumerate(units[k + 1]):
            feeds = [(tail, weight[j, i], f"w[{j},{i}]", "solid")
                     for i, tail in enumerate(units[k])]
            if bias is not None:
                feeds.append((f"b{k}", bias[j], f"b[{j}]", "dashed"))
            for tail, w, name, style in feeds:
                dot.edge(tail, head, style=style, **_weight_edge(w, largest, name))
                if show_weights:
                    (x0, y0), (x1, y1) = spots[tail], spots[head]
                    on_edge = (x0 + 0.72 * (x1 - x0), y0 + 0.72 * (y1 - y0))
                    dot.node(f"{tail}_{head}", num(w), shape="plaintext", fontsize="8",
                             fontcolor=NEGATIVE if w < 0 else POSITIVE, style="filled",
                             fillcolor="white", width="0", height="0", margin="0.01",
                             pos=_pin(on_edge), tooltip=f"{name} = {num(w)}")
    return roles


def _spot(column, row, rankdir, gaps):
    """Where a node goes, in inches: columns of units along rankdir."""
    along, across = gaps[0] * column, -gaps[1] * row
    return {"LR": (along, across), "RL": (-along, across),
            "TB": (-across, -along), "BT": (-across, along)}[rankdir]


def _pin(spot):
    """neato's fixed position for a spot."""
    return f"{spot[0]:.2f},{spot[1]:.2f}!"


def _weight_edge(w, largest, name):
    """An edge's colour, pen width and tooltip for a weight's value."""
    return {"color": NEGATIVE if w < 0 else POSITIVE,
            "penwidth": f"{0.5 + 3 * abs(w) / largest:.2f}",
            "tooltip": f"{name} = {num(w)}"}


def _draw_layer_boxes(dot, stages):
    """input -> one box per layer -> output, edges labelled with the widths."""
    dot.node("input", f"input\\n{plural(stages[0][1].in_features, 'feature')}",
             shape="box", style="rounded,filled", fillcolor=COLORS["input"])
    tail = "input"
    for k, (name, layer, acts) in enumerate(stages):
        count = sum(np.size(p.data) for p in (layer.weight, layer.bias) if p is not None)
        lines = [_layer_title(name, layer, []), *acts, plural(count, "parameter")]
        dot.node(f"l{k}", "\\n".join(lines), shape="box3d", style="filled",
                 fillcolor=COLORS["parameter"])
        dot.edge(tail, f"l{k}", label=str(layer.in_features))
        tail = f"l{k}"
    out = stages[-1][1].out_features
    dot.node("output", f"output\\n{plural(out, 'unit')}", shape="box", style="rounded,filled",
             fillcolor=COLORS["output"])
    dot.edge(tail, "output", label=str(out))


def _layer_title(name, layer, acts):
    title = f"Linear {layer.in_features} -> {layer.out_features}"
    title = f"{name}: {title}" if name else title
    return " + ".join([title, *acts])
