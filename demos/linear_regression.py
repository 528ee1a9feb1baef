# %% [markdown]
# # Lesson 1: fit y = 3x + 8 by gradient descent
#
# Thirty points on the line y = 3x + 8. We pretend not to know a = 3 and b = 8, guess
# a = -1 and b = 1, and let gradient descent walk the guess to the line: first with the
# derivative worked out by hand, then with the one autograd finds (they agree), then
# 400 SGD steps at learning rate 0.01, drawn as an animation of the line settling.
#
# Runs as a script (`python demos/linear_regression.py [--fast] [--out DIR]`) and opens
# as a notebook (`notebooks/linear_regression.ipynb`).

# %%
# demos first, before numpy: it sets one BLAS thread, the same numbers everywhere
from demos.common import frames_by_motion, parse_args, progress, saved

import numpy as np

from microgd import Tensor, data, optim, plot

args = parse_args("Lesson 1: fit y = 3x + 8 by gradient descent.")
TRUE_A, TRUE_B = 3.0, 8.0
GUESS_A, GUESS_B = -1.0, 1.0
LR, STEPS = 0.01, 400

# %% [markdown]
# ## The data
#
# The lesson draws x uniformly in [0, 1). There the loss is a long, narrow valley: a
# and b trade off against each other (raise a, lower b, and the line still passes
# through the middle of the points), and where 400 steps at lr 0.01 stop depends on
# the draw: a ends anywhere from about 2.6 to 3.3 (the last cell shows it). Centring
# the inputs, x uniform in [-2, 2), makes the valley round (a and b no longer trade
# off), and the lesson's own recipe, 400 steps at lr 0.01 from (-1, 1), lands on
# a = 3.00 and b = 8.00.
#
# The lesson's "average loss" is the root of the mean squared error (RMSE), in the
# units of y.

# %%
def rmse(a, b, x, y):
    """The lesson's "average loss": the root of the mean squared error."""
    return float(np.sqrt(np.mean((a * x + b - y) ** 2)))


x, y = data.line(30, TRUE_A, TRUE_B, seed=0, low=-2.0, high=2.0)
print(f"data: {x.size} points on y = {TRUE_A:g}x + {TRUE_B:g}, x uniform in [-2, 2)")
initial_rmse = rmse(GUESS_A, GUESS_B, x, y)
print(f"guess a = {GUESS_A:g}, b = {GUESS_B:g}: average loss (RMSE) {initial_rmse:.4f}")

# %% [markdown]
# ## The gradient by hand and by autograd
#
# For one point the loss is (y_pred - y)² with y_pred = a x + b, so
# d loss / d b = 2 (y_pred - y) and d loss / d a = x · 2 (y_pred - y). The gradient of
# the mean loss is the mean of those.

# %%
def hand_gradient(a, b, x, y):
    """(dL/da, dL/db) of the mean squared error, from the derivative worked out by hand."""
    dldb = 2 * (a * x + b - y)
    return float(np.mean(x * dldb)), float(np.mean(dldb))


def autograd_gradient(a, b, x, y):
    """(dL/da, dL/db) of the mean squared error, from microgd's backward pass."""
    a, b = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    ((a * x + b - y) ** 2).mean().backward()
    return float(a.grad), float(b.grad)


by_hand = hand_gradient(GUESS_A, GUESS_B, x, y)
by_autograd = autograd_gradient(GUESS_A, GUESS_B, x, y)
gradient_difference = max(abs(h - g) for h, g in zip(by_hand, by_autograd))
print(f"gradient by hand     dL/da = {by_hand[0]:.12f}  dL/db = {by_hand[1]:.12f}")
print(f"gradient by autograd dL/da = {by_autograd[0]:.12f}  dL/db = {by_autograd[1]:.12f}")
if gradient_difference > 1e-12:
    raise RuntimeError(f"hand and autograd gradients differ by {gradient_difference:.3g}")
print(f"they agree: largest difference {gradient_difference:.1e} <= 1e-12")

# %% [markdown]
# ## Training with SGD
#
# `optim.SGD` takes the step `a -= lr * a.grad`; we keep (a, b) after every step for
# the animation.

# %%
a, b = Tensor(GUESS_A, requires_grad=True), Tensor(GUESS_B, requires_grad=True)
opt = optim.SGD([a, b], lr=LR)
history, losses = [(GUESS_A, GUESS_B)], []
for t in progress(STEPS, "linear regression"):
    opt.zero_grad()
    loss = ((a * x + b - y) ** 2).mean()
    loss.backward()
    opt.step()
    history.append((a.item(), b.item()))
    losses.append(loss.item())
final_a, final_b = history[-1]
final_rmse = rmse(final_a, final_b, x, y)
print(f"after {STEPS} SGD steps at lr {LR}: a = {final_a:.4f}, b = {final_b:.4f}, "
      f"average loss {final_rmse:.2e}")

# %% [markdown]
# ## The line settling, and the loss as it falls
#
# The frames are spaced by how far the line moves, not by steps: most of the motion
# is in the first few dozen steps. The player stops on the last frame; the GIF rests
# there before it loops.

# %%
grid = np.array([x.min(), x.max()])
lines = np.array([sa * grid + sb for sa, sb in history])
frames = frames_by_motion(lines, 12 if args.fast else 40)
gif, html = args.out / "linear_regression.gif", args.out / "linear_regression.html"
animation = plot.animate_fit(
    x, y, grid, lines[frames], path=gif, html=html, losses=np.sqrt(losses), steps=frames,
    loss_label="average loss (RMSE)",
    titles=[f"step {t}: y = {history[t][0]:.2f}x + {history[t][1]:.2f}" for t in frames])
pictures = [saved(gif, f"animation ({len(frames)} frames)"),
            saved(html, "animation for a browser")]
animation

# %%
path = args.out / "linear_regression_loss.png"
pictures.append(saved(path, "loss curve"))
plot.plot_losses(np.sqrt(losses), path=path, ylabel="average loss (RMSE)",
                 title=f"Lesson 1: SGD at lr {LR}, the average loss per step")

# %% [markdown]
# ## With the lesson's x in [0, 1)
#
# The same 400 steps with the derivative by hand, over ten draws of the data: a and b
# stop at different places along the valley.

# %%
def hand_descent(x, y, steps, lr=LR):
    """The lesson's own loop: (a, b) after ``steps`` updates with the hand gradient."""
    a, b = GUESS_A, GUESS_B
    for _ in range(steps):
        da, db = hand_gradient(a, b, x, y)
        a, b = a - lr * da, b - lr * db
    return a, b


lesson_fits = np.array([hand_descent(*data.line(seed=seed), STEPS) for seed in range(10)])
print(f"x in [0, 1): {STEPS} steps over 10 draws of the data stop at "
      f"a = {lesson_fits[:, 0].min():.2f} to {lesson_fits[:, 0].max():.2f}, "
      f"b = {lesson_fits[:, 1].min():.2f} to {lesson_fits[:, 1].max():.2f}")

# %%
results = {"a": final_a, "b": final_b, "gradient_difference": gradient_difference,
           "initial_rmse": initial_rmse, "final_rmse": final_rmse, "pictures": pictures}
