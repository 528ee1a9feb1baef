"""Run every demo in turn: ``python -m demos [--fast] [--out DIR] [--gallery DIR]``.

Each demo writes its pictures into the output folder and returns its fitted numbers;
the run ends with a summary. ``--gallery DIR`` also copies the README's pictures there
(``python -m demos --gallery docs`` refreshes the committed gallery).
"""

import argparse
import importlib
import os
import shutil
import sys
import time
from pathlib import Path

# The demos multiply small matrices (at most 1000 x 100): one BLAS thread is faster
# there than several, which also fight over the cores of a busy machine. Set before
# numpy is first imported; a value the user exported wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

DEMOS = ["quickstart", "linear_regression", "lesson2_sgd", "momentum", "nonlinear", "circle",
         "graph"]
# The README's gallery: the file each demo writes -> its name under docs/.
GALLERY = {"linear_regression.gif": "fit.gif", "momentum_paths.png": "optimizer_paths.png",
           "nonlinear.png": "nonlinear.png", "neuron.svg": "neuron.svg"}


def main(argv=None):
    """Run the demos in order, print a summary, and return {demo: its results}."""
    from demos.common import add_demo_arguments  # after the BLAS setting above: numpy
    parser = argparse.ArgumentParser(prog="python -m demos", description=__doc__.split("\n")[0])
    add_demo_arguments(parser)
    parser.add_argument("--gallery", type=Path,
                        help="also copy the README's gallery pictures into this folder")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    demo_argv = ["--out", str(args.out)] + (["--fast"] if args.fast else [])
    results, seconds = {}, {}
    for name in DEMOS:
        print(f"\n=== demos.{name}")
        start = time.perf_counter()
        results[name] = importlib.import_module(f"demos.{name}").main(demo_argv)
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


def _headline(result):
    """The scalar numbers of a demo's result and its picture count, on one line."""
    if not isinstance(result, dict):
        return f"returned {result}"
    numbers = [f"{k} {v:.4g}" for k, v in result.items()
               if isinstance(v, float)]
    pictures = result.get("pictures", [])
    return ", ".join(numbers + ([f"{len(pictures)} pictures"] if pictures else []))


if __name__ == "__main__":
    main()
