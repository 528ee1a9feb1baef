"""Timing, pairing, targets and the results table shared by every workload.

A workload runs whole (a fresh model from the same initial weights, then its
steps) once per engine per repeat. The engines take turns in an order that
rotates from one repeat to the next, so machine noise hits every engine alike;
each peer's ratio is the median over repeats of microgd's time divided by that
peer's time *in the same repeat*.
"""

import argparse
import datetime
import gc
import math
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the repository
REFERENCE = "microgd"  # the engine every ratio is of


@dataclass
class Measure:
    """One timed run of a workload on one engine."""

    seconds: float          # seconds per step
    loss: float = None      # loss at the last step
    minflt: float = float("nan")  # minor page faults per step


@dataclass
class Row:
    """One line of the results table."""

    workload: str
    engine: str
    dtype: str
    seconds: float
    ratio: float = None     # paired median of microgd's time / this engine's time
    loss: object = None
    note: str = ""


@dataclass
class Target:
    """A goal from issue 6: ``value`` must be ``<=`` (or ``>=``) ``limit``."""

    name: str
    value: float
    limit: float
    at_least: bool = False
    unit: str = "x"

    @property
    def met(self):
        return self.value >= self.limit if self.at_least else self.value <= self.limit

    def line(self):
        sign = ">=" if self.at_least else "<="
        status = "PASS" if self.met else "MISS"
        return (f"{status}  {self.name}: {self.value:.3g}{self.unit} "
                f"(target {sign} {self.limit:g}{self.unit})")


@dataclass
class Report:
    """What a workload hands back: its table rows and its targets."""

    rows: list = field(default_factory=list)
    targets: list = field(default_factory=list)

    def extend(self, other):
        self.rows += other.rows
        self.targets += other.targets


def timed_steps(step, steps, gc_enabled=True, warmup=1):
    """Run ``step()`` ``warmup`` times untimed, then ``steps`` times timed.

    Returns a Measure whose ``loss`` is the last step's result. The heap starts
    clean (``gc.collect()``), so no engine pays for another's garbage; the warm-up
    step puts the loop in its steady state (optimizer state made, the previous
    step's graph to free). With ``gc_enabled=False`` the cyclic garbage collector
    is off during the timed loop.
    """
    gc.collect()
    for _ in range(warmup):
        step()
    was_enabled = gc.isenabled()
    if not gc_enabled:
        gc.disable()
    try:
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        start = time.perf_counter()
        for _ in range(steps):
            result = step()
        elapsed = time.perf_counter() - start
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    finally:
        if was_enabled:
            gc.enable()
    return Measure(elapsed / steps, as_float(result), faults / steps)


def as_float(x):
    """A loss as a Python float, whatever engine made it (its ``.item()`` if it has one)."""
    return x.item() if hasattr(x, "item") else float(x)


def paired(runners, repeats, pause=0.0):
    """Run each runner ``repeats`` times, rotating the order every repeat.

    Args:
        runners: name -> callable returning a Measure (one whole workload run).
        repeats: how many times each runner runs.
        pause: seconds to sleep before each run, so that the previous engine's
            BLAS threads stop spinning (OpenBLAS spins ~0.1 s after a call) and
            do not take a core from the next one.

    Returns:
        name -> list of Measures, index r being repeat r for every name.
    """
    names = list(runners)
    results = {name: [None] * repeats for name in names}
    for r in range(repeats):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            time.sleep(pause)
            results[name][r] = runners[name]()
    return results


SWITCH_PAUSE = 0.2


class ChildProcess:
    """One persistent spawned Python process that runs calls for this one.

    An engine with a thread pool of its own (PyTorch's OpenMP) runs there, so
    the parent never holds two pools at once; started on first use.
    """

    def __init__(self):
        self._pool = None

    def call(self, fn, *args):
        """fn(*args) in the child; fn must be importable by name (module level)."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        return self._pool.submit(fn, *args).result()


CHILD = ChildProcess()


def median_seconds(measures):
    return statistics.median(m.seconds for m in measures)


def paired_ratio(mine, theirs):
    """Median over repeats of mine[r].seconds / theirs[r].seconds."""
    return statistics.median(a.seconds / b.seconds for a, b in zip(mine, theirs))


def median_faults(measures):
    """The median minor page faults per step of several Measures."""
    return statistics.median(m.minflt for m in measures)


def rows_from(workload, dtype, results, note=None):
    """Table rows for one paired run: microgd (REFERENCE) first, then each peer
    with its paired ratio. ``note(name, measures)`` may add a note per engine."""
    rows = []
    for name, measures in results.items():
        ratio = None if name == REFERENCE else paired_ratio(results[REFERENCE], measures)
        rows.append(Row(workload, name, dtype, median_seconds(measures), ratio,
                        measures[-1].loss, note(name, measures) if note else ""))
    return rows


def format_table(rows):
    """The rows as a fixed-width text table."""
    header = ("workload", "engine", "dtype", "s/step (median)", "microgd/engine",
              "final loss", "notes")
    lines = [header]
    for row in rows:
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}x"
        loss = row.loss if isinstance(row.loss, str) else (
            "" if row.loss is None else f"{row.loss:.6g}")
        seconds = "-" if math.isnan(row.seconds) else f"{row.seconds:.3e}"
        lines.append((row.workload, row.engine, row.dtype, seconds,
                      ratio, loss, row.note))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for k, line in enumerate(lines):
        out.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def machine_info():
    """Date, CPU, versions and thread counts, one fact per line."""
    import numpy as np
    lines = [f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}",
             f"cpu: {_cpu_model()} ({os.cpu_count()} logical cores)",
             f"python: {platform.python_version()}  numpy: {np.__version__}"]
    try:
        from threadpoolctl import threadpool_info
        blas = ", ".join(f"{i['internal_api']} {i.get('version')} "
                         f"{i.get('architecture')} threads={i['num_threads']}"
                         for i in threadpool_info() if i["user_api"] == "blas")
        lines.append(f"numpy BLAS: {blas}")
    except ImportError:
        pass
    lines.append(f"torch: {CHILD.call(torch_facts)}")
    lines.append("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    blas_env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP_", "MKL_"))}
    lines.append(f"BLAS environment: {blas_env or 'none set'}")
    return "\n".join(lines)


def torch_facts():
    """PyTorch's version and thread count (called in the child process)."""
    try:
        import torch
    except ImportError:
        return "not installed"
    return f"{torch.__version__}  threads={torch.get_num_threads()}"


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def print_report(report, title="microgd benchmarks"):
    """Print machine facts, the table and the targets."""
    print(f"# {title}")
    print(machine_info())
    print()
    print(format_table(report.rows))
    if report.targets:
        print()
        for target in report.targets:
            print(target.line())


def parse_args(argv, description):
    """The options every bench entry point takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true",
                        help="few steps and repeats: a smoke run, not a measurement")
    return parser.parse_args(argv)


def main_for(run, description, argv=None):
    """Entry point of a workload module: ``run(quick) -> Report``, then print it."""
    args = parse_args(sys.argv[1:] if argv is None else argv, description)
    print_report(run(args.quick), description)
