"""The lessons' demos: `python -m demos --fast` runs them all; their pictures and numbers."""

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
DEMO_FILES = ["linear_regression", "lesson2_sgd", "momentum", "nonlinear", "circle", "graph"]
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
}
GIF_FRAMES = {"linear_regression.gif": 11, "lesson2_sgd.gif": 11}  # with --fast


def run(args, timeout=180):
    """Run python with args in the repository, as a user would; return stdout."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """Run every demo once with --fast (and --gallery); return (out dir, results, stdout)."""
    out = tmp_path_factory.mktemp("out")
    code = ("import json, sys\n"
            "from demos.__main__ import main\n"
            "results = main(['--fast', '--out', sys.argv[1], '--gallery', sys.argv[2]])\n"
            "print('RESULTS=' + json.dumps(results, default=lambda a: a.tolist()))\n")
    stdout = run(["-c", code, str(out), str(out / "gallery")])
    results = json.loads(stdout.rsplit("RESULTS=", 1)[1])
    return out, results, stdout


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
    _, results, stdout = demo_run
    assert list(results) == ["quickstart"] + DEMO_FILES
    for name in ["quickstart"] + DEMO_FILES:
        assert f"=== demos.{name}" in stdout
    assert "=== summary" in stdout


@pytest.mark.parametrize("demo", DEMO_FILES)
def test_pictures_exist_and_are_valid(demo_run, demo):
    out, results, stdout = demo_run
    listed = [Path(p) for p in results[demo]["pictures"]]
    assert [p.name for p in listed] == PICTURES[demo]
    for path in listed:
        assert path.parent == out
        assert str(path) in stdout  # the demo said where each picture went
        if path.suffix == ".png":
            check_png_or_gif(path, "PNG")
        elif path.suffix == ".gif":
            image = check_png_or_gif(path, "GIF")
            assert image.n_frames == GIF_FRAMES[path.name]
        elif path.suffix == ".svg":
            check_svg(path)
        else:
            page = path.read_text()
            gif = path.with_suffix(".gif").name
            assert page.startswith("<!DOCTYPE html>")
            assert page.count("data:image/png;base64") == GIF_FRAMES[gif]


def test_gallery_files_are_copied_and_small(demo_run):
    out, _, _ = demo_run
    gallery = out / "gallery"
    assert sorted(p.name for p in gallery.iterdir()) == [
        "fit.gif", "neuron.svg", "nonlinear.png", "optimizer_paths.png"]
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


def test_a_demo_runs_as_a_script(tmp_path):
    stdout = run([str(ROOT / "demos" / "graph.py"), "--out", str(tmp_path)])
    assert "neuron: o = tanh(x1*w1 + x2*w2 + b) = 0.7071" in stdout
    assert (tmp_path / "neuron.svg").exists()


@pytest.mark.parametrize("demo", DEMO_FILES)
def test_demos_are_notebook_cells_with_a_main(demo):
    source = (ROOT / "demos" / f"{demo}.py").read_text()
    assert source.startswith("# %% [markdown]")
    assert source.count("# %%") >= 4
    assert "def main(argv=None):" in source
    assert source.rstrip().endswith('if __name__ == "__main__":\n    main()')


def test_parse_args_in_a_notebook_kernel_ignores_the_kernels_arguments(tmp_path, monkeypatch):
    from demos.common import parse_args
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["ipykernel_launcher.py", "-f", "kernel.json"])
    monkeypatch.setitem(sys.modules, "ipykernel", object())
    args = parse_args(None, "test")
    assert args.out == Path("out") and not args.fast
    assert (tmp_path / "out").is_dir()
    with pytest.raises(SystemExit):
        parse_args(["--no-such-flag"], "test")


def test_hand_gradient_matches_autograd_on_random_points():
    from demos.linear_regression import autograd_gradient, hand_gradient
    rng = np.random.default_rng(3)
    x = rng.uniform(-5, 5, 17)
    y = rng.normal(size=17)
    for a, b in rng.normal(size=(5, 2)):
        np.testing.assert_allclose(hand_gradient(a, b, x, y), autograd_gradient(a, b, x, y),
                                   rtol=1e-12, atol=1e-12)
