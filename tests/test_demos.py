"""The lessons' demos: `python -m demos --fast` runs them all; their pictures and numbers."""

import ast
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
DEMO_FILES = ["linear_regression", "lesson2_sgd", "momentum", "nonlinear", "circle", "graph",
              "backprop"]
PICTURES = {
    "linear_regression": ["linear_regression.gif", "linear_regression.html",
                          "linear_regression_loss.png"],
    "lesson2_sgd": ["lesson2_fit.png", "lesson2_sgd.gif", "lesson2_sgd.html",
                    "lesson2_losses.png"],
    "momentum": ["momentum_losses.png", "momentum_paths.png"],
    "nonlinear": ["nonlinear.png", "nonlinear_losses.png", "nonlinear_network.svg",
                  "nonlinear_network.png"],
    "circle": ["circle_predictions.png", "circle_surface.png", "circle_losses.png"],
    "graph": ["neuron.svg", "neuron.png", "mlp_values.svg", "mlp_tensors.svg"],
    "backprop": ["backprop.gif", "backprop.html", "backprop_mlp.svg"],
}


def run(args, timeout=300, cwd=ROOT, **env):
    """Run python with args as a user would (stderr not a terminal); return (stdout, stderr)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg", **env)
    done = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, done.stderr


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """Run every demo once with --fast (and --gallery); return (out dir, results, stdout)."""
    out = tmp_path_factory.mktemp("out")
    code = ("import json, sys\n"
            "from demos.__main__ import main\n"
            "results = main(['--fast', '--out', sys.argv[1], '--gallery', sys.argv[2]])\n"
            "print('RESULTS=' + json.dumps(results, default=lambda a: a.tolist()))\n")
    stdout, stderr = run(["-c", code, str(out), str(out / "gallery")])
    results = json.loads(stdout.rsplit("RESULTS=", 1)[1])
    return out, results, stdout, stderr


def check_png_or_gif(path, fmt):
    assert path.stat().st_size > 5000, f"{path.name} is only {path.stat().st_size} bytes"
    image = Image.open(path)
    image.verify()
    image = Image.open(path)
    assert image.format == fmt
    width, height = image.size
    assert width * height >= 50_000 and min(width, height) >= 50, f"{path.name}: {image.size}"
    pixels = np.asarray(image.convert("L"))
    assert pixels.std() > 10, f"{path.name} is nearly blank"
    return image


def check_svg(path):
    assert path.stat().st_size > 2000, f"{path.name} is only {path.stat().st_size} bytes"
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    width, height = (float(root.get(k).rstrip("pt")) for k in ("width", "height"))
    assert width >= 100 and height >= 50
    assert len(list(root.iter("{http://www.w3.org/2000/svg}text"))) >= 5


def test_every_demo_ran_and_printed_a_summary(demo_run):
    _, results, stdout, _ = demo_run
    assert list(results) == ["quickstart"] + DEMO_FILES
    for name in ["quickstart"] + DEMO_FILES:
        assert f"=== demos.{name}" in stdout
    assert "=== summary" in stdout


def test_progress_in_a_log_is_lines_not_a_carriage_return_stream(demo_run):
    stderr = demo_run[3]
    assert "\r" not in stderr
    assert "linear regression: 400/400 in" in stderr
    assert "ReLU MLP: 150/150 in" in stderr


@pytest.mark.parametrize("demo", DEMO_FILES)
def test_pictures_exist_and_are_valid(demo_run, demo):
    out, results, stdout, _ = demo_run
    listed = [Path(p) for p in results[demo]["pictures"]]
    assert [p.name for p in listed] == PICTURES[demo]
    for path in listed:
        assert path.parent == out
        assert str(path) in stdout  # the demo said where each picture went
        if path.suffix == ".png":
            image = check_png_or_gif(path, "PNG")
            if not path.name.startswith(("neuron", "nonlinear_network")):
                assert min(image.size) >= 400, f"{path.name} is {image.size}: too small"
        elif path.suffix == ".svg":
            check_svg(path)


@pytest.mark.parametrize("name", ["linear_regression", "lesson2_sgd"])
def test_animations_are_big_enough_hold_their_last_frame_and_match_their_html(demo_run, name):
    out, _, stdout, _ = demo_run
    frames = int(stdout.split(f"{name}.gif")[0].rsplit("animation (", 1)[1].split()[0])
    assert 8 <= frames <= 12  # --fast asks for 12, spaced by motion
    image = check_png_or_gif(out / f"{name}.gif", "GIF")
    assert image.n_frames == frames
    assert image.size == (1000, 400)  # 10 x 4 inches at 100 dpi: the fit and the loss
    durations = []
    for k in range(image.n_frames):
        image.seek(k)
        durations.append(image.info["duration"])
    assert durations[:-1] == [100] * (frames - 1)  # 10 frames per second
    assert durations[-1] == 1600  # then a pause of 1.5 s before the loop
    page = (out / f"{name}.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("data:image/png;base64") == frames


def test_the_animation_moves_in_every_frame(demo_run):
    """Frames spaced by motion: no run of frames where the line stands still."""
    image = Image.open(demo_run[0] / "linear_regression.gif")
    frames = []
    for k in range(image.n_frames):
        image.seek(k)
        frames.append(np.asarray(image.convert("L"), dtype=float)[:, :480])  # the fit panel
    changes = [np.abs(b - a).mean() for a, b in zip(frames, frames[1:])]
    assert min(changes) > 0.05 * max(changes)


def test_gallery_files_are_copied_and_small(demo_run):
    out = demo_run[0]
    gallery = out / "gallery"
    assert sorted(p.name for p in gallery.iterdir()) == [
        "backprop.gif", "circle.png", "fit.gif", "neuron.svg", "nonlinear.png",
        "optimizer_paths.png"]
    assert (gallery / "fit.gif").read_bytes() == (out / "linear_regression.gif").read_bytes()
    assert all(p.stat().st_size < 1_000_000 for p in gallery.iterdir())


def test_linear_regression_numbers(demo_run):
    result = demo_run[1]["linear_regression"]
    assert result["a"] == pytest.approx(3.0, abs=0.01)
    assert result["b"] == pytest.approx(8.0, abs=0.01)
    assert result["gradient_difference"] <= 1e-12
    assert result["final_rmse"] < 0.01 < 5 < result["initial_rmse"]


def test_lesson2_numbers(demo_run):
    result = demo_run[1]["lesson2_sgd"]
    assert (result["a"], result["b"]) == pytest.approx((3.0, 2.5), abs=0.15)
    assert (result["minibatch_a"], result["minibatch_b"]) == pytest.approx((3.0, 2.5), abs=0.2)
    assert result["loss"] < 0.1 and result["minibatch_loss"] < 0.1


def test_momentum_numbers(demo_run):
    result = demo_run[1]["momentum"]
    assert result["lesson_momentum_difference"] <= 1e-12
    assert result["minimum"] == pytest.approx([3.0, 2.5], abs=0.15)
    optimizers = result["optimizers"]
    assert len(optimizers) == 5
    for fit in optimizers.values():
        assert fit["loss"] < 0.2  # from 10.0 at the guess
    # the lesson's point: momentum gets closer than plain SGD in the same 50 steps
    assert optimizers["lesson momentum (0.8, dampening 0.8)"]["loss"] < optimizers["SGD"]["loss"]
    assert optimizers["Nesterov 0.9"]["loss"] < 1.01 * result["min_loss"]


def test_nonlinear_numbers(demo_run):
    result = demo_run[1]["nonlinear"]
    assert result["relu_mse"] < 0.25 * result["line_mse"]
    assert result["deep_linear_mse"] == pytest.approx(result["line_mse"], rel=0.05)


def test_circle_numbers(demo_run):
    result = demo_run[1]["circle"]
    assert result["relu_mse"] < 0.02  # the noise's variance is 0.01
    assert result["relu_mse"] < 0.25 * result["linear_mse"]


def test_graph_numbers(demo_run):
    result = demo_run[1]["graph"]
    assert result["neuron"] == pytest.approx(np.sqrt(0.5))
    by_hand = {"x1": -1.5, "x2": 0.5, "w1": 1.0, "w2": 0.0, "b": 0.5}
    assert result["neuron_grads"] == pytest.approx(by_hand)
    assert len(result["gradchecks"]) == 4 and all(result["gradchecks"].values())


def test_backprop_numbers(demo_run):
    out, results, stdout, _ = demo_run
    result = results["backprop"]
    assert result["expression_grads"] == {"a": 6.0, "b": -4.0, "c": -2.0, "f": 4.0,
                                          "d": -2.0, "e": -2.0}
    assert result["neuron"] == pytest.approx(np.sqrt(0.5))
    assert "do/dw1 += do/d(x1*w1) * d(x1*w1)/dw1 = 0.5000 * 2.0000 = 1.0000" in stdout
    assert Image.open(out / "backprop.gif").n_frames == 12
    assert "data:image/svg+xml" in (out / "backprop.html").read_text()
    assert result["mlp_losses"][-1] < result["mlp_losses"][0]


def test_a_demo_runs_alone_from_any_folder_with_the_same_numbers(demo_run, tmp_path):
    stdout, _ = run([str(ROOT / "demos" / "nonlinear.py"), "--fast", "--out", str(tmp_path)],
                    cwd=ROOT / "demos")
    for line in stdout.splitlines():
        if "mean squared error" in line:
            assert line in demo_run[2]  # as in python -m demos
    assert "ReLU MLP 1-100-100-1 (Adam)" in stdout
    assert (tmp_path / "nonlinear.png").exists()
    assert not (ROOT / "demos" / "out").exists()


def code_cells(demo):
    """The demo's code cells (the text between `# %%` markers that are not markdown)."""
    source = (ROOT / "demos" / f"{demo}.py").read_text()
    cells = source.split("\n# %%")
    return source, [c.split("\n", 1)[1] for c in cells[1:] if not c.startswith(" [markdown]")]


