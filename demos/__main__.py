"""Run every demo as a script: ``python -m demos [--fast] [--out DIR] [--gallery DIR]``.

Each demo writes its pictures into the output folder and leaves its fitted numbers in
``results``; the run ends with a summary. ``--gallery DIR`` also copies the README's
pictures there (``python -m demos --gallery docs`` refreshes the committed gallery).
``python -m demos --notebooks`` writes notebooks/*.ipynb from the demos instead (jupytext),
and notebooks/lessons/*.ipynb from demos/lessons/ (the seed lessons' PyTorch code on microgd).
"""

import argparse
import runpy
import shutil
import sys
import time
from pathlib import Path

DEMOS = ["quickstart", "linear_regression", "lesson2_sgd", "momentum", "nonlinear", "circle",
         "graph", "backprop"]
# The README's gallery: the file each demo writes -> its name under docs/.
GALLERY = {"linear_regression.gif": "fit.gif", "momentum_paths.png": "optimizer_paths.png",
           "nonlinear.png": "nonlinear.png", "circle_predictions.png": "circle.png",
           "neuron.svg": "neuron.svg", "backprop.gif": "backprop.gif"}
# The seed lessons' own code (demos/lessons/<name>.py): notebooks only, not run by main().
LESSONS = ["lessons/lesson_002_sgd_momentum", "lessons/lesson_003_sgd",
           "lessons/lesson_004_nonlinear"]
HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE.parent / "notebooks"


def main(argv=None):
    """Run the demos in order, print a summary, and return {demo: its results}."""
    from demos.common import add_demo_arguments
    parser = argparse.ArgumentParser(prog="python -m demos", description=__doc__.split("\n")[0])
    add_demo_arguments(parser)
    parser.add_argument("--gallery", type=Path,
                        help="also copy the README's gallery pictures into this folder")
    parser.add_argument("--notebooks", action="store_true",
                        help=f"write the notebooks into {NOTEBOOKS} and run nothing")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.notebooks:
        for path in write_notebooks():
            print(f"  {path}")
        return {}
    demo_argv = ["--out", str(args.out)] + (["--fast"] if args.fast else [])
    results, seconds = {}, {}
    for name in DEMOS:
        print(f"\n=== demos.{name}")
        start = time.perf_counter()
        results[name] = run_demo(name, demo_argv)
        seconds[name] = time.perf_counter() - start
    print(f"\n=== summary ({sum(seconds.values()):.1f} s, pictures in {args.out})")
    for name in DEMOS:
        print(f"  {name:18s} {seconds[name]:6.1f} s  {_headline(results[name])}")
    if args.gallery is not None:
        args.gallery.mkdir(parents=True, exist_ok=True)
        for source, target in GALLERY.items():
            shutil.copyfile(args.out / source, args.gallery / target)
            print(f"  gallery: {args.gallery / target}")
    return results


def run_demo(name, argv):
    """Run demos/<name>.py as ``python demos/<name>.py *argv`` would; return its results."""
    launched_with = sys.argv
    sys.argv = [str(HERE / f"{name}.py"), *argv]
    try:
        return runpy.run_module(f"demos.{name}", run_name="__main__")["results"]
    finally:
        sys.argv = launched_with


def notebook(name):
    """The text of demos/<name>.py as a notebook (.ipynb, no outputs), made by jupytext.

    Args:
        name: the path of the source under demos/, without ".py" ("circle",
            "lessons/lesson_003_sgd").
    """
    import jupytext

    nb = jupytext.read(HERE / f"{name}.py", fmt="py:percent")
    for k, cell in enumerate(nb.cells):
        cell.id = f"cell-{k}"  # not random: the same source gives the same notebook
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python",
                                  "name": "python3"},
                   "language_info": {"name": "python"}}
    return jupytext.writes(nb, fmt="ipynb")


def write_notebooks(folder=NOTEBOOKS):
    """Write every demo's and lesson's notebook under ``folder``; return their paths.

    Args:
        folder: where they go (lessons in its lessons/). Default notebooks/.
    """
    (folder / "lessons").mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.ipynb" for name in DEMOS + LESSONS]
    for name, path in zip(DEMOS + LESSONS, paths):
        path.write_text(notebook(name), encoding="utf-8")
    return paths


def _headline(result):
    """The scalar numbers of a demo's result and its picture count, on one line."""
    numbers = [f"{k} {v:.4g}" for k, v in result.items() if isinstance(v, float)]
    pictures = result.get("pictures", [])
    return ", ".join(numbers + ([f"{len(pictures)} pictures"] if pictures else []))


if __name__ == "__main__":
    main()
