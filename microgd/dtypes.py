"""dtypes by PyTorch's names, the default float dtype, and the one device (the CPU).

microgd's dtypes are numpy's (``mg.float32 is np.dtype("float32")``), named as in
PyTorch so that ``torch.float`` and ``x.long()`` read the same. The default float
dtype is float64 (numpy's), where PyTorch's is float32: ``mg.set_default_dtype(
mg.float32)`` gives PyTorch's numbers to the last digit PyTorch prints.
"""

import numpy as np

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
