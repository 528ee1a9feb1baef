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
    assert label(nodes(dot)[find(dot, "w1 |")]) == "{ w1 | data -3 | grad 1 }"
    assert label(nodes(dot)[find(dot, "out |")]) == "{ out | data 0.7071 | grad 1 }"
    # an input that does not require grad shows no grad
    assert label(nodes(dot)[find(dot, "x1 |")]) == "{ x1 | data 2 }"


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
    legend = label(nodes(dot)["legend"])
    for role, text in [("input", "input / constant"), ("parameter", "parameter / variable"),
                       ("intermediate", "intermediate"), ("output", "output")]:
        assert f'bgcolor="{COLORS[role]}">{text}<' in legend


def test_constants_are_inputs():
    x = Value(2.0, label="x")
    y = 3 * x
    dot = mg.draw_graph(y)
    assert fill(dot, find(dot, "{ data 3 }")) == COLORS["input"]


def test_show_data_and_show_grad_can_be_turned_off():
    out = neuron()
    assert "grad" not in mg.draw_graph(out, show_grad=False).source
    dot = mg.draw_graph(out, show_data=False)
    assert "data" not in dot.source
    assert label(nodes(dot)[find(dot, "w1 |")]) == "{ w1 | grad 1 }"


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
    dot = mg.draw_graph(loss, params={"0.weight": w, "0.bias": b})
    weight = label(nodes(dot)[find(dot, "0.weight")])
    assert weight == ("{ 0.weight | (3, 2) float64 | data min 0 mean 0.25 max 0.5 "
                      "| grad min 4 mean 4 max 4 }")
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
    assert "{ x | (2,) float64 | data [1, 2] | grad [3, 12] }" in mg.draw_graph(x).source


# --- big graphs ------------------------------------------------------------------------

def scalar_mlp_loss(samples=4):
    manual_seed(0)
    model = nn.MLP(2, [16, 16, 1], engine="value")
    errors = [(model([a, -a]) - a * a) ** 2 for a in np.linspace(-1, 1, samples)]
    loss = sum(errors[1:], errors[0])
    loss.label = "loss"
    loss.backward()
    return loss, model


def test_a_big_scalar_mlp_is_folded_into_layer_boxes():
    loss, model = scalar_mlp_loss()
    assert len(mg.autograd.toposort([loss], grad_only=False)) > 2500
    dot = mg.draw_graph(loss, params=model)
    found = nodes(dot)
    boxes = {label(a).split("\\n")[0]: k for k, a in found.items() if "shape=box3d" in a}
    assert sorted(boxes) == ["0: Linear", "2: Linear", "4: Linear"]
    assert "48 parameters" in label(found[boxes["0: Linear"]])
    assert "272 parameters" in label(found[boxes["2: Linear"]])
    assert "relu" in label(found[boxes["0: Linear"]])
    assert (boxes["0: Linear"], boxes["2: Linear"]) in edges(dot)
    assert (boxes["2: Linear"], boxes["4: Linear"]) in edges(dot)
    assert re.search(r"collapsed [\d,]+ nodes into 3 layer boxes \(max_nodes=500\)",
                     label(found["note"]))
    assert fill(dot, find(dot, "loss |")) == COLORS["output"]
    assert len(found) <= 500
    assert svg_nodes(dot) == len(found)


def test_the_folded_drawing_renders_within_max_nodes():
    loss, model = scalar_mlp_loss(samples=8)
    dot = mg.draw_graph(loss, params=model, max_nodes=50)
    assert svg_nodes(dot) <= 50


def test_without_names_a_big_graph_is_folded_into_depth_bands():
    loss, _ = scalar_mlp_loss()
    dot = mg.draw_graph(loss)
    bands = [label(a) for a in nodes(dot).values() if "ops at depth" in a]
    assert 1 < len(bands) <= 8
    assert "depth band" in label(nodes(dot)["note"])
    assert svg_nodes(dot) <= 500


def test_a_100000_node_chain_does_not_crash_and_stays_small():
    y = Value(0.5, label="x")
    for i in range(50_000):  # 50,000 ops and 50,000 constants
        y = y * 1.0001 if i % 2 else y + 0.1
    dot = mg.draw_graph(y, max_nodes=100)
    assert len(nodes(dot)) <= 100
    assert "collapsed 150,001 nodes" in dot.source
    assert svg_nodes(dot) == len(nodes(dot))


