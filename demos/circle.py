# %% [markdown]
# # Lesson 5: a surface in 3-D, y = |x|
#
# A thousand points x uniform in the square [-1, 1]², with target its distance from
# the centre, y = sqrt(x1² + x2²), plus noise: a cone. Two nets of the same shape,
# 2-100-100-1, trained with Adam at lr 0.01: one with linear layers only (it can only
# learn a tilted plane, and stops at the cone's variance around its mean), one with
# ReLUs (it learns the cone, down to the noise).
#
# Runs as a script (`python demos/circle.py [--fast] [--out DIR]`) and opens as a
# notebook (`notebooks/circle.ipynb`).

# %%
# demos first, before numpy: it sets one BLAS thread, the same numbers everywhere
from demos.common import fit, mse, parse_args, predict, saved

import microgd as mg
from microgd import data, nn, optim, plot

args = parse_args("Lesson 5: linear layers vs a ReLU MLP on y = |x| in 3-D.")
mg.manual_seed(0)
X, y = data.circle(seed=0)
epochs = 150 if args.fast else 1000
print(f"data: {len(X)} points x in [-1, 1]^2, y = |x| + noise; Adam lr 0.01, "
      f"{epochs} epochs")

# %% [markdown]
# ## Two nets of the same shape, with and without ReLUs

# %%
nets = {
    "linear layers only": nn.Sequential(nn.Linear(2, 100), nn.Linear(100, 100),
                                        nn.Linear(100, 1)),
    "ReLU MLP": nn.MLP(2, [100, 100, 1]),
}
losses, errors = {}, {}
for name, model in nets.items():
    losses[name] = fit(model, X, y, optim.Adam(model.parameters(), lr=0.01), epochs, name)
    errors[name] = mse(model, X, y)
    print(f"  {name:20s} mean squared error {errors[name]:.4f}")

# %% [markdown]
# ## The data and what each net predicts at the same points
#
# Colour shows the height. The linear net's predictions lie on a plane; the ReLU MLP's
# rise with the distance from the centre, like the data.

# %%
path = args.out / "circle_predictions.png"
pictures = [saved(path, "3-D scatters of the data and the predictions")]
plot.plot_surface_3d(X, y, predictions={name: predict(model, X)
                                        for name, model in nets.items()},
                     path=path, title="Lesson 5: the data and both nets' predictions")

# %% [markdown]
# ## The ReLU MLP's surface under the data

# %%
path = args.out / "circle_surface.png"
pictures.append(saved(path, "the ReLU MLP's predicted surface"))
plot.plot_surface_3d(X, y, surface=lambda grid: predict(nets["ReLU MLP"], grid), path=path,
                     surface_label="the ReLU MLP's prediction",
                     title="Lesson 5: the ReLU MLP's surface and the data (black)")

# %% [markdown]
# ## The training loss

# %%
path = args.out / "circle_losses.png"
pictures.append(saved(path, "loss curves"))
plot.plot_losses(losses, path=path, xlabel="epoch", ylabel="mean squared error",
                 title="Lesson 5: the training loss")

# %%
results = {"linear_mse": errors["linear layers only"], "relu_mse": errors["ReLU MLP"],
           "pictures": pictures}
