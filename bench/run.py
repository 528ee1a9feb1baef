"""Run every benchmark of issue 6 and print one table: ``python -m bench [--quick]``.

Also runs as ``python bench/run.py``. Each workload runs alone too:
``python -m bench.scalar``, ``bench.chain``, ``bench.small``, ``bench.circle``,
``bench.large``, ``bench.imports``, ``bench.memory``.
"""

import os
import sys
import time

if __package__ in (None, ""):  # started as a script: make the package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import chain, circle, imports, large, memory, scalar, small  # noqa: E402
from bench.harness import Report, parse_args, print_report  # noqa: E402

# Cheap and isolated ones first; the million-node chain, which takes the most memory, last.
WORKLOADS = (imports, small, circle, large, scalar, memory, chain)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv, __doc__.splitlines()[0])
    start = time.perf_counter()
    report = Report()
    for workload in WORKLOADS:
        print(f"running {workload.__name__} ...", file=sys.stderr, flush=True)
        report.extend(workload.run(args.quick))
    print_report(report, "microgd benchmarks (issue 6)" + (" --quick" if args.quick else ""))
    load = os.getloadavg()
    print(f"\ntotal {time.perf_counter() - start:.0f} s; load average at the end "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
