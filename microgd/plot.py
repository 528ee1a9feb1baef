"""The pictures of the lessons: fit animations, loss curves, loss surfaces, 3-D fits.

matplotlib is imported inside these functions, never at ``import microgd``. On a
machine with no display (no DISPLAY or WAYLAND_DISPLAY on Linux) and no backend
chosen yet, the first picture selects the headless Agg backend; a backend chosen
by the user, by ``MPLBACKEND`` or by Jupyter (``%matplotlib inline``) is kept.

Every function returns its Figure (or FuncAnimation), so a notebook shows it as the
cell's result. Given a ``path``, the picture is saved there (parent folders are made)
and the figure is closed, so a script drawing many pictures keeps no figure open.
"""

import os
import sys
from pathlib import Path

import numpy as np

__all__ = ["animate_fit", "plot_fit", "plot_losses", "plot_loss_surface", "plot_surface_3d"]


def animate_fit(x, y, grid, curves, path=None, html=None, titles=None, fps=10, dpi=72,
                figsize=(5, 4)):
    """Animate a line or curve settling onto data points, one frame per snapshot.

    Args:
        x: the points' inputs, 1-D.
        y: the points' targets, 1-D, as long as ``x``.
        grid: the inputs at which the curve is drawn, 1-D.
        curves: one array of curve values per frame, each as long as ``grid``
            (for example the model's predictions every few training steps).
        path: where to save the animation as a GIF (pillow writer). Default None.
        html: where to save it as a standalone HTML page with the frames embedded
            (matplotlib's jshtml, the player notebooks show). Default None.
        titles: one title per frame (such as "step 40: a=2.1 b=7.6"). Default None.
        fps: frames per second. Default 10.
        dpi: resolution of the saved frames; keep it low for small files. Default 72.
        figsize: figure size in inches. Default (5, 4).

    Returns:
        The matplotlib FuncAnimation. Its figure is closed, as notebooks show the
        animation, not a still: display ``IPython.display.HTML(anim.to_jshtml())``.
    """
    x, y = _points(x, y)
    grid = _vector(grid, "grid")
    curves = [_vector(c, f"curves[{k}]") for k, c in enumerate(curves)]
    if not curves:
        raise ValueError("animate_fit: curves is empty; give at least one frame")
    for k, c in enumerate(curves):
        if c.shape != grid.shape:
            raise ValueError(f"animate_fit: curves[{k}] has {c.size} values but grid has "
                             f"{grid.size}; evaluate each curve at the grid")
    if titles is not None and len(titles) != len(curves):
        raise ValueError(f"animate_fit: {len(titles)} titles for {len(curves)} frames")
    if fps <= 0:
        raise ValueError(f"animate_fit: fps must be positive, got {fps}")
    plt = _pyplot()
    from matplotlib.animation import FuncAnimation, PillowWriter

    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    ax.scatter(x, y, s=14, color="tab:orange", label="data")
    order = np.argsort(grid)
    line, = ax.plot(grid[order], curves[0][order], color="tab:blue", lw=2, label="fit")
    values = np.concatenate([y] + curves)
    low, high = values.min(), values.max()
    margin = 0.05 * (high - low or 1.0)
    ax.set_ylim(low - margin, high + margin)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(loc="upper left")
    title = ax.set_title(titles[0] if titles else "")
    fig.tight_layout()
    plt.close(fig)

    def draw(frame):
        line.set_ydata(curves[frame][order])
        if titles:
            title.set_text(titles[frame])
        return line, title

    anim = FuncAnimation(fig, draw, frames=len(curves), interval=1000 / fps, blit=False)
    if path is not None:
        anim.save(_parent_made(path), writer=PillowWriter(fps=fps), dpi=dpi)
    if html is not None:
        page = anim.to_jshtml(fps=fps)
        _parent_made(html).write_text(f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
                                      f"</head><body>\n{page}\n</body></html>\n",
                                      encoding="utf-8")
    return anim


