"""Page faults and glibc's allocator settings, on the tensor circle workload.

At the circle's sizes (temporaries of 400-800 KB) glibc returns freed memory to
the OS and page-faults it back in on the next step. This runs the workload in
fresh processes under glibc's documented tunables (environment variables read at
start-up, see mallopt(3)), with ``mallopt`` called at run time
(``microgd.allocator.keep_freed_memory``) and with microgd's own setting (what
``import microgd`` does), and prints seconds and minor page faults per step for each
engine. Every other row sets MICROGD_KEEP_MEMORY=0, so it measures what it names.
Run alone: ``python -m bench.malloc [--quick]``; it is a diagnostic, not part of
``python -m bench``.
"""

import os
import subprocess
import sys

from .harness import ROOT, Measure, Report, Row, main_for, median_faults, median_seconds

MB = 1 << 20
MMAP, TRIM = 32 * MB, 256 * MB
OFF = {"MICROGD_KEEP_MEMORY": "0"}  # import microgd leaves the allocator alone
SETTINGS = {
    "glibc defaults": OFF,
    "MALLOC_TRIM_THRESHOLD_=256MB": {**OFF, "MALLOC_TRIM_THRESHOLD_": str(TRIM)},
    "MALLOC_TOP_PAD_=64MB": {**OFF, "MALLOC_TOP_PAD_": str(64 * MB)},
    "MALLOC_MMAP_THRESHOLD_=32MB": {**OFF, "MALLOC_MMAP_THRESHOLD_": str(MMAP)},
    "MMAP_THRESHOLD_=32MB + TRIM_THRESHOLD_=256MB": {
        **OFF, "MALLOC_MMAP_THRESHOLD_": str(MMAP), "MALLOC_TRIM_THRESHOLD_": str(TRIM)},
    "import microgd (its own setting)": {},
}
MALLOPT = "mallopt(M_MMAP_THRESHOLD=32MB, M_TRIM_THRESHOLD=256MB)"
PROGRAM = """
if {mallopt}:
    from microgd.allocator import keep_freed_memory
    keep_freed_memory({mmap}, {trim})
from bench.mlp import measure
m = measure("bench.circle", {engine!r}, {dtype!r}, {steps})
print(m.seconds, m.minflt, m.loss)
"""


def measure_in_process(engine, dtype, steps, env=None, mallopt=False):
    """A Measure of the circle workload in a fresh Python with ``env`` added."""
    code = PROGRAM.format(mallopt=mallopt, mmap=MMAP, trim=TRIM, engine=engine,
                          dtype=dtype, steps=steps)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, text=True,
                          capture_output=True, env={**os.environ, **(env or {})})
    if done.returncode:
        raise RuntimeError(f"the {engine} {dtype} run failed:\n{done.stderr}")
    seconds, minflt, loss = map(float, done.stdout.split())
    return Measure(seconds, loss, minflt)


def run(quick=False):
    steps, repeats = (30, 1) if quick else (100, 3)
    configs = [(name, env, False) for name, env in SETTINGS.items()] + [(MALLOPT, OFF, True)]
    rows = []
    for dtype in ("float64", "float32"):
        for name, env, mallopt in configs:
            for engine in ("microgd", "numpy floor", "torch"):
                measures = [measure_in_process(engine, dtype, steps, env, mallopt)
                            for _ in range(repeats)]
                rows.append(Row(f"circle, {name}", engine, dtype, median_seconds(measures),
                                None, measures[-1].loss,
                                f"minflt/step {median_faults(measures):.0f}"))
    return Report(rows)


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
