"""Module, the base class of every layer and model (as ``torch.nn.Module``), and ValueArray.

A Module finds its parameters and sub-modules by attribute assignment, names them with
dots ("layers.0.weight"), and saves and loads them as a state dict of numpy arrays.
ValueArray holds the scalar engine's weights: one Value per element, with the shape
(and so the state-dict entry) of the Tensor it stands for.
"""

import numbers
from collections import namedtuple
from collections.abc import Mapping

import numpy as np

from .._util import boolean, zero_grads
from ..autograd import Node
from ..ops import data_of
from ..tensor import Tensor
from ..value import Value
from .parameter import Parameter

__all__ = ["Module", "ValueArray", "IncompatibleKeys"]

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class ValueArray:
    """A fixed-shape array of Value parameters: a weight or bias of the scalar engine.

    ``weight[3, 1]`` is one Value; ``values`` lists them in row-major order (the order
    of ``Module.parameters()``); ``data`` and ``grad`` gather them into numpy arrays.

    Args:
        data: the initial values, an array-like of numbers.
    """

    __slots__ = ("shape", "values")

    def __init__(self, data):
        data = np.asarray(data, dtype=np.float64)
        self.shape = data.shape
        self.values = [Value(x) for x in data.ravel().tolist()]

    @property
    def data(self):
        """The values as a new float64 array of ``shape``."""
        return np.array([v.data for v in self.values]).reshape(self.shape)

    @property
    def grad(self):
        """The gradients as a new float64 array of ``shape``."""
        return np.array([float(v.grad) for v in self.values]).reshape(self.shape)

    def __getitem__(self, index):
        index = index if isinstance(index, tuple) else (index,)
        valid = len(index) == len(self.shape)
        flat = 0
        for i, n in zip(index, self.shape):
            valid = valid and isinstance(i, numbers.Integral) and -n <= i < n
            flat = flat * n + (i % n if valid else 0)
        if not valid:
            raise IndexError(f"ValueArray of shape {self.shape}: index {index} needs one int "
                             "per axis, each within its axis")
        return self.values[flat]

    def __iter__(self):
        return iter(self.values)

    def __len__(self):
        return len(self.values)

    def __repr__(self):
        return f"ValueArray(shape={self.shape})"

    def _load(self, array):
        for v, x in zip(self.values, array.ravel().tolist()):
            v.data = x


