"""The Tensor methods as top-level functions, as PyTorch has them: ``mg.sin(x)``,
``mg.sum(x, dim=0)``.

Each function is its Tensor method, called on ``input`` with the same arguments
(``mg.sum(x, 0)`` is ``x.sum(0)``), so every op keeps one definition. The few written
out are those whose top-level form means more: ``max(a, b)`` is elementwise, ``pow(2, x)``
takes a number first, ``transpose(x, dim0, dim1)`` swaps two dimensions (PyTorch's,
whatever Tensor.transpose does), ``mm`` takes matrices only.
"""

import numpy as np

from .tensor import Tensor

__all__ = ["sin", "cos", "exp", "log", "tanh", "sigmoid", "relu", "abs", "sqrt", "clamp",
           "maximum", "minimum", "pow", "matmul", "mm", "sum", "mean", "max", "min",
           "argmax", "argmin", "std", "var", "norm", "softmax", "log_softmax", "flatten",
           "reshape", "squeeze", "unsqueeze", "transpose", "permute", "numel", "clone",
           "allclose", "equal", "is_tensor"]


def _tensor(input, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, not "
                        f"{type(input).__name__} (make one with mg.tensor(...))")
    return input


def _method(name):
    """The function ``name(input, *args, **kwargs)``: ``input.name(*args, **kwargs)``."""
    def function(input, *args, **kwargs):
        return getattr(_tensor(input, name), name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = (f"``input.{name}(...)`` as a function: the Tensor method, with "
                        "the same arguments after ``input``.")
    return function


sin = _method("sin")
cos = _method("cos")
exp = _method("exp")
log = _method("log")
tanh = _method("tanh")
sigmoid = _method("sigmoid")
relu = _method("relu")
abs = _method("abs")
sqrt = _method("sqrt")
clamp = _method("clamp")
maximum = _method("maximum")
minimum = _method("minimum")
sum = _method("sum")
mean = _method("mean")
argmax = _method("argmax")
argmin = _method("argmin")
std = _method("std")
var = _method("var")
norm = _method("norm")
softmax = _method("softmax")
log_softmax = _method("log_softmax")
flatten = _method("flatten")
reshape = _method("reshape")
squeeze = _method("squeeze")
unsqueeze = _method("unsqueeze")
permute = _method("permute")
numel = _method("numel")
clone = _method("clone")


def matmul(input, other):
    """input @ other (1-D, 2-D and batched, as ``torch.matmul``)."""
    return _tensor(input, "matmul") @ other


def mm(input, mat2):
    """The matrix product of two 2-D tensors (``matmul`` for other shapes)."""
    for name, t in (("input", input), ("mat2", mat2)):
        if _tensor(t, "mm").ndim != 2:
            raise RuntimeError(f"mm: {name} must be a matrix (2-D), got shape {t.shape} "
                               "(mg.matmul takes 1-D and batched tensors)")
    return input @ mat2


def pow(input, exponent):
    """``input.pow(exponent)``; a number ``input`` with a Tensor ``exponent`` is
    ``input ** exponent``, as in PyTorch."""
    if isinstance(exponent, Tensor) and not isinstance(input, Tensor):
        return input ** exponent
    return _tensor(input, "pow").pow(exponent)


def max(input, *args, **kwargs):
    """``input.max(...)``; ``max(input, other)`` with a Tensor ``other`` is ``maximum``."""
    if len(args) == 1 and isinstance(args[0], Tensor):
        return _tensor(input, "max").maximum(args[0])
    return _tensor(input, "max").max(*args, **kwargs)


def min(input, *args, **kwargs):
    """``input.min(...)``; ``min(input, other)`` with a Tensor ``other`` is ``minimum``."""
    if len(args) == 1 and isinstance(args[0], Tensor):
        return _tensor(input, "min").minimum(args[0])
    return _tensor(input, "min").min(*args, **kwargs)


def transpose(input, dim0, dim1):
    """``input`` with dimensions ``dim0`` and ``dim1`` swapped (PyTorch's transpose)."""
    return _tensor(input, "transpose").swapaxes(dim0, dim1)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether |input - other| <= atol + rtol * |other| everywhere (broadcast), a bool.

    Args:
        input, other: Tensors.
        rtol: relative tolerance. Default 1e-05.
        atol: absolute tolerance. Default 1e-08.
        equal_nan: whether two nans count as equal. Default False.
    """
    a, b = _tensor(input, "allclose").data, _tensor(other, "allclose").data
    try:
        return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))
    except ValueError:
        raise RuntimeError(f"allclose: shapes {a.shape} and {b.shape} cannot be broadcast "
                           "together") from None


def equal(input, other):
    """True if the two tensors have the same shape and elements, else False."""
    a, b = _tensor(input, "equal").data, _tensor(other, "equal").data
    return a.shape == b.shape and bool(np.array_equal(a, b))


def is_tensor(obj):
    """Whether ``obj`` is a Tensor (a Parameter is one)."""
    return isinstance(obj, Tensor)
