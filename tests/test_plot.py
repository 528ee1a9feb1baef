"""microgd.plot on small inputs: files written, what is drawn, errors, the backend."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from microgd import Tensor, plot

ROOT = Path(__file__).resolve().parent.parent


def picture(path, fmt):
    """Open a saved picture, check its format and that it is not trivially small."""
    assert path.stat().st_size > 2000
    image = Image.open(path)
    assert image.format == fmt
    assert image.size[0] >= 200 and image.size[1] >= 150
    return image


def python(code, **env):
    """Run code in a fresh interpreter with a display-less environment; return stdout."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND")}
    clean.update(env)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_import_microgd_does_not_import_matplotlib():
    assert python("import sys, microgd; print('matplotlib' in sys.modules)") == "False"


def test_headless_picks_agg_and_keeps_a_chosen_backend():
    code = ("import matplotlib, microgd.plot as p; p.plot_losses([1.0, 0.5]); "
            "print(matplotlib.get_backend().lower())")
    assert python(code) == "agg"
    assert python(code, MPLBACKEND="svg") == "svg"


@pytest.fixture
def line_data():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, 20)
    return x, 3 * x + 8


def gif_frames(path):
    """A GIF's frames as grey arrays and their durations in milliseconds."""
    image = Image.open(path)
    frames, durations = [], []
    for k in range(image.n_frames):
        image.seek(k)
        frames.append(np.asarray(image.convert("L"), dtype=float))
        durations.append(image.info["duration"])
    return frames, durations


def test_animate_fit_gif_and_html(tmp_path, line_data):
    x, y = line_data
    grid = np.array([0.0, 1.0])
    curves = [a * grid + b for a, b in zip(np.linspace(-1, 3, 6), np.linspace(1, 8, 6))]
    titles = [f"frame {k}" for k in range(6)]
    anim = plot.animate_fit(x, y, grid, curves, path=tmp_path / "fit.gif",
                            html=tmp_path / "sub" / "fit.html", titles=titles, fps=5, dpi=60,
                            hold=2)
    image = picture(tmp_path / "fit.gif", "GIF")
    assert image.n_frames == 6
    assert image.size == (330, 240)  # figsize (5.5, 4) inches at dpi 60
    frames, durations = gif_frames(tmp_path / "fit.gif")
    assert durations == [200] * 5 + [2200]  # 5 frames per second, then a 2 s pause
    assert all(np.abs(b - a).mean() > 0.1 for a, b in zip(frames, frames[1:]))
    page = (tmp_path / "sub" / "fit.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("data:image/png;base64") == 6
    from matplotlib.animation import FuncAnimation
    assert isinstance(anim, FuncAnimation)
    shown = anim._repr_html_()  # what a notebook shows: the player, stopping at the end
    assert shown.count("data:image/png;base64") == 6 and "<script" in shown
    assert re.search(r'value="once"[^>]*checked', shown)
    anim.save(tmp_path / "again.gif", writer="pillow")  # still a FuncAnimation that saves
    assert Image.open(tmp_path / "again.gif").n_frames == 6


def test_animate_fit_draws_the_loss_as_it_falls(tmp_path, line_data):
    x, y = line_data
    grid = np.array([0.0, 1.0])
    losses = np.geomspace(10, 0.01, 50)
    steps = [0, 10, 49]
    plot.animate_fit(x, y, grid, [grid * k for k in range(3)], path=tmp_path / "fit.gif",
                     losses=losses, steps=steps)
    assert Image.open(tmp_path / "fit.gif").size == (1000, 400)  # two panels at 100 dpi
    frames, _ = gif_frames(tmp_path / "fit.gif")
    loss_panel = [frame[:, 550:] for frame in frames]
    # the red curve grows: each frame darkens more of the loss panel than the last
    ink = [(panel < 200).sum() for panel in loss_panel]
    assert ink[0] < ink[1] < ink[2]
    with pytest.raises(ValueError, match="losses need steps"):
        plot.animate_fit(x, y, grid, [grid], losses=losses)
    with pytest.raises(ValueError, match=r"steps must lie in \[0, 50\]"):
        plot.animate_fit(x, y, grid, [grid], losses=losses, steps=[51])


def test_animate_fit_accepts_tensors_and_columns(tmp_path, line_data):
    x, y = line_data
    grid = Tensor(np.array([[0.0], [1.0]]))
    plot.animate_fit(Tensor(x), y.reshape(-1, 1), grid, [np.array([[1.0], [2.0]])],
                     path=tmp_path / "one.gif", dpi=30)
    frames, durations = gif_frames(tmp_path / "one.gif")
    assert len(frames) == 1 and durations == [1600]


@pytest.mark.parametrize("kwargs, message", [
    ({"curves": []}, "at least one frame"),
    ({"curves": [np.zeros(3)]}, "evaluate each curve at the grid"),
    ({"titles": ["a", "b"]}, "2 titles for 1 frames"),
    ({"fps": 0}, "fps must be positive"),
    ({"hold": -1}, "hold must be >= 0 seconds, got -1"),
    ({"y": np.zeros(3)}, "x has 20 values but y has 3"),
])
def test_animate_fit_errors(line_data, kwargs, message):
    x, y = line_data
    args = {"x": x, "y": y, "grid": np.zeros(2), "curves": [np.zeros(2)]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        plot.animate_fit(**args)


def legend_clear_of_the_axes(fig):
    """The figure's legend is drawn outside the plotting area (where it hides no data)."""
    fig.canvas.draw()
    legend = fig.legends[0].get_window_extent()
    area = fig.axes[0].get_window_extent()
    assert legend.x0 >= area.x1 or legend.y1 <= area.y0, (legend, area)


def test_plot_fit(tmp_path, line_data):
    x, y = line_data
    grid = np.linspace(0, 1, 5)
    fig = plot.plot_fit(x, y, {"line": 3 * grid + 8, "flat": 9 + 0 * grid}, grid=grid,
                        path=tmp_path / "fit.png", title="fits", xlabel="u")
    picture(tmp_path / "fit.png", "PNG")
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["line", "flat"]
    assert [line.get_linestyle() for line in ax.lines] == ["-", "--"]
    assert ax.get_xlabel() == "u" and ax.get_ylabel() == "y"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), 3 * grid + 8)
    legend_clear_of_the_axes(fig)
    with pytest.raises(ValueError, match=r"fits\['line'\] has 5 values for 20 inputs"):
        plot.plot_fit(x, y, {"line": 3 * grid + 8})
    with pytest.raises(TypeError, match="fits must be a dict"):
        plot.plot_fit(x, y, [y])