class Module:
    """Base class of every layer and model, as ``torch.nn.Module``.

    Parameters (``nn.Parameter``s, other leaf Tensors with requires_grad=True, Values,
    ValueArrays) and sub-modules are found by attribute assignment, in the order they
    were assigned. Subclasses call ``super().__init__()`` first and define ``forward``.
    A Tensor or Value that is not a parameter cannot replace a registered parameter
    (a TypeError, as in PyTorch): it would silently drop out of ``parameters()``.
    """

    def __init__(self):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    def __setattr__(self, name, value):
        registry = self.__dict__.get("_parameters")
        if registry is None:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__(): call "
                                 f"super().__init__() first in {type(self).__name__}.__init__")
        if self._register(name, value):
            _label_parameters(self)

    def _register(self, name, value):
        """Set attribute ``name``, registering a module or parameter; True if it was one."""
        if name in self._parameters and isinstance(value, Node) and not _is_parameter(value):
            raise TypeError(_not_a_parameter(name, value))
        object.__setattr__(self, name, value)
        # A replaced module or parameter keeps its place in the order, as in PyTorch.
        if isinstance(value, Module):
            self._parameters.pop(name, None)
            self._modules[name] = value
        elif _is_parameter(value):
            self._modules.pop(name, None)
            self._parameters[name] = value
        else:
            self._parameters.pop(name, None)
            self._modules.pop(name, None)
            return False
        return True

    def __delattr__(self, name):
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def add_module(self, name, module):
        """Register ``module`` under ``name`` (which may be a number, as in Sequential)."""
        _check_name(name, "add_module")
        if not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module, got "
                            f"{type(module).__name__}")
        setattr(self, name, module)

    def register_parameter(self, name, param):
        """Register ``param`` under ``name``, as assigning ``self.<name> = param`` does.

        Args:
            name: a non-empty string without '.', not already a non-parameter attribute.
            param: an ``nn.Parameter`` (a plain Tensor is a TypeError: wrap it), a Value
                or ValueArray of the scalar engine, or None (no parameter, as a Linear
                without bias).
        """
        _check_name(name, "register_parameter")
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"register_parameter: attribute {name!r} already exists and is "
                           "not a parameter")
        plain_tensor = isinstance(param, Tensor) and not isinstance(param, Parameter)
        if param is not None and (plain_tensor or not _is_parameter(param)):
            raise TypeError(f"register_parameter: {_not_a_parameter(name, param)}")
        setattr(self, name, param)

    def forward(self, *args, **kwargs):
        """The computation of the module; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # --- the tree -------------------------------------------------------------------------
    def children(self):
        """The direct sub-modules, in definition order."""
        return iter(self._modules.values())

    def named_modules(self, prefix=""):
        """(dotted name, module) for this module (named ``prefix``) and each one below it, once."""
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            below = [(f"{name}.{key}" if name else key, m) for key, m in module._modules.items()]
            stack.extend(reversed(below))

    def modules(self):
        """This module and every module below it, depth first."""
        return (m for _, m in self.named_modules())

    def apply(self, fn):
        """Call ``fn(module)`` on each sub-module (children first), then on this one.

        As PyTorch's, e.g. ``model.apply(init_weights)`` with an ``init_weights`` that
        fills each Linear's weight with an ``nn.init`` function. Returns self.
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def _named_entries(self):
        """(dotted name, Tensor / Value / ValueArray) for each parameter, shared ones once."""
        seen = set()
        for prefix, module in self.named_modules():
            for key, p in module._parameters.items():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{prefix}.{key}" if prefix else key), p

    def parameters(self):
        """Every parameter: Tensors, or for the scalar engine each Value on its own."""
        for _, p in self._named_entries():
            if isinstance(p, ValueArray):
                yield from p.values
            else:
                yield p

    def named_parameters(self):
        """(dotted name, parameter) pairs; scalar-engine Values are named ``0.weight[3,1]``."""
        for name, p in self._named_entries():
            if isinstance(p, ValueArray):
                for index, v in zip(np.ndindex(*p.shape), p.values):
                    yield f"{name}[{','.join(map(str, index))}]", v
            else:
                yield name, p

    def zero_grad(self, set_to_none=True):
        """Clear every gradient: Tensor grads to None (or zeros), Value grads to 0.0.

        Args:
            set_to_none: give Tensors grad None (default, as PyTorch) instead of zeros.
        """
        zero_grads(self.parameters(), set_to_none)

    def train(self, mode=True):
        """Set ``training`` on this module and every module below it; returns self.

        Args:
            mode: True (default) for training, False for evaluation.
        """
        boolean(mode, "mode", "train")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        """Same as ``train(False)``."""
        return self.train(False)

    # --- checkpoints ----------------------------------------------------------------------
    def state_dict(self):
        """{dotted name: numpy array copy} for every parameter, the same for both engines."""
        return {name: _as_array(p) for name, p in self._named_entries()}

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays from ``state_dict`` into the parameters.

        Everything is checked first; on any problem a ValueError lists them all (missing
        keys, unexpected keys, shape mismatches, non-numeric values) and no parameter
        changes.

        Args:
            state_dict: {dotted name: array}, as made by ``state_dict()`` or ``mg.load``.
            strict: require exactly the model's keys (default). With False, missing and
                unexpected keys are allowed and returned; shapes must still match.

        Returns:
            ``IncompatibleKeys(missing_keys, unexpected_keys)``.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: state_dict must be a mapping of names to "
                            f"arrays, got {type(state_dict).__name__}")
        entries = dict(self._named_entries())
        missing = [k for k in entries if k not in state_dict]
        unexpected = [k for k in state_dict if k not in entries]
        problems = []
        if strict:
            problems += [f"missing key {k!r}" for k in missing]
            problems += [f"unexpected key {k!r}" for k in unexpected]
        arrays = {}
        for name, p in entries.items():
            if name not in state_dict:
                continue
            array = _numeric_array(state_dict[name])
            if array is None:
                problems.append(f"bad value for {name!r}: expected a numeric array, got "
                                f"{type(state_dict[name]).__name__}")
            elif array.shape != _shape(p):
                problems.append(f"size mismatch for {name!r}: checkpoint shape {array.shape}, "
                                f"model shape {_shape(p)}")
            else:
                arrays[name] = array
        if problems:
            raise ValueError(f"Error(s) in loading state_dict for {type(self).__name__} "
                             "(nothing was loaded):\n  " + "\n  ".join(problems))
        for name, array in arrays.items():
            _assign(entries[name], array)
        return IncompatibleKeys(missing, unexpected)

    # --- printing -------------------------------------------------------------------------
    def extra_repr(self):
        """The text inside the parentheses of this module's repr line."""
        return ""

    def __repr__(self):
        name = type(self).__name__
        if not self._modules:
            return f"{name}({self.extra_repr()})"
        lines = [line for line in self.extra_repr().split("\n") if line]
        lines += [f"({key}): " + repr(m).replace("\n", "\n  ") for key, m in self._modules.items()]
        return f"{name}(\n  " + "\n  ".join(lines) + "\n)"


def _label_parameters(module):
    """Label each parameter with its dotted name in ``module``, so drawings name it.

    A label is replaced only when it is empty or the name the parameter had in a
    sub-module ("weight" becomes "0.weight"); a label the user gave is kept.
    """
    for name, p in module.named_parameters():
        if not p.label or name.endswith("." + p.label):
            p.label = name


def _is_parameter(x):
    if isinstance(x, (Parameter, ValueArray)):
        return True
    return isinstance(x, (Tensor, Value)) and x.requires_grad and x.is_leaf


def _not_a_parameter(name, value):
    """Why ``value`` cannot be parameter ``name``, and what to write instead."""
    kind = type(value).__name__
    if not isinstance(value, Node):
        return f"cannot assign {kind} as parameter {name!r} (nn.Parameter or None expected)"
    if not value.requires_grad:
        why = "requires_grad=False"
    else:
        why = "not an nn.Parameter" if value.is_leaf else "the result of an op"
    fix = "wrap it in nn.Parameter(...) or " if isinstance(value, Tensor) else ""
    return (f"cannot assign a {kind} ({why}) as parameter {name!r} (nn.Parameter or None "
            f"expected): {fix}assign to {name}.data to change the values in place")


def _check_name(name, where):
    if not isinstance(name, str) or not name or "." in name:
        raise ValueError(f"{where}: name must be a non-empty string without '.', got {name!r}")


def _shape(p):
    return () if isinstance(p, Value) else tuple(p.shape)


def _as_array(p):
    if isinstance(p, Value):
        return np.array(p.data)
    return p.data.copy() if isinstance(p, Tensor) else p.data


def _numeric_array(x):
    try:
        array = np.asarray(data_of(x))
    except (TypeError, ValueError):
        return None
    return array if array.dtype.kind in "biuf" else None


def _assign(p, array):
    if isinstance(p, Value):
        p.data = float(array)
    elif isinstance(p, ValueArray):
        p._load(array.astype(np.float64))
    else:
        p.data[...] = array
