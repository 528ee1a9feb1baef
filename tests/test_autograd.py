"""The backward driver: accumulation, freeing, retain_graph, create_graph, grad(), grad mode."""

import subprocess
import sys
import threading

import numpy as np
import pytest

import microgd as mg
from microgd import Tensor, Value

ENGINES = {
    "value": lambda x: Value(x),
    "tensor": lambda x: Tensor(x, requires_grad=True),
}


def g(node):
    return float(np.asarray(node.grad))


# --- accumulate, never assign ---------------------------------------------------------

@pytest.mark.parametrize("make", ENGINES.values(), ids=ENGINES)
def test_x_times_x(make):
    x = make(3.0)
    (x * x).backward()
    assert g(x) == 6.0


@pytest.mark.parametrize("make", ENGINES.values(), ids=ENGINES)
def test_a_plus_a_twice(make):
    a = make(-2.0)
    b = a + a
    c = b + b
    c.backward()
    assert g(a) == 4.0
    assert c.data == -8.0


@pytest.mark.parametrize("make", ENGINES.values(), ids=ENGINES)
def test_reused_intermediate(make):
    a = make(1.5)
    b = a * 2.0           # used three times below
    c = b * b + b.exp() - b
    c.backward()
    b0 = 3.0
    assert g(a) == pytest.approx(2.0 * (2 * b0 + np.exp(b0) - 1), rel=1e-14)


@pytest.mark.parametrize("make", ENGINES.values(), ids=ENGINES)
def test_gradients_accumulate_across_backward_calls(make):
    x = make(2.0)
    (x * 3.0).backward()
    (x * x).backward()
    assert g(x) == 3.0 + 4.0


def test_value_keeps_intermediate_grads_tensor_only_leaves():
    a = Value(2.0)
    b = a * 3.0
    (b * b).backward()
    assert b.grad == 12.0
    t = Tensor(2.0, requires_grad=True)
    u = t * 3.0
    v = (t * 3.0).retain_grad()
    (u * v).backward()
    assert u.grad is None
    assert float(v.grad) == 6.0
    assert float(t.grad) == 36.0


def test_tensor_leaf_grads_are_arrays_of_their_own():
    # Some gradients are stored as the rules made them (no copy): none may be shared.
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones((2, 3)), requires_grad=True)
    c = Tensor(np.ones(3), requires_grad=True)
    w = Tensor(np.eye(3), requires_grad=True)
    s = a + b  # + hands the same gradient to a and b
    ((s @ w + c) * 2.0).sum().backward()
    grads = [a.grad, b.grad, c.grad, w.grad]
    assert all(g.flags.writeable and g.flags.owndata for g in grads)
    a.grad += 1.0
    np.testing.assert_array_equal(b.grad, np.full((2, 3), 2.0))
    np.testing.assert_array_equal(a.grad, np.full((2, 3), 3.0))


# --- freeing the graph ------------------------------------------------------------------

@pytest.mark.parametrize("make", ENGINES.values(), ids=ENGINES)
def test_second_backward_through_freed_graph(make):
    x = make(2.0)
    y = (x * x).exp()
    y.backward()
    with pytest.raises(ValueError, match="retain_graph=True"):
        y.backward()
    with pytest.raises(RuntimeError, match="second time"):  # PyTorch's exception type too
        y.backward()


@pytest.mark.parametrize("make", ENGINES.values(), ids=ENGINES)
def test_retain_graph_allows_second_backward(make):
    x = make(2.0)
    y = x * x * x
    y.backward(retain_graph=True)
    y.backward()
    assert g(x) == 2 * 12.0


def test_graph_structure_survives_backward_for_drawing():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    c.backward()
    assert c._parents == (a, b)
    assert c.op == "*"


def test_failed_backward_leaves_no_partial_gradients():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2.0).sum()
    y.backward()
    with pytest.raises(mg.GraphFreedError):
        y.backward()
    z = (x * 3.0).sum()
    z.backward()
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])


# --- create_graph and grad() --------------------------------------------------------------

def test_grad_does_not_touch_dot_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    w = Value(0.5)
    (gx,) = mg.grad((x ** 2).sum(), [x])
    (gw,) = mg.grad(w * w, w)
    np.testing.assert_array_equal(gx, [2.0, 4.0])
    assert gw == 1.0
    assert x.grad is None and w.grad == 0.0