def test_plot_losses(tmp_path):
    losses = {"sgd": np.geomspace(1, 1e-3, 30), "adam": np.geomspace(1, 1e-5, 40)}
    fig = plot.plot_losses(losses, path=tmp_path / "losses.svg")
    assert b"<svg" in (tmp_path / "losses.svg").read_bytes()[:1000]
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert [len(line.get_xdata()) for line in ax.lines] == [30, 40]
    assert [line.get_linestyle() for line in ax.lines] == ["-", "--"]  # both stay visible
    legend_clear_of_the_axes(fig)
    single = plot.plot_losses([3.0, -1.0], log=False, ylabel="RMSE")
    assert single.axes[0].get_yscale() == "linear" and single.axes[0].get_ylabel() == "RMSE"
    assert not single.legends and single.axes[0].get_legend() is None  # one curve: no legend
    with pytest.raises(ValueError, match="log axis needs positive losses"):
        plot.plot_losses([1.0, 0.0])
    with pytest.raises(ValueError, match="must be 1-D"):
        plot.plot_losses({"x": np.ones((3, 3))})


def bowl(A, B):
    return (A - 3) ** 2 + 4 * (B - 2) ** 2 + 0.1


def test_plot_loss_surface(tmp_path):
    paths = {"sgd": np.array([[-1.0, 1.0], [1.0, 1.5], [3.0, 2.0]]),
             "adam": np.array([[-1.0, 1.0], [0.0, 2.0]])}
    fig = plot.plot_loss_surface(bowl, (-2, 5), (0, 4), paths=paths, target=(3, 2),
                                 path=tmp_path / "surface.png", resolution=40)
    picture(tmp_path / "surface.png", "PNG")
    ax = fig.axes[0]
    drawn = {line.get_label(): np.c_[line.get_xdata(), line.get_ydata()] for line in ax.lines}
    np.testing.assert_allclose(drawn["sgd"], paths["sgd"])
    np.testing.assert_allclose(drawn["adam"], paths["adam"])
    np.testing.assert_allclose(drawn["minimum"], [[3, 2]])
    lines = {line.get_label(): line for line in ax.lines}
    assert lines["minimum"].get_markerfacecolor() == "none"  # hollow: the ends show through
    assert lines["minimum"].zorder < lines["sgd"].zorder
    assert ax.get_xlim() == (-2, 5) and ax.get_ylim() == (0, 4)
    assert len(fig.axes) == 2  # the plot and its colour bar
    legend_clear_of_the_axes(fig)
    colorbar = fig.axes[1]
    ticks = [t for t in colorbar.get_yticks() if 0.1 <= t <= 64.1]
    assert ticks == pytest.approx([0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50])  # round values


