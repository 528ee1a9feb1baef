"""Import time: ``import microgd`` against ``import torch``, each in a fresh interpreter.

Times the import statement alone (not the interpreter's start), median of several
fresh processes taken in turns. Run alone: ``python -m bench.imports [--quick]``.
"""

import functools
import subprocess
import sys

from .harness import ROOT, Measure, Report, Target, main_for, paired, rows_from

LIMIT = 0.2  # seconds, issue 6
PROGRAM = ("import time; t = time.perf_counter(); import {module}; "
           "print(time.perf_counter() - t)")


def import_seconds(module):
    """Seconds ``import module`` takes in a fresh Python started in the repository root."""
    out = subprocess.run([sys.executable, "-c", PROGRAM.format(module=module)], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    return Measure(float(out))


def run(quick=False):
    runners = {name: functools.partial(import_seconds, name) for name in ("microgd", "torch")}
    rows = rows_from("import", "-", paired(runners, 3 if quick else 7))
    return Report(rows, [Target("import microgd", rows[0].seconds, LIMIT, unit=" s")])


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
