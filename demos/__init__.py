"""The lessons as notebooks that run as scripts; `python -m demos` runs them all.

Importing this package (each demo does it before numpy) sets one BLAS thread. The demos
multiply small matrices (at most 1000 x 100), where one thread is faster than several that
fight over the cores of a busy machine; and one thread count gives the same sums, so the
same numbers, in a notebook, in `python demos/x.py` and in `python -m demos`. A value the
user exported wins.
"""

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