def test_grad_with_grad_outputs_and_several_outputs():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y1, y2 = x * 2.0, x ** 2
    g1, = mg.grad([y1, y2], [x], grad_outputs=[np.ones(3), np.array([1.0, 0.0, 2.0])])
    np.testing.assert_array_equal(g1, [2 + 2, 2 + 0, 2 + 12])


def test_grad_unused_input():
    x, y = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match="allow_unused"):
        mg.grad(x * 2, [x, y])
    assert mg.grad(x * 2, [x, y], allow_unused=True) == [2.0, None]


def test_create_graph_on_backward_gives_differentiable_grad():
    x = Tensor([0.5, -1.0], requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    assert isinstance(x.grad, Tensor)
    gx = x.grad
    x.grad = None
    gx.sum().backward()
    np.testing.assert_allclose(x.grad, 6 * x.data)


def test_grad_of_grad_of_grad():
    x = Value(0.3)
    (d1,) = mg.grad(x.exp() * x, [x], create_graph=True)
    (d2,) = mg.grad(d1, [x], create_graph=True)
    (d3,) = mg.grad(d2, [x])
    assert d3 == pytest.approx(np.exp(0.3) * (0.3 + 3))


def test_grad_mode_is_thread_local():
    results = {}

    def other():
        results["other"] = mg.is_grad_enabled()

    with mg.no_grad():
        t = threading.Thread(target=other)
        t.start()
        t.join()
        results["here"] = mg.is_grad_enabled()
    assert results == {"other": True, "here": False}
    assert mg.is_grad_enabled()


def test_no_grad_context_and_decorator_and_enable_grad():
    x = Tensor([1.0], requires_grad=True)
    with mg.no_grad():
        y = x * 2.0
        with mg.enable_grad():
            z = x * 2.0
    assert not y.requires_grad and y.is_leaf
    assert z.requires_grad and z.op == "*"

    @mg.no_grad()
    def f(t):
        return t.exp()

    assert not f(x).requires_grad
    assert mg.is_grad_enabled()


def test_detach_and_requires_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.data is x.data
    y = (d * x).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0])
    v = Value(3.0)
    assert not v.detach().requires_grad
    c = Tensor([1.0]) * 2.0
    assert not c.requires_grad


# --- deep graphs --------------------------------------------------------------------------

def test_million_node_value_chain():
    x = Value(1.0)
    y = x
    for _ in range(500_000):  # two ops per step: a million nodes
        y = y * 1.000001 + 0.000001
    y.backward()
    assert x.grad == pytest.approx(1.000001 ** 500_000, rel=1e-9)


def test_hundred_thousand_node_tensor_chain():
    x = Tensor(np.ones(3), requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 1.00001 ** 100_000, rtol=1e-9)


# --- errors -------------------------------------------------------------------------------

def test_backward_on_non_scalar_needs_grad():
    y = Tensor([1.0, 2.0], requires_grad=True) * 2.0
    with pytest.raises(ValueError, match=r"only for scalar outputs.*shape \(2,\)"):
        y.backward()
    y.backward(np.array([1.0, 1.0]))


def test_backward_grad_of_wrong_shape():
    y = Tensor([1.0, 2.0], requires_grad=True) * 2.0
    with pytest.raises(ValueError, match=r"grad has shape \(3,\) but the output has shape \(2,\)"):
        y.backward(np.ones(3))
    with pytest.raises(ValueError, match=r"grad_outputs\[0\] has shape \(1,\)"):
        mg.grad(y, [y], grad_outputs=[np.ones(1)])


def test_backward_without_requires_grad():
    with pytest.raises(ValueError, match="does not require grad"):
        (Tensor([1.0]) * 2.0).sum().backward()
    with pytest.raises(ValueError, match="does not require grad"):
        Value(1.0, requires_grad=False).backward()


def test_grad_argument_types():
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a Value or Tensor, got float"):
        mg.grad(x * 2, [1.0])
    with pytest.raises(TypeError, match="outputs must be a Value, a Tensor"):
        mg.grad("y", [x])
    with pytest.raises(ValueError, match="grad_outputs has 2 entries for 1 outputs"):
        mg.grad(x * 2, [x], grad_outputs=[1.0, 2.0])


