"""Tensor factories with PyTorch's names and dtype rules: tensor, zeros, arange, randn...

Sizes are varargs or one tuple/list (``zeros(2, 3)`` or ``zeros((2, 3))``); every
factory takes ``dtype=`` and ``requires_grad=`` (and ``device="cpu"``) keywords. The
random ones draw from microgd's generator, so ``mg.manual_seed`` makes them
reproducible (the numbers are numpy's, not PyTorch's).
"""

import numbers

import numpy as np

from .dtypes import as_array, as_dtype, check_float, device, get_default_dtype, int64
from .ops import data_of
from .random import generator
from .tensor import Tensor, _rebuilt

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "eye",
           "arange", "linspace", "rand", "randn", "randint", "randperm", "zeros_like",
           "ones_like", "full_like", "empty_like", "rand_like", "randn_like"]


def tensor(data, *more, dtype=None, requires_grad=False, device=None):
    """A new leaf Tensor holding a copy of ``data``, its dtype inferred as PyTorch's.

    Python floats give the default dtype, ints int64, bools bool; numpy arrays and
    Tensors keep their dtype. Several numbers make a 1-D tensor (fastai's
    ``tensor(3., 2)`` is ``tensor([3., 2.])``).

    Args:
        data: a number, a nested list, a numpy array or a Tensor (copied, detached).
        *more: further numbers, for fastai's spelling. Default none.
        dtype: the dtype (``mg.float32``, ``mg.long``, "float64"...). Default None: inferred.
        requires_grad: whether backward accumulates a gradient. Default False.
        device: "cpu" or None (microgd runs on the CPU only). Default None.
    """
    if more:
        data = (data, *more)
    return _leaf(_inferred(data, dtype, copy=True), requires_grad, device, "tensor")


def as_tensor(data, dtype=None, device=None):
    """``data`` as a Tensor: a Tensor or array of that dtype is shared, not copied.

    Args:
        data: a Tensor (returned as it is when its dtype matches, else converted, the
            conversion recorded if it requires grad), an array (shared when its dtype
            matches), numbers or nested lists (copied).
        dtype: the dtype, or None (default) to infer it as ``tensor`` does.
        device: "cpu" or None. Default None.
    """
    _check_device(device)
    if isinstance(data, Tensor):
        if dtype is None or as_dtype(dtype) == data.dtype:
            return data
        if data.requires_grad:
            return data.astype(dtype)  # recorded, as PyTorch's data.to(dtype)
    return _leaf(_inferred(data, dtype, copy=False), False, None, "as_tensor")


