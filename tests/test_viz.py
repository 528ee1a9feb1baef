"""Graph drawings: the DOT source (nodes, edges, labels, names, colours) and the SVG."""

import re
import subprocess
import sys

import graphviz
import numpy as np
import pytest

import microgd as mg
from microgd import Tensor, Value, nn
from microgd.random import manual_seed
from microgd.viz import COLORS
from microgd.viz._mlp import find_structure
from microgd.viz._style import num
from microgd.viz.network import NEGATIVE, POSITIVE

NODE = re.compile(r"^\t+(?!(?:graph|node|edge) )(\w+) \[(.*)\]$", re.M)
EDGE = re.compile(r"^\t+(\w+) -> (\w+)(?: \[(.*)\])?$", re.M)


def nodes(dot):
    """{node id: its attribute text} of a drawing's DOT source."""
    return dict(NODE.findall(dot.source))


def edges(dot):
    """[(tail, head)] of a drawing's DOT source, repeats kept."""
    return [(tail, head) for tail, head, _ in EDGE.findall(dot.source)]


def label(attrs):
    found = re.search(r'label=("(?:[^"\\]|\\.)*"|<<.*>>|\S+)', attrs)
    return found.group(1).strip('"')


def find(dot, text):
    """The id of the one node whose label contains ``text``."""
    hits = [key for key, attrs in nodes(dot).items() if text in label(attrs)]
    assert len(hits) == 1, (text, hits)
    return hits[0]


def fill(dot, key):
    return re.search(r'fillcolor="([^"]+)"', nodes(dot)[key]).group(1)


def graph_label(dot):
    """The graph's own label: the legend and notes under the drawing."""
    return re.search(r"^\tlabel=(<<.*>>)", dot.source, re.M).group(1)


def svg_nodes(dot):
    """How many nodes graphviz drew when rendering to SVG."""
    return dot.pipe(format="svg").decode().count('<g id="node')


def neuron():
    """micrograd's neuron: out = tanh(x1*w1 + x2*w2 + b), after backward."""
    x1, x2 = Value(2.0, label="x1", requires_grad=False), Value(0.0, label="x2",
                                                                requires_grad=False)
    w1, w2, b = Value(-3.0, label="w1"), Value(1.0, label="w2"), Value(6.8813735870195432,
                                                                        label="b")
    out = (x1 * w1 + x2 * w2 + b).tanh()
    out.label = "out"
    out.backward()
    return out


# --- Value graphs ----------------------------------------------------------------------

def test_value_graph_has_a_record_per_value_and_a_node_per_op():
    dot = mg.draw_graph(neuron())
    assert isinstance(dot, graphviz.Digraph)
    found = nodes(dot)
    records = [k for k, a in found.items() if "shape=record" in a]
    ops = sorted(label(a) for k, a in found.items() if "shape=ellipse" in a)
    assert len(records) == 10  # x1 x2 w1 w2 b, x1*w1, x2*w2, sum, sum + b, out
    assert ops == ["*", "*", "+", "+", "tanh"]
    assert len(edges(dot)) == 2 * 2 + 2 * 2 + 1 + 5  # inputs of *, + and tanh; op -> value
    assert svg_nodes(dot) == len(found)


def test_value_records_show_label_data_and_grad():
    dot = mg.draw_graph(neuron())
    # laid out left to right, a record's fields are stacked without braces
    assert "rankdir=LR" in dot.source
    assert label(nodes(dot)[find(dot, "w1 |")]) == "w1 | data -3 | grad 1"
    assert label(nodes(dot)[find(dot, "out |")]) == "out | data 0.7071 | grad 1"
    # an input that does not require grad shows no grad
    assert label(nodes(dot)[find(dot, "x1 |")]) == "x1 | data 2"
    # top to bottom, braces keep them stacked
    dot = mg.draw_graph(neuron(), rankdir="TB")
    assert label(nodes(dot)[find(dot, "w1 |")]) == "{ w1 | data -3 | grad 1 }"


