# %% [markdown]
# # Lesson 2: SGD on tensors, y = x @ a
#
# The fast.ai lesson's version: each input row is x = [u, 1] with u uniform in
# [-1, 1], so x @ a = a[0] u + a[1] is a line and a holds its slope and intercept. The
# targets are y = x @ [3, 2] plus noise uniform in [0, 1), whose mean 0.5 lifts the
# intercept: the best fit is about (3, 2.5). `a` is a Tensor parameter; autograd finds
# the gradient of the mean squared error; 100 steps at learning rate 0.1 fit it.
# Then the same fit with mini-batches of 10 points, as real training does.
#
# Runs as a script (`python demos/lesson2_sgd.py [--fast] [--out DIR]`) and opens as a
# notebook (`notebooks/lesson2_sgd.ipynb`).

# %%
# demos first, before numpy: it sets one BLAS thread, the same numbers everywhere
from demos.common import (GUESS, fit_line, frames_by_motion, line_loss, parse_args, progress,
                          saved)

import numpy as np

import microgd as mg
from microgd import Tensor, data, optim, plot

args = parse_args("Lesson 2: SGD on tensors, y = x @ a.")
LR, STEPS, BATCH_SIZE = 0.1, 100, 10
mg.manual_seed(0)  # the mini-batches' order
X, y = data.lesson2(seed=0)
u = X[:, 0]
print(f"data: {len(X)} rows x = [u, 1], u uniform in [-1, 1]; y = x @ [3, 2] + noise")
print(f"guess a = {GUESS}: loss {line_loss(np.array(GUESS), X, y):.4f}")

# %% [markdown]
# ## Full-batch gradient descent
#
# `fit_line` (in `demos/common.py`, shared with lesson 3) is the lesson's loop: the
# loss `((X @ a - y) ** 2).mean()`, `backward()`, one optimizer step, 100 times. It
# prints the loss every 10 steps.

# %%
a, history, losses = fit_line(X, y, STEPS, lr=LR)
loss = line_loss(a, X, y)
print(f"after {STEPS} steps at lr {LR}: a = [{a[0]:.4f}, {a[1]:.4f}], loss {loss:.4f}")
best = np.linalg.lstsq(X, y, rcond=None)[0]
print(f"least squares (the exact minimum): a = [{best[0]:.4f}, {best[1]:.4f}]")

# %% [markdown]
# ## Mini-batches
#
# One step per batch of 10 shuffled points: each step sees a noisy estimate of the
# gradient, but costs a tenth of a full pass. Ten epochs make the same 100 steps.

# %%
epochs = STEPS * BATCH_SIZE // len(X)
mini = Tensor(GUESS, requires_grad=True)
opt = optim.SGD([mini], lr=LR)
mini_losses = []
for _ in progress(epochs, "mini-batch epochs"):
    for xb, yb in data.batches(X, y, BATCH_SIZE, shuffle=True):
        mini_losses.append(line_loss(mini.data, X, y))
        opt.zero_grad()
        ((Tensor(xb) @ mini - Tensor(yb)) ** 2).mean().backward()
        opt.step()
mini_a = mini.data.copy()
mini_loss = line_loss(mini_a, X, y)
print(f"mini-batches of {BATCH_SIZE}, {epochs} epochs ({len(mini_losses)} steps): "
      f"a = [{mini_a[0]:.4f}, {mini_a[1]:.4f}], loss {mini_loss:.4f}")

# %% [markdown]
# ## The fits

# %%
path = args.out / "lesson2_fit.png"
pictures = [saved(path, "fit")]
plot.plot_fit(u, y, {"guess a = (-1, 1)": X @ np.array(GUESS),
                     f"after {STEPS} steps: a = ({a[0]:.2f}, {a[1]:.2f})": X @ a,
                     f"mini-batches: a = ({mini_a[0]:.2f}, {mini_a[1]:.2f})": X @ mini_a},
              path=path, xlabel="u", title="Lesson 2: y = x @ a with x = [u, 1]")

# %% [markdown]
# ## The line settling, full batch
#
# Frames spaced by how far the line moves; the loss falls beside it.

# %%
grid = np.array([[-1.0, 1.0], [1.0, 1.0]])
lines = np.array([grid @ step for step in history])
frames = frames_by_motion(lines, 12 if args.fast else 40)
gif, html = args.out / "lesson2_sgd.gif", args.out / "lesson2_sgd.html"
animation = plot.animate_fit(
    u, y, grid[:, 0], lines[frames], path=gif, html=html, losses=losses, steps=frames,
    xlabel="u", loss_label="mean squared error",
    titles=[f"step {t}: a = ({history[t][0]:.2f}, {history[t][1]:.2f})" for t in frames])
pictures += [saved(gif, f"animation ({len(frames)} frames)"),
             saved(html, "animation for a browser")]
animation

# %%
path = args.out / "lesson2_losses.png"
pictures.append(saved(path, "loss curves"))
plot.plot_losses({"full batch": losses, f"mini-batches of {BATCH_SIZE}": mini_losses},
                 path=path, ylabel="mean squared error, all the points",
                 title="Lesson 2: the loss per step")

# %%
results = {"a": float(a[0]), "b": float(a[1]), "loss": loss,
           "minibatch_a": float(mini_a[0]), "minibatch_b": float(mini_a[1]),
           "minibatch_loss": mini_loss, "pictures": pictures}