def test_import_pulls_in_numpy_only():
    code = ("import sys, microgd; "
            "print(sorted(m for m in ('matplotlib', 'graphviz', 'torch', 'tqdm', 'PIL') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_no_grad_decorator_in_several_threads():
    """A decorated function running in two threads at once restores each thread's mode."""
    a_in, b_in, b_release = threading.Event(), threading.Event(), threading.Event()
    results = {}

    @mg.no_grad()
    def body(entered, wait_for):
        entered.set()
        wait_for.wait(5)

    def thread_a():  # grad enabled; enters first, leaves while B is inside
        body(a_in, b_in)
        results["a"] = mg.is_grad_enabled()
        b_release.set()

    def thread_b():  # inside no_grad already; enters second, leaves last
        a_in.wait(5)
        with mg.no_grad():
            body(b_in, b_release)
            results["b inside"] = mg.is_grad_enabled()
        results["b"] = mg.is_grad_enabled()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"a": True, "b inside": False, "b": True}


def test_grad_with_respect_to_an_intermediate_node():
    x = Tensor([1.0, 3.0], requires_grad=True)
    y = x * 2.0
    z = (y * y).sum()
    gy, gx = mg.grad(z, [y, x])
    np.testing.assert_array_equal(gy, 2 * y.data)
    np.testing.assert_array_equal(gx, 8 * x.data)


# --- the tape (Value) -----------------------------------------------------------------------

def _random_expression(rng, leaves, ops=4000):
    """A random expression of + - * / (nodes, leaves and numbers) and one-input functions."""
    nodes = list(leaves)
    for _ in range(ops):
        a = nodes[rng.integers(len(nodes))]
        b = nodes[rng.integers(len(nodes))] if rng.random() < 0.7 else float(rng.normal())
        kind = rng.integers(7)
        if kind == 0:
            c = a + b
        elif kind == 1:
            c = b - a
        elif kind == 2:
            c = a * b * 0.5
        elif kind == 3:
            c = a / (b * b + 1.0)
        elif kind == 4:
            c = a.tanh()
        elif kind == 5:
            c = (a * 0.1).exp()
        else:
            c = a.relu() + a.sigmoid()
        nodes.append(c)
    return sum(nodes[-50:])


def _grads(leaves, build):
    for x in leaves:
        x.grad = 0.0
    build().backward()
    return [x.grad for x in leaves]


def test_inline_tape_rules_equal_the_ops_vjps():
    # A plain backward spells out + - * itself; create_graph calls the VJPs of ops.py.
    rng = np.random.default_rng(0)
    leaves = [Value(float(v)) for v in rng.normal(size=5)]
    plain = _grads(leaves, lambda: _random_expression(np.random.default_rng(1), leaves))
    out = _random_expression(np.random.default_rng(1), leaves)
    recorded = mg.grad(out, leaves, create_graph=True)
    np.testing.assert_allclose(plain, [v.data for v in recorded], rtol=1e-12, atol=1e-300)


def test_graphs_spanning_several_tapes(monkeypatch):
    rng = np.random.default_rng(2)
    leaves = [Value(float(v)) for v in rng.normal(size=5)]
    one_tape = _grads(leaves, lambda: _random_expression(np.random.default_rng(3), leaves))
    monkeypatch.setattr(mg.value, "_LAST", 7)  # a new tape after 8 ops, where it can
    out = _random_expression(np.random.default_rng(3), leaves)
    tapes = {id(n._tape) for n in mg.autograd.toposort([out]) if n._tape is not None}
    assert len(tapes) > 10
    recorded = mg.grad(out, leaves, create_graph=True)  # the VJPs, across the tapes too
    np.testing.assert_allclose([v.data for v in recorded], one_tape, rtol=1e-12)
    assert _grads(leaves, lambda: out) == one_tape
    x = Value(1.5)
    y = first = x * 1.01
    for _ in range(100):  # one expression: never split, however long
        y = y * 1.01 + 0.5
    assert y._tape is first._tape
    (gx,) = mg.grad(y, [x], create_graph=True)
    assert gx.data == pytest.approx(1.01 ** 101, rel=1e-12)


def test_a_node_from_before_a_backward_joins_the_next_graph():
    x = Value(2.0)
    h = x * x
    (x * 3.0).backward()  # frees its own graph and starts a new tape; h's op is kept
    y = h * 5.0
    assert y._tape is not h._tape
    y.backward()
    assert x.grad == 3.0 + 10.0 * 2.0  # d(5 x^2)/dx = 10 x
    with pytest.raises(mg.GraphFreedError, match="second time"):
        (h * 1.0).backward()  # h's op was freed by y.backward()