def from_numpy(array):
    """A Tensor sharing the memory of a numpy array: a change to either shows in the other.

    Args:
        array: a numpy array of a bool, int or float dtype (its dtype is kept).
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray, got {type(array).__name__}")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"from_numpy: can't convert an array of dtype {array.dtype}; the "
                        "supported dtypes are float64/32/16, int64/32/16/8, uint8 and bool")
    return _leaf(array, False, None, "from_numpy")


def zeros(*size, dtype=None, requires_grad=False, device=None):
    """A Tensor of zeros of shape ``size`` (default dtype unless ``dtype``)."""
    return _filled("zeros", size, 0, dtype, requires_grad, device)


def ones(*size, dtype=None, requires_grad=False, device=None):
    """A Tensor of ones of shape ``size`` (default dtype unless ``dtype``)."""
    return _filled("ones", size, 1, dtype, requires_grad, device)


def empty(*size, dtype=None, requires_grad=False, device=None):
    """A Tensor of shape ``size`` whose elements are not set (whatever the memory held)."""
    shape = _size("empty", size)
    return _leaf(np.empty(shape, _dtype(dtype)), requires_grad, device, "empty")


def full(size, fill_value, dtype=None, requires_grad=False, device=None):
    """A Tensor of shape ``size`` filled with ``fill_value``.

    Args:
        size: a tuple or list of ints.
        fill_value: a number; without ``dtype`` its kind gives the dtype, as ``tensor``.
        dtype: the dtype. Default None: int64 for an int, bool for a bool, else the default.
    """
    if not isinstance(fill_value, (numbers.Number, np.bool_)):
        raise TypeError(f"full: fill_value must be a number, got "
                        f"{type(fill_value).__name__} {fill_value!r:.60}")
    dtype = _inferred(fill_value, dtype, copy=False).dtype
    return _filled("full", _size_tuple("full", size), fill_value, dtype, requires_grad, device)


def eye(n, m=None, dtype=None, requires_grad=False, device=None):
    """The n x m identity matrix (ones on the diagonal). m defaults to n."""
    for name, k in (("n", n), ("m", n if m is None else m)):
        if not _is_int(k) or k < 0:
            raise ValueError(f"eye: {name} must be a non-negative int, got {k!r}")
    return _leaf(np.eye(n, m, dtype=_dtype(dtype)), requires_grad, device, "eye")


def arange(start, end=None, step=1, dtype=None, requires_grad=False, device=None):
    """Numbers from ``start`` up to (not including) ``end`` by ``step``.

    ``arange(5)`` is 0..4. All-integer arguments give int64, any float the default dtype.

    Args:
        start: the first number (or ``end``, when it is the only argument).
        end: the bound, not included. Default None.
        step: the difference between neighbours, not 0. Default 1.
        dtype: the dtype. Default None (see above).
    """
    if end is None:
        start, end = 0, start
    for name, x in (("start", start), ("end", end), ("step", step)):
        if isinstance(x, bool) or not isinstance(x, numbers.Real):
            raise TypeError(f"arange: {name} must be a number, got {type(x).__name__} {x!r}")
    if step == 0 or (end - start) * step < 0:
        raise ValueError(f"arange: upper bound and larger bound inconsistent with step sign "
                         f"(start={start}, end={end}, step={step})")
    if dtype is None:
        integral = all(isinstance(x, numbers.Integral) for x in (start, end, step))
        dtype = int64 if integral else get_default_dtype()
    data = np.arange(start, end, step).astype(as_dtype(dtype, "arange"))
    return _leaf(data, requires_grad, device, "arange")


def linspace(start, end, steps, dtype=None, requires_grad=False, device=None):
    """``steps`` numbers evenly spaced from ``start`` to ``end`` (both included).

    Computed in float64, then rounded to ``dtype`` (PyTorch's float32 kernel may differ
    in the last bit).
    """
    if not _is_int(steps) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative int, got {steps!r}")
    data = np.linspace(start, end, steps).astype(_dtype(dtype))
    return _leaf(data, requires_grad, device, "linspace")


def rand(*size, dtype=None, requires_grad=False, device=None):
    """Numbers drawn uniformly from [0, 1), from microgd's generator (``mg.manual_seed``)."""
    shape, dtype = _size("rand", size), _float_dtype(dtype, "rand")
    return _leaf(generator().random(shape).astype(dtype), requires_grad, device, "rand")


def randn(*size, dtype=None, requires_grad=False, device=None):
    """Numbers drawn from N(0, 1), from microgd's generator (``mg.manual_seed``)."""
    shape, dtype = _size("randn", size), _float_dtype(dtype, "randn")
    data = generator().standard_normal(shape).astype(dtype)
    return _leaf(data, requires_grad, device, "randn")


def randint(low=0, high=None, size=None, dtype=None, requires_grad=False, device=None):
    """Integers drawn uniformly from [low, high): ``randint(high, size)`` or
    ``randint(low, high, size)``, as PyTorch.

    Args:
        low: the smallest number drawn. Default 0.
        high: one more than the largest number drawn.
        size: a tuple or list of ints.
        dtype: the dtype. Default None: int64.
    """
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint: missing the size, as in randint(10, (3,)) or "
                        "randint(0, 10, (3,))")
    for name, x in (("low", low), ("high", high)):
        if not _is_int(x):
            raise TypeError(f"randint: {name} must be an int, got {type(x).__name__} {x!r}")
    if low >= high:
        raise ValueError(f"randint: random_ expects 'from' to be less than 'to', but got "
                         f"from={low} >= to={high}")
    shape = _size_tuple("randint", size)
    data = generator().integers(low, high, shape).astype(_dtype(dtype, int64))
    return _leaf(data, requires_grad, device, "randint")


