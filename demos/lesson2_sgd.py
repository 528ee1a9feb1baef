# %% [markdown]
# # Lesson 2: SGD on tensors, y = x @ a
#
# The fast.ai lesson's version: each input row is x = [u, 1] with u uniform in
# [-1, 1], so x @ a = a[0] u + a[1] is a line and a holds its slope and intercept. The
# targets are y = x @ [3, 2] plus noise uniform in [0, 1), whose mean 0.5 lifts the
# intercept: the best fit is about (3, 2.5). `a` is a Tensor parameter; autograd finds
# the gradient of the mean squared error; 100 steps at learning rate 0.1 fit it.
# Then the same fit with mini-batches of 10 points, as real training does.

# %%
import numpy as np

import microgd as mg
from microgd import Tensor, data, optim, plot

try:
    from demos.common import parse_args, progress, saved
except ModuleNotFoundError:  # run as `python demos/lesson2_sgd.py`, or from demos/
    from common import parse_args, progress, saved

GUESS = [-1.0, 1.0]
LR, STEPS, BATCH_SIZE = 0.1, 100, 10


# %%
def mse(y_hat, y):
    """Mean squared error of two Tensors."""
    return ((y_hat - y) ** 2).mean()


def loss_at(a, X, y):
    """The mean squared error of X @ a on all the points, for a numpy array a."""
    return float(np.mean((X @ a - y) ** 2))


# %% [markdown]
# ## Full-batch gradient descent, printing the loss every 10 steps

# %%
def fit(X, y, steps=STEPS, lr=LR, report=10, make_optimizer=None):
    """Gradient descent on all the points at once, from a = (-1, 1).

    Args:
        X: the inputs, shape (n, 2), rows [u, 1].
        y: the targets, shape (n,).
        steps: the number of steps. Default 100.
        lr: the learning rate of plain SGD. Default 0.1.
        report: print the loss every this many steps (None: never). Default 10.
        make_optimizer: builds another optimizer from the parameter list (lesson 3).

    Returns:
        (a, history, losses): the fitted a as an array, a after every step (the
        guess first) and the loss before every step.
    """
    X, y = Tensor(X), Tensor(y)
    a = Tensor(GUESS, requires_grad=True)
    opt = make_optimizer([a]) if make_optimizer else optim.SGD([a], lr=lr)
    history, losses = [a.data.copy()], []
    for t in range(steps):
        loss = mse(X @ a, y)
        if report and t % report == 0:
            print(f"  step {t:3d}  loss {loss.item():.4f}")
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(a.data.copy())
        losses.append(loss.item())
    return a.data.copy(), history, losses


# %% [markdown]
# ## Mini-batches
#
# One step per batch of 10 shuffled points: each step sees a noisy estimate of the
# gradient, but costs a tenth of a full pass. Ten epochs make the same 100 steps.

# %%
def fit_minibatches(X, y, epochs, batch_size=BATCH_SIZE, lr=LR):
    """SGD on shuffled mini-batches; returns (a, full-data loss before every step)."""
    a = Tensor(GUESS, requires_grad=True)
    opt = optim.SGD([a], lr=lr)
    losses = []
    for _ in progress(epochs, "mini-batch epochs"):
        for xb, yb in data.batches(X, y, batch_size, shuffle=True):
            losses.append(loss_at(a.data, X, y))
            opt.zero_grad()
            mse(Tensor(xb) @ a, Tensor(yb)).backward()
            opt.step()
    return a.data.copy(), losses


# %%
def main(argv=None):
    """Run the lesson: fit, print, and save the fit, the animation and the loss curves."""
    args = parse_args(argv, "Lesson 2: SGD on tensors, y = x @ a.")
    mg.manual_seed(0)  # the mini-batches' order
    X, y = data.lesson2(seed=0)
    u = X[:, 0]
    print(f"data: {len(X)} rows x = [u, 1], u uniform in [-1, 1]; y = x @ [3, 2] + noise")
    print(f"guess a = {GUESS}: loss {loss_at(np.array(GUESS), X, y):.4f}")
    a, history, losses = fit(X, y)
    loss = loss_at(a, X, y)
    print(f"after {STEPS} steps at lr {LR}: a = [{a[0]:.4f}, {a[1]:.4f}], loss {loss:.4f}")
    best = np.linalg.lstsq(X, y, rcond=None)[0]
    print(f"least squares (the exact minimum): a = [{best[0]:.4f}, {best[1]:.4f}]")

    epochs = STEPS * BATCH_SIZE // len(X)
    mini_a, mini_losses = fit_minibatches(X, y, epochs)
    mini_loss = loss_at(mini_a, X, y)
    print(f"mini-batches of {BATCH_SIZE}, {epochs} epochs ({len(mini_losses)} steps): "
          f"a = [{mini_a[0]:.4f}, {mini_a[1]:.4f}], loss {mini_loss:.4f}")

    pictures = []
    path = args.out / "lesson2_fit.png"
    plot.plot_fit(u, y, {"guess a = (-1, 1)": X @ np.array(GUESS),
                         f"after {STEPS} steps: a = ({a[0]:.2f}, {a[1]:.2f})": X @ a,
                         f"mini-batches: a = ({mini_a[0]:.2f}, {mini_a[1]:.2f})": X @ mini_a},
                  path=path, title="Lesson 2: y = x @ a")
    pictures.append(saved(path, "fit"))
    frames = range(0, STEPS + 1, 10 if args.fast else 2)
    grid = np.array([[-1.0, 1.0], [1.0, 1.0]])
    gif, html = args.out / "lesson2_sgd.gif", args.out / "lesson2_sgd.html"
    plot.animate_fit(u, y, grid[:, 0], [grid @ history[t] for t in frames], path=gif,
                     html=html, titles=[f"step {t}: a = ({history[t][0]:.2f}, "
                                        f"{history[t][1]:.2f})" for t in frames], fps=15)
    pictures.append(saved(gif, f"animation ({len(frames)} frames)"))
    pictures.append(saved(html, "animation for a browser or notebook"))
    path = args.out / "lesson2_losses.png"
    plot.plot_losses({"full batch": losses, f"mini-batches of {BATCH_SIZE}": mini_losses},
                     path=path, title="Lesson 2: loss on all the points")
    pictures.append(saved(path, "loss curves"))
    return {"a": float(a[0]), "b": float(a[1]), "loss": loss,
            "minibatch_a": float(mini_a[0]), "minibatch_b": float(mini_a[1]),
            "minibatch_loss": mini_loss, "pictures": pictures}


# %%
if __name__ == "__main__":
    main()
