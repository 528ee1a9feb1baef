"""What the demos share: their command line, progress bars, and saving pictures."""

import argparse
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from microgd import Tensor, nn, no_grad


def parse_args(argv, description):
    """Parse a demo's command line: ``--out DIR`` (default ``out``) and ``--fast``.

    Args:
        argv: the arguments, or None for ``sys.argv[1:]`` (none inside a notebook
            kernel, whose own arguments are not the demo's).
        description: what the demo does, for ``--help``.

    Returns:
        The namespace: ``out`` (a Path, created) and ``fast`` (bool).
    """
    if argv is None:
        argv = [] if "ipykernel" in sys.modules else sys.argv[1:]
    parser = argparse.ArgumentParser(description=description)
    add_demo_arguments(parser)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def add_demo_arguments(parser):
    """The options every demo takes (and ``python -m demos`` passes on): --out, --fast."""
    parser.add_argument("--out", type=Path, default=Path("out"),
                        help="folder for the pictures (default: out)")
    parser.add_argument("--fast", action="store_true",
                        help="fewer steps and frames, for tests and a quick look")


def progress(n, desc):
    """``range(n)`` with a tqdm progress bar named ``desc`` (cleared when done)."""
    return tqdm(range(n), desc=desc, leave=False, dynamic_ncols=True)


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
