"""microgd: a small reverse-mode autograd engine on numpy, for learning deep learning.

Value is a scalar node (every multiply is a node you can print and draw); Tensor is a
numpy-backed node (whole layers per node). Both run on one backward driver.
"""

from .autograd import GraphFreedError, enable_grad, grad, is_grad_enabled, no_grad
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .functions import cat, stack, where
from .steps import backward_steps, explain_backward
from .tensor import Tensor
from .value import Value
from . import allocator, data, functional, nn, optim
from .allocator import keep_freed_memory
from .random import manual_seed
from .serialization import load, save

__version__ = "0.1.0"

__all__ = [
    "Value", "Tensor", "where", "cat", "stack", "grad", "no_grad", "enable_grad", "is_grad_enabled",
    "GraphFreedError", "gradcheck", "gradgradcheck", "GradcheckError",
    "backward_steps", "explain_backward", "animate_backward",
    "draw_graph", "draw_network",
    "nn", "optim", "functional", "data", "manual_seed", "save", "load", "plot", "viz",
    "keep_freed_memory",
]

# Numpy's per-op temporaries stop page-faulting (glibc; opt out: MICROGD_KEEP_MEMORY=0).
allocator._apply_default()

# Imported on first use (drawing needs graphviz, pictures matplotlib or Pillow), so that
# `import microgd` stays fast and works without them.
_LAZY = {"draw_graph": "viz", "draw_network": "viz", "animate_backward": "animate"}
_LAZY_MODULES = ("plot", "viz")


def __getattr__(name):
    from importlib import import_module
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    if name in _LAZY_MODULES:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
