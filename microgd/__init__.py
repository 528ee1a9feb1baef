"""microgd: a small reverse-mode autograd engine on numpy, for learning deep learning.

Value is a scalar node (every multiply is a node you can print and draw); Tensor is a
numpy-backed node (whole layers per node). Both run on one backward driver.
"""

import sys

from .autograd import GraphFreedError, enable_grad, grad, is_grad_enabled, no_grad
from .dtypes import (bool, device, double, dtype, float, float16, float32, float64,  # noqa: A004
                     get_default_dtype, half, int, int8, int16, int32, int64, long,
                     set_default_dtype, short, uint8)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .functions import cat, stack, where
from .steps import backward_steps, explain_backward
from .tensor import Tensor
from .value import Value
from . import allocator, data, nn, optim, utils
from .nn import functional
from .allocator import keep_freed_memory
from .random import manual_seed
from .serialization import load, save
from . import cuda
from .torch_functions import (abs, allclose, argmax, argmin, clamp, clone, cos,  # noqa: A004
                              equal, exp, flatten, is_tensor, log, log_softmax, matmul, max,
                              maximum, mean, min, minimum, mm, norm, numel, permute, pow,
                              relu, reshape, sigmoid, sin, softmax, sqrt, squeeze, std, sum,
                              tanh, transpose, unsqueeze, var)
# Last, so that `mg.tensor` is the factory, as `torch.tensor`, not the submodule
# microgd/tensor.py (which `from microgd.tensor import Tensor` still finds).
from .factories import (arange, as_tensor, empty, empty_like, eye, from_numpy, full,
                        full_like, linspace, ones, ones_like, rand, rand_like, randint, randn,
                        randn_like, randperm, tensor, zeros, zeros_like)

__version__ = "0.1.0"

__all__ = [
    "Value", "Tensor", "where", "cat", "stack", "grad",
    "float32", "float64", "float", "double", "float16", "half", "int64", "long", "int32", "int",
    "int16", "short", "int8", "uint8", "bool", "dtype", "device", "get_default_dtype",
    "set_default_dtype", "no_grad", "enable_grad", "is_grad_enabled",
    "GraphFreedError", "gradcheck", "gradgradcheck", "GradcheckError",
    "backward_steps", "explain_backward", "animate_backward",
    "draw_graph", "draw_dot", "draw_network",
    "nn", "optim", "functional", "data", "utils", "manual_seed", "save", "load", "plot", "viz",
    "keep_freed_memory", "cuda",
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "eye", "arange",
    "linspace", "rand", "randn", "randint", "randperm", "zeros_like", "ones_like", "full_like",
    "empty_like", "rand_like", "randn_like",
    "sin", "cos", "exp", "log", "tanh", "sigmoid", "relu", "abs", "sqrt", "clamp", "maximum",
    "minimum", "pow", "matmul", "mm", "sum", "mean", "max", "min", "argmax", "argmin", "std",
    "var", "norm", "softmax", "log_softmax", "flatten", "reshape", "squeeze", "unsqueeze",
    "transpose", "permute", "numel", "clone", "allclose", "equal", "is_tensor",
]

# `mg.functional` is `mg.nn.functional`; it keeps its old import path too.
sys.modules[f"{__name__}.functional"] = functional

# Numpy's per-op temporaries stop page-faulting (glibc; opt out: MICROGD_KEEP_MEMORY=0).
allocator._apply_default()

# Imported on first use (drawing needs graphviz, pictures matplotlib or Pillow), so that
# `import microgd` stays fast and works without them.
_LAZY = {"draw_graph": "viz", "draw_dot": "viz", "draw_network": "viz",
         "animate_backward": "animate"}
_LAZY_MODULES = ("plot", "viz")


def __getattr__(name):
    from importlib import import_module
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    if name in _LAZY_MODULES:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
