"""Backprop one step at a time (microgd/steps.py, microgd/animate.py): backward_steps is
backward's own walk, explain_backward's lines, the animation's frames and files, the
micrograd lecture's hand-run backprop (parents, _prev, _backward)."""

import re

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

import microgd as mg
from microgd import Tensor, Value, nn
from test_ops import BINARY, SETTINGS, UNARY, arrays, small_shapes, values

B = 6.8813735870195432  # the lecture's bias: the neuron's pre-activation is atanh(1/sqrt 2)


def neuron(inputs_require_grad=True):
    """The lecture's neuron tanh(x1*w1 + x2*w2 + b), its nodes labelled as there."""
    x1 = Value(2.0, label="x1", requires_grad=inputs_require_grad)
    x2 = Value(0.0, label="x2", requires_grad=inputs_require_grad)
    w1, w2, b = Value(-3.0, label="w1"), Value(1.0, label="w2"), Value(B, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    total = x1w1 + x2w2
    total.label = "x1*w1 + x2*w2"
    n = total + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, [x1, x2, w1, w2, b], [x1w1, x2w2, total, n, o]


def contributions(steps):
    """Sum of what the steps handed each input, by the input's key."""
    total = {}
    for step in steps:
        for edge in step.edges:
            key = edge.input._key
            total[key] = edge.contribution + total[key] if key in total else edge.contribution
    return total


# --- backward_steps is backward's walk -----------------------------------------------------

def _check_steps_add_up(build, leaves_of):
    """Steps to the end give backward()'s grads exactly; contributions add up to them."""
    out, leaves = build()
    steps = list(mg.backward_steps(out))
    expected_out, expected_leaves = build()
    expected_out.backward()
    for x, e in zip(leaves, expected_leaves):
        assert np.array_equal(leaves_of(x.grad), leaves_of(e.grad))  # bitwise
    handed = contributions(steps)
    for x, e in zip(leaves, expected_leaves):
        if x._key in handed:
            np.testing.assert_allclose(handed[x._key], leaves_of(e.grad), rtol=1e-12, atol=1e-15)
    for step in steps:  # a step's gradient is complete: what its consumers handed it
        if step.node._key != out._key:
            np.testing.assert_allclose(handed[step.node._key], step.grad, rtol=1e-12,
                                       atol=1e-15)


@pytest.mark.parametrize("name", UNARY)
@SETTINGS
@given(data=st.data())
def test_steps_add_up_to_backward_over_the_unary_ops_values(name, data):
    fn, _, domain, flt = UNARY[name]
    x = data.draw(values(domain, flt))
    _check_steps_add_up(lambda: (lambda v: (fn(v), [v]))(Value(x)), float)


@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(data=st.data())
def test_steps_add_up_to_backward_over_the_binary_ops_values(name, data):
    fn, _, dom_a, dom_b, *flt = BINARY[name]
    a, b = data.draw(values(dom_a)), data.draw(values(dom_b))
    assume(not flt or flt[0](a, b))

    def build():
        va, vb = Value(a), Value(b)
        y = fn(va, vb)
        return y * y + y, [va, vb]  # each input reached by several paths
    _check_steps_add_up(build, float)


@pytest.mark.parametrize("name", UNARY)
@SETTINGS
@given(data=st.data())
def test_steps_add_up_to_backward_over_the_unary_ops_tensors(name, data):
    fn, _, domain, flt = UNARY[name]
    x = data.draw(arrays(data.draw(small_shapes), domain, flt))

    def build():
        t = Tensor(x, requires_grad=True)
        return (fn(t) * fn(t)).sum(), [t]
    _check_steps_add_up(build, np.asarray)


@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(data=st.data())
def test_steps_add_up_to_backward_over_the_binary_ops_tensors(name, data):
    fn, _, dom_a, dom_b, *flt = BINARY[name]
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
    a = data.draw(arrays(shapes.input_shapes[0], dom_a))
    b = data.draw(arrays(shapes.input_shapes[1], dom_b))
    assume(not flt or flt[0](*np.broadcast_arrays(a, b)))

    def build():
        ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
        y = fn(ta, tb)
        return (y * y + y).sum(), [ta, tb]
    _check_steps_add_up(build, np.asarray)


def test_value_steps_run_newest_first_and_leave_every_grad_as_backward():
    out, leaves, nodes = neuron()
    steps = list(mg.backward_steps(out))
    assert [s.node.label for s in steps] == ["o", "n", "x1*w1 + x2*w2", "x2*w2", "x1*w1"]
    assert steps[0].node is out and steps[0].grad == 1.0
    # the same nodes: the leaf itself, and a handle on the node `total` is a handle on
    assert [e.input._key for e in steps[1].edges] == [nodes[2]._key, leaves[4]._key]
    assert steps[1].edges[1].input is leaves[4]
    ref_out, ref_leaves, ref_nodes = neuron()
    ref_out.backward()
    assert [x.grad for x in leaves + nodes] == [x.grad for x in ref_leaves + ref_nodes]
    with pytest.raises(mg.GraphFreedError):  # freed as backward() frees
        out.backward()


def test_tensor_steps_run_in_reverse_topological_order():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    w = Tensor(np.ones((3, 2)) / 3, requires_grad=True)
    h = (x @ w).tanh()
    loss = (h * h + h).mean()
    steps = list(mg.backward_steps(loss, retain_graph=True))
    seen = set()
    for step in steps:  # a node steps before every node it was computed from
        assert not any(p._key in seen for p in step.node.parents)
        seen.add(step.node._key)
    assert steps[0].node is loss and [s.node.op for s in steps][-1] == "matmul"
    mul = next(s for s in steps if s.node.op == "*")
    assert [e.input for e in mul.edges] == [h, h]
    np.testing.assert_array_equal(mul.edges[0].local, h.data)  # d(h*h)/d(first h) = h
    gx, gw = x.grad, w.grad
    x.grad = w.grad = None
    loss.backward()
    assert np.array_equal(gx, x.grad) and np.array_equal(gw, w.grad)


def test_value_local_derivatives_are_the_chain_rule_factors():
    out, (x1, x2, w1, w2, b), _ = neuron()
    steps = list(mg.backward_steps(out))
    local = {(s.node.label, e.input.label): e.local for s in steps for e in s.edges}
    assert local["o", "n"] == pytest.approx(1 - out.data ** 2)
    assert local["x1*w1", "x1"] == -3.0 and local["x1*w1", "w1"] == 2.0
    assert local["n", "b"] == 1.0


def test_stopping_early_on_values_changes_nothing_and_frees_nothing():
    out, leaves, nodes = neuron()
    steps = mg.backward_steps(out)
    next(steps)
    next(steps)
    steps.close()
    assert [x.grad for x in leaves + nodes] == [0.0] * 10
    out.backward()  # not freed: the whole backward still runs, once
    assert [x.grad for x in leaves] == pytest.approx([-1.5, 0.5, 1.0, 0.0, 0.5])


def test_stopping_early_on_tensors_keeps_what_the_walk_reached():
    w = Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * 3.0).sum()
    steps = mg.backward_steps(loss, retain_graph=True)
    assert next(steps).node is loss
    steps.close()
    assert w.grad is None
    loss.backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])
    loss = (w * 3.0).sum()
    steps = mg.backward_steps(loss)  # without retain_graph, the stepped node is freed
    next(steps)
    steps.close()
    with pytest.raises(mg.GraphFreedError, match="retain_graph=True"):
        loss.backward()


