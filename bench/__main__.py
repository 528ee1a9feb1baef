"""``python -m bench``: every benchmark, one table (see bench/run.py)."""

from .run import main

main()
