"""Memory: peak RSS growth over 10,000 steps of the tensor small workload, after warm-up.

Runs in a fresh process, so that no other workload's peak counts. Leaks would show
as growth; reference cycles (freed only by the garbage collector) as growth between
collections. Run alone: ``python -m bench.memory [--quick]``.
"""

import multiprocessing
import resource
from concurrent.futures import ProcessPoolExecutor

from .harness import Report, Row, Target, main_for, timed_steps

LIMIT_MB = 5.0  # issue 6
WARMUP_STEPS = 500


def peak_rss_growth(steps):
    """(MB of peak RSS growth over ``steps`` steps after warm-up, the Measure of those steps)."""
    from .mlp import build
    model = build("bench.small", "microgd", "float64")
    timed_steps(model.step, WARMUP_STEPS)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    measure = timed_steps(model.step, steps)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (after - before) / 1024, measure


def run(quick=False):
    steps = 1_000 if quick else 10_000
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as fresh:
        growth, measure = fresh.submit(peak_rss_growth, steps).result()
    row = Row(f"memory, tensor small x{steps:,}", "microgd", "float64", measure.seconds,
              loss=measure.loss,
              note=f"peak RSS +{growth:.2f} MB after {WARMUP_STEPS} warm-up steps")
    return Report([row], [Target(f"memory: peak RSS growth over {steps:,} steps", growth,
                                 LIMIT_MB, unit=" MB")])


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
