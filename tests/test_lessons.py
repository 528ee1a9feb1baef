"""The seed lessons 002-004 (demos/lessons/, notebooks/lessons/): their PyTorch code runs
on microgd with only the import lines changed, prints the numbers a closed form gives,
and prints PyTorch's numbers for the same data and initial weights.

Each lesson runs in a child process (this file as a script: one BLAS thread, fast mode,
the Agg backend), as tests/test_demos.py runs the demos.
"""

import ast
import contextlib
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import microgd as mg
from demos.__main__ import LESSONS, notebook

jupytext = pytest.importorskip("jupytext")
ROOT = Path(__file__).resolve().parent.parent
# The only lines of the lessons that name microgd, and what they are on PyTorch (the
# lessons' `tensor(3., 2)` is fastai's, given to the PyTorch run as `fastai_tensor`).
IMPORTS = {"import microgd as torch": "import torch",
           "from microgd import tensor, nn": "from torch import nn; tensor = fastai_tensor"}
WATCHED = ("x", "y", "a", "y_hat", "x_data", "y_data", "X", "l", "last_step")


def cells(name):
    """The code cells of demos/lessons/<name>.py, their sources."""
    nb = jupytext.read(ROOT / "demos" / "lessons" / f"{name}.py", fmt="py:percent")
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def as_array(value):
    """A watched variable as a float64 numpy array (Tensors of either library, arrays)."""
    if hasattr(value, "detach"):
        value = value.detach().numpy()
    return np.array(value, dtype=np.float64)