def test_backward_steps_refuses_what_backward_refuses():
    with pytest.raises(ValueError, match=r"backward_steps\(\) on a Value that does not "
                                         r"require grad.*requires_grad=True"):
        mg.backward_steps(Value(1.0, requires_grad=False) * 2.0)
    with pytest.raises(ValueError, match=r"backward_steps\(\) on a Tensor"):
        mg.backward_steps(Tensor([1.0]) * 2)
    with pytest.raises(TypeError, match="root must be a Value or a Tensor, got float"):
        mg.backward_steps(1.0)
    with pytest.raises(ValueError, match=r"gradient can be created implicitly only for "
                                         r"scalar outputs; pass grad=\.\.\."):
        mg.backward_steps(Tensor([1.0, 2.0], requires_grad=True) * 2)
    for out in (neuron()[0], (Tensor([1.0, 2.0], requires_grad=True) ** 2).sum()):
        out.backward()
        with pytest.raises(mg.GraphFreedError, match="second time.*retain_graph=True"):
            list(mg.backward_steps(out))
        with pytest.raises(mg.GraphFreedError, match="retain_graph=True"):
            mg.explain_backward(out)


# --- explain_backward ---------------------------------------------------------------------

def test_the_neuron_explained_line_by_line():
    out, leaves, _ = neuron()
    assert mg.explain_backward(out).lines == [
        "do/dn += do/do * do/dn = 1.0000 * 0.5000 = 0.5000",
        "do/d(x1*w1 + x2*w2) += do/dn * dn/d(x1*w1 + x2*w2) = 0.5000 * 1.0000 = 0.5000",
        "do/db += do/dn * dn/db = 0.5000 * 1.0000 = 0.5000",
        "do/d(x1*w1) += do/d(x1*w1 + x2*w2) * d(x1*w1 + x2*w2)/d(x1*w1) "
        "= 0.5000 * 1.0000 = 0.5000",
        "do/d(x2*w2) += do/d(x1*w1 + x2*w2) * d(x1*w1 + x2*w2)/d(x2*w2) "
        "= 0.5000 * 1.0000 = 0.5000",
        "do/dx2 += do/d(x2*w2) * d(x2*w2)/dx2 = 0.5000 * 1.0000 = 0.5000",
        "do/dw2 += do/d(x2*w2) * d(x2*w2)/dw2 = 0.5000 * 0.0000 = 0.0000",
        "do/dx1 += do/d(x1*w1) * d(x1*w1)/dx1 = 0.5000 * -3.0000 = -1.5000",
        "do/dw1 += do/d(x1*w1) * d(x1*w1)/dw1 = 0.5000 * 2.0000 = 1.0000",
    ]
    assert [x.grad for x in leaves] == [0.0] * 5  # it touches no .grad
    out.backward()  # and keeps the graph
    assert leaves[2].grad == pytest.approx(1.0)