@pytest.mark.parametrize("demo", ["quickstart"] + DEMO_FILES)
def test_demos_are_notebooks_of_top_level_cells(demo):
    source, cells = code_cells(demo)
    assert source.startswith("# %% [markdown]\n# # ")
    markers = [line for line in source.splitlines() if "# %%" in line]
    assert all(m in ("# %%", "# %% [markdown]") for m in markers), markers
    assert len(cells) >= 4
    for cell in cells:
        ast.parse(cell)  # each cell is whole: no function split across cells
    tree = ast.parse(source)
    assert not any(isinstance(node, ast.FunctionDef) and node.name == "main"
                   for node in tree.body)
    assert "__main__" not in source
    first_import = next(node for node in tree.body
                        if isinstance(node, (ast.Import, ast.ImportFrom)))
    # demos/__init__.py sets one BLAS thread: it must run before numpy is imported
    assert (getattr(first_import, "module", None) or first_import.names[0].name) in (
        "demos", "demos.common")
    assert cells[-1].lstrip().startswith("results = {")


def test_importing_demos_sets_one_blas_thread_unless_the_user_chose():
    code = "import os, demos; print(os.environ['OPENBLAS_NUM_THREADS'])"
    clean = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, env=dict(clean, PYTHONPATH=str(ROOT)))
    assert done.stdout.strip() == "1"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, env=dict(clean, PYTHONPATH=str(ROOT),
                                              OPENBLAS_NUM_THREADS="2"))
    assert done.stdout.strip() == "2"