def test_too_many_modules_for_max_nodes_fall_back_to_depth_bands():
    y, params = Value(1.0, requires_grad=False), {}
    for i in range(30):
        params[f"m{i}.w"] = w = Value(0.5)
        y = y * w + 1
    dot = mg.draw_graph(y, params=params, max_nodes=20)
    assert "depth band" in label(nodes(dot)["note"])
    assert svg_nodes(dot) <= 20


def test_leaves_used_far_apart_are_folded_into_leaf_boxes():
    xs = [Value(float(i), label=f"x{i}") for i in range(100)]
    y = xs[0]
    for i in range(100):  # each leaf feeds two ops 100 steps apart: no one band holds both
        y = y * xs[i] + xs[(i + 50) % 100]
    dot = mg.draw_graph(y, max_nodes=100)
    titles = [label(a).split("\\n")[0] for a in nodes(dot).values() if "box3d" in a]
    assert "parameter / variable leaves" in titles
    assert "leaf box" in label(nodes(dot)["note"])
    assert svg_nodes(dot) <= 100


def test_collapse_modules_folds_even_a_small_graph():
    manual_seed(0)
    model = nn.MLP(2, [3, 1], engine="value")
    loss = (model([1.0, -1.0]) - 1.0) ** 2
    loss.backward()
    full = mg.draw_graph(loss, params=model)
    assert "box3d" not in full.source and "0.weight[2,1] |" in full.source
    dot = mg.draw_graph(loss, params=model, collapse="modules")
    titles = sorted(label(a).split("\\n")[0] for a in nodes(dot).values() if "box3d" in a)
    assert titles == ["0: Linear", "2: Linear"]
    assert "(max_nodes" not in label(nodes(dot)["note"])


def test_max_nodes_none_draws_everything():
    loss, model = scalar_mlp_loss(samples=1)
    dot = mg.draw_graph(loss, params=model, max_nodes=None)
    order = mg.autograd.toposort([loss], grad_only=False)
    assert len(nodes(dot)) == len(order) + sum(1 for n in order if n.op) + 1  # + legend


# --- network diagrams ------------------------------------------------------------------

def test_a_tiny_network_is_drawn_unit_by_unit_with_weights_on_edges():
    manual_seed(0)
    model = nn.MLP(2, [3, 1])
    dot = mg.draw_network(model)
    found = nodes(dot)
    assert [label(found[k]) for k in ("x0", "x1")] == ["x1", "x2"]
    assert [label(found[f"l0u{j}"]) for j in range(3)] == ["n1.1", "n1.2", "n1.3"]
    assert label(found["l1u0"]) == "y1"
    assert fill(dot, "l1u0") == COLORS["output"]
    weights = model[0].weight.data
    labelled = {(t, h): attrs for t, h, attrs in EDGE.findall(dot.source)}
    for j in range(3):
        for i in range(2):
            assert label(labelled[(f"x{i}", f"l0u{j}")]) == f"{weights[j, i]:.3g}"
        assert label(labelled[("b0", f"l0u{j}")]) == f"{model[0].bias.data[j]:.3g}"
    assert len(labelled) == 3 * 3 + 4  # 2 inputs + bias into 3 units, 3 units + bias into 1
    assert 'label="0: Linear 2 -> 3 + ReLU"' in dot.source
    assert svg_nodes(dot) == len(found)


def test_the_lesson_network_input_n1_output():
    model = nn.Linear(1, 1, engine="value")
    dot = mg.draw_network(model)
    assert sorted(edges(dot)) == [("b0", "l0u0"), ("x0", "l0u0")]
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
    assert len(edges(dot)) == 2 * 2 + 2


def test_draw_network_takes_plain_lists_of_layers():
    dot = mg.draw_network([nn.Linear(2, 2), nn.Sigmoid()], max_units=1)
    assert label(nodes(dot)["l0"]) == r"0: Linear 2 -> 2\nSigmoid\n6 parameters"


# --- bad input, imports, notebooks -----------------------------------------------------

@pytest.mark.parametrize("kwargs, error, words", [
    (dict(root=1.5), TypeError, "root must be a Value or a Tensor, got float"),
    (dict(params=[1]), TypeError, "params must be a dict"),
    (dict(params={"w": 1.0}), TypeError, "params['w'] must be a Value or a Tensor"),
    (dict(rankdir="XY"), ValueError, "rankdir must be one of LR, TB, RL, BT, got 'XY'"),
    (dict(max_nodes=5), ValueError, "max_nodes must be None or an int >= 20, got 5"),
    (dict(collapse="layers"), ValueError, "collapse must be None or 'modules'"),
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
