# %% [markdown]
# # Lesson 6: what backward walks — graphs of a neuron and of small MLPs
#
# Every number the engines compute is a node that remembers the op and the inputs
# that made it. Here we draw those graphs with their data and gradients: one neuron
# tanh(w1 x1 + w2 x2 + b) on Values, a tiny MLP on Values (one node per multiply),
# and an MLP on Tensors (one node per layer op, parameters named by the model).
# Then gradcheck compares backward with finite differences on a few functions.
#
# Runs as a script (`python demos/graph.py [--out DIR]`) and opens as a notebook
# (`notebooks/graph.ipynb`).

# %%
# demos first, before numpy: it sets one BLAS thread, the same numbers everywhere
from demos.common import parse_args, render

import numpy as np

import microgd as mg
from microgd import Tensor, Value, nn

mg.manual_seed(0)
args = parse_args("Lesson 6: computation graphs with data and gradients.")

# %% [markdown]
# ## One neuron
#
# With x = (2, 0), w = (-3, 1) and b = 6.8813735870195432, the pre-activation is
# n = 0.8814 and the output o = tanh(n) = 0.7071. By hand: do/dn = 1 - o² = 0.5, so
# do/dw1 = x1 · 0.5 = 1, do/dw2 = x2 · 0.5 = 0, do/dx1 = w1 · 0.5 = -1.5,
# do/dx2 = w2 · 0.5 = 0.5 and do/db = 0.5.

# %%
leaves = {"x1": Value(2.0, label="x1"), "x2": Value(0.0, label="x2"),
          "w1": Value(-3.0, label="w1"), "w2": Value(1.0, label="w2"),
          "b": Value(6.8813735870195432, label="b")}
x1w1 = leaves["x1"] * leaves["w1"]
x1w1.label = "x1*w1"
x2w2 = leaves["x2"] * leaves["w2"]
x2w2.label = "x2*w2"
total = x1w1 + x2w2
total.label = "x1*w1 + x2*w2"
n = total + leaves["b"]
n.label = "n"
o = n.tanh()
o.label = "o"
o.backward()
print(f"neuron: o = tanh(x1*w1 + x2*w2 + b) = {o.data:.4f}")
print("  gradients: " + ", ".join(f"do/d{k} = {v.grad:.4f}" for k, v in leaves.items()))

# %%
neuron = mg.draw_graph(o)
pictures = [render(neuron, args.out / f"neuron.{suffix}", "the neuron's graph")
            for suffix in ("svg", "png")]
neuron

# %% [markdown]
# ## A 2-3-1 MLP on Values: one node per multiply

# %%
value_mlp = nn.MLP(2, [3, 1], engine="value")
value_loss = (value_mlp([2.0, -1.0]) - 1.0) ** 2
value_loss.backward()
print(f"2-3-1 MLP on Values: {len(list(value_mlp.parameters()))} parameters, "
      f"squared error {value_loss.data:.4f}")
value_graph = mg.draw_graph(value_loss, params=value_mlp)
pictures.append(render(value_graph, args.out / "mlp_values.svg", "the scalar MLP's graph"))
value_graph

# %% [markdown]
# ## A 2-16-16-1 MLP on Tensors: one node per layer op

# %%
tensor_mlp = nn.MLP(2, [16, 16, 1])
X, y = mg.data.circle(n=8, seed=0)
tensor_loss = nn.MSELoss()(tensor_mlp(Tensor(X)), Tensor(y.reshape(-1, 1)))
tensor_loss.backward()
print(f"2-16-16-1 MLP on Tensors: {sum(p.numel() for p in tensor_mlp.parameters())} numbers in "
      f"{len(list(tensor_mlp.parameters()))} parameter Tensors, MSE {tensor_loss.item():.4f}")
tensor_graph = mg.draw_graph(tensor_loss, params=tensor_mlp, rankdir="TB")
pictures.append(render(tensor_graph, args.out / "mlp_tensors.svg", "the Tensor MLP's graph"))
tensor_graph

# %% [markdown]
# ## gradcheck: backward against central finite differences

# %%
rng = np.random.default_rng(0)
A = Tensor(rng.standard_normal((5, 3)))
checks = {
    "neuron tanh(w1*x1 + w2*x2 + b), Values":
        (lambda x1, x2, w1, w2, b: (x1 * w1 + x2 * w2 + b).tanh(),
         [Value(v) for v in (2.0, 0.0, -3.0, 1.0, 6.8813735870195432)]),
    "x**y / (1 + exp(-x)) + log(y), Values":
        (lambda x, y: x ** y / (1 + (-x).exp()) + y.log(), [Value(1.5), Value(2.5)]),
    "sigmoid(A @ W + b).sum(), Tensors":
        (lambda W, b: (A @ W + b).sigmoid().sum(),
         [Tensor(rng.standard_normal((3, 4)), requires_grad=True),
          Tensor(rng.standard_normal(4), requires_grad=True)]),
    "mean((tanh(A @ W1) @ W2)**2), Tensors":
        (lambda W1, W2: (((A @ W1).tanh() @ W2) ** 2).mean(),
         [Tensor(rng.standard_normal((3, 6)), requires_grad=True),
          Tensor(rng.standard_normal((6, 2)), requires_grad=True)]),
}
gradchecks = {name: mg.gradcheck(fn, inputs) for name, (fn, inputs) in checks.items()}
for name, ok in gradchecks.items():
    print(f"gradcheck {name}: {ok}")

# %%
results = {"neuron": o.data, "neuron_grads": {k: v.grad for k, v in leaves.items()},
           "gradchecks": gradchecks, "pictures": pictures}
