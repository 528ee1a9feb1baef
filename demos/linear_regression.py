# %% [markdown]
# # Lesson 1: fit y = 3x + 8 by gradient descent
#
# Thirty points on the line y = 3x + 8. We pretend not to know a = 3 and b = 8, guess
# a = -1 and b = 1, and let gradient descent walk the guess to the line: first with the
# derivative worked out by hand, then with the one autograd finds (they agree), then
# 400 SGD steps at learning rate 0.01, drawn as an animation of the line settling.
#
# Runs as a script (`python demos/linear_regression.py --out out`) and opens as a
# notebook (VS Code / Jupyter read the `# %%` cells).

# %%
import numpy as np

from microgd import Tensor, data, optim, plot

try:
    from demos.common import parse_args, progress, saved
except ModuleNotFoundError:  # run as `python demos/linear_regression.py`, or from demos/
    from common import parse_args, progress, saved

TRUE_A, TRUE_B = 3.0, 8.0
GUESS_A, GUESS_B = -1.0, 1.0
LR, STEPS = 0.01, 400


# %% [markdown]
# ## The data
#
# The lesson draws x uniformly in [0, 1). There the loss is a long, narrow valley: a
# and b trade off against each other (raise a, lower b, and the line still passes
# through the middle of the points), and where 400 steps at lr 0.01 stop depends on
# the draw: a ends anywhere from about 2.6 to 3.3. Centring the inputs, x uniform in
# [-2, 2), makes the valley round (a and b no longer trade off), and the lesson's own
# recipe, 400 steps at lr 0.01 from (-1, 1), lands on a = 3.00 and b = 8.00. `main`
# prints both.

# %%
def rmse(a, b, x, y):
    """The lesson's "average loss": the root of the mean squared error."""
    return float(np.sqrt(np.mean((a * x + b - y) ** 2)))


# %% [markdown]
# ## The gradient by hand and by autograd
#
# For one point the loss is (y_pred - y)^2 with y_pred = a x + b, so
# d loss / d b = 2 (y_pred - y) and d loss / d a = x * 2 (y_pred - y). The gradient of
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


def hand_descent(x, y, steps, lr=LR):
    """The lesson's own loop: (a, b) after ``steps`` updates with the hand gradient."""
    a, b = GUESS_A, GUESS_B
    for _ in range(steps):
        da, db = hand_gradient(a, b, x, y)
        a, b = a - lr * da, b - lr * db
    return a, b


# %% [markdown]
# ## Training with SGD, keeping snapshots for the animation

# %%
def train(x, y, every, steps=STEPS, lr=LR):
    """Fit a x + b with optim.SGD from the guess, keeping (step, a, b) every few steps.

    Args:
        x, y: the data.
        every: steps between snapshots (the animation's frames).
        steps: SGD steps. Default 400.
        lr: learning rate. Default 0.01.

    Returns:
        (a, b, snapshots, losses): the fit, the list of (step, a, b) frames and the
        loss before every step.
    """
    a, b = Tensor(GUESS_A, requires_grad=True), Tensor(GUESS_B, requires_grad=True)
    opt = optim.SGD([a, b], lr=lr)
    snapshots, losses = [], []
    for t in progress(steps, "linear regression"):
        if t % every == 0:
            snapshots.append((t, a.item(), b.item()))
        opt.zero_grad()
        loss = ((a * x + b - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    snapshots.append((steps, a.item(), b.item()))
    return a.item(), b.item(), snapshots, losses


# %%
def main(argv=None):
    """Run the lesson: print the numbers, save the animation (GIF, HTML) and loss curve."""
    args = parse_args(argv, "Lesson 1: fit y = 3x + 8 by gradient descent.")
    x, y = data.line(30, TRUE_A, TRUE_B, seed=0, low=-2.0, high=2.0)  # centred, see above
    print(f"data: {x.size} points on y = {TRUE_A:g}x + {TRUE_B:g}, x uniform in [-2, 2)")
    initial_rmse = rmse(GUESS_A, GUESS_B, x, y)
    print(f"guess a = {GUESS_A:g}, b = {GUESS_B:g}: average loss (RMSE) {initial_rmse:.4f}")

    by_hand = hand_gradient(GUESS_A, GUESS_B, x, y)
    by_autograd = autograd_gradient(GUESS_A, GUESS_B, x, y)
    difference = max(abs(h - g) for h, g in zip(by_hand, by_autograd))
    print(f"gradient by hand     dL/da = {by_hand[0]:.12f}  dL/db = {by_hand[1]:.12f}")
    print(f"gradient by autograd dL/da = {by_autograd[0]:.12f}  dL/db = {by_autograd[1]:.12f}")
    if difference > 1e-12:
        raise RuntimeError(f"hand and autograd gradients differ by {difference:.3g}")
    print(f"they agree: largest difference {difference:.1e} <= 1e-12")

    every = 40 if args.fast else 10
    a, b, snapshots, losses = train(x, y, every)
    final_rmse = rmse(a, b, x, y)
    print(f"after {STEPS} SGD steps at lr {LR}: a = {a:.4f}, b = {b:.4f}, "
          f"average loss {final_rmse:.2e}")
    lesson_fits = np.array([hand_descent(*data.line(seed=seed), STEPS) for seed in range(10)])
    print(f"(with the lesson's x in [0, 1), the same {STEPS} steps over 10 draws of the data "
          f"stop at a = {lesson_fits[:, 0].min():.2f} to {lesson_fits[:, 0].max():.2f}, "
          f"b = {lesson_fits[:, 1].min():.2f} to {lesson_fits[:, 1].max():.2f})")

    grid = np.array([x.min(), x.max()])
    pictures = []
    gif, html = args.out / "linear_regression.gif", args.out / "linear_regression.html"
    plot.animate_fit(x, y, grid, [sa * grid + sb for _, sa, sb in snapshots], path=gif,
                     html=html, titles=[f"step {t}: y = {sa:.2f}x + {sb:.2f}"
                                        for t, sa, sb in snapshots])
    pictures.append(saved(gif, f"animation ({len(snapshots)} frames)"))
    pictures.append(saved(html, "animation for a browser or notebook"))
    path = args.out / "linear_regression_loss.png"
    plot.plot_losses({f"SGD, lr {LR}": losses}, path=path, title="Lesson 1: mean squared error")
    pictures.append(saved(path, "loss curve"))
    return {"a": a, "b": b, "gradient_difference": difference,
            "initial_rmse": initial_rmse, "final_rmse": final_rmse,
            "pictures": pictures}


# %%
if __name__ == "__main__":
    main()