def test_edges_run_inputs_to_op_to_output():
    x, y = Value(3.0, label="x"), Value(4.0, label="y")
    z = x * y
    z.label = "z"
    dot = mg.draw_graph(z)
    xk, yk, zk = find(dot, "x |"), find(dot, "y |"), find(dot, "z |")
    op = zk + "op"
    assert label(nodes(dot)[op]) == "*"
    assert sorted(edges(dot)) == sorted([(xk, op), (yk, op), (op, zk)])


def test_a_node_used_twice_has_two_edges():
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    dot = mg.draw_graph(y)
    xk = find(dot, "x |")
    assert edges(dot).count((xk, find(dot, "data 9") + "op")) == 2
    assert "grad 6" in label(nodes(dot)[xk])


def test_colours_mark_roles_and_the_legend_explains_them():
    dot = mg.draw_graph(neuron())
    assert fill(dot, find(dot, "x1 |")) == COLORS["input"]
    assert fill(dot, find(dot, "w1 |")) == COLORS["parameter"]
    assert fill(dot, find(dot, "out |")) == COLORS["output"]
    assert fill(dot, find(dot, "data 0.8814")) == COLORS["intermediate"]
    legend = graph_label(dot)
    for role, text in [("input", "input / constant"), ("parameter", "parameter"),
                       ("intermediate", "intermediate"), ("output", "output")]:
        assert f'bgcolor="{COLORS[role]}">{text}<' in legend


def test_constants_are_shown_as_their_value():
    x = Value(2.0, label="w")
    y = 3 * x
    dot = mg.draw_graph(y)
    key = [k for k, a in nodes(dot).items() if label(a) == "3"]
    assert len(key) == 1 and "shape=box" in nodes(dot)[key[0]]
    assert fill(dot, key[0]) == COLORS["input"]
    assert "data 3" not in dot.source


def test_show_data_and_show_grad_can_be_turned_off():
    out = neuron()
    assert "grad" not in mg.draw_graph(out, show_grad=False).source
    dot = mg.draw_graph(out, show_data=False)
    assert "data" not in dot.source
    assert label(nodes(dot)[find(dot, "w1 |")]) == "w1 | grad 1"


def test_record_characters_in_labels_are_escaped():
    x = Value(1.0, label="a|b {c} <d>")
    dot = mg.draw_graph(x * 2)
    assert r"a\|b \{c\} \<d\>" in dot.source
    assert svg_nodes(dot) == len(nodes(dot))  # graphviz accepts it


def test_rankdir_is_passed_on():
    assert "rankdir=TB" in mg.draw_graph(neuron(), rankdir="TB").source


# --- Tensor graphs ---------------------------------------------------------------------

def linear_loss():
    w = Tensor(np.arange(6.0).reshape(3, 2) / 10, requires_grad=True)
    b = Tensor(np.zeros(3), requires_grad=True)
    x = Tensor(np.ones((4, 2)))
    loss = (x @ w.T + b).relu().sum()
    loss.backward()
    return loss, w, b


def test_tensor_records_show_name_shape_dtype_and_summaries():
    loss, w, b = linear_loss()
    dot = mg.draw_graph(loss, params={"0.weight": w, "0.bias": b}, rankdir="TB")
    weight = label(nodes(dot)[find(dot, "0.weight")])
    assert weight == (r"{ 0.weight | (3, 2) float64 | data mean 0.25\nmin 0 max 0.5 "
                      r"| grad mean 4\nmin 4 max 4 }")
    bias = label(nodes(dot)[find(dot, "0.bias")])
    assert bias == "{ 0.bias | (3,) float64 | data [0, 0, 0] | grad [4, 4, 4] }"
    assert "{ () float64 | data 6 }" in label(nodes(dot)[find(dot, "() float64")])
    ops = sorted(label(a) for a in nodes(dot).values() if "shape=ellipse" in a)
    assert ops == ["+", "matmul", "relu", "sum", "transpose"]
    assert svg_nodes(dot) == len(nodes(dot))


