"""Helpers shared by nn, optim, data and functional: argument checks that name the
argument and its value, and clearing the gradients of a list of parameters."""

import numbers

import numpy as np

from .value import Value

__all__ = ["positive_int", "real_number", "non_negative", "boolean", "zero_grads"]


def positive_int(value, name, where):
    """``value`` as an int >= 1, or a TypeError/ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: {name} must be an int, got {type(value).__name__} "
                        f"{value!r:.60}")
    if value < 1:
        raise ValueError(f"{where}: {name} must be a positive int, got {value}")
    return int(value)


def real_number(value, name, where):
    """``value`` as a float, or a TypeError naming it (bools and strings are refused)."""
    if type(value) is float:  # the commonest, checked each optimizer step
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be a real number, got {type(value).__name__} "
                        f"{value!r:.60}")
    return float(value)


def non_negative(value, name, where):
    """``value`` as a float >= 0, or a TypeError/ValueError naming it."""
    value = real_number(value, name, where)
    if not value >= 0:  # also refuses nan
        raise ValueError(f"{where}: {name} must be >= 0, got {value}")
    return value


def boolean(value, name, where):
    """``value`` if it is a bool, or a TypeError naming it."""
    if not isinstance(value, bool):
        raise TypeError(f"{where}: {name} must be a bool, got {type(value).__name__} {value!r}")
    return value


def zero_grads(params, set_to_none):
    """Clear gradients: a Value's to 0.0; a Tensor's to None, or, with ``set_to_none``
    False, to zeros in place, as PyTorch (whoever holds the grad Tensor sees them).

    A Tensor keeps its gradient in ``_grad`` (see Tensor.grad): clearing it makes no
    Tensor."""
    for p in params:
        if isinstance(p, Value):
            p.grad = 0.0
        elif set_to_none or p._grad is None:
            p._grad = None
        elif p.grad.requires_grad:  # made by a create_graph backward: a fresh zero grad
            p.grad = np.zeros_like(p.data)
        else:
            p.grad.zero_()
