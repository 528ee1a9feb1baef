"""No reference cycles: after a training step, the cyclic garbage collector finds nothing.

A graph that holds a cycle (a closure that captures its own output, a node that
points back at its parent...) is freed only by the collector, so every step pays
for collections and memory grows between them. These tests switch the collector
off, run a step, and ask it what it would have had to free.
"""

import gc
import os
import pathlib

import numpy as np
import pytest

import microgd as mg
from microgd import Tensor, Value, nn, optim
from microgd.nn import functional as F


def cyclic_garbage(step):
    """The objects that only the cyclic collector frees after ``step()``.

    Runs one warm-up step (lazy imports, optimizer state), then a step with the
    collector off, then collects with DEBUG_SAVEALL so the freed objects are kept
    in ``gc.garbage`` for inspection.
    """
    step()
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        step()
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        return list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()


def describe(objects):
    return sorted({f"{type(o).__module__}.{type(o).__qualname__}" for o in objects})


def tensor_mlp_step():
    """A step function for a small Tensor MLP with Adam, MSE, a batch of 8."""
    rng = np.random.default_rng(0)
    model = nn.MLP(3, [8, 8, 1])
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    X, y = Tensor(rng.random((8, 3))), Tensor(rng.random((8, 1)))

    def step():
        optimizer.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
        return loss.item()
    return step


def value_expression_step():
    """A step function for a small Value expression using every scalar op, SGD by hand."""
    params = [Value(0.5), Value(-1.5), Value(2.0)]

    def step():
        a, b, c = params
        loss = ((a * b + c ** 2) / (1 + a.exp()) - b.tanh() + c.relu() * a.sigmoid()
                + (c * c).log() - 2 ** a)
        return sgd(loss, params)
    return step


def value_mlp_step():
    """A step function for a small scalar-engine MLP on two samples."""
    model = nn.MLP(2, [4, 1], engine="value")
    params = list(model.parameters())

    def step():
        loss = sum((model(x) - t) ** 2 for x, t in (([0.5, -1.0], 1.0), ([1.5, 0.2], -1.0)))
        return sgd(loss, params)
    return step


def sgd(loss, params, lr=0.01):
    """Zero the Values' gradients, backpropagate, take a plain SGD step; returns the loss."""
    for p in params:
        p.grad = 0.0
    loss.backward()
    for p in params:
        p.data -= lr * p.grad
    return loss.data


@pytest.mark.parametrize("make_step", [tensor_mlp_step, value_expression_step, value_mlp_step])
def test_a_training_step_leaves_nothing_for_the_cyclic_collector(make_step):
    garbage = cyclic_garbage(make_step())
    assert garbage == [], f"a step left {len(garbage)} objects in cycles: {describe(garbage)}"


def test_the_check_sees_a_cycle():
    # The check itself works: a Value kept in a cycle shows up.
    def step():
        v = Value(1.0) * 2
        holder = [v]
        holder.append(holder)

    assert "microgd.value.Value" in describe(cyclic_garbage(step))


def _rss_growth(step, steps):
    """How much the process's resident memory grew over ``steps`` calls of ``step``."""
    statm = pathlib.Path("/proc/self/statm")
    if not statm.exists():
        pytest.skip("needs Linux's /proc/self/statm")
    page = os.sysconf("SC_PAGE_SIZE")

    def rss():
        return int(statm.read_text().split()[1]) * page

    for _ in range(20):  # warm up: lazy imports, the allocator's pools
        step()
    gc.collect()
    before = rss()
    for _ in range(steps):
        step()
    gc.collect()
    return rss() - before


def test_keeping_every_steps_loss_keeps_structure_not_arrays():
    # Issue 14: losses.append(loss) kept each step's graph, ~3 MB a step on the lesson's
    # 1-100-100-1 MLP. Its saved arrays are released two backwards later; its structure stays.
    rng = np.random.default_rng(0)
    X, y = Tensor(rng.random((100, 1))), Tensor(rng.random((100, 1)))
    model = nn.MLP(1, [100, 100, 1])
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    losses = []

    def step():
        optimizer.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss)

    growth = _rss_growth(step, 1000)
    assert growth < 5e6, f"{growth / 1e6:.1f} MB kept by 1,000 losses"
    from microgd.linked import Released
    order = mg.autograd.toposort([losses[0]], grad_only=False)
    assert [n.op for n in order if n.op] == ["linear", "relu", "linear", "relu", "linear", "mse"]
    assert all(isinstance(n.data, Released) for n in order if n.op and n is not losses[0])
    assert losses[0].item() > losses[-1].item()  # the losses themselves keep their data


def test_a_kept_intermediate_keeps_its_data():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0  # the user holds h: its data must stay, as in PyTorch
    first = (h.exp() * 2.0).sum()
    first.backward()
    (x * 1.0).sum().backward()  # the previous step's graph keeps its data (loss = step())
    np.testing.assert_array_equal(first._parents[0]._parents[0].data, np.exp([3.0, 6.0]))
    (x * 2.0).sum().backward()  # the second freeing backward after it releases it
    np.testing.assert_array_equal(h.data, [3.0, 6.0])
    exp_node = first._parents[0]._parents[0]
    from microgd.linked import Released
    assert isinstance(exp_node.data, Released) and exp_node.shape == (2,)
    assert exp_node._parents == (h,)


def test_a_released_graph_is_drawn_as_structure():
    pytest.importorskip("graphviz")
    x = Tensor([1.0, 2.0], requires_grad=True)
    first = ((x * 3.0).exp() * 2.0).sum()
    first.backward()
    (x * 1.0).sum().backward()
    (x * 2.0).sum().backward()
    source = mg.draw_graph(first).source
    assert source.count("data freed") == 3 and "exp" in source