def test_float32_is_shown():
    x = Tensor(np.ones(2, dtype=np.float32), requires_grad=True, label="x")
    dot = mg.draw_graph((x * 2).sum())
    assert "(2,) float32" in label(nodes(dot)[find(dot, "x |")])


def test_params_are_matched_by_identity_not_equality():
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)  # equal data, another parameter
    dot = mg.draw_graph((a * b).sum(), params={"a": a, "b": b})
    assert find(dot, "a |") != find(dot, "b |")


def test_a_module_can_be_passed_as_params():
    manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    loss = model(Tensor(np.ones((5, 2)))).mean()
    loss.backward()
    dot = mg.draw_graph(loss, params=model)
    for name in ("0.weight", "0.bias", "2.weight", "2.bias"):
        key = find(dot, name + " |")
        assert fill(dot, key) == COLORS["parameter"]
    assert dot.source == mg.draw_graph(loss, params=dict(model.named_parameters())).source


def test_labels_name_nodes_without_params():
    loss, w, _ = linear_loss()
    w.label = "W"
    assert "W | (3, 2) float64" in mg.draw_graph(loss).source


def test_tensor_grad_of_create_graph_is_summarised():
    x = Tensor([1.0, 2.0], requires_grad=True, label="x")
    (x ** 3).sum().backward(create_graph=True)
    assert isinstance(x.grad, Tensor)
    assert "x | (2,) float64 | data [1, 2] | grad [3, 12]" in mg.draw_graph(x).source


# --- big graphs ------------------------------------------------------------------------

def svg_size(dot):
    """(width, natural width) in points: as drawn, and before graphviz scales it down."""
    svg = dot.pipe(format="svg").decode()
    width = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    scale = float(re.search(r'transform="scale\(([\d.]+)', svg).group(1))
    return width, width / scale


NOTEBOOK = 1000 * 0.75  # 1000 pixels, in points


def lecture_loss():
    """The micrograd lecture's MLP(3, [4, 4, 1]) and its loss on the 4 samples."""
    manual_seed(0)
    model = nn.MLP(3, [4, 4, 1], engine="value", activation="tanh")
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys))
    loss.backward()
    return loss, model


def test_the_lecture_mlp_finds_its_neurons_samples_and_loss():
    loss, model = lecture_loss()
    order = mg.autograd.toposort([loss], grad_only=False)
    found = find_structure(order, {})
    assert len(found.neurons) == 4 * 9 and found.samples == 4
    assert found.layers == ["0", "2", "4"]
    for nr in found.neurons:
        ops = sorted(op.op for op in nr.ops)
        inputs = 3 if nr.layer == 0 else 4
        assert ops.count("*") == inputs and ops.count("+") == inputs  # the bias starts the sum
        assert ops.count("tanh") == (nr.layer < 2)
    tanhs = [n for n in order if n.op == "tanh"]
    assert all(found.of[id(n)].activation == "tanh" for n in tanhs)  # in their neuron
    rest = [n for n in order if id(n) in found.loss]
    assert sorted(n.op for n in rest) == ["**"] * 4 + ["+"] * 4 + ["-"] * 4
    assert found.samples == len({nr.sample for nr in found.neurons})
    first = [nr for nr in found.neurons if nr.sample == 0 and nr.layer == 0]
    assert sorted(nr.unit for nr in first) == [("0", j) for j in range(4)]


