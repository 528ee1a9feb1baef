"""The pictures of the lessons: fit animations, loss curves, loss surfaces, 3-D fits.

matplotlib is imported inside these functions, never at ``import microgd``. On a
machine with no display (no DISPLAY or WAYLAND_DISPLAY on Linux) and no backend
chosen yet, the first picture selects the headless Agg backend; a backend chosen
by the user, by ``MPLBACKEND`` or by Jupyter (``%matplotlib inline``) is kept.

Every function returns its Figure (or animation), so a notebook shows it as the
cell's result, once: under Jupyter's inline backend the figure is closed before it is
returned, so the backend does not show it a second time at the end of the cell. An
animation shows itself in a notebook as a player. Given a ``path``, the picture is
saved there (parent folders are made) and the figure is closed, so a script drawing
many pictures keeps no figure open.
"""

import numpy as np

from ._plotting import (STYLES, blitted, finish, legend_outside, named, parent_made, player,
                        points, pyplot, save_gif, vector)

__all__ = ["animate_fit", "plot_fit", "plot_losses", "plot_loss_surface", "plot_surface_3d"]


def animate_fit(x, y, grid, curves, path=None, html=None, titles=None, losses=None,
                steps=None, fps=10, hold=1.5, dpi=100, figsize=None, xlabel="x", ylabel="y",
                loss_label="loss"):
    """Animate a line or curve settling onto data points, one frame per snapshot.

    Args:
        x: the points' inputs, 1-D.
        y: the points' targets, 1-D, as long as ``x``.
        grid: the inputs at which the curve is drawn, 1-D.
        curves: one array of curve values per frame, each as long as ``grid``
            (for example the model's predictions at a few training steps).
        path: where to save the animation as a GIF. Default None.
        html: where to save it as a standalone HTML page with the frames embedded
            (matplotlib's jshtml, the player notebooks show). Default None.
        titles: one title per frame (such as "step 40: a=2.1 b=7.6"). Default None.
        losses: the loss at every training step, 1-D; given, a second panel draws it
            falling, up to each frame's step. Default None.
        steps: the training step of each frame, needed with ``losses``. Default None.
        fps: frames per second. Default 10.
        hold: seconds the GIF rests on its last frame before it loops. Default 1.5.
        dpi: resolution of the frames. Default 100.
        figsize: figure size in inches. Default (5.5, 4), or (10, 4) with ``losses``.
        xlabel: the inputs' name. Default "x".
        ylabel: the targets' name. Default "y".
        loss_label: the loss panel's axis label. Default "loss".

    Returns:
        A matplotlib FuncAnimation of the frames, each drawn once (its figure is not
        pyplot's, so no still is shown beside it). A notebook shows it as matplotlib's
        JavaScript player (its ``_repr_html_``), which plays once and stops on the last
        frame; ``save`` writes it again in any format matplotlib knows.
    """
    x, y = points(x, y)
    grid = vector(grid, "grid")
    curves = [vector(c, f"curves[{k}]") for k, c in enumerate(curves)]
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
    if hold < 0:
        raise ValueError(f"animate_fit: hold must be >= 0 seconds, got {hold}")
    if losses is not None:
        losses = vector(losses, "losses")
        if steps is None or len(steps) != len(curves):
            raise ValueError(f"animate_fit: losses need steps, the training step of each of "
                             f"the {len(curves)} frames; got "
                             f"{'none' if steps is None else len(steps)}")
        steps = [int(t) for t in steps]
        if min(steps) < 0 or max(steps) > losses.size:
            raise ValueError(f"animate_fit: steps must lie in [0, {losses.size}] (the "
                             f"number of losses), got {min(steps)} to {max(steps)}")
    from matplotlib.figure import Figure

    panels = 1 if losses is None else 2
    fig = Figure(figsize=figsize or ((5.5, 4) if panels == 1 else (10, 4)), dpi=dpi,
                 layout="constrained")
    axes = fig.subplots(1, panels, squeeze=False)[0]
    ax = axes[0]
    ax.scatter(x, y, s=16, color="tab:orange", label="data", zorder=3)
    order = np.argsort(grid)
    line, = ax.plot(grid[order], curves[0][order], color="tab:blue", lw=2.5, label="fit")
    values = np.concatenate([y] + curves)
    low, high = values.min(), values.max()
    margin = 0.05 * (high - low or 1.0)
    ax.set_ylim(low - margin, high + margin)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=9)
    title = ax.set_title(titles[0] if titles else "")
    moving = [line, title]
    if losses is not None:
        loss_ax = axes[1]
        loss_ax.plot(np.arange(losses.size), losses, color="0.85", lw=1.5)
        fallen, = loss_ax.plot([], [], color="tab:red", lw=2)
        now, = loss_ax.plot([], [], "o", color="tab:red", ms=6)
        loss_ax.set_yscale("log" if losses.min() > 0 else "linear")
        loss_ax.set_xlim(0, losses.size)
        loss_ax.set_xlabel("step")
        loss_ax.set_ylabel(loss_label)
        loss_ax.set_title(f"{loss_label} as it falls")
        loss_ax.grid(alpha=0.3)
        moving += [fallen, now]

    def draw(frame):
        line.set_ydata(curves[frame][order])
        if titles:
            title.set_text(titles[frame])
        if losses is not None:
            shown = min(steps[frame] + 1, losses.size)
            fallen.set_data(np.arange(shown), losses[:shown])
            now.set_data([shown - 1], [losses[shown - 1]])

    frames = blitted(fig, moving, draw, len(curves))
    anim = player(frames, fps)
    if path is not None:
        save_gif(frames, path, fps, hold)
    if html is not None:
        parent_made(html).write_text(f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
                                      f"</head><body>\n{anim.to_jshtml()}\n</body></html>\n",
                                      encoding="utf-8")
    return anim