def test_options_default_to_out_at_the_root_and_read_the_environment(monkeypatch):
    import argparse

    from demos.common import add_demo_arguments

    def defaults():
        parser = argparse.ArgumentParser()
        add_demo_arguments(parser)
        return parser.parse_args([])

    monkeypatch.delenv("MICROGD_DEMOS_OUT", raising=False)
    monkeypatch.delenv("MICROGD_DEMOS_FAST", raising=False)
    args = defaults()
    assert args.out == ROOT / "out" and not args.fast
    monkeypatch.setenv("MICROGD_DEMOS_OUT", "/tmp/pictures")
    monkeypatch.setenv("MICROGD_DEMOS_FAST", "1")
    args = defaults()
    assert args.out == Path("/tmp/pictures") and args.fast
    monkeypatch.setenv("MICROGD_DEMOS_FAST", "0")
    assert not defaults().fast


def test_parse_args_in_a_notebook_kernel_ignores_the_kernels_arguments(tmp_path, monkeypatch):
    from demos.common import parse_args
    monkeypatch.setenv("MICROGD_DEMOS_OUT", str(tmp_path / "pictures"))
    monkeypatch.setattr(sys, "argv", ["ipykernel_launcher.py", "-f", "kernel.json"])
    monkeypatch.setitem(sys.modules, "ipykernel", object())
    args = parse_args("test")
    assert args.out == tmp_path / "pictures" and not args.fast
    assert args.out.is_dir()
    with pytest.raises(SystemExit):
        parse_args("test", ["--no-such-flag"])


def test_progress_in_a_terminal_is_a_tqdm_bar(monkeypatch):
    from tqdm import tqdm

    from demos.common import progress
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    bar = progress(3, "steps")
    assert isinstance(bar, tqdm) and list(bar) == [0, 1, 2]


def test_progress_in_a_log_prints_one_line_when_done(monkeypatch, capsys):
    from demos.common import progress
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert list(progress(5, "epochs")) == [0, 1, 2, 3, 4]
    captured = capsys.readouterr()
    assert captured.err.startswith("epochs: 5/5 in ") and captured.err.count("\n") == 1
    assert "\r" not in captured.err and captured.out == ""


def test_progress_in_a_notebook_is_a_widget_or_a_quiet_line(monkeypatch, capsys, recwarn):
    import importlib.util

    from tqdm.notebook import tqdm as widget

    from demos.common import progress
    monkeypatch.setitem(sys.modules, "ipykernel", object())
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "ipywidgets" else find_spec(name, *a))
    assert list(progress(2, "fit")) == [0, 1]
    captured = capsys.readouterr()
    assert captured.out.startswith("fit: 2/2 in ") and captured.err == ""
    assert not [w for w in recwarn if "IProgress" in str(w.message)]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())
    monkeypatch.setattr(widget, "__init__", lambda self, iterable, **kw: setattr(
        self, "seen", (list(iterable), kw)))
    bar = progress(2, "fit")
    assert isinstance(bar, widget) and bar.seen == ([0, 1], {"desc": "fit", "leave": False})


def test_frames_by_motion_spaces_frames_by_distance_travelled():
    from demos.common import frames_by_motion
    # a curve that halves its distance to 0 at every step: most motion comes first
    curves = np.array([[2.0 ** -t, 2.0 ** -t] for t in range(40)])
    # it has gone half the way after step 1, three quarters after step 2
    assert frames_by_motion(curves, 5) == [0, 1, 2, 39]
    assert frames_by_motion(curves, 9) == [0, 1, 2, 3, 39]
    still = np.zeros((10, 3))
    assert frames_by_motion(still, 4) == [0, 9]
