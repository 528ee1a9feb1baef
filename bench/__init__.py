"""Benchmarks of issue 6: microgd against micrograd, PyTorch and hand-written numpy.

``python -m bench`` runs them all and prints one table; see ``bench/run.py``.
"""
