"""notebooks/: made from the demos, committed without outputs, and run in a real kernel."""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from demos.__main__ import DEMOS, notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
IMAGES = ("image/png", "image/svg+xml")


def test_the_notebooks_are_the_demos_made_by_python_m_demos_notebooks():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(DEMOS)
    for name in DEMOS:
        committed = (NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8")
        assert committed == notebook(name), (
            f"notebooks/{name}.ipynb is stale: run python -m demos --notebooks")


@pytest.mark.parametrize("name", DEMOS)
def test_notebooks_are_committed_without_outputs(name):
    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [cell for cell in nb["cells"] if cell["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    markdown = [cell for cell in nb["cells"] if cell["cell_type"] == "markdown"]
    assert "".join(markdown[0]["source"]).startswith("# ")  # a title, not "# %%" debris
    for cell in nb["cells"]:
        assert "%%" not in "".join(cell["source"])


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Run a notebook in a fresh ipykernel (fast mode, pictures in a temporary folder)."""
    out = tmp_path_factory.mktemp("pictures")
    runs = {}

    def run(name):
        if name not in runs:
            nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
            nb.cells.append(nbformat.v4.new_code_cell(
                'import json; print("RESULTS=" + json.dumps(results, default=repr))'))
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("MICROGD_DEMOS_FAST", "1")
                patch.setenv("MICROGD_DEMOS_OUT", str(out))
                patch.setenv("PYTHONPATH", os.pathsep.join(
                    [str(ROOT)] + os.environ.get("PYTHONPATH", "").split(os.pathsep)))
                patch.delenv("MPLBACKEND", raising=False)  # the kernel's own: inline
                for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                    patch.delenv(variable, raising=False)  # the notebook must set them
                NotebookClient(nb, timeout=300, kernel_name="python3",
                               resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
            runs[name] = nb
        return runs[name]

    return run


def outputs(nb):
    """(cell index, output) for every output of every code cell."""
    return [(k, output) for k, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for output in cell.outputs]


@pytest.mark.parametrize("name", DEMOS)
def test_notebook_runs_and_shows_its_pictures_inline(executed, name):
    nb = executed(name)  # nbclient raises CellExecutionError on any error
    shown = [(k, output) for k, output in outputs(nb)
             if output.output_type in ("display_data", "execute_result")]
    pictures = [k for k, output in shown if any(kind in output.data for kind in IMAGES)]
    players = [k for k, output in shown if "<script" in output.data.get("text/html", "")]
    assert pictures or players, f"{name} shows no picture"
    assert len(pictures) == len(set(pictures)), f"{name}: a figure shown twice in a cell"
    printed = "".join(output.get("text", "") for _, output in outputs(nb))
    assert "Traceback" not in printed and "IProgress" not in printed and "\r" not in printed
    errors = [output for _, output in outputs(nb) if output.get("name") == "stderr"]
    assert not errors, errors


@pytest.mark.parametrize("name", ["linear_regression", "lesson2_sgd"])
def test_animations_play_inline(executed, name):
    nb = executed(name)
    players = [output.data["text/html"] for _, output in outputs(nb)
               if "text/html" in output.get("data", {})]
    assert len(players) == 1
    assert players[0].count("data:image/png;base64") >= 8 and "<script" in players[0]


def results(nb):
    """The demo's ``results``, as the cell the test appends printed them."""
    return json.loads(nb.cells[-1].outputs[0].text.split("RESULTS=", 1)[1])


def test_a_notebook_gives_the_numbers_of_the_script(executed, tmp_path):
    """One BLAS thread however launched: the kernel's numbers are the script's, exactly."""
    code = ("import json, sys\n"
            "from demos.__main__ import run_demo\n"
            "argv = ['--fast', '--out', sys.argv[1]]\n"
            "print(json.dumps({name: run_demo(name, argv) for name in sys.argv[2:]}))\n")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    env.update(PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    script = subprocess.run([sys.executable, "-c", code, str(tmp_path), "nonlinear", "circle"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert script.returncode == 0, script.stderr[-2000:]
    by_script = json.loads(script.stdout.splitlines()[-1])
    for name in ("nonlinear", "circle"):
        in_kernel = results(executed(name))
        numbers = [key for key, value in by_script[name].items() if isinstance(value, float)]
        assert len(numbers) >= 2
        assert {k: in_kernel[k] for k in numbers} == {k: by_script[name][k] for k in numbers}
