"""Layers, as ``torch.nn``: Linear, activations, Softmax, Identity, Flatten, Dropout.

Linear and the activations take either engine: a Tensor (a batch), or for
``engine="value"`` one sample as a list of Values (see the package's docstring).
"""

import math
import numbers

import numpy as np

from .._util import boolean, positive_int
from ..random import generator
from ..dtypes import float_dtype, get_default_dtype
from ..functions import linear
from ..tensor import Tensor
from ..value import Value
from ..value_linear import linear as value_linear
from .functional import _probability, dropout, relu, sigmoid, softmax, tanh
from .module import Module, ValueArray
from .parameter import Parameter

__all__ = ["Linear", "ReLU", "Tanh", "Sigmoid", "Softmax", "Identity", "Flatten", "Dropout"]


# --- layers -------------------------------------------------------------------------------

class Linear(Module):
    """y = x @ W.T + b, with W of shape (out_features, in_features) and b of (out_features,).

    W and b start uniform in ±1/sqrt(in_features), drawn from microgd's generator
    (``mg.manual_seed``), as PyTorch initialises them.

    With ``engine="value"`` each weight is a Value (``weight`` and ``bias`` are
    ValueArrays); forward takes one sample, a list of in_features floats or Values, and
    returns a list of out_features Values, or a single Value when out_features is 1
    (as micrograd's layers do).

    Args:
        in_features: size of each input sample, a positive int.
        out_features: size of each output sample, a positive int.
        bias: whether to add b. Default True.
        engine: "tensor" (default) or "value".
        dtype: the Tensors' floating dtype. Default None: the default dtype
            (``mg.get_default_dtype()``, float64 unless set); "tensor" engine only.
    """

    def __init__(self, in_features, out_features, bias=True, engine="tensor", dtype=None):
        super().__init__()
        self.in_features = positive_int(in_features, "in_features", "Linear")
        self.out_features = positive_int(out_features, "out_features", "Linear")
        boolean(bias, "bias", "Linear")
        self.engine = _check_engine(engine, "Linear")
        dtype = _check_dtype(dtype, engine, "Linear")
        bound = 1 / math.sqrt(self.in_features)
        rng = generator()
        weight = rng.uniform(-bound, bound, size=(self.out_features, self.in_features))
        b = rng.uniform(-bound, bound, size=self.out_features) if bias else None
        if engine == "value":
            self.weight = ValueArray(weight)
            self.bias = ValueArray(b) if bias else None
        else:
            self.weight = Parameter(Tensor(weight, dtype=dtype))
            self.bias = Parameter(Tensor(b, dtype=dtype)) if bias else None

    def forward(self, x):
        """Apply the layer: a Tensor of shape (..., in_features), or one sample of Values."""
        if self.engine == "value":
            return self._forward_values(x)
        if not isinstance(x, Tensor):
            x = Tensor(x)
        return linear(x, self.weight, self.bias)  # it checks x's shape

    def _forward_values(self, x):
        xs = _value_sample(x, self.in_features)
        outs = value_linear(xs, self.weight.values,
                            self.bias.values if self.bias is not None else None)
        return outs[0] if len(outs) == 1 else outs

    def extra_repr(self):
        text = (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
        if self.engine == "value":
            return text + ", engine='value'"
        if self.weight.dtype != np.float64:
            text += f", dtype={self.weight.dtype}"
        return text


def _check_engine(engine, where):
    if engine not in ("tensor", "value"):
        raise ValueError(f"{where}: engine must be 'tensor' or 'value', got {engine!r}")
    return engine


def _check_dtype(dtype, engine, where):
    if dtype is None:  # Values hold Python floats; Tensors the default dtype, as PyTorch
        return None if engine == "value" else get_default_dtype()
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: dtype must be a numpy floating dtype, got {dtype!r}") from None
    dtype = float_dtype(dtype, where)
    if engine == "value" and dtype != np.float64:
        raise ValueError(f"{where}: dtype={dtype} needs engine='tensor'; Values hold "
                         "Python floats (float64)")
    return dtype


def _value_sample(x, n):
    """One sample for the scalar engine as a list of n Values (numbers become constants)."""
    if isinstance(x, (Value, numbers.Real)):
        x = [x]
    elif isinstance(x, np.ndarray) and x.ndim <= 1:
        x = x.tolist() if x.ndim else [x.item()]
    elif not isinstance(x, (list, tuple)):
        raise TypeError(f"Linear(engine='value'): input must be one sample, a list of "
                        f"floats or Values, got {type(x).__name__}"
                        + (f" of shape {x.shape}" if hasattr(x, "shape") else ""))
    xs = [v if isinstance(v, Value) else Value(v, requires_grad=False) for v in x]
    if len(xs) != n:
        raise ValueError(f"Linear: expected {n} inputs (in_features={n}), got {len(xs)}")
    return xs


class ReLU(Module):
    """max(x, 0), elementwise, on a Tensor, a Value or a list of Values."""

    def forward(self, x):
        return relu(x)


class Tanh(Module):
    """tanh(x), elementwise, on a Tensor, a Value or a list of Values."""

    def forward(self, x):
        return tanh(x)


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise, on a Tensor, a Value or a list of Values."""

    def forward(self, x):
        return sigmoid(x)


class Softmax(Module):
    """``functional.softmax`` along ``dim`` as a module: each slice along it sums to one.

    Args:
        dim: the axis. Default None: the last one, for inputs of up to 2 dimensions.
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return softmax(x, dim=self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Identity(Module):
    """Returns its input unchanged (a placeholder layer); any arguments are ignored."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Flatten(Module):
    """Merge the axes ``start_dim`` to ``end_dim`` (inclusive) into one.

    With the defaults a batch of shape (N, 1, 28, 28) becomes (N, 784).

    Args:
        start_dim: the first axis merged. Default 1 (the batch axis 0 is kept).
        end_dim: the last axis merged. Default -1.
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        for name, d in (("start_dim", start_dim), ("end_dim", end_dim)):
            if isinstance(d, bool) or not isinstance(d, numbers.Integral):
                raise TypeError(f"Flatten: {name} must be an int, got {type(d).__name__}")
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x):
        """x reshaped, with the merged axes' sizes multiplied together."""
        if not isinstance(x, Tensor):
            x = Tensor(x)
        shape = x.shape
        n = max(x.ndim, 1)
        start, end = self.start_dim, self.end_dim
        if not (-n <= start < n and -n <= end < n):
            raise IndexError(f"Flatten: dimension out of range (expected to be in range of "
                             f"[{-n}, {n - 1}], but got start_dim={start}, end_dim={end}) "
                             f"for input of shape {shape}")
        start, end = start % n, end % n
        if start > end:
            raise ValueError(f"Flatten: start_dim {self.start_dim} comes after end_dim "
                             f"{self.end_dim} for input of shape {shape}")
        merged = math.prod(shape[start:end + 1])
        return x.reshape(shape[:start] + (merged,) + shape[end + 1:])

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """``functional.dropout`` as a module: active in training, the identity after ``eval()``.

    In training each element is zeroed with probability p and the others scaled by
    1 / (1 - p), from microgd's generator (``mg.manual_seed``).

    Args:
        p: the probability of zeroing an element, in [0, 1]. Default 0.5.
    """

    def __init__(self, p=0.5):
        super().__init__()
        self.p = _probability(p, "Dropout")

    def forward(self, x):
        return dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"
