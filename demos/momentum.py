# %% [markdown]
# # Lesson 3: momentum, Nesterov and Adam on the lesson 2 problem
#
# The same line y = x @ a (x = [u, 1]) and the same start a = (-1, 1). Plain SGD takes
# each step along the current gradient. The lesson's momentum takes the average of the
# last steps instead: step = 0.8 * last_step + 0.2 * gradient (the first step is the
# plain gradient), which is PyTorch's SGD with momentum=0.8 and dampening=0.8. PyTorch's
# usual momentum adds the whole gradient (dampening 0), Nesterov looks one step ahead,
# and Adam scales each coordinate by a running estimate of its gradient's size. We
# race them for 50 steps and draw their paths over the loss surface in (a, b).
#
# Runs as a script (`python demos/momentum.py [--out DIR]`) and opens as a notebook
# (`notebooks/momentum.ipynb`).

# %%
# demos first, before numpy: it sets one BLAS thread, the same numbers everywhere
from demos.common import GUESS, fit_line, line_loss, parse_args, saved

import numpy as np

from microgd import data, optim, plot

args = parse_args("Lesson 3: momentum, Nesterov and Adam on the lesson 2 line.")
LR, STEPS = 0.1, 50  # lesson 2's learning rate
OPTIMIZERS = {
    "SGD": lambda p: optim.SGD(p, lr=LR),
    "lesson momentum (0.8, dampening 0.8)": lambda p: optim.SGD(p, lr=LR, momentum=0.8,
                                                                dampening=0.8),
    "momentum 0.9 (PyTorch style)": lambda p: optim.SGD(p, lr=LR, momentum=0.9),
    "Nesterov 0.9": lambda p: optim.SGD(p, lr=LR, momentum=0.9, nesterov=True),
    "Adam (lr 0.1)": lambda p: optim.Adam(p, lr=LR),
}
X, y = data.lesson2(seed=0)
best = np.linalg.lstsq(X, y, rcond=None)[0]
min_loss = line_loss(best, X, y)
print(f"lesson 2 data ({len(X)} points); minimum at a = ({best[0]:.4f}, {best[1]:.4f}), "
      f"loss {min_loss:.4f}; {STEPS} steps from a = {GUESS}, lr {LR}")

# %% [markdown]
# ## The race
#
# Lesson 2's loop (`fit_line`), each time with another optimizer.

# %%
paths, losses = {}, {}
for name, make in OPTIMIZERS.items():
    _, path, losses[name] = fit_line(X, y, STEPS, report=None, make_optimizer=make)
    paths[name] = np.array(path)

optimizers = {}
print(f"  {'optimizer':38s} {'a':>8s} {'b':>8s} {'loss':>8s}  "
      f"steps to within 1% of the minimum")
for name, track in paths.items():
    final_loss = line_loss(track[-1], X, y)
    close = [t for t, loss in enumerate(losses[name]) if loss <= 1.01 * min_loss]
    reached = str(close[0]) if close else f"> {STEPS}"
    print(f"  {name:38s} {track[-1][0]:8.4f} {track[-1][1]:8.4f} {final_loss:8.4f}  {reached}")
    optimizers[name] = {"a": float(track[-1][0]), "b": float(track[-1][1]),
                        "loss": final_loss}

# %% [markdown]
# ## The lesson's momentum, written out by hand
#
# Its update keeps the last step and mixes in a fifth of the new gradient. The
# gradient of the mean squared error is 2 Xᵀ (X a - y) / n. It walks the same path as
# `optim.SGD(momentum=0.8, dampening=0.8)`.

# %%
def lesson_momentum(X, y, steps=STEPS, lr=LR, moms=0.8):
    """The lesson's loop with the gradient by hand; returns the path of a."""
    a, last_step = np.array(GUESS), np.zeros(2)
    path = [a.copy()]
    for t in range(steps):
        gradient = 2 * X.T @ (X @ a - y) / len(y)
        m = 0.0 if t == 0 else moms
        last_step = m * last_step + (1 - m) * gradient
        a = a - lr * last_step
        path.append(a.copy())
    return np.array(path)


by_hand = lesson_momentum(X, y)
difference = float(np.abs(by_hand - paths["lesson momentum (0.8, dampening 0.8)"]).max())
print(f"the lesson's momentum by hand vs optim.SGD(momentum=0.8, dampening=0.8): "
      f"largest difference {difference:.1e}")

# %% [markdown]
# ## The loss per step

# %%
file = args.out / "momentum_losses.png"
pictures = [saved(file, "loss curves")]
plot.plot_losses(losses, path=file, ylabel="mean squared error",
                 title="Lesson 3: the loss per step")

# %% [markdown]
# ## The paths over the loss surface
#
# Each path runs from the square (the start) to a dot (where it ends after 50 steps);
# the hollow star is the minimum.

# %%
points = np.concatenate(list(paths.values()))
low, high = points.min(axis=0), points.max(axis=0)
margin = 0.15 * (high - low)
file = args.out / "momentum_paths.png"
pictures.append(saved(file, "paths over the loss surface"))
plot.plot_loss_surface(
    lambda A, B: np.mean((A[..., None] * X[:, 0] + B[..., None] * X[:, 1] - y) ** 2, axis=-1),
    (low[0] - margin[0], high[0] + margin[0]), (low[1] - margin[1], high[1] + margin[1]),
    paths=paths, target=best, path=file,
    title="Lesson 3: optimizer paths over the loss (mean squared error)")

# %%
results = {"optimizers": optimizers, "minimum": [float(best[0]), float(best[1])],
           "min_loss": min_loss, "lesson_momentum_difference": difference,
           "pictures": pictures}
