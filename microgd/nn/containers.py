"""Containers of modules, as ``torch.nn``: Sequential, ModuleList, and the MLP built on them."""

import numbers

from .._util import positive_int
from .layers import Linear, ReLU, Sigmoid, Tanh
from .module import Module, _label_parameters

__all__ = ["Sequential", "ModuleList", "MLP"]


class _Container(Module):
    """Modules named "0", "1", ...: indexing (a slice gives the same kind), len, iteration."""

    def __init__(self, modules, where):
        super().__init__()
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"{where}: argument {i} must be a Module, got {type(m).__name__}")
            self._register(str(i), m)
        _label_parameters(self)

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def _index(self, index):
        """``index`` (an int, negative from the end) as a position in the container."""
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"{type(self).__name__} indices must be ints or slices, got "
                            f"{type(index).__name__}")
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"{type(self).__name__} index {index} is out of range for {n} "
                             "modules")
        return int(index) % n

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._slice(index)
        return list(self._modules.values())[self._index(index)]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class Sequential(_Container):
    """Modules applied one after the other; they are named "0", "1", ... ("0.weight").

    Indexable (``model[0]``, ``model[-1]``, slices give a Sequential), iterable, ``len``.

    Args:
        *modules: the modules, in order.
    """

    def __init__(self, *modules):
        super().__init__(modules, "Sequential")

    def forward(self, x):
        """Pass x through each module in turn."""
        for m in self._modules.values():
            x = m(x)
        return x

    def _slice(self, index):
        out = Sequential()
        for key, m in list(self._modules.items())[index]:  # the names stay, as PyTorch's
            out.add_module(key, m)
        return out


class ModuleList(_Container):
    """A list of modules whose parameters the owning module registers ("layers.0.weight").

    Indexable (slices give a ModuleList), iterable, ``len``, ``append``, ``extend``,
    ``insert``, and ``list[i] = module``. It has no forward: the owner decides how the
    modules are called.

    Args:
        modules: an iterable of modules. Default None (empty).
    """

    def __init__(self, modules=None):
        super().__init__(list(modules) if modules is not None else [], "ModuleList")

    def _slice(self, index):
        return ModuleList(list(self)[index])  # numbered from 0 again, as PyTorch's

    def extend(self, modules):
        """Add each of ``modules`` at the end; returns self."""
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        """Insert ``module`` before position ``index``; the later modules are renumbered."""
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList.insert: module must be a Module, got "
                            f"{type(module).__name__}")
        modules = list(self)
        modules.insert(index, module)
        self._renumber(modules)

    def __setitem__(self, index, module):
        self.add_module(str(self._index(index)), module)

    def __delitem__(self, index):
        modules = list(self)
        del modules[self._index(index)]
        self._renumber(modules)

    def _renumber(self, modules):
        for key in list(self._modules):
            delattr(self, key)
        for i, m in enumerate(modules):
            self.add_module(str(i), m)


_ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}


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


