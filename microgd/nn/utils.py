"""Gradient utilities, as ``torch.nn.utils``: clip_grad_norm_."""

import math

import numpy as np

from .._util import real_number
from ..autograd import Node
from ..ops import data_of
from ..tensor import Tensor

__all__ = ["clip_grad_norm_"]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale the gradients in place so that their total norm is at most ``max_norm``.

    The total norm is that of all the gradients joined into one vector. Each gradient
    is multiplied by min(1, max_norm / (total_norm + 1e-6)), as PyTorch does.
    Parameters without a gradient are skipped.

    Args:
        parameters: a Tensor or Value, or an iterable of them (``model.parameters()``).
        max_norm: the largest total norm kept.
        norm_type: the p of the p-norm, a number > 0 or ``float("inf")`` / "inf" (the
            largest absolute value). Default 2.0.
        error_if_nonfinite: raise a RuntimeError when the total norm is nan or inf,
            instead of scaling by it. Default False.

    Returns:
        The total norm before clipping, a 0-d Tensor.
    """
    params = [parameters] if isinstance(parameters, Node) else list(parameters)
    max_norm = real_number(max_norm, "max_norm", "clip_grad_norm_")
    p = _norm_type(norm_type)
    grads = [p_.grad for p_ in params if p_.grad is not None]
    if not grads:
        return Tensor(0.0)
    magnitudes = [np.abs(np.asarray(data_of(g), dtype=np.float64)).ravel() for g in grads]
    everything = np.concatenate(magnitudes)
    if p == math.inf:
        total = float(everything.max(initial=0.0))
    else:
        total = float(np.sum(everything ** p) ** (1 / p))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is {total}, so it cannot be clipped; to scale the "
                           "gradients by it anyway, set error_if_nonfinite=False")
    scale = min(max_norm / (total + 1e-6), 1.0)
    for param in params:
        if param.grad is not None:
            _scale_grad(param, scale)
    return Tensor(total)


def _scale_grad(param, scale):
    """Multiply ``param.grad`` by ``scale``: an array or a Tensor's data in place."""
    grad = param.grad
    if isinstance(grad, (np.ndarray, Tensor)):
        raw = data_of(grad)
        raw *= np.asarray(scale, dtype=raw.dtype)
    else:
        param.grad = grad * scale  # a Value's gradient: a float (or a Value)


def _norm_type(norm_type):
    if norm_type == "inf":
        return math.inf
    p = real_number(norm_type, "norm_type", "clip_grad_norm_")
    if not p > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 or 'inf', got {norm_type}")
    return p
