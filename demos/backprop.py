# %% [markdown]
# # Backprop by hand, then by the engine: the micrograd lecture on microgd
#
# The lecture builds an expression out of Values, works out every gradient by hand
# with the chain rule, then lets the engine do it: first node by node with each
# node's `_backward()`, then all at once with `backward()`. We do the same here, and
# then watch the engine's own walk one step at a time (`mg.explain_backward`,
# `mg.animate_backward`).
#
# Runs as a script (`python demos/backprop.py [--out DIR] [--fast]`) and opens as a
# notebook (`notebooks/backprop.ipynb`).

# %%
# demos first, before numpy: it sets one BLAS thread, the same numbers everywhere
from demos.common import parse_args, render

import microgd as mg
from microgd import Value, nn

args = parse_args("The micrograd lecture: backprop by hand, explained and animated.")
pictures = []

# %% [markdown]
# ## An expression by hand
#
# L = (a * b + c) * f with a = 2, b = -3, c = 10, f = -2. Going back from L:
# dL/dL = 1; L = d * f, so dL/dd = f = -2 and dL/df = d = 4; d = e + c passes its
# gradient on unchanged: dL/de = dL/dc = -2; e = a * b, so dL/da = dL/de * b = 6 and
# dL/db = dL/de * a = -4. A nudge of a by h = 0.001 moves L by about 6 h.

# %%
def expression(a=2.0):
    """L = (a * b + c) * f with the lecture's numbers, each node labelled."""
    a, b, c, f = Value(a, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), \
        Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L, {"a": a, "b": b, "c": c, "f": f, "d": d, "e": e}


h = 0.001
L, nodes = expression()
nudged, _ = expression(2.0 + h)
print(f"L = {L.data}; (L(a + h) - L(a)) / h = {(nudged.data - L.data) / h:.4f}")
L.backward()
by_hand = {"a": 6.0, "b": -4.0, "c": -2.0, "f": 4.0, "d": -2.0, "e": -2.0}
for name, node in nodes.items():
    print(f"dL/d{name}: by hand {by_hand[name]:5.1f}, backward() {node.grad:5.1f}")

# %% [markdown]
# ## The neuron
#
# o = tanh(x1 w1 + x2 w2 + b), with x = (2, 0), w = (-3, 1) and b = 6.8813735870195432
# so that n = 0.8814 and o = 0.7071. By hand: do/dn = 1 - o² = 0.5; a sum hands its
# gradient on unchanged; a product hands each input the other one times it.

# %%
def neuron():
    """The lecture's neuron, every node labelled; returns the output and the nodes."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
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
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "x1*w1": x1w1,
               "x2*w2": x2w2, "x1*w1 + x2*w2": total, "n": n}


o, parts = neuron()
print(f"n = {parts['n'].data:.4f}, o = tanh(n) = {o.data:.4f}")
neuron_graph = mg.draw_graph(o)
neuron_graph

# %% [markdown]
# ## Backprop by hand, one node at a time
#
# Set the output's gradient to 1, then call `_backward()` on each node, the output
# first: each adds its gradient times its local derivative to its inputs' `.grad`.

# %%
o.grad = 1.0
for name in ["o", "n", "x1*w1 + x2*w2", "x2*w2", "x1*w1"]:
    (o if name == "o" else parts[name])._backward()
hand_run = {name: parts[name].grad for name in ("x1", "x2", "w1", "w2", "b")}
print("node by node: " + ", ".join(f"do/d{k} = {v:.4f}" for k, v in hand_run.items()))

# %% [markdown]
# The lecture then orders the nodes itself (a topological sort through each node's
# `_prev`) and runs the same loop; `backward()` does both.

# %%
o2, parts2 = neuron()
topo, visited = [], set()


def build_topo(v):
    if v not in visited:
        visited.add(v)
        for child in v._prev:
            build_topo(child)
        topo.append(v)


build_topo(o2)
o2.grad = 1.0
for node in reversed(topo):
    node._backward()
o3, parts3 = neuron()
o3.backward()
for name in ("x1", "x2", "w1", "w2", "b"):
    print(f"do/d{name}: topological loop {parts2[name].grad:.4f}, "
          f"backward() {parts3[name].grad:.4f}")

# %% [markdown]
# ## The engine's own walk, explained
#
# `mg.explain_backward` runs the walk `backward()` runs and prints the chain rule of
# every edge: the node's gradient times the local derivative, added to the input's.

# %%
explanation = mg.explain_backward(neuron()[0])
print(explanation)

# %% [markdown]
# ## Watching it: the forward pass, then backward step by step
#
# Each frame highlights the node of the step; the gradients appear as the walk hands
# them on, and the caption is the step's chain rule.

# %%
animation = mg.animate_backward(neuron()[0], forward=True)
pictures.append(str(animation.save(args.out / "backprop.gif")))
pictures.append(str(animation.save(args.out / "backprop.html")))
print(f"  the animation ({len(animation)} frames): {pictures[-2]}, {pictures[-1]}")
animation

# %% [markdown]
# ## The lecture's MLP
#
# `MLP(3, [4, 4, 1])` with tanh, on four samples, the loss the sum of squared errors.
# microgd's MLP puts no tanh after its last layer (as PyTorch's models do); each
# step zeroes the gradients first, since backward() adds to them.

# %%
mg.manual_seed(0)
model = nn.MLP(3, [4, 4, 1], engine="value", activation="tanh")
xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
ys = [1.0, -1.0, -1.0, 1.0]
losses = []
for _ in range(5 if args.fast else 40):
    loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys))
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data += -0.05 * p.grad
    losses.append(loss.data)
print(f"{len(list(model.parameters()))} parameters; loss {losses[0]:.4f} -> {losses[-1]:.4f}")

# %%
loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys))
loss.backward()
mlp_graph = mg.draw_graph(loss, params=model)
pictures.append(render(mlp_graph, args.out / "backprop_mlp.svg", "the MLP's loss graph"))
mlp_graph

# %%
results = {"loss": L.data, "expression_grads": {k: v.grad for k, v in nodes.items()},
           "neuron": o.data, "hand_run": hand_run, "mlp_losses": losses,
           "pictures": pictures}