def plot_fit(x, y, fits, grid=None, path=None, title=None, dpi=100, figsize=(6, 4)):
    """Scatter the data points and draw one or more fitted curves over them.

    Args:
        x: the points' inputs, 1-D.
        y: the points' targets, 1-D, as long as ``x``.
        fits: {label: curve values}, each evaluated at ``grid`` (or at ``x`` when
            grid is None).
        grid: the inputs of the curves, 1-D. Default None (the curves are at ``x``).
        path: where to save the picture (PNG, SVG, PDF by the suffix). Default None.
        title: the figure's title. Default None.
        dpi: resolution when saved. Default 100.
        figsize: figure size in inches. Default (6, 4).

    Returns:
        The matplotlib Figure.
    """
    x, y = _points(x, y)
    grid = x if grid is None else _vector(grid, "grid")
    order = np.argsort(grid)
    curves = {}
    for label, values in _named(fits, "fits").items():
        values = _vector(values, f"fits[{label!r}]")
        if values.shape != grid.shape:
            raise ValueError(f"plot_fit: fits[{label!r}] has {values.size} values for "
                             f"{grid.size} inputs")
        curves[label] = values
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=figsize)
    ax.scatter(x, y, s=12, color="tab:gray", alpha=0.7, label="data")
    for k, (label, values) in enumerate(curves.items()):
        # dashes keep a curve visible where another lies on top of it
        ax.plot(grid[order], values[order], lw=2, ls=("-", "--", "-.", ":")[k % 4], label=label)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend()
    if title:
        ax.set_title(title)
    return _finish(fig, path, dpi)


def plot_losses(losses, path=None, title="Training loss", log=True, xlabel="step",
                ylabel="loss", dpi=100, figsize=(6, 4)):
    """Draw loss curves on one plot, one line per run.

    Args:
        losses: {label: sequence of losses}, or a single sequence of losses.
        path: where to save the picture. Default None.
        title: the figure's title. Default "Training loss".
        log: a logarithmic loss axis (needs positive losses). Default True.
        xlabel: the x-axis label. Default "step".
        ylabel: the y-axis label. Default "loss".
        dpi: resolution when saved. Default 100.
        figsize: figure size in inches. Default (6, 4).

    Returns:
        The matplotlib Figure.
    """
    if not isinstance(losses, dict):
        losses = {"loss": losses}
    curves = {label: _vector(values, f"losses[{label!r}]") for label, values in losses.items()}
    if log and any((c <= 0).any() for c in curves.values()):
        raise ValueError("plot_losses: a log axis needs positive losses; pass log=False")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=figsize)
    for label, values in curves.items():
        ax.plot(np.arange(values.size), values, lw=1.8, label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return _finish(fig, path, dpi)


def plot_loss_surface(loss_fn, a_range, b_range, paths=None, path=None, target=None,
                      levels=25, resolution=120, title="Loss surface", xlabel="a",
                      ylabel="b", dpi=100, figsize=(6, 5)):
    """Contour the loss over a plane of two parameters and draw optimizer paths on it.

    Args:
        loss_fn: takes two arrays A and B of the same shape (a grid of parameter
            values) and returns the loss at each point, as an array of that shape.
        a_range: (low, high) of the first parameter (the x axis).
        b_range: (low, high) of the second parameter (the y axis).
        paths: {label: array of shape (steps, 2)}, the (a, b) visited by each
            optimizer. Default None.
        path: where to save the picture. Default None.
        target: an (a, b) point to mark with a star, such as the minimum. Default None.
        levels: the number of contour levels, spaced logarithmically when the loss
            is positive. Default 25.
        resolution: grid points along each axis. Default 120.
        title: the figure's title. Default "Loss surface".
        xlabel: the first parameter's name. Default "a".
        ylabel: the second parameter's name. Default "b".
        dpi: resolution when saved. Default 100.
        figsize: figure size in inches. Default (6, 5).

    Returns:
        The matplotlib Figure.
    """
    for name, (low, high) in (("a_range", a_range), ("b_range", b_range)):
        if not low < high:
            raise ValueError(f"plot_loss_surface: {name} must be (low, high) with "
                             f"low < high, got {(low, high)}")
    if resolution < 2:
        raise ValueError(f"plot_loss_surface: resolution must be at least 2, got {resolution}")
    A, B = np.meshgrid(np.linspace(*a_range, resolution), np.linspace(*b_range, resolution))
    Z = np.asarray(loss_fn(A, B), dtype=float)
    if Z.shape != A.shape:
        raise ValueError(f"plot_loss_surface: loss_fn returned shape {Z.shape} for a grid "
                         f"of shape {A.shape}; it must work elementwise on arrays")
    tracks = {label: np.asarray(p, dtype=float) for label, p in (paths or {}).items()}
    for label, p in tracks.items():
        if p.ndim != 2 or p.shape[1] != 2:
            raise ValueError(f"plot_loss_surface: paths[{label!r}] must have shape "
                             f"(steps, 2), got {p.shape}")
    if Z.min() > 0:
        contour_levels = np.geomspace(Z.min(), Z.max(), levels)
    else:
        contour_levels = np.linspace(Z.min(), Z.max(), levels)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=figsize)
    filled = ax.contourf(A, B, Z, levels=contour_levels, cmap="viridis", alpha=0.85)
    ax.contour(A, B, Z, levels=contour_levels, colors="white", linewidths=0.4, alpha=0.5)
    fig.colorbar(filled, ax=ax, label="loss", format="%.3g")
    for label, p in tracks.items():
        ax.plot(p[:, 0], p[:, 1], "-o", ms=2.5, lw=1.4, label=label)
    if tracks:
        start = next(iter(tracks.values()))[0]
        ax.plot(*start, "ws", ms=7, mec="black", label="start")
    if target is not None:
        ax.plot(*target, "*", color="gold", ms=14, mec="black", label="minimum")
    ax.set_xlim(*a_range)
    ax.set_ylim(*b_range)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if tracks or target is not None:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8)
    return _finish(fig, path, dpi)