def run(name, on_torch=False, skip=None):
    """Run a lesson's code cells in one namespace, as a notebook would (Agg backend).

    Args:
        name: the lesson, e.g. "lesson_003_sgd".
        on_torch: swap the import lines for PyTorch's. Default False: microgd as written.
        skip: a predicate on a cell's source; such cells are not run. Default None: none.

    Returns:
        one dict per code cell: its ``source``, ``printed`` text (prints, and the last
        expression's repr as a notebook shows it) and the ``values`` of WATCHED variables;
        an exception is raised as it is.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    namespace = {"__name__": "__main__"}
    if on_torch:
        import torch
        namespace["fastai_tensor"] = lambda *xs: torch.tensor(xs if len(xs) > 1 else xs[0])
    ran = []
    for source in cells(name):
        if skip is not None and skip(source):
            continue
        lines = [line for line in source.splitlines() if not line.startswith("%")]
        if on_torch:
            lines = [IMPORTS.get(line, line) for line in lines]
        tree = ast.parse("\n".join(lines))
        shown = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(tree, name, "exec"), namespace)
            if shown is not None and not lines[-1].rstrip().endswith(";"):
                value = eval(compile(ast.Expression(shown.value), name, "eval"), namespace)
                if value is not None:
                    print(repr(value))
        ran.append({"source": source, "printed": printed.getvalue(),
                    "values": {k: as_array(namespace[k]).tolist()
                               for k in WATCHED if k in namespace}})
        plt.close("all")
    return ran


def numbers(text):
    """The decimal numbers in printed text."""
    return [float(s) for s in re.findall(r"-?\d+\.\d*(?:e[-+]?\d+)?", text)]


NAMES = [name.split("/")[1] for name in LESSONS]
HOWS = ("microgd", "microgd-as-torch", "torch")


@pytest.fixture(scope="module")
def children():
    """Every lesson run in child processes (see main), all at once: {how: {name: cells}}
    for each way in HOWS (the torch ones only where torch is installed)."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    env.update(PYTHONPATH=str(ROOT), MPLBACKEND="Agg", MICROGD_DEMOS_FAST="1",
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    hows = HOWS if importlib.util.find_spec("torch") else HOWS[:1]
    running = {how: subprocess.Popen([sys.executable, __file__, how], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for how in hows}
    results = {}
    for how, child in running.items():
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err[-3000:]
        results[how] = json.loads(out.splitlines()[-1])
        for ran in results[how].values():
            for c in ran:
                c["values"] = {k: np.array(v) for k, v in c["values"].items()}
    return results


@pytest.fixture(scope="module")
def lessons(children):
    """Each lesson run once on microgd, as written (the default dtype, seeded)."""
    return children["microgd"]


def cell(ran, start):
    """The one cell whose source starts with ``start``."""
    found = [c for c in ran if c["source"].lstrip().startswith(start)]
    assert len(found) == 1, start
    return found[0]


def test_the_lesson_notebooks_are_made_from_their_sources():
    for name in LESSONS:
        committed = (ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8")
        assert committed == notebook(name), (
            f"notebooks/{name}.ipynb is stale: run python -m demos --notebooks")


@pytest.mark.parametrize("name", LESSONS)
def test_a_lesson_notebook_says_which_lesson_and_links_the_native_ones(name):
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    first = "".join(nb["cells"][0]["source"])
    assert first.startswith(f"# Lesson {name.split('_')[1]}: ") and "PyTorch" in first
    links = re.findall(r"\]\((\.\./\w+\.ipynb)\)", first)
    assert len(links) >= 2
    for link in links:
        assert (ROOT / "notebooks" / "lessons" / link).resolve().is_file(), link
    code = [cell for cell in nb["cells"] if cell["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)


@pytest.mark.parametrize("name", NAMES)
def test_only_the_import_lines_name_microgd(name):
    for source in cells(name):
        for line in source.splitlines():
            assert "microgd" not in line or line in IMPORTS, line


def gradient_descent(x, y, a, lr, steps, momentum=0.0):
    """Closed form of the lessons' loop on mse(x @ a, y): (loss, grad, step) per step."""
    history, last = [], np.zeros_like(a)
    for t in range(steps):
        residual = x @ a - y
        grad = 2 * x.T @ residual / len(y)
        step = grad if t == 0 else momentum * last + (1 - momentum) * grad
        history.append(((residual ** 2).mean(), grad, step))
        a, last = a - lr * step, step
    return history, a


def test_lesson_002_prints_the_momentum_updates_of_the_closed_form(lessons):
    ran = lessons["lesson_002_sgd_momentum"]
    assert cell(ran, "a = tensor(3.,2)")["printed"] == "tensor([3., 2.])\n"
    data = cell(ran, "y = x@a")["values"]
    x, y = data["x"], data["y"]
    assert np.all(x[:, 1] == 1) and np.all(np.abs(x[:, 0]) <= 1)
    noise = y - x @ [3, 2]
    assert np.all((noise >= 0) & (noise < 1))  # torch.rand: uniform in [0, 1)
    first = cell(ran, "y_hat = x@a")["printed"]
    assert first == f"tensor({((x @ [-1, 1] - y) ** 2).mean():.4f})\n"
    printed = cell(ran, "lr = 1e-1")["printed"].splitlines()
    history, a = gradient_descent(x, y, np.array([-1., 1.]), 0.1, 50, momentum=0.8)
    assert len(printed) == 50
    for t, (line, (loss, grad, step)) in enumerate(zip(printed, history)):
        assert line.startswith(f"Epoch {t} tensor(") and "grad_fn=<MeanBackward0>" in line
        np.testing.assert_allclose(numbers(line.split(" ", 2)[2]), [loss, *grad, *step],
                                   atol=6e-5)
    np.testing.assert_allclose(cell(ran, "lr = 1e-1")["values"]["a"], a, atol=1e-12)


def test_lesson_003_fits_the_line_as_gradient_descent_does(lessons):
    ran = lessons["lesson_003_sgd"]
    data = cell(ran, "y = x@a")["values"]
    x, y = data["x"], data["y"]
    assert cell(ran, "a = nn.Parameter(a)")["printed"] == (
        "Parameter containing:\ntensor([-1.,  1.], requires_grad=True)\n")
    printed = cell(ran, "lr = 1e-1")["printed"].splitlines()
    history, a = gradient_descent(x, y, np.array([-1., 1.]), 0.1, 100)
    assert printed == [f"tensor({loss:.4f}, grad_fn=<MeanBackward0>)"
                       for loss, _, _ in history[::10]]
    fitted = cell(ran, "lr = 1e-1")["values"]["a"]
    np.testing.assert_allclose(fitted, a, atol=1e-12)
    best = np.linalg.lstsq(x, y, rcond=None)[0]  # about (3, 2.5): the noise's mean lifts b
    np.testing.assert_allclose(fitted, best, atol=0.05)
    np.testing.assert_allclose(best, [3, 2.5], atol=0.25)


def line_fit_lines(text):
    """(epoch, loss, w, b) of each "epoch E, loss L, w W, b B" line."""
    return [tuple(float(v) for v in m) for m in re.findall(
        r"epoch (\d+), loss ([-\d.]+), w ([-\d.]+), b ([-\d.]+)", text)]


def best_line(x, y):
    """Least squares y ~ w x + b: (w, b, its mean squared error)."""
    design = np.stack([x, np.ones_like(x)], axis=1)
    (w, b), *_ = np.linalg.lstsq(design, y, rcond=None)
    return w, b, ((design @ [w, b] - y) ** 2).mean()


def test_lesson_004_line_fit_heads_for_3x_plus_8(lessons):
    ran = lessons["lesson_004_nonlinear"]
    data = cell(ran, "import numpy as np\nx_data")["values"]
    w_best, b_best, best_mse = best_line(data["x_data"], data["y_data"])
    assert abs(w_best - 3) < 0.5 and abs(b_best - 8) < 2.5  # noise of sd 2 on 100 points
    model = [c for c in ran if c["source"].startswith("# solve the equation above")][0]
    first = line_fit_lines(model["printed"])
    more = line_fit_lines(cell(ran, "for epoch in range(200)")["printed"])
    assert [e for e, *_ in first] == list(range(1, 101, 10)) and len(more) == 20
    losses = [loss for _, loss, _, _ in first[1:] + more]
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))
    assert losses[-1] >= best_mse - 1e-3
    distances = [abs(b - b_best) for *_, b in first[1:] + more]
    assert all(later < earlier for earlier, later in zip(distances, distances[1:]))


def test_lesson_004_sin_cubed_fits_rank_as_the_lesson_says(lessons):
    ran = lessons["lesson_004_nonlinear"]
    models = [c for c in ran if c["source"].startswith("# solve the equation above")]
    line, deep_line, relu = (float(c["values"]["l"]) for c in models[1:4])
    data = cell(ran, "# create a non linear data")["values"]
    *_, best_mse = best_line(data["x_data"], data["y_data"])
    # A line and a stack of linear layers are both lines: neither beats least squares.
    assert line >= best_mse - 1e-4 and deep_line >= best_mse - 1e-4
    assert relu < best_mse < line  # the ReLU net bends (1,000 epochs in fast mode)
    printed = numbers(models[3]["printed"])  # "epoch 0, loss L" every 1,000 epochs
    assert all(later < earlier for earlier, later in zip(printed, printed[1:] + [relu]))


def test_lesson_004_circle_fits_plane_then_cone(lessons):
    ran = lessons["lesson_004_nonlinear"]
    data = cell(ran, "import numpy as np\nimport matplotlib")["values"]
    X, y = data["X"], data["y"]
    design = np.column_stack([X, np.ones(len(X))])
    plane = ((design @ np.linalg.lstsq(design, y, rcond=None)[0] - y) ** 2).mean()
    models = [c for c in ran if c["source"].startswith("# solve the equation above")]
    linear, relu = (float(c["values"]["l"]) for c in models[4:6])
    assert linear == pytest.approx(plane, abs=0.01)  # the linear net finds the best plane
    assert relu < plane / 3  # the ReLU net finds the cone
    for c in models[4:6]:
        losses = numbers(c["printed"])  # "epoch E, loss L" every 100 epochs
        assert len(losses) == 2 and losses[1] < losses[0]


# --- the same programs on PyTorch -------------------------------------------------------

def gives_matplotlib_a_tensor_that_requires_grad(source):
    """PyTorch refuses such a cell (it cannot turn `x@a` into numpy): a plot, not a number."""
    return "plt." in source and "x@a" in source


def same_draws(lib):
    """Make ``lib`` draw the numbers the other library draws: rand and uniform_ from one
    numpy generator, nn.Linear's initial weights from another, lesson 004's data seeded.

    Returns:
        a function that restarts the draws (before each lesson).
    """
    draws = {}
    lib.rand = lambda *size: lib.from_numpy(
        draws["data"].random(size)).to(lib.get_default_dtype())

    def uniform_(self, low=0.0, high=1.0, **options):  # PyTorch's init passes generator=
        with lib.no_grad():
            return self.copy_(lib.from_numpy(draws["data"].uniform(low, high, self.shape)))
    lib.Tensor.uniform_ = uniform_
    init = lib.nn.Linear.__init__

    def linear_init(self, in_features, out_features, *args, **kwargs):
        init(self, in_features, out_features, *args, **kwargs)
        bound = 1 / np.sqrt(in_features)
        weights = draws["weights"]
        with lib.no_grad():
            self.weight.copy_(lib.from_numpy(
                weights.uniform(-bound, bound, (out_features, in_features))))
            self.bias.copy_(lib.from_numpy(weights.uniform(-bound, bound, out_features)))
    lib.nn.Linear.__init__ = linear_init

    def restart():
        draws.update(data=np.random.default_rng(0), weights=np.random.default_rng(1))
        np.random.seed(0)
    return restart


@pytest.mark.parametrize("name", NAMES)
def test_the_lessons_print_pytorchs_numbers(children, name):
    pytest.importorskip("torch")
    on_microgd, on_torch = children["microgd-as-torch"][name], children["torch"][name]
    assert len(on_microgd) == len(on_torch) >= 5
    for ours, theirs in zip(on_microgd, on_torch):
        # The same text around the numbers: PyTorch's printing, grad_fn names and all.
        pattern = r"-?\d+\.\d*(?:e[-+]?\d+)?"
        assert re.sub(pattern, "#", ours["printed"]) == re.sub(pattern, "#", theirs["printed"])
        # float32 on both, summed in different orders: a printed 4th decimal may differ
        # by one (rounded on either side of a 5).
        np.testing.assert_allclose(numbers(ours["printed"]), numbers(theirs["printed"]),
                                   rtol=0, atol=1.01e-4, err_msg=ours["source"][:60])


# Every lesson notebook in a kernel, as tests/test_notebooks.py runs the demos'. Lesson
# 004 is the slow one: its two 3-D result plots draw 1,000,000 points each (the lesson's
# (1000, 1)-shaped z, broadcast), about 25 s apiece.
@pytest.mark.parametrize("name", LESSONS)
def test_the_lesson_notebooks_run_in_a_kernel_and_show_their_plots(name, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    monkeypatch.setenv("MICROGD_DEMOS_FAST", "1")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's own: inline
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(variable, "1")  # the lessons do not import demos, which would
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={
        "metadata": {"path": str(ROOT / "notebooks" / "lessons")}}).execute()
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    pictures = [cell for cell in code for output in cell.outputs
                if "image/png" in output.get("data", {})]
    assert len(pictures) >= 3
    assert not [cell for cell in code if any(o.output_type == "error" for o in cell.outputs)]
    assert not [o for cell in code for o in cell.outputs if o.get("name") == "stderr"]


def main(how):
    """Run every lesson and print {lesson: its cells} as JSON on the last line.

    Args:
        how: "microgd" (as written, seeded), or "microgd-as-torch" / "torch" (float32 and
            the same draws on both; cells that PyTorch refuses to plot are left out).
    """
    if how == "torch":
        import torch
        restart = same_draws(torch)
    elif how == "microgd-as-torch":
        mg.set_default_dtype(mg.float32)  # PyTorch's default: its numbers and printing
        restart = same_draws(mg)
    ran = {}
    for name in NAMES:
        if how == "microgd":
            # Seeds under which lesson 004's circle net, whose last layer is a ReLU, does
            # not start dead (with seed 0 its output is 0 everywhere, its loss stays 0.69).
            mg.manual_seed(1)
            np.random.seed(1)
            ran[name] = run(name)
        else:
            restart()
            ran[name] = run(name, on_torch=how == "torch",
                            skip=gives_matplotlib_a_tensor_that_requires_grad)
    print(json.dumps(ran))


if __name__ == "__main__":
    main(*sys.argv[1:])

