"""What microgd.plot's pictures share: the backend, legends, saving, frames of animations.

Private to microgd.plot; matplotlib and Pillow are imported inside the functions.
"""

import os
import sys
from pathlib import Path

import numpy as np

# Line styles cycled over curves: dashes keep a curve visible where another lies on it.
STYLES = ("-", "--", "-.", ":")


def blitted(fig, moving, draw, count):
    """Each frame as an RGB array: the still parts drawn once, the moving ones per frame."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    draw(0)
    canvas.draw()  # lays the figure out once, with the first frame's title
    fig.set_layout_engine("none")
    for artist in moving:
        artist.set_animated(True)
    canvas.draw()
    background = canvas.copy_from_bbox(fig.bbox)
    frames = []
    for frame in range(count):
        canvas.restore_region(background)
        draw(frame)
        for artist in moving:
            fig.draw_artist(artist)
        frames.append(np.asarray(canvas.buffer_rgba())[..., :3].copy())
    return frames


def player(frames, fps):
    """A FuncAnimation of the frames that a notebook shows as matplotlib's JS player."""
    from matplotlib.animation import FuncAnimation
    from matplotlib.figure import Figure

    height, width, _ = frames[0].shape
    screen = Figure(figsize=(width / 100, height / 100), dpi=100)
    image = screen.figimage(frames[0], origin="upper")

    def show(frame):
        image.set_data(frames[frame])
        return [image]

    anim = FuncAnimation(screen, show, frames=len(frames), interval=1000 / fps, repeat=False)
    # FuncAnimation's own _repr_html_ shows nothing unless rcParams["animation.html"] is
    # set. Made now (matplotlib keeps it), the player also marks the animation as shown.
    anim.to_jshtml()
    anim._repr_html_ = anim.to_jshtml
    return anim


def save_gif(frames, path, fps, hold):
    """Save the frames as a looping GIF whose last frame stays ``hold`` seconds longer."""
    from PIL import Image

    tick = round(1000 / fps)
    durations = [tick] * (len(frames) - 1) + [tick + round(1000 * hold)]
    images = [Image.fromarray(frame) for frame in frames]
    images[0].save(parent_made(path), format="GIF", save_all=True, loop=0,
                   append_images=images[1:], duration=durations)


def pyplot():
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


def legend_outside(ax):
    """The axes' legend to the right of the figure, where it covers no data."""
    ax.figure.legend(*ax.get_legend_handles_labels(), loc="outside right upper", fontsize=9)


def finish(fig, path, dpi):
    """Save the figure if asked; close it if saved or if Jupyter shows the returned one."""
    import matplotlib

    if path is not None:
        fig.savefig(parent_made(path), dpi=dpi, bbox_inches="tight")
    if path is not None or "inline" in matplotlib.get_backend():
        pyplot().close(fig)
    return fig


def parent_made(path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def vector(values, name):
    array = np.asarray(getattr(values, "data", values), dtype=float)
    if array.ndim == 2 and 1 in array.shape:
        array = array.ravel()
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D (or a single row or column), "
                         f"got shape {array.shape}")
    return array


def points(x, y):
    x, y = vector(x, "x"), vector(y, "y")
    if x.size != y.size:
        raise ValueError(f"x has {x.size} values but y has {y.size}")
    return x, y


def named(mapping, name):
    if not isinstance(mapping, dict):
        raise TypeError(f"{name} must be a dict of label -> values, "
                        f"got {type(mapping).__name__}")
    return mapping