def plot_surface_3d(X, y, predictions=None, surface=None, path=None, title=None,
                    resolution=40, dpi=100, figsize=(7, 5.5), zlabel="y"):
    """A 3-D picture of data on a plane: scattered targets, predictions and a surface.

    Args:
        X: the inputs, shape (n, 2) (an array or a Tensor).
        y: the targets, shape (n,) or (n, 1).
        predictions: {label: values at X}, scattered over the data. Default None.
        surface: a function from an (m, 2) array of inputs to m outputs (such as a
            trained model's predictions), drawn as a surface over the inputs'
            bounding box. Default None.
        path: where to save the picture. Default None.
        title: the figure's title. Default None.
        resolution: grid points along each axis of the surface. Default 40.
        dpi: resolution when saved. Default 100.
        figsize: figure size in inches. Default (7, 5.5).
        zlabel: the vertical axis' label. Default "y".

    Returns:
        The matplotlib Figure.
    """
    X = np.asarray(getattr(X, "data", X), dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_surface_3d: X must have shape (n, 2), got {X.shape}")
    y = _vector(y, "y")
    if y.size != len(X):
        raise ValueError(f"plot_surface_3d: y has {y.size} values for {len(X)} points")
    scattered = {}
    for label, values in _named(predictions or {}, "predictions").items():
        values = _vector(values, f"predictions[{label!r}]")
        if values.size != len(X):
            raise ValueError(f"plot_surface_3d: predictions[{label!r}] has {values.size} "
                             f"values for {len(X)} points")
        scattered[label] = values
    plt = _pyplot()
    fig = plt.figure(figsize=figsize)
    ax = fig.add_subplot(projection="3d")
    ax.scatter(X[:, 0], X[:, 1], y, s=4, color="tab:blue", alpha=0.5, label="data")
    for k, (label, values) in enumerate(scattered.items()):
        ax.scatter(X[:, 0], X[:, 1], values, s=4, color=f"C{k + 1}", alpha=0.6, label=label)
    if surface is not None:
        u = np.linspace(X[:, 0].min(), X[:, 0].max(), resolution)
        v = np.linspace(X[:, 1].min(), X[:, 1].max(), resolution)
        U, V = np.meshgrid(u, v)
        Z = np.asarray(surface(np.c_[U.ravel(), V.ravel()]), dtype=float)
        if Z.size != U.size:
            raise ValueError(f"plot_surface_3d: surface returned {Z.size} values for "
                             f"{U.size} inputs")
        ax.plot_surface(U, V, Z.reshape(U.shape), cmap="coolwarm", alpha=0.7,
                        linewidth=0, antialiased=True)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_zlabel(zlabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    return _finish(fig, path, dpi)


def _pyplot():
    """pyplot, after choosing the Agg backend when there is no display and no choice."""
    import matplotlib

    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless and not _backend_chosen(matplotlib):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _backend_chosen(matplotlib):
    if "MPLBACKEND" in os.environ or "matplotlib.pyplot" in sys.modules:
        return True
    try:
        return matplotlib.get_backend(auto_select=False) is not None
    except TypeError:  # matplotlib < 3.10 has no auto_select: nothing chosen yet
        return False


def _finish(fig, path, dpi):
    if path is not None:
        fig.savefig(_parent_made(path), dpi=dpi, bbox_inches="tight")
        _pyplot().close(fig)
    return fig


def _parent_made(path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _vector(values, name):
    array = np.asarray(getattr(values, "data", values), dtype=float)
    if array.ndim == 2 and 1 in array.shape:
        array = array.ravel()
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D (or a single row or column), "
                         f"got shape {array.shape}")
    return array


def _points(x, y):
    x, y = _vector(x, "x"), _vector(y, "y")
    if x.size != y.size:
        raise ValueError(f"x has {x.size} values but y has {y.size}")
    return x, y


def _named(mapping, name):
    if not isinstance(mapping, dict):
        raise TypeError(f"{name} must be a dict of label -> values, "
                        f"got {type(mapping).__name__}")
    return mapping
