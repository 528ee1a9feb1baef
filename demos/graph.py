# %% [markdown]
# # Lesson 6: what backward walks — graphs of a neuron and of small MLPs
#
# Every number the engines compute is a node that remembers the op and the inputs
# that made it. Here we draw those graphs with their data and gradients: one neuron
# tanh(w1 x1 + w2 x2 + b) on Values, a tiny MLP on Values (one node per multiply),
# and an MLP on Tensors (one node per layer op, parameters named by the model).
# Then gradcheck compares backward with finite differences on a few functions.

# %%
import numpy as np

import microgd as mg
from microgd import Tensor, Value, nn

try:
    from demos.common import parse_args, render
except ModuleNotFoundError:  # run as `python demos/graph.py`, or from demos/
    from common import parse_args, render


# %% [markdown]
# ## One neuron
#
# With x = (2, 0), w = (-3, 1) and b = 6.8813735870195432, the pre-activation is
# n = 0.8814 and the output o = tanh(n) = 0.7071. By hand: do/dn = 1 - o^2 = 0.5, so
# do/dw1 = x1 * 0.5 = 1, do/dw2 = x2 * 0.5 = 0, do/dx1 = w1 * 0.5 = -1.5,
# do/dx2 = w2 * 0.5 = 0.5 and do/db = 0.5.

# %%
def neuron():
    """The neuron's output Value after backward, and its leaves by name."""
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
    return o, leaves


# %% [markdown]
# ## Small MLPs: one Value per multiply, or one Tensor per layer op

# %%
def value_mlp_loss():
    """A 2-3-1 ReLU MLP on Values, its squared error on one sample, after backward."""
    model = nn.MLP(2, [3, 1], engine="value")
    loss = (model([2.0, -1.0]) - 1.0) ** 2
    loss.backward()
    return model, loss


def tensor_mlp_loss():
    """A 2-16-16-1 ReLU MLP on Tensors, its MSE on 8 samples, after backward."""
    model = nn.MLP(2, [16, 16, 1])
    X, y = mg.data.circle(n=8, seed=0)
    loss = nn.MSELoss()(model(Tensor(X)), Tensor(y.reshape(-1, 1)))
    loss.backward()
    return model, loss


# %% [markdown]
# ## gradcheck: backward against central finite differences

# %%
def gradchecks():
    """Run mg.gradcheck on a few functions of Values and Tensors: {name: result}."""
    rng = np.random.default_rng(0)
    X = Tensor(rng.standard_normal((5, 3)))
    checks = {
        "neuron tanh(w1*x1 + w2*x2 + b), Values":
            (lambda x1, x2, w1, w2, b: (x1 * w1 + x2 * w2 + b).tanh(),
             [Value(v) for v in (2.0, 0.0, -3.0, 1.0, 6.8813735870195432)]),
        "x**y / (1 + exp(-x)) + log(y), Values":
            (lambda x, y: x ** y / (1 + (-x).exp()) + y.log(), [Value(1.5), Value(2.5)]),
        "sigmoid(X @ W + b).sum(), Tensors":
            (lambda W, b: (X @ W + b).sigmoid().sum(),
             [Tensor(rng.standard_normal((3, 4)), requires_grad=True),
              Tensor(rng.standard_normal(4), requires_grad=True)]),
        "mean((tanh(X @ W1) @ W2)**2), Tensors":
            (lambda W1, W2: (((X @ W1).tanh() @ W2) ** 2).mean(),
             [Tensor(rng.standard_normal((3, 6)), requires_grad=True),
              Tensor(rng.standard_normal((6, 2)), requires_grad=True)]),
    }
    return {name: mg.gradcheck(fn, inputs) for name, (fn, inputs) in checks.items()}


# %%
def main(argv=None):
    """Build, print and draw the graphs; run the gradchecks."""
    args = parse_args(argv, "Lesson 6: computation graphs with data and gradients.")
    mg.manual_seed(0)
    o, leaves = neuron()
    print(f"neuron: o = tanh(x1*w1 + x2*w2 + b) = {o.data:.4f}")
    print("  gradients: " + ", ".join(f"do/d{k} = {v.grad:.4f}" for k, v in leaves.items()))
    dot = mg.draw_graph(o)
    pictures = [render(dot, args.out / f"neuron.{suffix}", "the neuron's graph")
                for suffix in ("svg", "png")]

    model, loss = value_mlp_loss()
    print(f"2-3-1 MLP on Values: {len(list(model.parameters()))} parameters, "
          f"squared error {loss.data:.4f}")
    pictures.append(render(mg.draw_graph(loss, params=model), args.out / "mlp_values.svg",
                           "the scalar MLP's graph"))
    model, loss = tensor_mlp_loss()
    print(f"2-16-16-1 MLP on Tensors: {sum(p.size for p in model.parameters())} numbers in "
          f"{len(list(model.parameters()))} parameter Tensors, MSE {loss.item():.4f}")
    pictures.append(render(mg.draw_graph(loss, params=model, rankdir="TB"),
                           args.out / "mlp_tensors.svg", "the Tensor MLP's graph"))

    results = gradchecks()
    for name, ok in results.items():
        print(f"gradcheck {name}: {ok}")
    return {"neuron": o.data, "neuron_grads": {k: v.grad for k, v in leaves.items()},
            "gradchecks": results, "pictures": pictures}


# %%
if __name__ == "__main__":
    main()
