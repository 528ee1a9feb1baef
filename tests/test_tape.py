"""Value graphs on the tape (microgd/tape.py): the two walks agree, graphs over several
tapes, freeing per graph, lifetimes, threads."""

import threading
import weakref

import numpy as np
import pytest

import microgd as mg
from microgd import Value, tape



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


def test_the_fast_walk_equals_the_reference_walk(monkeypatch):
    # tape.fast_walk spells out + - * for speed; tape.reference_walk runs every op's VJPs.
    rng = np.random.default_rng(4)
    leaves = [Value(float(v)) for v in rng.normal(size=5)]
    out = _random_expression(np.random.default_rng(5), leaves) * leaves[0].sin().abs()
    fast = mg.grad(out, leaves, retain_graph=True)
    monkeypatch.setattr(tape, "fast_walk", tape.reference_walk)
    reference = mg.grad(out, leaves)
    assert fast == pytest.approx(reference, rel=1e-13, abs=1e-300) and fast != [0.0] * 5


def test_the_tape_reads_through_named_entries():
    x = Value(3.0)
    y = x * 2.0
    entry = y._tape.entry(y._index)
    assert (entry.op, entry.ref_a, entry.ref_b, entry.a, entry.b, entry.out) == \
        (mg.ops.MUL, x, None, 3.0, 2.0, 6.0)
    z = y.tanh()
    assert z._tape.entry(z._index).ref_a == y._index and z._tape.ops() == y._index + 2


def test_contributions_are_an_ops_vjps_and_steps_run_newest_first():
    # tape.steps (what reference_walk runs and backward_steps pauses) and contributions.
    x, w = Value(3.0), Value(-2.0, requires_grad=False)
    y = x * w
    z = y ** 2
    t = z._tape
    assert tape.contributions(t, y._index, 1.0) == [(0, x, -2.0)]  # w needs no gradient
    assert tape.contributions(t, z._index, 0.5) == [(0, y._index, 0.5 * 2 * -6.0)]
    grads = [None] * t.ops()
    grads[z._index] = 1.0
    gathered = {}
    walked = list(tape.steps(t, grads, z._index, {}, gathered))
    assert [k for k, _, _ in walked] == [z._index, y._index]
    assert gathered == {x: 24.0}
    z.backward()
    with pytest.raises(mg.GraphFreedError, match="'\\*\\*' node"):
        tape.contributions(t, z._index, 1.0)