@pytest.mark.parametrize("with_params", [False, True])
def test_the_lecture_mlp_is_drawn_as_neurons_within_a_notebook(with_params):
    loss, model = lecture_loss()
    dot = mg.draw_graph(loss, params=dict(model.named_parameters()) if with_params else None)
    found = nodes(dot)
    titles = [label(a).split(" | ")[0] for a in found.values() if "record" in a]
    neurons = [t for t in titles if t.startswith("n")]
    assert len(neurons) == 36
    assert neurons.count(r"n1.1\ntanh(w·x + b)") == 4
    assert neurons.count(r"n3.1\nw·x + b") == 4
    assert label(found[find(dot, "loss")]) == (rf"loss\nops: - 4, ** 4, + 4 | "
                                               f"data {loss.data:.4g} | grad 1")
    assert fill(dot, find(dot, "loss")) == COLORS["output"]
    assert label(found[find(dot, "[2, 3, -1]")]) == "x | data [2, 3, -1]"
    assert fill(dot, find(dot, "[2, 3, -1]")) == COLORS["input"]
    assert "ops at depth" not in dot.source and "Linear" not in dot.source
    assert sorted(re.findall(r'label="(sample \d)"', dot.source)) == [
        f"sample {s}" for s in range(1, 5)]
    assert "a box per neuron" in graph_label(dot)
    assert svg_nodes(dot) == len(found) - 1  # the invisible start node is not drawn
    width, natural = svg_size(dot)
    assert natural <= NOTEBOOK  # it fits unscaled: every record at its full size


def test_neurons_are_listed_in_order_from_top_to_bottom():
    manual_seed(0)
    model = nn.MLP(3, [4, 4, 1], engine="value", activation="tanh")
    loss = (model([1.0, -1.0, 0.5]) - 1.0) ** 2
    loss.backward()
    dot = mg.draw_graph(loss, collapse="neurons")
    svg = dot.pipe(format="svg").decode()
    top = {k: float(y) for k, y in re.findall(
        r'<title>(\w+)</title>\s*<polygon [^>]*points="[-\d.]+,([-\d.]+)', svg)}
    for layer in ("n1", "n2"):
        keys = [find(dot, rf"{layer}.{j}\ntanh") for j in range(1, 5)]
        assert [top[k] for k in keys] == sorted(top[k] for k in keys), layer


@pytest.mark.parametrize("collapse, boxes, first, scaled", [
    ("layers", 4 * 3, r"layer 1\n4 x tanh(w·x + b)", 1.3),  # rows of 4 values: a bit wide
    ("samples", 4, r"sample 1\nforward pass: 3 layers", 1.0),
])
def test_the_lecture_mlp_folds_by_layer_and_by_sample(collapse, boxes, first, scaled):
    loss, _ = lecture_loss()
    dot = mg.draw_graph(loss, collapse=collapse)
    titles = [label(a).split(" | ")[0] for a in nodes(dot).values()
              if "record" in a and not label(a).startswith(("x |", "loss"))]
    assert len(titles) == boxes and first in titles
    width, natural = svg_size(dot)
    assert width <= NOTEBOOK + 1 and natural <= scaled * NOTEBOOK


def test_a_graph_that_ends_at_a_neuron_colours_its_box_as_the_output():
    manual_seed(0)
    model = nn.MLP(3, [4, 1], engine="value", activation="tanh")
    out = model([2.0, 3.0, -1.0])
    out.backward()
    dot = mg.draw_graph(out, collapse="neurons")
    assert fill(dot, find(dot, r"n2.1\nw·x + b")) == COLORS["output"]
    assert fill(dot, find(dot, r"n1.1\ntanh")) == COLORS["intermediate"]
    assert "loss" not in dot.source


def test_a_layer_box_shows_its_units_data_and_grad():
    loss, _ = lecture_loss()
    order = mg.autograd.toposort([loss], grad_only=False)
    first = [nr for nr in find_structure(order, {}).neurons if nr.sample == 0 and nr.layer == 0]
    dot = mg.draw_graph(loss, collapse="layers")
    key = find(dot, r"layer 1\n4 x tanh(w·x + b) | data [" + num(first[0].output.data))
    data = "[" + ", ".join(num(nr.output.data) for nr in first) + "]"
    assert f"data {data}" in label(nodes(dot)[key])


def test_a_scalar_3_4_4_1_graph_fits_a_notebook():
    manual_seed(0)
    model = nn.MLP(3, [4, 4, 1], engine="value", activation="tanh")
    loss = (model([1.0, -1.0, 0.5]) - 1.0) ** 2
    loss.backward()
    dot = mg.draw_graph(loss, params=model)
    assert svg_size(dot)[1] <= NOTEBOOK
    assert "a box per neuron" in graph_label(dot)


