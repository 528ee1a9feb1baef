"""What the demos share: their options, progress bars, saving pictures, training loops."""

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from microgd import Tensor, nn, no_grad, optim

# Where the pictures go by default: out/ at the repository's root, whatever the
# working directory (a notebook's is notebooks/).
OUT = Path(__file__).resolve().parent.parent / "out"
# In a notebook kernel, whose command line is not the demo's, these set the options.
FAST_VARIABLE, OUT_VARIABLE = "MICROGD_DEMOS_FAST", "MICROGD_DEMOS_OUT"
GUESS = (-1.0, 1.0)  # lessons 2 and 3 start the line y = x @ a from a = (-1, 1)


def parse_args(description, argv=None):
    """A demo's options: ``--out DIR`` and ``--fast``, from its command line or environment.

    Args:
        description: what the demo does, for ``--help``.
        argv: the arguments. Default None: ``sys.argv[1:]``, or none in a notebook
            kernel, where MICROGD_DEMOS_FAST=1 and MICROGD_DEMOS_OUT=DIR set them.

    Returns:
        The namespace: ``out`` (a Path, created) and ``fast`` (bool).
    """
    if argv is None:
        argv = [] if _in_kernel() else sys.argv[1:]
    parser = argparse.ArgumentParser(description=description)
    add_demo_arguments(parser)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def add_demo_arguments(parser):
    """The options every demo takes (and ``python -m demos`` passes on): --out, --fast."""
    parser.add_argument("--out", type=Path, default=Path(os.environ.get(OUT_VARIABLE, OUT)),
                        help=f"folder for the pictures (default: ${OUT_VARIABLE}, else {OUT})")
    parser.add_argument("--fast", action="store_true",
                        default=os.environ.get(FAST_VARIABLE, "0") not in ("", "0"),
                        help=f"fewer steps and frames, for tests and a quick look "
                             f"(also set by {FAST_VARIABLE}=1)")


def _in_kernel():
    return "ipykernel" in sys.modules


def progress(n, desc):
    """``range(n)`` with a progress bar named ``desc`` that suits where it is shown.

    In a terminal, a tqdm bar (cleared when done); in a notebook, a widget when
    ipywidgets is installed. Elsewhere (a notebook without ipywidgets, a log) no
    ``\\r`` stream: one line when the loop is done.
    """
    if _in_kernel():
        if importlib.util.find_spec("ipywidgets") is not None:
            from tqdm.notebook import tqdm as widget
            return widget(range(n), desc=desc, leave=False)
        return _done_line(n, desc, sys.stdout)
    if sys.stderr.isatty():
        return tqdm(range(n), desc=desc, leave=False, dynamic_ncols=True)
    return _done_line(n, desc, sys.stderr)


def _done_line(n, desc, stream):
    start = time.perf_counter()
    yield from range(n)
    print(f"{desc}: {n}/{n} in {time.perf_counter() - start:.1f} s", file=stream)


def saved(path, what):
    """Print where a picture went and return its path as a string."""
    print(f"  {what}: {path}")
    return str(path)


def render(dot, path, what):
    """Render a graphviz Digraph to ``path`` (the format from its suffix) and print it.

    Args:
        dot: a graphviz.Digraph (from mg.draw_graph or mg.draw_network).
        path: a Path ending in .svg, .png or .pdf.
        what: what the drawing shows, for the printed line.

    Returns:
        The path as a string.
    """
    path = Path(path)
    path.write_bytes(dot.pipe(format=path.suffix.lstrip(".")))
    return saved(path, what)


def frames_by_motion(curves, count):
    """Pick about ``count`` snapshots so that the picture moves evenly from frame to frame.

    Training moves a fit fast at first and slowly later: snapshots every k steps spend
    most of a clip on a curve that no longer moves. These are spaced by the distance the
    curve travels instead (the root mean square change of its values).

    Args:
        curves: the curve at every step, shape (steps, points).
        count: the number of frames wanted (fewer when the curve jumps).

    Returns:
        The sorted indices of the chosen curves, the first and the last among them.
    """
    curves = np.asarray(curves, dtype=float)
    moves = np.sqrt(np.mean(np.diff(curves, axis=0) ** 2, axis=1))
    travelled = np.concatenate([[0.0], np.cumsum(moves)])
    marks = np.linspace(0.0, travelled[-1], count)
    chosen = np.searchsorted(travelled, marks).clip(0, len(curves) - 1)
    return sorted(set(chosen.tolist()) | {0, len(curves) - 1})


def line_loss(a, X, y):
    """The mean squared error of X @ a on all the points, for a numpy array a."""
    return float(np.mean((X @ a - y) ** 2))


def fit_line(X, y, steps, lr=0.1, report=10, make_optimizer=None):
    """Lessons 2 and 3: gradient descent on y = X @ a from a = (-1, 1), all points at once.

    Args:
        X: the inputs, shape (n, 2), rows [u, 1].
        y: the targets, shape (n,).
        steps: the number of steps.
        lr: the learning rate of plain SGD. Default 0.1.
        report: print the loss every this many steps (None: never). Default 10.
        make_optimizer: builds another optimizer from the parameter list. Default None.

    Returns:
        (a, history, losses): the fitted a as an array, a after every step (the
        guess first) and the loss before every step.
    """
    X, y = Tensor(X), Tensor(y)
    a = Tensor(GUESS, requires_grad=True)
    opt = make_optimizer([a]) if make_optimizer else optim.SGD([a], lr=lr)
    history, losses = [a.data.copy()], []
    for t in range(steps):
        loss = ((X @ a - y) ** 2).mean()
        if report and t % report == 0:
            print(f"  step {t:3d}  loss {loss.item():.4f}")
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(a.data.copy())
        losses.append(loss.item())
    return a.data.copy(), history, losses


def fit(model, X, y, optimizer, epochs, desc):
    """Train ``model`` on all of (X, y) at once with the mean squared error.

    Args:
        model: an nn.Module taking an (n, features) Tensor.
        X: the inputs, an (n, features) array.
        y: the targets, an array of n values ((n,) or (n, 1)).
        optimizer: an optimizer over the model's parameters.
        epochs: the number of steps (each sees every point).
        desc: the progress bar's name.

    Returns:
        The loss before every step, a list of floats.
    """
    X, y, loss_fn = Tensor(X), Tensor(np.reshape(y, (-1, 1))), nn.MSELoss()
    losses = []
    for _ in progress(epochs, desc):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@no_grad()
def predict(model, X):
    """The model's outputs for the inputs X (an array), flattened to a 1-D array."""
    return model(Tensor(X)).data.ravel()


def mse(model, X, y):
    """The model's mean squared error on (X, y), a float."""
    return float(np.mean((predict(model, X) - np.ravel(y)) ** 2))