def test_explanations_name_unlabelled_nodes_and_print_as_text_and_html():
    a, b = Value(2.0), Value(-3.0)
    text = mg.explain_backward(a * b + a, digits=2)
    assert text.lines == ["dL/d(*#1) += dL/dL * dL/d(*#1) = 1.00 * 1.00 = 1.00",
                          "dL/d(leaf#2) += dL/dL * dL/d(leaf#2) = 1.00 * 1.00 = 1.00",
                          "dL/d(leaf#2) += dL/d(*#1) * d(*#1)/d(leaf#2) = 1.00 * -3.00 = -3.00",
                          "dL/d(leaf#3) += dL/d(*#1) * d(*#1)/d(leaf#3) = 1.00 * 2.00 = 2.00"]
    assert str(text) == repr(text) == "\n".join(text.lines)
    page = text._repr_html_()
    assert page.count("<tr>") == 5 and "<th>contribution</th>" in page
    assert "<td><code>dL/d(leaf#2) += dL/d(*#1) * d(*#1)/d(leaf#2)</code></td>" in page
    with pytest.raises(ValueError, match="digits must be an int from 0 to 17, got -1"):
        mg.explain_backward(a * b, digits=-1)


def test_tensor_explanations_give_shapes_and_norms():
    w = Tensor([[3.0, 4.0]], requires_grad=True, label="w")
    x = Tensor([[1.0], [0.0]], label="x")
    y = x @ w
    y.label = "y"
    lines = mg.explain_backward(y.sum()).lines
    assert lines == ["dL/dy += dL/dL * dL/dy: () norm 1.0000 * (2, 2) norm 2.0000 "
                     "-> (2, 2) norm 2.0000",
                     "dL/dw += dL/dy * dy/dw: (2, 2) norm 2.0000 * (1, 2) norm 1.4142 "
                     "-> (1, 2) norm 1.4142"]
    s = Tensor(2.0, requires_grad=True, label="s")
    assert mg.explain_backward(s * s).lines[0] == \
        "dL/ds += dL/dL * dL/ds = 1.0000 * 2.0000 = 2.0000"


# --- the micrograd lecture ---------------------------------------------------------------

def lecture_backward(o):
    """The lecture's own code: its recursive topological sort, then _backward per node."""
    topo = []
    visited = set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)
    build_topo(o)
    o.grad = 1.0
    for node in reversed(topo):
        node._backward()
    return topo


def test_the_lectures_hand_run_backprop_gives_backwards_gradients_on_the_neuron():
    out, leaves, nodes = neuron()
    topo = lecture_backward(out)
    assert len(topo) == 10
    ref_out, ref_leaves, ref_nodes = neuron()
    ref_out.backward()
    assert [x.grad for x in leaves + nodes] == [x.grad for x in ref_leaves + ref_nodes]


