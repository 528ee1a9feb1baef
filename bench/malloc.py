"""Page faults and glibc's allocator settings, on the tensor circle workload.

At the circle's sizes (temporaries of 400-800 KB) glibc returns freed memory to
the OS and page-faults it back in on the next step. This runs the workload in
fresh processes under glibc's documented tunables (environment variables read at
start-up, see mallopt(3)) and with ``mallopt`` called through ctypes, and prints
seconds and minor page faults per step for each engine.
Run alone: ``python -m bench.malloc [--quick]``; it is a diagnostic, not part of
``python -m bench``.
"""

import os
import statistics
import subprocess
import sys

from .harness import Measure, Report, Row, main_for

MB = 1 << 20
SETTINGS = {
    "glibc defaults": {},
    "MALLOC_TRIM_THRESHOLD_=256MB": {"MALLOC_TRIM_THRESHOLD_": str(256 * MB)},
    "MALLOC_TOP_PAD_=64MB": {"MALLOC_TOP_PAD_": str(64 * MB)},
    "MALLOC_MMAP_THRESHOLD_=32MB": {"MALLOC_MMAP_THRESHOLD_": str(32 * MB)},
    "MMAP_THRESHOLD_=32MB + TRIM_THRESHOLD_=256MB": {
        "MALLOC_MMAP_THRESHOLD_": str(32 * MB), "MALLOC_TRIM_THRESHOLD_": str(256 * MB)},
}
MALLOPT = "mallopt(M_MMAP_THRESHOLD=32MB, M_TRIM_THRESHOLD=256MB)"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAM = """
import ctypes, sys
if {mallopt}:
    libc = ctypes.CDLL("libc.so.6")
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    libc.mallopt(M_MMAP_THRESHOLD, {mmap}); libc.mallopt(M_TRIM_THRESHOLD, {trim})
from bench.mlp import measure
m = measure("bench.circle", {engine!r}, {dtype!r}, {steps})
print(m.seconds, m.minflt, m.loss)
"""


def measure_in_process(engine, dtype, steps, env=None, mallopt=False):
    """A Measure of the circle workload in a fresh Python with ``env`` added."""
    code = PROGRAM.format(mallopt=mallopt, mmap=32 * MB, trim=256 * MB, engine=engine,
                          dtype=dtype, steps=steps)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, text=True,
                          capture_output=True, env={**os.environ, **(env or {})})
    if done.returncode:
        raise RuntimeError(f"the {engine} {dtype} run failed:\n{done.stderr}")
    seconds, minflt, loss = map(float, done.stdout.split())
    return Measure(seconds, loss, minflt)


def run(quick=False):
    steps, repeats = (30, 1) if quick else (100, 3)
    configs = [(name, env, False) for name, env in SETTINGS.items()] + [(MALLOPT, {}, True)]
    rows = []
    for dtype in ("float64", "float32"):
        for name, env, mallopt in configs:
            for engine in ("microgd", "numpy floor", "torch"):
                measures = [measure_in_process(engine, dtype, steps, env, mallopt)
                            for _ in range(repeats)]
                rows.append(Row(f"circle, {name}", engine, dtype,
                                statistics.median(m.seconds for m in measures), None,
                                measures[-1].loss,
                                f"minflt/step {statistics.median(m.minflt for m in measures):.0f}"))
    return Report(rows)


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
