"""microgd: a small reverse-mode autograd engine on numpy, for learning deep learning.

Value is a scalar node (every multiply is a node you can print and draw); Tensor is a
numpy-backed node (whole layers per node). Both run on one backward driver.
"""

from .autograd import GraphFreedError, enable_grad, grad, is_grad_enabled, no_grad
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .tensor import Tensor
from .value import Value

__version__ = "0.1.0"

__all__ = [
    "Value", "Tensor", "grad", "no_grad", "enable_grad", "is_grad_enabled",
    "GraphFreedError", "gradcheck", "gradgradcheck", "GradcheckError",
]