def test_a_small_scalar_mlp_is_drawn_in_full_when_it_fits_scaled_a_little():
    manual_seed(0)
    model = nn.MLP(2, [3, 1], engine="value")
    loss = (model([2.0, -1.0]) - 1.0) ** 2
    loss.backward()
    dot = mg.draw_graph(loss, params=model)
    assert "0.weight[2,1] |" in dot.source and "box per neuron" not in dot.source
    width, natural = svg_size(dot)
    assert width <= NOTEBOOK + 1 and natural <= 1.25 * NOTEBOOK  # text at 80% or more


def test_a_tensor_mlp_graph_fits_a_notebook_top_to_bottom():
    manual_seed(0)
    model = nn.MLP(2, [3, 1])
    X = Tensor(np.linspace(-1, 1, 16).reshape(8, 2))
    loss = ((model(X) - Tensor(np.zeros((8, 1)))) ** 2).mean()
    loss.backward()
    dot = mg.draw_graph(loss, params=model)
    assert "rankdir=TB" in dot.source  # left to right it would be about 2000 points
    assert svg_size(dot)[1] <= NOTEBOOK
    weight = label(nodes(dot)[find(dot, "0.weight |")])
    assert weight.startswith("{ 0.weight | (3, 2) float64 | data mean")  # stacked
    assert "box3d" not in dot.source  # every node drawn


def test_a_wide_graph_is_scaled_down_to_max_width():
    xs = [Value(float(i), label=f"w{i}") for i in range(40)]
    y = sum(xs[1:], xs[0])  # 40 leaves side by side, 39 ops in a chain
    dot = mg.draw_graph(y, max_nodes=None)
    width, natural = svg_size(dot)
    assert width <= NOTEBOOK + 1 < natural
    assert svg_size(mg.draw_graph(y, max_nodes=None, max_width=None))[0] > NOTEBOOK


def test_a_big_scalar_mlp_without_samples_structure_still_fits():
    loss, model = scalar_mlp_loss()
    assert len(mg.autograd.toposort([loss], grad_only=False)) > 2500
    dot = mg.draw_graph(loss, params=model)
    assert len(nodes(dot)) <= 500
    assert svg_size(dot)[1] <= NOTEBOOK
    assert fill(dot, find(dot, "loss")) == COLORS["output"]


def scalar_mlp_loss(samples=4):
    manual_seed(0)
    model = nn.MLP(2, [16, 16, 1], engine="value")
    errors = [(model([a, -a]) - a * a) ** 2 for a in np.linspace(-1, 1, samples)]
    loss = sum(errors[1:], errors[0])
    loss.label = "loss"
    loss.backward()
    return loss, model


def test_the_folded_drawing_renders_within_max_nodes():
    loss, model = scalar_mlp_loss(samples=8)
    dot = mg.draw_graph(loss, params=model, max_nodes=50)
    assert svg_nodes(dot) <= 50


def test_without_names_a_big_graph_is_folded_into_step_bands():
    manual_seed(0)
    w = [Value(0.1 * i, label=f"p{i}") for i in range(40)]
    y = Value(1.0, requires_grad=False)
    for i in range(400):
        y = (y * w[i % 40]).tanh()
    dot = mg.draw_graph(y)
    bands = [label(a) for a in nodes(dot).values() if "steps from the inputs" in a]
    assert 1 < len(bands) <= 8
    assert "step band" in graph_label(dot)
    assert svg_nodes(dot) <= 500


def test_a_100000_node_chain_does_not_crash_and_stays_small():
    y = Value(0.5, label="x")
    for i in range(50_000):  # 50,000 ops and 50,000 constants
        y = y * 1.0001 if i % 2 else y + 0.1
    dot = mg.draw_graph(y, max_nodes=100)
    assert len(nodes(dot)) <= 100
    assert "collapsed 150,001 nodes" in dot.source
    assert svg_nodes(dot) == len(nodes(dot))


