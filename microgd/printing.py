"""Tensors printed as PyTorch prints them: ``tensor([[-0.1957,  1.0000]], grad_fn=<...>)``.

PyTorch's rules (``torch/_tensor_str.py``'s defaults: 4 decimals, 80 columns, a summary
with ``...`` above 1000 elements), on numpy: one format for all the elements, chosen
from the finite nonzero ones; floats that are all integers print as ``1.``; scientific
notation when the largest is over 1e8 or over 1000 times the smallest, or (unless all
are integers) the smallest is under 1e-4. The dtype is printed when it is none of the
default float dtype, int64 and bool, so with ``mg.set_default_dtype(mg.float32)`` a
program prints what it prints on PyTorch.

The ``grad_fn`` shown is PyTorch's name for the op (grad_fn.py).
"""

import math

import numpy as np

from .dtypes import get_default_dtype
from .grad_fn import backward_name

PRECISION = 4
THRESHOLD = 1000
EDGE_ITEMS = 3
LINE_WIDTH = 80


def tensor_repr(t):
    """``repr(t)`` in PyTorch's format, for a Tensor ``t``."""
    data = t.data
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    if data.size == 0:
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype != get_default_dtype():
            suffixes.append(f"dtype=torch.{data.dtype}")
        body = "[]"
    else:
        if data.dtype not in (get_default_dtype(), np.int64, np.bool_):
            suffixes.append(f"dtype=torch.{data.dtype}")
        body = array_str(data, indent)
    grad_fn = backward_name(t)
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, indent)


def array_str(data, indent=0):
    """The elements of a non-empty array as PyTorch prints them, in brackets.

    Args:
        data: a numpy array of a bool, int or float dtype.
        indent: the columns before the first bracket (its rows line up under it).
            Default 0.
    """
    if data.dtype == np.float16:
        data = data.astype(np.float32)
    summarize = data.size > THRESHOLD
    formatter = _Formatter(_summarized(data) if summarize else data)
    return _nested(data, indent, summarize, formatter)


class _Formatter:
    """One format for every element, chosen from the finite nonzero ones, as PyTorch's."""

    def __init__(self, data):
        values = data.reshape(-1)
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        if not self.floating:
            self.width = max(len(str(v)) for v in values.tolist())
            return
        finite = values[np.isfinite(values) & (values != 0)]
        if finite.size == 0:
            return
        magnitudes = np.abs(finite).astype(np.float64)
        smallest, largest = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        self.sci_mode = (largest / smallest > 1000.0 or largest > 1.0e8
                         or (not self.int_mode and smallest < 1.0e-4))
        if self.sci_mode:
            texts = [f"{v:.{PRECISION}e}" for v in finite.tolist()]
        elif self.int_mode:
            texts = [f"{v:.0f}." for v in finite.tolist()]
        else:
            texts = [f"{v:.{PRECISION}f}" for v in finite.tolist()]
        self.width = max(len(s) for s in texts)

    def format(self, value):
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRECISION}f}"
        return text.rjust(self.width)


def _summarized(data):
    """The elements a summary shows: the first and last EDGE_ITEMS along every axis."""
    if data.ndim == 0:
        return data
    if data.shape[0] > 2 * EDGE_ITEMS:
        data = np.concatenate([data[:EDGE_ITEMS], data[-EDGE_ITEMS:]])
    if data.ndim == 1:
        return data
    return np.stack([_summarized(row) for row in data])


def _nested(data, indent, summarize, formatter):
    if data.ndim == 0:
        return formatter.format(data.item())
    if data.ndim == 1:
        return _vector(data, indent, summarize, formatter)
    if summarize and data.shape[0] > 2 * EDGE_ITEMS:
        rows = ([_nested(row, indent + 1, summarize, formatter) for row in data[:EDGE_ITEMS]]
                + ["..."]
                + [_nested(row, indent + 1, summarize, formatter) for row in data[-EDGE_ITEMS:]])
    else:
        rows = [_nested(row, indent + 1, summarize, formatter) for row in data]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _vector(data, indent, summarize, formatter):
    per_line = max(1, (LINE_WIDTH - indent) // (formatter.width + 2))
    if summarize and data.shape[0] > 2 * EDGE_ITEMS:
        items = ([formatter.format(v) for v in data[:EDGE_ITEMS].tolist()] + [" ..."]
                 + [formatter.format(v) for v in data[-EDGE_ITEMS:].tolist()])
    else:
        items = [formatter.format(v) for v in data.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _with_suffixes(text, suffixes, indent):
    """``text`` + ", suffix" for each suffix, each on a new line where it would pass 80
    columns, then ")"."""
    parts = [text]
    line_length = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_length + len(suffix) + 2 > LINE_WIDTH:
            parts.append(",\n" + " " * indent + suffix)
            line_length = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line_length += len(suffix) + 2
    return "".join(parts) + ")"
