"""Tensor's conversions (dtype, device, Python numbers) and Python's protocols."""

import builtins

import numpy as np

from . import array_ops, dtypes
from .autograd import Node
from .dtypes import as_dtype
from .grad_fn import GradFn

_TYPE_NAMES = {dtypes.float32: "torch.FloatTensor", dtypes.float64: "torch.DoubleTensor",
               dtypes.float16: "torch.HalfTensor", dtypes.int64: "torch.LongTensor",
               dtypes.int32: "torch.IntTensor", dtypes.int16: "torch.ShortTensor",
               dtypes.int8: "torch.CharTensor", dtypes.uint8: "torch.ByteTensor",
               dtypes.bool: "torch.BoolTensor"}
_TYPES = {name: dtype for dtype, name in _TYPE_NAMES.items()}
_CPU = dtypes.device("cpu")


class Conversions:
    """Tensor's conversions and protocols (a mixin: new nodes through ``_make``)."""

    __slots__ = ()

    @property
    def device(self):
        """Where the data lives: always ``mg.device("cpu")``."""
        return _CPU

    @property
    def grad_fn(self):
        """The op that made this tensor, under PyTorch's name (``MulBackward0``), or None
        for a tensor that no op recorded (a leaf)."""
        return None if self._op is None else GradFn(self)

    def float(self):
        """As float32 (the tensor itself if it is already); float to float records."""
        return self._cast(dtypes.float32)

    def double(self):
        """As float64 (the tensor itself if it is already)."""
        return self._cast(dtypes.float64)

    def half(self):
        """As float16 (the tensor itself if it is already)."""
        return self._cast(dtypes.float16)

    def long(self):
        """As int64, rounding toward 0 (no gradient)."""
        return self._cast(dtypes.int64)

    def int(self):
        """As int32, rounding toward 0 (no gradient)."""
        return self._cast(dtypes.int32)

    def bool(self):
        """As bool: True where non-zero (no gradient)."""
        return self._cast(dtypes.bool)

    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False):
        """This tensor with another dtype, as PyTorch's ``to``: ``to(dtype)``,
        ``to(device)``, ``to("cpu")``, ``to(device, dtype)``, ``to(other_tensor)``
        (its dtype). The tensor itself when nothing changes, unless ``copy``.

        Args:
            dtype: the dtype. Default None: unchanged.
            device: "cpu" or ``mg.device("cpu")`` (the only device). Default None.
            non_blocking: accepted and ignored (there is no transfer). Default False.
            copy: return a new tensor even when nothing changes. Default False.
        """
        flags = []
        for a in args:
            if isinstance(a, Node):
                dtype = a.data.dtype
            elif isinstance(a, (str, dtypes.device)):
                dtypes.device(a)
            elif isinstance(a, builtins.bool):
                flags.append(a)
            else:
                dtype = as_dtype(a, "to")
        if device is not None:
            dtypes.device(device)
        out = self if dtype is None else self._cast(as_dtype(dtype, "to"))
        if (copy or flags[1:2] == [True]) and out is self:
            out = self.clone()
        return out

    def type(self, dtype=None, non_blocking=False):
        """PyTorch's type name ("torch.FloatTensor") with no argument; else this tensor
        converted to ``dtype`` (a dtype or such a name)."""
        if dtype is None:
            return _TYPE_NAMES[self.data.dtype]
        if isinstance(dtype, str) and dtype in _TYPES:
            dtype = _TYPES[dtype]
        elif isinstance(dtype, str):
            raise ValueError(f"type: invalid type {dtype!r}; use a dtype or one of "
                             f"{', '.join(_TYPES)}")
        return self._cast(as_dtype(dtype, "type"))

    def cpu(self):
        """The tensor itself (microgd's data is always on the CPU)."""
        return self

    def clone(self):
        """A copy of the data that records the graph (the gradient flows back)."""
        return self._make(np.copy(self.data), array_ops.CLONE, (self,))

    def numpy(self, force=False):
        """The data array itself (shared, not copied); refused for a tensor that requires
        grad (the array would leave the graph silently), unless ``force``."""
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self.data

    def item(self):
        """The single element as a Python number (float, int or bool, by dtype)."""
        if self.data.size != 1:
            raise RuntimeError(f"item(): a Tensor with {self.data.size} elements (shape "
                               f"{self.shape}) cannot be converted to a Python number")
        return self.data.item()

    def tolist(self):
        """The data as (nested) Python lists of numbers."""
        return self.data.tolist()

    def pow(self, exponent):
        """self ** exponent (a number or a tensor)."""
        return self ** exponent

    # --- Python's protocols -------------------------------------------------------------------
    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self):
        """The sub-tensors along the first axis (each one recorded, as indexing)."""
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    def __bool__(self):
        return builtins.bool(self.data)  # as numpy: ambiguous for more than one element

    def __float__(self):
        return builtins.float(self._scalar("float"))

    def __int__(self):
        return builtins.int(self._scalar("int"))

    def __index__(self):
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError(f"only integer tensors of a single element can be converted to "
                            f"an index (got dtype {self.data.dtype}, shape {self.shape})")
        return builtins.int(self.data.item())

    def __format__(self, spec):
        """A 0-d tensor formats as its number (f"{loss:.4f}"); others only without a
        format spec (as PyTorch)."""
        if self.data.ndim == 0:
            return format(self.data.item(), spec)
        if spec:
            raise TypeError(f"unsupported format string {spec!r} passed to Tensor.__format__"
                            f" for a tensor of shape {self.shape}: only 0-d tensors take "
                            f"one (use .item())")
        return str(self)

    # --- helpers ------------------------------------------------------------------------------
    def _scalar(self, what):
        if self.data.size != 1:
            raise ValueError(f"only one element tensors can be converted to Python scalars "
                             f"({what}() of a tensor of shape {self.shape})")
        return self.data.item()

    def _cast(self, dtype):
        if dtype == self.data.dtype:
            return self
        data = self.data.astype(dtype)
        if dtype.kind == "f" and self.data.dtype.kind == "f":
            return self._make(data, array_ops.ASTYPE, (self,), (dtype,))
        return self._constant(data)