def test_too_many_modules_for_max_nodes_fall_back_to_step_bands():
    y, params = Value(1.0, requires_grad=False), {}
    for i in range(30):
        params[f"m{i}.w"] = w = Value(0.5)
        y = y * w + 1
    dot = mg.draw_graph(y, params=params, max_nodes=20)
    assert "step band" in graph_label(dot)
    assert svg_nodes(dot) <= 20


def test_leaves_used_far_apart_are_folded_into_leaf_boxes():
    xs = [Value(float(i), label=f"p{i}") for i in range(100)]
    y = xs[0]
    for i in range(100):  # each leaf feeds two ops 100 steps apart: no one band holds both
        y = y * xs[i] + xs[(i + 50) % 100]
    dot = mg.draw_graph(y, max_nodes=100)
    titles = [label(a).split("\\n")[0] for a in nodes(dot).values() if "box3d" in a]
    assert "parameter leaves" in titles
    assert "leaf box" in graph_label(dot)
    assert svg_nodes(dot) <= 100


def test_collapse_modules_folds_even_a_small_graph():
    manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    loss = model(Tensor(np.ones((4, 2)))).sum()
    loss.backward()
    full = mg.draw_graph(loss, params=model)
    assert "box3d" not in full.source and "0.weight |" in full.source
    dot = mg.draw_graph(loss, params=model, collapse="modules")
    titles = sorted(label(a).split("\\n")[0] for a in nodes(dot).values() if "box3d" in a)
    assert titles == ["0: Linear", "2: Linear"]
    assert "(max_nodes" not in graph_label(dot)


def test_max_nodes_none_draws_everything():
    loss, model = scalar_mlp_loss(samples=1)
    dot = mg.draw_graph(loss, params=model, max_nodes=None, max_width=None)
    order = mg.autograd.toposort([loss], grad_only=False)
    assert len(nodes(dot)) == len(order) + sum(1 for n in order if n.op)


# --- network diagrams ------------------------------------------------------------------

def weight_edges(dot):
    return {(t, h): attrs for t, h, attrs in EDGE.findall(dot.source) if "invis" not in attrs}


def test_a_tiny_network_is_drawn_unit_by_unit_each_weight_its_edge():
    manual_seed(0)
    model = nn.MLP(2, [3, 1])
    dot = mg.draw_network(model)
    found = nodes(dot)
    assert [label(found[k]) for k in ("x0", "x1")] == ["x1", "x2"]
    assert [label(found[f"l0u{j}"]) for j in range(3)] == ["n1.1", "n1.2", "n1.3"]
    assert label(found["l1u0"]) == "y1"
    assert fill(dot, "l1u0") == COLORS["output"]
    weights = model[0].weight.data
    biggest = np.abs(np.concatenate([weights.ravel(), model[0].bias.data])).max()
    edges_ = weight_edges(dot)
    for j in range(3):
        for i in range(2):
            attrs = edges_[(f"x{i}", f"l0u{j}")]
            w = weights[j, i]
            assert f'tooltip="w[{j},{i}] = {num(w)}"' in attrs
            assert f'color="{NEGATIVE if w < 0 else POSITIVE}"' in attrs
            width = float(re.search(r'penwidth="?([\d.]+)', attrs).group(1))
            assert width == pytest.approx(0.5 + 3 * abs(w) / biggest, abs=0.01)
        assert f'tooltip="b[{j}] = {num(model[0].bias.data[j])}"' in edges_[("b0", f"l0u{j}")]
    assert len(edges_) == 3 * 3 + 4  # 2 inputs + bias into 3 units, 3 units + bias into 1
    assert 'label="0: Linear 2 -> 3 + ReLU"' in dot.source
    assert "positive weight" in graph_label(dot)
    assert svg_nodes(dot) == len(found)