def test_a_node_read_from_two_tapes_is_one_node_in_drawings():
    x = Value(2.0)
    h = x * x
    early = h + 1.0  # reads h on its own tape
    (x * 1.0).backward()  # a new tape
    out = early * h  # reads h from the newer tape
    order = mg.autograd.toposort([out], grad_only=False)
    assert sum(n.op == "*" and n.data == 4.0 for n in order) == 1
    assert sum(n._key == h._key for n in order) == 1


def test_two_graphs_on_one_tape_free_only_their_own_ops():
    x = Value(2.0)
    shared = x * x
    l1, l2, l3 = shared * 3.0, x * 4.0, shared + 1.0
    l1.backward()
    l2.backward()  # nothing of l1's graph in it
    assert x.grad == 12.0 + 4.0
    with pytest.raises(mg.GraphFreedError):
        l3.backward()  # goes through the freed x * x
    assert x.grad == 16.0  # and accumulated nothing


def test_only_the_walks_that_free_a_graph_mark_it_freed():
    x = Value(2.0)
    l1, l2 = x * 2.0, x * 3.0
    l1.backward()  # frees l1's op
    l2.backward(retain_graph=True)  # its gradients are kept beside l1's
    l2.backward()
    assert x.grad == 2.0 + 3.0 + 3.0
    y = Value(2.0)
    l1, h = y * 2.0, y * 5.0
    l1.backward()
    h.grad = 7.0  # a gradient set by hand frees nothing
    (h * 1.0).backward()
    assert y.grad == 2.0 + 5.0


def test_intermediate_values_keep_grad_and_label_on_the_tape():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    c.label = "c"
    d = c + a
    d.backward()
    (view,) = [p for p in d._parents if p.op == "*"]
    assert view is not c and view.label == "c" and view.grad == c.grad == 1.0
    c.grad = 0.0
    assert view.grad == 0.0
    assert d._parents == d._parents  # one object per node however often asked


def test_a_tape_is_freed_with_its_last_value():
    import weakref
    x = Value(1.0)
    y = x * 2.0
    tape = weakref.ref(y._tape)
    y.backward()
    assert tape() is not None  # y still points into it
    del y
    assert tape() is None


def test_a_forward_only_loop_keeps_few_tapes(monkeypatch):
    # No backward, no no_grad, the last result alive while the next is made: the
    # thread starts a new tape every TAPE_OPS ops, so old ones die with their Values.
    import weakref
    monkeypatch.setattr(mg.value, "_LAST", 99)
    x = Value(0.5)
    tapes = []
    y = None
    for _ in range(200):
        y = (x * 3.0).tanh() * x + (y.data if y is not None else 0.0)
        tapes.append(weakref.ref(y._tape))
    assert len({id(t()) for t in tapes if t() is not None}) <= 2


def test_grad_with_respect_to_an_intermediate_value():
    x = Value(3.0)
    y = x * 2.0
    z = y * y + x
    gy, gx = mg.grad(z, [y, x], retain_graph=True)
    assert (gy, gx) == (12.0, 25.0)
    (gy,) = mg.grad(z * 1.0, [list(z._parents)[0]._parents[0]], retain_graph=True)
    assert gy == 12.0  # the same node through a handle made for drawings
    assert x.grad == 0.0 and y.grad == 0.0


def test_graphs_recorded_in_other_threads():
    w = Value(0.5)
    before = w * 1.0  # this thread's tape is now older than the workers'
    results = [None] * 4

    def sample(i):
        results[i] = (w * float(i)).tanh() * w

    threads = [threading.Thread(target=sample, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = sum(results) + before
    total.backward()
    expected = 1.0 + sum(np.tanh(0.5 * i) + 0.5 * i / np.cosh(0.5 * i) ** 2
                         for i in range(4))
    assert w.grad == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("record", ["one-input op", "scalar Linear"])
def test_an_op_on_a_newer_threads_node_starts_a_new_tape(record):
    w = Value(0.5)
    (w * 1.0).backward()  # this thread has a tape, older than the worker's below
    made = []
    worker = threading.Thread(target=lambda: made.append(w * 3.0))
    worker.start()
    worker.join()
    (h,) = made
    if record == "one-input op":
        out = h.tanh()
        expected = 3.0 / np.cosh(1.5) ** 2
    else:
        (out,) = mg.value_linear.linear([h], [Value(2.0)], [Value(1.0)])
        expected = 6.0
    assert out._tape is not h._tape and out._tape.serial > h._tape.serial
    w.grad = 0.0
    out.backward()
    assert w.grad == pytest.approx(expected, rel=1e-12)
