"""Run every demo in turn: `python -m demos`."""

import importlib
import sys

DEMOS = ["quickstart"]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    for name in DEMOS:
        print(f"=== demos.{name}")
        importlib.import_module(f"demos.{name}").main(argv)


if __name__ == "__main__":
    main()