def test_the_lectures_hand_run_backprop_gives_backwards_gradients_on_an_mlp():
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    grads = []
    for hand in (True, False):
        mg.manual_seed(1337)
        model = nn.MLP(3, [4, 4, 1], engine="value", activation="tanh")
        loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys))
        lecture_backward(loss) if hand else loss.backward()
        grads.append([p.grad for p in model.parameters()])
    assert len(grads[0]) == 41 and grads[0] == pytest.approx(grads[1], rel=1e-12, abs=1e-15)
    assert any(g != 0 for g in grads[0])


def test_a_leafs_backward_does_nothing_and_a_freed_ops_refuses():
    a = Value(2.0)
    a.grad = 5.0
    a._backward()
    assert a.grad == 5.0
    out, _, _ = neuron()
    out.backward()
    with pytest.raises(mg.GraphFreedError):
        out._backward()


# --- animate_backward --------------------------------------------------------------------

def test_one_frame_per_step_after_a_frame_without_gradients():
    out, _, _ = neuron(inputs_require_grad=False)
    animation = mg.animate_backward(out)
    assert len(animation) == len(list(mg.backward_steps(neuron()[0]))) + 1 == 6
    assert animation.captions[1][1:] == [mg.explain_backward(out).lines[0]]
    both = mg.animate_backward(out, forward=True)
    assert len(both) == 1 + 5 + 6  # the inputs, each op, then backward
    assert both.captions[1] == ["forward: (x1*w1) = x1 * w1 = -6"]
    assert both.captions[5] == ["forward: o = tanh(n) = 0.7071"]
    assert both.captions[6:] == animation.captions
    assert out.grad == 0.0  # it touches no .grad


def test_every_frame_has_the_same_layout_and_shows_the_gradients_so_far():
    out, _, _ = neuron()
    animation = mg.animate_backward(out)
    svgs = [animation.frame_svg(k) for k in range(len(animation))]
    sizes = {re.search(r'<svg width="(\w+)" height="(\w+)"', s).groups() for s in svgs}
    assert len(sizes) == 1
    positions = {tuple(re.findall(r'<text text-anchor="middle" x="([\d.-]+)" y="([\d.-]+)"',
                                  s)[:3]) for s in svgs}
    assert len(positions) == 1
    assert "grad 0.5" not in svgs[0] and "grad 1</text>" in svgs[1]
    assert svgs[-1].count("grad 0.5") == 6 and "grad &#45;1.5" in svgs[-1]


def test_the_gif_and_the_html_player_hold_every_frame(tmp_path):
    out, _, _ = neuron()
    animation = mg.animate_backward(out)
    gif = animation.save(tmp_path / "backprop.gif")
    image = Image.open(gif)
    assert image.format == "GIF" and image.n_frames == len(animation)
    page = animation.save(tmp_path / "backprop.html").read_text()
    assert page.count("data:image/svg+xml;base64,") == len(animation)
    assert f'type="range" min="0" max="{len(animation) - 1}"' in page and "<script>" in page
    assert animation._repr_html_().count("data:image/svg+xml;base64,") == len(animation)
    with pytest.raises(ValueError, match=r"'x\.png' should end in \.gif or \.html"):
        animation.save("x.png")


def test_a_tensor_graph_animates():
    w = Tensor([[1.0, -2.0]], requires_grad=True, label="w")
    loss = (Tensor([[1.0], [2.0]]) @ w).relu().mean()
    animation = mg.animate_backward(loss, forward=True)
    assert len(animation) == 4 + 4  # forward: inputs + 3 ops; backward: start + 3 steps
    assert "grad [0.75, 0]" in animation.frame_svg(len(animation) - 1)


def test_a_graph_too_large_to_animate_says_how_to_cut_it():
    model = nn.MLP(3, [4, 4, 1], engine="value", activation="tanh")
    loss = (model([1.0, 2.0, 3.0]) - 1.0) ** 2
    with pytest.raises(ValueError, match=r"the graph has \d+ nodes, more than max_nodes=60.*"
                                         r"one sample's loss.*mg.draw_graph\(root\).*"
                                         r"max_nodes=\d+ to animate it all"):
        mg.animate_backward(loss)
    with pytest.raises(ValueError, match="max_nodes must be a positive int, got 0"):
        mg.animate_backward(loss, max_nodes=0)
    with pytest.raises(TypeError, match="root must be a Value or a Tensor, got list"):
        mg.animate_backward([loss])