def plot_fit(x, y, fits, grid=None, path=None, title=None, xlabel="x", ylabel="y", dpi=100,
             figsize=(9, 4.5)):
    """Scatter the data points and draw one or more fitted curves over them.

    Args:
        x: the points' inputs, 1-D.
        y: the points' targets, 1-D, as long as ``x``.
        fits: {label: curve values}, each evaluated at ``grid`` (or at ``x`` when
            grid is None).
        grid: the inputs of the curves, 1-D. Default None (the curves are at ``x``).
        path: where to save the picture (PNG, SVG, PDF by the suffix). Default None.
        title: the figure's title. Default None.
        xlabel: the inputs' name. Default "x".
        ylabel: the targets' name. Default "y".
        dpi: resolution when saved. Default 100.
        figsize: figure size in inches, the legend at its right. Default (9, 4.5).

    Returns:
        The matplotlib Figure.
    """
    x, y = points(x, y)
    grid = x if grid is None else vector(grid, "grid")
    order = np.argsort(grid)
    curves = {}
    for label, values in named(fits, "fits").items():
        values = vector(values, f"fits[{label!r}]")
        if values.shape != grid.shape:
            raise ValueError(f"plot_fit: fits[{label!r}] has {values.size} values for "
                             f"{grid.size} inputs")
        curves[label] = values
    plt = pyplot()
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    ax.scatter(x, y, s=12, color="tab:gray", alpha=0.7, label="data")
    for k, (label, values) in enumerate(curves.items()):
        ax.plot(grid[order], values[order], lw=2, ls=STYLES[k % 4], label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    legend_outside(ax)
    if title:
        ax.set_title(title)
    return finish(fig, path, dpi)


def plot_losses(losses, path=None, title="Training loss", log=True, xlabel="step",
                ylabel="loss", dpi=100, figsize=(9, 4.5)):
    """Draw loss curves on one plot, one line per run.

    Args:
        losses: {label: sequence of losses}, or a single sequence of losses (drawn
            with no legend).
        path: where to save the picture. Default None.
        title: the figure's title. Default "Training loss".
        log: a logarithmic loss axis (needs positive losses). Default True.
        xlabel: the x-axis label. Default "step".
        ylabel: the y-axis label. Default "loss".
        dpi: resolution when saved. Default 100.
        figsize: figure size in inches, the legend at its right. Default (9, 4.5).

    Returns:
        The matplotlib Figure.
    """
    labelled = isinstance(losses, dict)
    if not labelled:
        losses = {ylabel: losses}
    curves = {label: vector(values, f"losses[{label!r}]") for label, values in losses.items()}
    if log and any((c <= 0).any() for c in curves.values()):
        raise ValueError("plot_losses: a log axis needs positive losses; pass log=False")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    for k, (label, values) in enumerate(curves.items()):
        ax.plot(np.arange(values.size), values, lw=2.2 if k == 0 else 1.8, ls=STYLES[k % 4],
                label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if labelled:
        legend_outside(ax)
    return finish(fig, path, dpi)


def plot_loss_surface(loss_fn, a_range, b_range, paths=None, path=None, target=None,
                      levels=25, resolution=120, title="Loss surface", xlabel="a",
                      ylabel="b", dpi=100, figsize=(10, 5.5)):
    """Contour the loss over a plane of two parameters and draw optimizer paths on it.

    Args:
        loss_fn: takes two arrays A and B of the same shape (a grid of parameter
            values) and returns the loss at each point, as an array of that shape.
        a_range: (low, high) of the first parameter (the x axis).
        b_range: (low, high) of the second parameter (the y axis).
        paths: {label: array of shape (steps, 2)}, the (a, b) visited by each
            optimizer, drawn from a square (the start) to a dot (the end). Default None.
        path: where to save the picture. Default None.
        target: an (a, b) point to mark with a hollow star, such as the minimum.
            Default None.
        levels: the number of contour levels, spaced logarithmically when the loss
            is positive. Default 25.
        resolution: grid points along each axis. Default 120.
        title: the figure's title. Default "Loss surface".
        xlabel: the first parameter's name. Default "a".
        ylabel: the second parameter's name. Default "b".
        dpi: resolution when saved. Default 100.
        figsize: figure size in inches, the legend at its right. Default (10, 5.5).

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
    plt = pyplot()
    from matplotlib import colors, ticker

    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    logarithmic = Z.min() > 0
    if logarithmic:
        contour_levels = np.geomspace(Z.min(), Z.max(), levels)
        norm, ticks = colors.LogNorm(Z.min(), Z.max()), ticker.LogLocator(subs=(1, 2, 5))
    else:
        contour_levels = np.linspace(Z.min(), Z.max(), levels)
        norm, ticks = colors.Normalize(Z.min(), Z.max()), ticker.MaxNLocator(6)
    # a light colour at low loss, where the paths end, keeps them in view
    filled = ax.contourf(A, B, Z, levels=contour_levels, norm=norm, cmap="Greys", alpha=0.6)
    ax.contour(A, B, Z, levels=contour_levels, colors="0.45", linewidths=0.4, alpha=0.6)
    fig.colorbar(filled, ax=ax, label="loss", ticks=ticks,
                 format=ticker.FormatStrFormatter("%g"))
    if target is not None:  # under the paths, so it hides none of their ends
        ax.plot(*target, "*", ms=24, mfc="none", mec="black", mew=1.2, zorder=2,
                label="minimum")
    for k, (label, p) in enumerate(tracks.items()):
        ax.plot(p[:, 0], p[:, 1], ls=STYLES[k % 4], marker="o", ms=2.5, lw=1.6, zorder=3,
                color=f"C{k}", label=label)
        ax.plot(*p[-1], "o", ms=6, color=f"C{k}", mec="black", mew=0.8, zorder=4)
    if tracks:
        start = next(iter(tracks.values()))[0]
        ax.plot(*start, "s", color="white", ms=8, mec="black", zorder=4, label="start")
    ax.set_xlim(*a_range)
    ax.set_ylim(*b_range)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if tracks or target is not None:
        legend_outside(ax)
    return finish(fig, path, dpi)


def plot_surface_3d(X, y, predictions=None, surface=None, path=None, title=None,
                    resolution=40, dpi=100, figsize=None, zlabel="y", surface_label="surface"):
    """3-D pictures of data on a plane: the targets, each model's predictions, a surface.

    The targets fill the first panel and each entry of ``predictions`` one more panel
    beside it, with shared axes: points coloured by height, so a cone or a tilted plane
    reads at a glance. A ``surface`` is drawn in the first panel under the data points
    (then black), with a colour bar.

    Args:
        X: the inputs, shape (n, 2) (an array or a Tensor).
        y: the targets, shape (n,) or (n, 1).
        predictions: {label: values at X}, one panel each. Default None.
        surface: a function from an (m, 2) array of inputs to m outputs (such as a
            trained model's predictions), drawn as a surface over the inputs'
            bounding box. Default None.
        path: where to save the picture. Default None.
        title: the figure's title. Default None.
        resolution: grid points along each axis of the surface. Default 40.
        dpi: resolution when saved. Default 100.
        figsize: figure size in inches. Default 4.5 x 4.5 per panel (wider with a
            surface's colour bar).
        zlabel: the vertical axis' label. Default "y".
        surface_label: the surface's name on its colour bar. Default "surface".

    Returns:
        The matplotlib Figure.
    """
    X = np.asarray(getattr(X, "data", X), dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_surface_3d: X must have shape (n, 2), got {X.shape}")
    y = vector(y, "y")
    if y.size != len(X):
        raise ValueError(f"plot_surface_3d: y has {y.size} values for {len(X)} points")
    panels = {"data": y}
    for label, values in named(predictions or {}, "predictions").items():
        values = vector(values, f"predictions[{label!r}]")
        if values.size != len(X):
            raise ValueError(f"plot_surface_3d: predictions[{label!r}] has {values.size} "
                             f"values for {len(X)} points")
        panels[label] = values
    Z = None
    if surface is not None:
        u = np.linspace(X[:, 0].min(), X[:, 0].max(), resolution)
        v = np.linspace(X[:, 1].min(), X[:, 1].max(), resolution)
        U, V = np.meshgrid(u, v)
        Z = np.asarray(surface(np.c_[U.ravel(), V.ravel()]), dtype=float)
        if Z.size != U.size:
            raise ValueError(f"plot_surface_3d: surface returned {Z.size} values for "
                             f"{U.size} inputs")
        Z = Z.reshape(U.shape)
    plt = pyplot()
    from matplotlib import colors, ticker

    heights = np.concatenate(list(panels.values()) + ([] if Z is None else [Z.ravel()]))
    norm = colors.Normalize(heights.min(), heights.max())
    if figsize is None:
        figsize = (4.5 * len(panels) + (1.0 if Z is not None else 0.0), 4.5)
    fig = plt.figure(figsize=figsize, layout="constrained")
    for k, (label, values) in enumerate(panels.items()):
        # drawn in call order: the data points stay in front of the surface
        ax = fig.add_subplot(1, len(panels), k + 1, projection="3d", computed_zorder=False)
        if Z is not None and k == 0:
            shape = ax.plot_surface(U, V, Z, cmap="coolwarm", norm=norm, alpha=0.75,
                                    linewidth=0, antialiased=True, zorder=1)
            ax.scatter(X[:, 0], X[:, 1], values, s=3, color="black", alpha=0.6, zorder=2)
            fig.colorbar(shape, ax=ax, shrink=0.6, pad=0.1, label=surface_label)
        else:
            ax.scatter(X[:, 0], X[:, 1], values, s=4, c=values, cmap="viridis", norm=norm,
                       depthshade=False)
        if len(panels) > 1:
            ax.set_title(label)
        ax.set_zlim(norm.vmin, norm.vmax)
        for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
            axis.set_major_locator(ticker.MaxNLocator(4))
        ax.tick_params(labelsize=8)
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        ax.set_zlabel(zlabel)
    if title:
        fig.suptitle(title, fontweight="bold")
    return finish(fig, path, dpi)
