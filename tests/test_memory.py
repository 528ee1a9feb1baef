"""No reference cycles: after a training step, the cyclic garbage collector finds nothing.

A graph that holds a cycle (a closure that captures its own output, a node that
points back at its parent...) is freed only by the collector, so every step pays
for collections and memory grows between them. These tests switch the collector
off, run a step, and ask it what it would have had to free.
"""

import gc

import numpy as np
import pytest

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