def randperm(n, dtype=None, requires_grad=False, device=None):
    """The integers 0..n-1 in a random order (int64 unless ``dtype``)."""
    if not _is_int(n) or n < 0:
        raise ValueError(f"randperm: n must be a non-negative int, got {n!r}")
    data = generator().permutation(n).astype(_dtype(dtype, int64))
    return _leaf(data, requires_grad, device, "randperm")


def _like(factory):
    """``factory``'s ``*_like`` form: ``input``'s shape, and its dtype unless ``dtype``;
    arguments between ``input`` and ``dtype`` (full_like's fill_value) go to ``factory``."""
    name = f"{factory.__name__}_like"

    def like(input, *args, dtype=None, requires_grad=False, device=None):
        return factory(_shape_of(input, name), *args, dtype=_like_dtype(input, dtype),
                       requires_grad=requires_grad, device=device)
    like.__name__ = like.__qualname__ = name
    like.__doc__ = (f"``{factory.__name__}`` in ``input``'s shape and dtype (unless "
                    "``dtype``).")
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)
full_like = _like(full)  # full_like(input, fill_value, ...)
rand_like = _like(rand)
randn_like = _like(randn)


# --- the rules they share -----------------------------------------------------------------

def _leaf(array, requires_grad, device_, what):
    """A leaf Tensor holding ``array`` itself (not copied)."""
    _check_device(device_)
    out = _rebuilt(Tensor, array, requires_grad, None, "")
    if requires_grad:
        check_float(out, f"{what}(requires_grad=True)")
    return out


def _check_device(device_):
    if device_ is not None:
        device(device_)  # "cuda" is a RuntimeError that says microgd runs on the CPU


def _inferred(data, dtype, copy):
    """``data`` as an array of ``dtype``, or of the dtype PyTorch infers (see ``tensor``)."""
    return as_array(data, _inferred_dtype(data) if dtype is None else dtype, copy=copy,
                    what="tensor data")


def _inferred_dtype(data):
    """Arrays and Tensors keep their dtype; Python bools give bool, ints int64, floats the
    default dtype. None for data that is not numeric (as_array then names the problem)."""
    raw = data_of(data)
    try:
        found = np.asarray(raw).dtype
    except (ValueError, TypeError):
        return None
    if found.kind not in "biuf":
        return None
    if isinstance(raw, (np.ndarray, np.generic)):
        return found
    return {"b": np.dtype("bool"), "i": int64, "u": int64}.get(found.kind, get_default_dtype())


def _filled(name, size, value, dtype, requires_grad, device_):
    return _leaf(np.full(_size(name, size), value, _dtype(dtype)), requires_grad, device_,
                 name)


def _size(name, size):
    """A shape from varargs or one tuple/list/torch-style size, checked."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for n in size:
        if not _is_int(n):
            raise TypeError(f"{name}: size must be ints (as {name}(2, 3) or {name}((2, 3))), "
                            f"got {type(n).__name__} {n!r:.60} in {size!r:.60}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"{name}: trying to create a tensor with a negative dimension: "
                           f"size {list(size)}")
    return tuple(int(n) for n in size)


def _size_tuple(name, size):
    """A shape given as one argument: PyTorch takes a tuple or list there, not an int."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"{name}: size must be a tuple or list of ints, as {name}(..., (2, 3)) "
                        f"or (5,); got {type(size).__name__} {size!r:.60}")
    return _size(name, tuple(size))


def _is_int(x):
    return isinstance(x, numbers.Integral) and not isinstance(x, (bool, np.bool_))


def _dtype(dtype, default=None):
    if dtype is None:
        return get_default_dtype() if default is None else default
    return as_dtype(dtype)


def _float_dtype(dtype, name):
    dtype = _dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"{name}: draws floating numbers; dtype must be float32 or float64, "
                        f"got {dtype}")
    return dtype


def _shape_of(input, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    return input.shape


def _like_dtype(input, dtype):
    return input.dtype if dtype is None else dtype