def test_show_weights_writes_each_value_on_its_edge_near_its_unit():
    manual_seed(0)
    model = nn.MLP(2, [3, 1])
    assert "x1_l0u2" not in nodes(mg.draw_network(model))  # values only on demand
    dot = mg.draw_network(model, show_weights=True)
    found = nodes(dot)
    w = model[0].weight.data[2, 1]
    value = found["x1_l0u2"]
    assert label(value) == num(w) and f'fontcolor="{NEGATIVE if w < 0 else POSITIVE}"' in value

    def pos(key):
        return np.array([float(v) for v in re.search(r'pos="([-\d.]+),([-\d.]+)!"',
                                                     found[key]).groups()])
    tail, head, spot = pos("x1"), pos("l0u2"), pos("x1_l0u2")
    along = (spot - tail) @ (head - tail) / ((head - tail) @ (head - tail))
    assert 0.6 < along < 0.9  # on the edge, nearer the unit it feeds
    assert np.allclose(tail + along * (head - tail), spot, atol=0.02)
    assert sum(1 for k in found if "_" in k) == 3 * 3 + 4  # one value per edge
    assert svg_nodes(dot) == len(found)


def test_units_are_drawn_in_order_from_top_to_bottom():
    manual_seed(0)
    dot = mg.draw_network(nn.MLP(3, [5, 4, 2]))
    svg = dot.pipe(format="svg").decode()
    y = {k: float(v) for k, v in re.findall(
        r'<title>(\w+)</title>\s*<ellipse [^>]*cy="([-\d.]+)"', svg)}
    for layer, n in [("x", 3), ("l0u", 5), ("l1u", 4), ("l2u", 2)]:
        ys = [y[f"{layer}{j}"] for j in range(n)]
        assert ys == sorted(ys), (layer, ys)


def test_the_lesson_network_input_n1_output():
    model = nn.Linear(1, 1, engine="value")
    dot = mg.draw_network(model)
    assert sorted(weight_edges(dot)) == [("b0", "l0u0"), ("x0", "l0u0")]
    assert label(nodes(dot)["b0"]) == "bias"


def test_a_big_network_is_drawn_as_layer_boxes():
    dot = mg.draw_network(nn.MLP(2, [16, 16, 1], activation="tanh"))
    found = nodes(dot)
    assert label(found["l0"]) == r"0: Linear 2 -> 16\nTanh\n48 parameters"
    assert label(found["l1"]) == r"2: Linear 16 -> 16\nTanh\n272 parameters"
    assert label(found["l2"]) == r"4: Linear 16 -> 1\n17 parameters"
    assert edges(dot) == [("input", "l0"), ("l0", "l1"), ("l1", "l2"), ("l2", "output")]
    assert svg_nodes(dot) == 5


def test_a_network_without_biases_has_no_bias_nodes():
    dot = mg.draw_network(nn.MLP(2, [2, 1], bias=False), rankdir="TB")
    assert "bias" not in dot.source and "rankdir=TB" in dot.source
    assert len(weight_edges(dot)) == 2 * 2 + 2


def test_draw_network_takes_plain_lists_of_layers():
    dot = mg.draw_network([nn.Linear(2, 2), nn.Sigmoid()], max_units=1)
    assert label(nodes(dot)["l0"]) == r"0: Linear 2 -> 2\nSigmoid\n6 parameters"


# --- what a learner reads: numbers, roles, the legend ----------------------------------

def test_no_minus_zero_anywhere():
    a = Value(0.0, label="a")
    b = a * -1.0  # data -0.0
    c = (b * Value(0.0, label="z")).tanh()
    c.backward()
    source = mg.draw_graph(c).source
    assert not re.search(r"-0(?![.\d])", source), source
    assert num(-0.0) == "0" and num(-1e-9) == "-1e-09"


def test_inputs_named_like_the_lecture_are_inputs():
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")  # both require grad
    out = (x1 * w1).tanh()
    out.backward()
    dot = mg.draw_graph(out)
    assert fill(dot, find(dot, "x1 |")) == COLORS["input"]
    assert fill(dot, find(dot, "w1 |")) == COLORS["parameter"]
    assert "grad" in label(nodes(dot)[find(dot, "x1 |")])  # its grad is still shown
    x = Value(3.0, label="x")  # a bare x may be the variable being optimised
    assert fill(mg.draw_graph(x * x), "n0") == COLORS["parameter"]


