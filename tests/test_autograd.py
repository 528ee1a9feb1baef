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
    grads = [a.grad.data, b.grad.data, c.grad.data, w.grad.data]
    assert all(g.flags.writeable and g.flags.owndata for g in grads)
    a.grad += 1.0
    np.testing.assert_array_equal(b.grad, np.full((2, 3), 2.0))
    np.testing.assert_array_equal(a.grad, np.full((2, 3), 3.0))


def test_a_tensors_grad_is_one_tensor_that_later_backwards_add_into():
    w = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    (w * 2.0).sum().backward()
    held = w.grad
    assert type(held) is Tensor and w.grad is held and not held.requires_grad
    assert held.dtype == np.float32
    (w * w).sum().backward()
    assert w.grad is held  # added into in place, as PyTorch's
    np.testing.assert_array_equal(held.data, [4.0, 4.0, 4.0])
    w.grad = None
    (w * 3.0).sum().backward()
    (w * 3.0).sum().backward()  # added up before the Tensor is asked for
    np.testing.assert_array_equal(w.grad.data, [6.0, 6.0, 6.0])
    x = Tensor(3.0, requires_grad=True)
    (x * x).backward()
    assert type(x.grad.data) is np.ndarray and x.grad.shape == ()
    x.grad = None
    (x * x).backward()
    (x * x).backward(create_graph=True)  # a recorded gradient added to a plain one
    assert x.grad.requires_grad and float(x.grad) == 12.0


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


# --- parents and _prev (micrograd's name) ---------------------------------------------

def test_parents_and_prev_name_the_inputs():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    assert c.parents == (a, b) and c._prev == {a, b} and a.parents == () and a._prev == set()
    d = c + c
    assert d.parents[0] is d.parents[1] and d._prev == {d.parents[0]}
    assert d.parents[0]._prev == {a, b}  # the same node, however it is reached
    x = Tensor([1.0], requires_grad=True)
    y = x * 2
    assert y.parents[0] is x and float(y.parents[1].data) == 2.0 and len(y._prev) == 2


def test_values_hash_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert len({a, b, a}) == 2 and hash(a) == object.__hash__(a)


# --- threads: backward state belongs to the call ----------------------------------------------

def _in_threads(work, n=3, repeats=20):
    """Run work(i) in n threads, each ``repeats`` times at once; the results by thread."""
    results = [[] for _ in range(n)]
    start = threading.Barrier(n)

    def run(i):
        start.wait()
        for _ in range(repeats):
            results[i].append(work(i))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_threads_backpropagate_through_one_shared_tensor_graph():
    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(4, 5)), requires_grad=True)
    y = x
    for k in range(100):  # a 300-op graph, every thread walks all of it
        y = (y * 0.9 + 0.1).tanh() * (1.0 + 0.001 * k)
    root = y.sum()
    (expected,) = mg.grad(root, x, retain_graph=True)
    for got in _in_threads(lambda i: mg.grad(root, x, retain_graph=True)[0]):
        for g in got:
            np.testing.assert_array_equal(g, expected)


def test_threads_backpropagate_through_one_shared_value_graph():
    w = Value(0.7)
    out = w
    for k in range(200):
        out = (out * 0.9 + w * 0.1).tanh() + 0.01 * k
    (expected,) = mg.grad(out, [w], retain_graph=True)
    for got in _in_threads(lambda i: mg.grad(out, [w], retain_graph=True)[0]):
        assert got == [expected] * len(got)


def test_threads_train_separate_models_at_once():
    def train(i, steps=30):
        w = Tensor(np.full(3, 0.5), requires_grad=True)
        v = Value(0.5)
        x = np.linspace(-1, 1, 12).reshape(4, 3)
        for _ in range(steps):
            w.grad, v.grad = None, 0.0
            ((Tensor(x) @ w - 1.0) ** 2).mean().backward()
            ((v * v - 2.0) ** 2).backward()
            with mg.no_grad():
                w -= 0.1 * w.grad
            v.data -= 0.01 * v.grad
        return w.data.copy(), v.data

    alone = train(-1)
    for got in _in_threads(train, n=3, repeats=2):
        for w, v in got:
            np.testing.assert_array_equal(w, alone[0])
            assert v == alone[1]