@pytest.mark.parametrize("kwargs, message", [
    ({"a_range": (1, 1)}, "a_range must be"),
    ({"loss_fn": lambda A, B: 1.0}, "must work elementwise"),
    ({"paths": {"p": np.zeros((3, 3))}}, r"paths\['p'\] must have shape \(steps, 2\)"),
    ({"resolution": 1}, "resolution must be at least 2"),
])
def test_plot_loss_surface_errors(kwargs, message):
    args = {"loss_fn": bowl, "a_range": (0, 1), "b_range": (0, 1)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        plot.plot_loss_surface(**args)


def test_plot_surface_3d(tmp_path):
    X = np.random.default_rng(1).uniform(-1, 1, (50, 2))
    y = np.linalg.norm(X, axis=1)
    seen = []

    def surface(inputs):
        seen.append(inputs.shape)
        return np.linalg.norm(inputs, axis=1)

    fig = plot.plot_surface_3d(X, y, predictions={"model": 0.9 * y, "flat": 0 * y},
                               path=tmp_path / "scatter3d.png", title="cone")
    picture(tmp_path / "scatter3d.png", "PNG")
    assert [ax.get_title() for ax in fig.axes] == ["data", "model", "flat"]  # a panel each
    assert all(ax.name == "3d" and len(ax.collections) == 1 for ax in fig.axes)
    assert len({ax.get_zlim() for ax in fig.axes}) == 1  # one height scale for all
    fig = plot.plot_surface_3d(X, y, surface=surface, path=tmp_path / "surface3d.png",
                               resolution=12, surface_label="the model")
    picture(tmp_path / "surface3d.png", "PNG")
    assert seen == [(144, 2)]
    ax, colorbar = fig.axes
    assert ax.name == "3d" and colorbar.get_ylabel() == "the model"
    shape, points = ax.collections  # the surface, then the data drawn over it
    assert not ax.computed_zorder and points.zorder > shape.zorder
    assert ax.get_legend() is None
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\)"):
        plot.plot_surface_3d(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="surface returned 1 values for 144 inputs"):
        plot.plot_surface_3d(X, y, surface=lambda inputs: [0.0], resolution=12)
    with pytest.raises(ValueError, match=r"predictions\['m'\] has 2 values for 50 points"):
        plot.plot_surface_3d(X, y, predictions={"m": [1.0, 2.0]})


def test_inline_backend_shows_a_figure_once():
    """Jupyter's inline backend shows open figures at the end of a cell, and the cell's
    result again: under it the returned figure is closed, so only the result shows."""
    code = ("import matplotlib.pyplot as plt, microgd.plot as p; fig = p.plot_losses([1.0, 0.5]); "
            "print(plt.get_fignums(), type(fig).__name__)")
    assert python(code, MPLBACKEND="module://matplotlib_inline.backend_inline") == "[] Figure"
    assert python(code, MPLBACKEND="agg") == "[1] Figure"


def test_saving_closes_the_figure(tmp_path):
    import matplotlib.pyplot as plt
    kept = plot.plot_losses([1.0, 0.5])
    saved = plot.plot_losses([1.0, 0.5], path=tmp_path / "l.png")
    assert plt.fignum_exists(kept.number)
    assert not plt.fignum_exists(saved.number)
    plt.close(kept)
