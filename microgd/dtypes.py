"""dtypes by PyTorch's names, the default float dtype, and the one device (the CPU).

microgd's dtypes are numpy's (``mg.float32 is np.dtype("float32")``), named as in
PyTorch so that ``torch.float`` and ``x.long()`` read the same. The default float
dtype is float64 (numpy's), where PyTorch's is float32: ``mg.set_default_dtype(
mg.float32)`` gives PyTorch's numbers to the last digit PyTorch prints.

``float``, ``int`` and ``bool`` here are dtypes, as in PyTorch: this module reaches
Python's own through ``builtins``.
"""

import builtins

import numpy as np

from .ops import data_of

__all__ = ["float32", "float64", "float", "double", "float16", "half", "int64", "long",
           "int32", "int", "int16", "short", "int8", "uint8", "bool", "get_default_dtype",
           "set_default_dtype", "device", "dtype"]

dtype = np.dtype
float16 = half = np.dtype("float16")
float32 = float = np.dtype("float32")
float64 = double = np.dtype("float64")
int8 = np.dtype("int8")
uint8 = np.dtype("uint8")
int16 = short = np.dtype("int16")
int32 = int = np.dtype("int32")
int64 = long = np.dtype("int64")
bool = np.dtype("bool")

_NAMES = {"float16": float16, "half": float16, "float32": float32, "float": float32,
          "float64": float64, "double": float64, "int8": int8, "uint8": uint8,
          "int16": int16, "short": int16, "int32": int32, "int": int32, "int64": int64,
          "long": int64, "bool": bool}
_default = [float64]


def get_default_dtype():
    """The dtype of Tensors made from Python floats (float64 unless set)."""
    return _default[0]


def set_default_dtype(d):
    """Make ``d`` (float32 or float64) the dtype of Tensors made from Python floats."""
    d = as_dtype(d, "set_default_dtype")
    if d.kind != "f" or d.itemsize < 4:
        raise TypeError(f"set_default_dtype: only float32 and float64 can be the default, "
                        f"got {d}")
    _default[0] = d


def as_dtype(d, where="dtype"):
    """A numpy dtype from a dtype, a numpy type, a PyTorch name ("long", "torch.float32")."""
    if isinstance(d, str):
        name = d[len("torch."):] if d.startswith("torch.") else d
        if name in _NAMES:
            return _NAMES[name]
    else:
        try:
            d = np.dtype(d)
        except TypeError:
            d = None
        if d is not None and (d.kind in "biuf"):
            return d
    raise TypeError(f"{where}: unknown dtype {d!r}; use one of "
                    f"{', '.join(sorted(_NAMES))} (mg.float32, mg.long...)")


class device:
    """The device a Tensor lives on: always the CPU (microgd runs on numpy).

    ``mg.device("cpu")`` works as in PyTorch; "cuda" and "mps" are a clear error.
    """

    def __init__(self, kind="cpu", index=None):
        kind = str(kind)
        if kind.split(":")[0] != "cpu":
            raise RuntimeError(f"device {kind!r}: microgd runs on numpy, on the CPU only; "
                               "use 'cpu' (or run this code on PyTorch for a GPU)")
        self.type = "cpu"
        self.index = index

    def __eq__(self, other):
        return str(other).split(":")[0] == "cpu"

    def __hash__(self):
        return hash("cpu")

    def __str__(self):
        return "cpu"

    def __repr__(self):
        return "device(type='cpu')"


# --- the dtype rules of Tensor ---------------------------------------------------------------

def float_dtype(dtype, what):
    dtype = as_dtype(dtype, what)
    if dtype.kind == "f":
        return dtype
    raise TypeError(f"{what}: dtype must be a floating dtype (float32 or float64), "
                    f"got {dtype}")


def as_array(data, dtype=None, copy=True, what="Tensor data", int_dtype=None):
    """data as a numpy array, following the dtype rules of Tensor.

    With ``dtype``, that dtype (any of bool, int, float). Without it, floating data
    keeps its dtype, and bool and integer data become ``int_dtype`` (default: the
    default float dtype, as ``torch.Tensor([1, 2])``); anything else is a TypeError.
    """
    data = data_of(data)
    if isinstance(data, (str, bytes)):
        raise TypeError(f"{what} must be numeric, got {type(data).__name__} {data!r:.60}")
    try:
        arr = np.array(data, copy=copy) if copy else np.asarray(data)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{what} must be a number or a rectangular nested list/array "
                         f"of numbers; got {type(data).__name__} {data!r:.60} ({e})") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{what} must be numeric (bool, int or float), got dtype "
                        f"{arr.dtype} from {type(data).__name__} {data!r:.60}")
    if dtype is not None:
        dtype = as_dtype(dtype, what)
    elif arr.dtype.kind == "f":
        dtype = arr.dtype
    else:
        dtype = get_default_dtype() if int_dtype is None else int_dtype
    return arr.astype(dtype, copy=False)


def check_float(t, what):
    if t.data.dtype.kind != "f":
        raise RuntimeError(f"{what}: only Tensors of floating point dtype can require "
                           f"gradients, got dtype {t.data.dtype} (use .float())")


def number_dtype(number, dtype):
    """The dtype of a Python or numpy number combined with a tensor of ``dtype``
    (PyTorch's rule: a number never changes the tensor's dtype within its kind, and
    bool < int < float: ``int_tensor * 0.5`` is a float tensor)."""
    if isinstance(number, (builtins.bool, np.bool_)):
        kind = "b"
    elif isinstance(number, (builtins.int, np.integer)):
        kind = "i"
    else:
        kind = "f"
    if "biuf".index(dtype.kind) >= "biuf".index(kind):
        return dtype
    if kind == "f":
        return get_default_dtype()
    return int64
