# %% [markdown]
# # Lesson 4: a curve no line can fit, y = sin(x)³
#
# A hundred points of y = sin(x)³ plus a little noise, x in [0, 10). Three models:
#
# 1. a straight line, `nn.Linear(1, 1)`;
# 2. a deep linear net, Linear(1, 10) → Linear(10, 10) → Linear(10, 1) with no
#    activation between: a product of linear maps is linear, so it is still a line
#    and ends at the same loss;
# 3. a ReLU MLP 1-100-100-1: the ReLUs bend it, and it follows the curve.
#
# The lesson trains all three with SGD at lr 0.01 and needs 10000 epochs for the MLP
# to reach a loss of 0.028. Adam (lr 0.01) gets the MLP to the noise level (0.01)
# in under 2000 epochs, so the demo uses it there; the lines keep the lesson's SGD.
#
# Runs as a script (`python demos/nonlinear.py [--fast] [--out DIR]`) and opens as a
# notebook (`notebooks/nonlinear.ipynb`).

# %%
# demos first, before numpy: it sets one BLAS thread, the same numbers everywhere
from demos.common import fit, mse, parse_args, predict, render, saved

import numpy as np

import microgd as mg
from microgd import data, nn, optim, plot

args = parse_args("Lesson 4: a line, a deep linear net and a ReLU MLP on sin(x)^3.")
mg.manual_seed(0)
x, y = data.sin_cubed(seed=0)
X = x.reshape(-1, 1)
print(f"data: {len(X)} points of y = sin(x)^3 + noise, x in [0, 10)")

# %% [markdown]
# ## The three models, trained on all the points at once

# %%
line = nn.Linear(1, 1)
deep = nn.Sequential(nn.Linear(1, 10), nn.Linear(10, 10), nn.Linear(10, 1))
relu = nn.MLP(1, [100, 100, 1])
models = {
    "line (SGD)": (line, optim.SGD(line.parameters(), lr=0.01), 1000),
    "deep linear, no activation (SGD)": (deep, optim.SGD(deep.parameters(), lr=0.01), 1000),
    "ReLU MLP 1-100-100-1 (Adam)": (relu, optim.Adam(relu.parameters(), lr=0.01), 2000),
}
grid = np.linspace(0, 10, 400).reshape(-1, 1)
losses, curves, errors = {}, {}, {}
for name, (model, opt, epochs) in models.items():
    epochs = epochs * 3 // 10 if args.fast else epochs
    losses[name] = fit(model, X, y, opt, epochs, name)
    errors[name] = mse(model, X, y)
    curves[name] = predict(model, grid)
    print(f"  {name:34s} {epochs:5d} epochs  mean squared error {errors[name]:.4f}")

# %% [markdown]
# Both linear models are lines: their value at 0 is the intercept, and the step from
# 0 to 1 the slope.

# %%
for name, model in [("line", line), ("deep linear", deep)]:
    b, a_plus_b = predict(model, np.array([[0.0], [1.0]]))
    print(f"  {name} is the line y = {a_plus_b - b:.4f}x {'-' if b < 0 else '+'} {abs(b):.4f}")
line_mse, deep_mse, relu_mse = errors.values()
print(f"the ReLUs cut the line's error {line_mse / relu_mse:.0f}-fold")

# %% [markdown]
# ## The fits

# %%
path = args.out / "nonlinear.png"
pictures = [saved(path, "the three fits")]
plot.plot_fit(x, y, curves, grid=grid, path=path, title="Lesson 4: three fits to sin(x)³")

# %% [markdown]
# ## The training loss
#
# The deep linear net (dashed) ends on the line's loss (solid): it is a line too.

# %%
path = args.out / "nonlinear_losses.png"
pictures.append(saved(path, "loss curves"))
plot.plot_losses(losses, path=path, xlabel="epoch", ylabel="mean squared error",
                 title="Lesson 4: the training loss")

# %% [markdown]
# ## The ReLU MLP's network
#
# One box per layer, with its sizes and its number of parameters (`mg.draw_network`).

# %%
network = mg.draw_network(relu)
pictures += [render(network, args.out / f"nonlinear_network.{suffix}",
                    "the ReLU MLP's network diagram") for suffix in ("svg", "png")]
network

# %%
results = {"line_mse": line_mse, "deep_linear_mse": deep_mse, "relu_mse": relu_mse,
           "pictures": pictures}
