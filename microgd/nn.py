"""Neural-network layers and losses, as ``torch.nn``: Linear, activations, Sequential, MLP.

Every layer can be built on either engine. ``engine="tensor"`` (the default) keeps a
weight as one Tensor and runs whole batches; ``engine="value"`` keeps every weight as
its own Value, micrograd style, and runs one sample (a list of floats or Values) at a
time, so the graph of individual multiplies can be printed and drawn. Both engines use
the same state_dict names and shapes, so a checkpoint moves between them.
"""

import math
import numbers

import numpy as np

from . import functional
from ._util import boolean, positive_int
from .autograd import Node
from .module import Module, ValueArray, _label_parameters
from .random import generator
from .tensor import Tensor, _float_dtype, linear
from .value import Value
from .value_linear import linear as value_linear

__all__ = ["Module", "Linear", "ReLU", "Tanh", "Sigmoid", "Sequential", "MLP", "MSELoss",
           "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss", "ValueArray", "functional"]


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
        dtype: the Tensors' floating dtype. Default None (float64); "tensor" engine only.
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
            self.weight = Tensor(weight, requires_grad=True, dtype=dtype)
            self.bias = Tensor(b, requires_grad=True, dtype=dtype) if bias else None

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
    if dtype is None:
        return None
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: dtype must be a numpy floating dtype, got {dtype!r}") from None
    dtype = _float_dtype(dtype, where)
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


def _elementwise(x, method):
    """Apply a Value/Tensor method to a Tensor, a Value, or each element of a list."""
    if isinstance(x, (list, tuple)):
        return [getattr(v if isinstance(v, Value) else Value(v, requires_grad=False), method)()
                for v in x]
    if not isinstance(x, Node):
        x = Value(x, requires_grad=False) if isinstance(x, numbers.Real) else Tensor(x)
    return getattr(x, method)()


class ReLU(Module):
    """max(x, 0), elementwise, on a Tensor, a Value or a list of Values."""

    def forward(self, x):
        return _elementwise(x, "relu")


class Tanh(Module):
    """tanh(x), elementwise, on a Tensor, a Value or a list of Values."""

    def forward(self, x):
        return _elementwise(x, "tanh")


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise, on a Tensor, a Value or a list of Values."""

    def forward(self, x):
        return _elementwise(x, "sigmoid")


_ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}


class Sequential(Module):
    """Modules applied one after the other; they are named "0", "1", ... ("0.weight").

    Indexable (``model[0]``, ``model[-1]``, slices give a Sequential), iterable, ``len``.

    Args:
        *modules: the modules, in order.
    """

    def __init__(self, *modules):
        super().__init__()
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: argument {i} must be a Module, got "
                                f"{type(m).__name__}")
            self._register(str(i), m)
        _label_parameters(self)

    def forward(self, x):
        """Pass x through each module in turn."""
        for m in self._modules.values():
            x = m(x)
        return x

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def __getitem__(self, index):
        items = list(self._modules.items())
        if isinstance(index, slice):
            out = Sequential()
            for key, m in items[index]:
                out.add_module(key, m)
            return out
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"Sequential indices must be ints or slices, got "
                            f"{type(index).__name__}")
        if not -len(items) <= index < len(items):
            raise IndexError(f"Sequential index {index} is out of range for {len(items)} "
                             "modules")
        return items[index][1]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class MLP(Sequential):
    """A multi-layer perceptron: Linear, activation, Linear, ..., Linear (none after the last).

    ``MLP(1, [100, 100, 1])`` is Linear(1, 100), ReLU, Linear(100, 100), ReLU,
    Linear(100, 1), with parameters named "0.weight", "0.bias", "2.weight"...

    Args:
        in_features: the input size, a positive int.
        sizes: the output size of each Linear layer, a non-empty list of positive ints.
        activation: "relu" (default), "tanh" or "sigmoid".
        bias: whether the layers have biases. Default True.
        engine: "tensor" (default) or "value" (see Linear).
        dtype: the Tensors' floating dtype. Default None (float64).
    """

    def __init__(self, in_features, sizes, activation="relu", bias=True, engine="tensor",
                 dtype=None):
        n = positive_int(in_features, "in_features", "MLP")
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
            raise TypeError(f"MLP: sizes must be a list of ints, got {type(sizes).__name__}")
        sizes = [positive_int(s, f"sizes[{i}]", "MLP") for i, s in enumerate(sizes)]
        if not sizes:
            raise ValueError("MLP: sizes is empty; give at least one layer size")
        if activation not in _ACTIVATIONS:
            raise ValueError(f"MLP: activation must be one of {sorted(_ACTIVATIONS)}, got "
                             f"{activation!r}")
        layers = []
        for i, size in enumerate(sizes):
            if i:
                layers.append(_ACTIVATIONS[activation]())
            layers.append(Linear(n, size, bias=bias, engine=engine, dtype=dtype))
            n = size
        super().__init__(*layers)


# --- losses as modules ----------------------------------------------------------------------

class _Loss(Module):
    """A loss function as a module: ``loss(input, target)``."""

    _function = None

    def __init__(self, reduction="mean"):
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean', 'sum' or "
                             f"'none', got {reduction!r}")
        self.reduction = reduction

    def forward(self, input, target):
        return type(self)._function(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """``functional.mse_loss`` as a module.

    Args:
        reduction: "mean" (default), "sum" or "none".
    """

    _function = staticmethod(functional.mse_loss)


class CrossEntropyLoss(_Loss):
    """``functional.cross_entropy`` (logits and integer labels) as a module.

    Args:
        reduction: "mean" (default), "sum" or "none".
    """

    _function = staticmethod(functional.cross_entropy)


class BCELoss(_Loss):
    """``functional.binary_cross_entropy`` (on probabilities) as a module.

    Args:
        reduction: "mean" (default), "sum" or "none".
    """

    _function = staticmethod(functional.binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """``functional.binary_cross_entropy_with_logits`` as a module.

    Args:
        reduction: "mean" (default), "sum" or "none".
    """

    _function = staticmethod(functional.binary_cross_entropy_with_logits)