def test_the_legend_is_below_the_nodes_never_over_them():
    dot = mg.draw_graph(neuron())
    assert "legend" not in nodes(dot)
    svg = dot.pipe(format="svg").decode()
    node_ys = [float(y) for y in re.findall(r'class="node".*?<text [^>]*y="([-\d.]+)"', svg,
                                            re.S)]
    legend_y = float(re.search(r'>input / constant</text>', svg) and
                     re.findall(r'<text [^>]*y="([-\d.]+)"[^>]*>input / constant<', svg)[0])
    assert legend_y > max(node_ys)


def test_draw_dot_is_draw_graph():
    assert mg.draw_dot is mg.draw_graph
    assert "draw_dot" in mg.__all__


# --- bad input, imports, notebooks -----------------------------------------------------

@pytest.mark.parametrize("kwargs, error, words", [
    (dict(root=1.5), TypeError, "root must be a Value or a Tensor, got float"),
    (dict(params=[1]), TypeError, "params must be a dict"),
    (dict(params={"w": 1.0}), TypeError, "params['w'] must be a Value or a Tensor"),
    (dict(rankdir="XY"), ValueError, "rankdir must be one of LR, TB, RL, BT or None, got 'XY'"),
    (dict(max_width=50), ValueError, "max_width must be None or an int >= 100 (pixels), got 50"),
    (dict(collapse="neurons"), ValueError, "collapse='neurons' needs a graph of scalar Linear"),
    (dict(max_nodes=5), ValueError, "max_nodes must be None or an int >= 20, got 5"),
    (dict(collapse="units"), ValueError, "collapse must be None or one of 'neurons', 'layers', "
                                          "'samples', 'modules', got 'units'"),
    (dict(collapse="modules"), ValueError, "collapse='modules' needs parameter names"),
])
def test_bad_arguments_are_named(kwargs, error, words):
    kwargs = {"root": Value(1.0), **kwargs}
    with pytest.raises(error, match=re.escape(words)):
        mg.draw_graph(**kwargs)


def test_draw_network_bad_input():
    with pytest.raises(TypeError, match="Linear layers, got ReLU"):
        mg.draw_network(nn.ReLU())
    with pytest.raises(ValueError, match="rankdir must be one of"):
        mg.draw_network(nn.Linear(1, 1), rankdir="down")
    with pytest.raises(ValueError, match="max_units must be a positive int"):
        mg.draw_network(nn.Linear(1, 1), max_units=0)
    with pytest.raises(TypeError, match="show_weights must be True or False, got 'yes'"):
        mg.draw_network(nn.Linear(1, 1), show_weights="yes")
    with pytest.raises(ValueError, match="layer '1' takes 3 inputs but the layer before "
                                         "it gives 2"):
        mg.draw_network(nn.Sequential(nn.Linear(1, 2), nn.Linear(3, 1)))


def test_missing_graphviz_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(ImportError, match="pip install graphviz"):
        mg.draw_graph(Value(1.0))


def test_import_microgd_does_not_import_graphviz():
    code = ("import sys, microgd; assert 'graphviz' not in sys.modules; "
            "microgd.draw_graph; assert 'graphviz' not in sys.modules; "
            "from microgd import draw_network; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr


def test_unknown_attributes_still_raise():
    with pytest.raises(AttributeError, match="no attribute 'draw_graphs'"):
        mg.draw_graphs  # noqa: B018


def test_the_digraph_shows_inline_in_jupyter_as_svg():
    bundle = mg.draw_graph(neuron())._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_module_parameters_are_named_without_params():
    model = nn.MLP(2, [3, 1])
    loss = nn.functional.mse_loss(model(Tensor(np.ones((4, 2)))), Tensor(np.zeros((4, 1))))
    source = mg.draw_graph(loss).source
    for name in ("0.weight", "0.bias", "2.weight", "2.bias"):
        assert name in source
