"""Weight initialisation, as ``torch.nn.init``: each function fills a Tensor in place.

The values are written into the tensor's data (no graph is recorded, as under
``no_grad``) from microgd's generator (``mg.manual_seed``), and the tensor is returned.
The scaled schemes follow PyTorch's formulas: for a weight of shape (out, in, *k),
fan_in = in * prod(k) and fan_out = out * prod(k).
"""

import math

import numpy as np

from .._util import non_negative, real_number
from ..random import generator
from ..tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_",
           "xavier_uniform_", "kaiming_uniform_"]


def calculate_gain(nonlinearity, param=None):
    """The gain that keeps activations' scale for ``nonlinearity`` (PyTorch's values).

    linear, conv and sigmoid: 1; tanh: 5/3; relu: sqrt(2); selu: 3/4;
    leaky_relu: sqrt(2 / (1 + slope^2)).

    Args:
        nonlinearity: the name, e.g. "relu" or "leaky_relu".
        param: the negative slope of leaky_relu. Default None (0.01).
    """
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else real_number(param, "param", "calculate_gain")
        return math.sqrt(2.0 / (1 + slope ** 2))
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; use one of "
                     f"{list(linear) + ['tanh', 'relu', 'leaky_relu', 'selu']}")


def uniform_(tensor, a=0.0, b=1.0):
    """Fill ``tensor`` with values drawn uniformly from [a, b).

    Args:
        tensor: the Tensor to fill.
        a: the lower bound. Default 0.0.
        b: the upper bound. Default 1.0.
    """
    a, b = real_number(a, "a", "uniform_"), real_number(b, "b", "uniform_")
    if not a <= b:
        raise ValueError(f"uniform_: expects a range [a, b) with a <= b, got a={a}, b={b}")
    return _fill(tensor, "uniform_", lambda shape: generator().uniform(a, b, shape))


def normal_(tensor, mean=0.0, std=1.0):
    """Fill ``tensor`` with values drawn from the normal distribution N(mean, std^2).

    Args:
        tensor: the Tensor to fill.
        mean: the mean. Default 0.0.
        std: the standard deviation, >= 0. Default 1.0.
    """
    mean = real_number(mean, "mean", "normal_")
    std = non_negative(std, "std", "normal_")
    return _fill(tensor, "normal_", lambda shape: generator().normal(mean, std, shape))


def constant_(tensor, val):
    """Fill ``tensor`` with ``val``.

    Args:
        tensor: the Tensor to fill.
        val: the value, a number.
    """
    val = real_number(val, "val", "constant_")
    return _fill(tensor, "constant_", lambda shape: val)


def zeros_(tensor):
    """Fill ``tensor`` with zeros."""
    return _fill(tensor, "zeros_", lambda shape: 0.0)


def ones_(tensor):
    """Fill ``tensor`` with ones."""
    return _fill(tensor, "ones_", lambda shape: 1.0)


def xavier_uniform_(tensor, gain=1.0):
    """Glorot's uniform initialisation: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).

    Args:
        tensor: a Tensor of at least 2 dimensions.
        gain: a scale factor. Default 1.0.
    """
    gain = real_number(gain, "gain", "xavier_uniform_")
    fan_in, fan_out = _fans(tensor, "xavier_uniform_")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill(tensor, "xavier_uniform_", lambda shape: generator().uniform(-bound, bound, shape))


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He's uniform initialisation: U(-bound, bound) with bound = gain * sqrt(3 / fan).

    gain is ``calculate_gain(nonlinearity, a)``: with the defaults sqrt(2), so
    bound = sqrt(6 / fan_in). (``nn.Linear``'s own initialisation is this with
    a = sqrt(5): bound = 1 / sqrt(in_features).)

    Args:
        tensor: a Tensor of at least 2 dimensions.
        a: the negative slope of the leaky_relu that follows. Default 0.0.
        mode: "fan_in" (default: keeps the forward pass's scale) or "fan_out" (the
            backward pass's).
        nonlinearity: the activation that follows, "leaky_relu" (default) or "relu".
    """
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming_uniform_: mode {mode!r} not supported, please use one of "
                         "'fan_in', 'fan_out'")
    gain = calculate_gain(nonlinearity, a)
    fan_in, fan_out = _fans(tensor, "kaiming_uniform_")
    fan = fan_in if mode == "fan_in" else fan_out
    bound = gain * math.sqrt(3.0 / fan) if fan else 0.0
    return _fill(tensor, "kaiming_uniform_",
                 lambda shape: generator().uniform(-bound, bound, shape))


def _fans(tensor, where):
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel)."""
    _check_tensor(tensor, where)
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(f"{where}: fan in and fan out can not be computed for a tensor with "
                         f"fewer than 2 dimensions, got shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fill(tensor, where, values):
    """Write ``values(shape)`` into the tensor's data, in place; return the tensor."""
    _check_tensor(tensor, where)
    tensor.data[...] = np.asarray(values(tensor.shape))
    return tensor


def _check_tensor(tensor, where):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{where}: tensor must be a Tensor, got {type(tensor).__name__}")
