"""Scalar chain: x -> x*1.0001 + 0.1 repeated N times, forward and backward.

Two op nodes per link; ns per op node must stay flat as N grows. micrograd's
recursive topological sort raises RecursionError once the chain is deeper than
Python's recursion limit (about 500 links). Run alone: ``python -m bench.chain [--quick]``.
"""

import math
import sys

from .harness import Report, Row, Target, main_for, median_seconds, paired, rows_from, timed_steps

SIZES = (100, 1_000, 10_000, 100_000, 1_000_000)
QUICK_SIZES = (100, 1_000, 10_000)
LINKS_PER_MEASURE = 200_000  # small chains are repeated up to about this many links
QUICK_LINKS_PER_MEASURE = 20_000
MICROGRAD_MAX = 10_000  # longer chains are not tried on micrograd: it fails from about 500
FLAT_LIMIT = 1.5  # largest allowed ns/node at the longest chain over ns/node at N=1000


def chain(value_type, n):
    """Build the chain from ``value_type(1.0)``, backpropagate; returns the result's data."""
    x = value_type(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.1
    y.backward()
    return y.data


def microgd_chain(n):
    from microgd import Value
    return chain(Value, n)


def micrograd_chain(n):
    from micrograd.engine import Value
    return chain(Value, n)


def run(quick=False):
    """Each N on both engines (micrograd until it fails), paired, in ns per op node."""
    report = Report()
    ns_per_node = {}
    sizes = QUICK_SIZES if quick else SIZES
    for n in sizes:
        repeats = 3 if quick or n >= 1_000_000 else 5
        steps = max(1, (QUICK_LINKS_PER_MEASURE if quick else LINKS_PER_MEASURE) // n)
        runners = {"microgd": _runner(microgd_chain, n, steps)}
        micrograd_error = _fails(micrograd_chain, n) if n <= MICROGRAD_MAX else "not run"
        if micrograd_error is None:
            runners["micrograd"] = _runner(micrograd_chain, n, steps)
        results = paired(runners, repeats)
        rows = rows_from(f"scalar chain N={n:,}", "float64", results,
                         note=lambda name, ms: f"{_ns_per_node(median_seconds(ms), n):.0f} ns/node")
        if micrograd_error is not None:
            rows.append(Row(rows[0].workload, "micrograd", "float64", math.nan, None,
                            micrograd_error, f"recursion limit {sys.getrecursionlimit()}"))
        ns_per_node[n] = _ns_per_node(rows[0].seconds, n)
        report.rows += rows
    report.targets.append(Target(f"scalar chain: ns/node at N={sizes[-1]:,} over N=1,000",
                                 ns_per_node[sizes[-1]] / ns_per_node[1_000], FLAT_LIMIT))
    return report


def _ns_per_node(seconds, n):
    return seconds / (2 * n) * 1e9  # two op nodes per link


def _fails(fn, n):
    """The name of the error ``fn(n)`` raises, or None when it runs."""
    try:
        fn(n)
    except RecursionError as e:
        return type(e).__name__
    return None


def _runner(fn, n, steps):
    def run_once():
        return timed_steps(lambda: fn(n), steps, warmup=0)
    return run_once


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
