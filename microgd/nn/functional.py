"""Losses, activations and dropout as functions, as ``torch.nn.functional``.

Importable as ``microgd.nn.functional`` (``import microgd.nn.functional as F``); also
``mg.functional``. The functions take Tensors; the activations, ``mse_loss`` and
``hinge_loss`` also take the scalar engine's Values (a Value or a list of Values, one
per sample), as micrograd's demos write their losses. Targets must have the input's
shape: unlike PyTorch, nothing is silently broadcast.
"""

import numbers

import numpy as np

from .. import array_ops
from .._util import boolean, non_negative, real_number
from ..autograd import Node
from ..ops import data_of
from ..random import generator
from ..functions import linear
from ..tensor import Tensor, _apply2
from ..value import Value

__all__ = ["linear", "relu", "sigmoid", "tanh", "softmax", "log_softmax", "dropout",
           "mse_loss", "l1_loss", "cross_entropy", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "hinge_loss"]

_REDUCTIONS = ("mean", "sum", "none")


# --- activations ---------------------------------------------------------------------------

def relu(x):
    """max(x, 0), elementwise, on a Tensor, a Value or a list of Values."""
    return _elementwise(x, "relu")


def sigmoid(x):
    """1 / (1 + exp(-x)), elementwise, on a Tensor, a Value or a list of Values."""
    return _elementwise(x, "sigmoid")


def tanh(x):
    """tanh(x), elementwise, on a Tensor, a Value or a list of Values."""
    return _elementwise(x, "tanh")


def _elementwise(x, method):
    """Apply a Value/Tensor method to a Tensor, a Value, or each element of a list."""
    if isinstance(x, Node):  # the commonest: a layer's activation
        return getattr(x, method)()
    if isinstance(x, (list, tuple)):
        return [getattr(v if isinstance(v, Value) else Value(v, requires_grad=False), method)()
                for v in x]
    x = Value(x, requires_grad=False) if isinstance(x, numbers.Real) else Tensor(x)
    return getattr(x, method)()


def softmax(x, dim=None, axis=None):
    """exp(x) / sum(exp(x)) along ``dim``, computed with the maximum subtracted
    (``Tensor.softmax``).

    Args:
        x: a Tensor.
        dim: the axis that sums to one (``axis`` is the same, numpy's name). Default None:
            the last axis, for tensors of up to 2 dimensions (PyTorch's implicit choice
            there); a tensor of more dimensions needs it.
        axis: the same as ``dim``; give one of them.
    """
    dim = _dim(x, dim, axis, "softmax")
    return x.softmax(dim)


def log_softmax(x, dim=None, axis=None):
    """x - log(sum(exp(x))) along ``dim``; stable for logits of any size
    (``Tensor.log_softmax``).

    Args:
        x: a Tensor.
        dim: the axis of the classes (``axis`` is the same). Default None: the last axis,
            for tensors of up to 2 dimensions; a tensor of more dimensions needs it.
        axis: the same as ``dim``; give one of them.
    """
    dim = _dim(x, dim, axis, "log_softmax")
    return x.log_softmax(dim)


def _dim(x, dim, axis, where):
    """The axis of a softmax: ``dim`` or ``axis``, whichever was given."""
    _check_tensor(x, "x", where)
    if dim is not None and axis is not None:
        raise TypeError(f"{where}: give dim or axis, not both (got dim={dim!r}, axis={axis!r})")
    if dim is None and axis is None:
        if x.ndim > 2:
            raise ValueError(f"{where}: give dim=... for a tensor of shape {x.shape}; "
                             "PyTorch's implicit choice for 3 or more dimensions is not "
                             "the last axis (and is deprecated)")
        return -1
    return axis if dim is None else dim


def dropout(x, p=0.5, training=True):
    """Zero each element with probability ``p`` and scale the others by 1 / (1 - p).

    The expected value of each element is kept. The mask comes from microgd's generator
    (``mg.manual_seed``). With ``training=False``, or ``p=0``, x is returned as it is.

    Args:
        x: a Tensor.
        p: the probability of zeroing an element, in [0, 1]. Default 0.5.
        training: apply dropout (True, default) or return x (False).
    """
    p = _probability(p, "dropout")
    boolean(training, "training", "dropout")
    _check_tensor(x, "x", "dropout")
    if not training or p == 0:
        return x
    scale = 0.0 if p == 1 else 1 / (1 - p)
    mask = (generator().random(x.shape) >= p) * scale
    return x * mask.astype(x.dtype)


def _probability(p, where):
    p = real_number(p, "p", where)
    if not 0 <= p <= 1:
        raise ValueError(f"{where}: dropout probability has to be between 0 and 1, "
                         f"but got {p}")
    return p


# --- losses --------------------------------------------------------------------------------

def mse_loss(input, target, reduction="mean"):
    """Mean squared error: mean((input - target) ** 2).

    Args:
        input: a Tensor, or a Value / list of Values (the scalar engine).
        target: the same shape as input (array, Tensor, number or list of numbers).
        reduction: "mean" (default), "sum" or "none".
    """
    if _is_scalar_engine(input):
        pairs = _value_pairs(input, target, "mse_loss")
        _check_reduction(reduction, "mse_loss")
        return _reduce_values([(a - b) ** 2 for a, b in pairs], reduction, "mse_loss")
    input, target = _same_shape(input, target, "mse_loss")
    _check_reduction(reduction, "mse_loss")
    if reduction in ("mean", "sum"):  # one node, one pass over the data
        return _apply2(array_ops.SQUARED_ERROR, input, target, (reduction == "mean",))
    return (input - target) ** 2


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error: mean(|input - target|); the gradient at a tie is 0.

    Args:
        input: a Tensor, or a Value / list of Values (the scalar engine).
        target: the same shape as input (array, Tensor, number or list of numbers).
        reduction: "mean" (default), "sum" or "none".
    """
    if _is_scalar_engine(input):
        pairs = _value_pairs(input, target, "l1_loss")
        _check_reduction(reduction, "l1_loss")
        return _reduce_values([(a - b).abs() for a, b in pairs], reduction, "l1_loss")
    input, target = _same_shape(input, target, "l1_loss")
    _check_reduction(reduction, "l1_loss")
    return _reduce((input - target).abs(), reduction)


def cross_entropy(input, target, reduction="mean"):
    """Cross-entropy of logits against integer class labels: -log_softmax(input)[i, target[i]].

    Stable for large logits (±1000): it goes through ``log_softmax``.

    Args:
        input: logits, a Tensor of shape (N, C).
        target: class labels, ints in [0, C) of shape (N,) (array, list or Tensor).
        reduction: "mean" (default), "sum" or "none".
    """
    _check_tensor(input, "input", "cross_entropy")
    if input.ndim != 2:
        raise ValueError(f"cross_entropy: input must be logits of shape (N, C), got shape "
                         f"{input.shape}")
    labels = _class_labels(target, input.shape, "cross_entropy")
    _check_reduction(reduction, "cross_entropy")
    picked = log_softmax(input, dim=1)[np.arange(len(labels)), labels]
    return _reduce(-picked, reduction)


def binary_cross_entropy(input, target, reduction="mean"):
    """-(t log p + (1 - t) log(1 - p)) for probabilities p, each log clamped at -100.

    The clamp (as PyTorch's) keeps the loss finite when p is exactly 0 or 1, and the
    gradient is PyTorch's, (p - t) / max(p (1 - p), 1e-12): large but finite there
    (about -1e12 at p = 0, t = 1), so a confidently wrong prediction is still pushed.

    Args:
        input: probabilities in [0, 1], a Tensor.
        target: the same shape, values in [0, 1].
        reduction: "mean" (default), "sum" or "none".
    """
    input, target = _same_shape(input, target, "binary_cross_entropy")
    for what, t in (("input", input), ("target", target)):
        if t.numel() and not (np.all(t.data >= 0) and np.all(t.data <= 1)):
            raise ValueError(f"binary_cross_entropy: every element of {what} must be in "
                             f"[0, 1], got values in [{t.data.min()}, {t.data.max()}]")
    _check_reduction(reduction, "binary_cross_entropy")
    return _reduce(array_ops.BINARY_CROSS_ENTROPY(input, target), reduction)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """binary_cross_entropy(sigmoid(input), target), computed stably from the logits.

    Uses softplus(x) - x t, with softplus(x) = log(1 + exp(x)) computed without overflow.

    Args:
        input: logits, a Tensor.
        target: the same shape, values in [0, 1].
        reduction: "mean" (default), "sum" or "none".
    """
    input, target = _same_shape(input, target, "binary_cross_entropy_with_logits")
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    return _reduce(input.softplus() - input * target, reduction)


def hinge_loss(scores, labels, parameters=None, alpha=0.0):
    """The SVM loss of micrograd's moons demo: mean(relu(1 - y * score)) + alpha * sum(p * p).

    Args:
        scores: a Tensor, or a list of Values (one per sample).
        labels: -1 or +1, the same shape as scores.
        parameters: the parameters for the L2 term (Values or Tensors). Default None.
        alpha: the L2 strength. Default 0.0 (no L2 term).
    """
    alpha = non_negative(alpha, "alpha", "hinge_loss")
    if _is_scalar_engine(scores):
        pairs = _value_pairs(scores, labels, "hinge_loss")
        _check_signs(np.array([float(y) for _, y in pairs]))
        loss = _reduce_values([(1 - s * y).relu() for s, y in pairs], "mean", "hinge_loss")
    else:
        scores, labels = _same_shape(scores, labels, "hinge_loss")
        _check_signs(labels.data)
        loss = (1 - scores * labels).relu().mean()
    if alpha:
        squares = [(p * p).sum() if isinstance(p, Tensor) else p * p for p in parameters or ()]
        if not squares:
            raise ValueError(f"hinge_loss: alpha={alpha} needs the parameters to regularise")
        loss = loss + alpha * _total(squares)
    return loss


def _check_signs(labels):
    bad = labels[(labels != 1) & (labels != -1)]
    if bad.size:
        raise ValueError(f"hinge_loss: labels must be -1 or +1, got {float(bad.flat[0])}")


# --- helpers ------------------------------------------------------------------------------

def _check_tensor(x, what, where):
    if not isinstance(x, Tensor):
        raise TypeError(f"{where}: {what} must be a Tensor, got {type(x).__name__}")


def _as_tensor(x, what, where):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Value):
        raise TypeError(f"{where}: {what} is a Value but the other argument is not; use "
                        "Values (or lists of them) for both, or Tensors")
    try:
        return Tensor(x)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{where}: {what} must be a Tensor or array-like: {e}") from None


def _same_shape(input, target, where):
    input = _as_tensor(input, "input", where)
    target = _as_tensor(target, "target", where)
    if input.shape != target.shape:
        raise ValueError(f"{where}: input shape {input.shape} and target shape "
                         f"{target.shape} differ; they must match (no broadcasting: "
                         "reshape one of them)")
    return input, target


def _class_labels(target, logits_shape, where):
    raw = np.asarray(target)
    if raw.dtype.kind == "f" and np.all(raw == np.round(raw)):
        raw = raw.astype(np.int64)  # a Tensor stores labels as floats
    if raw.dtype.kind not in "iu":
        raise TypeError(f"{where}: target must be integer class labels, got dtype {raw.dtype}")
    n, classes = logits_shape
    if raw.shape != (n,):
        raise ValueError(f"{where}: target must have shape ({n},) for input of shape "
                         f"{logits_shape}, got shape {raw.shape}")
    bad = raw[(raw < 0) | (raw >= classes)]
    if bad.size:
        raise ValueError(f"{where}: target labels must be in [0, {classes}) for {classes} "
                         f"classes, got {bad[0]}")
    return raw


def _check_reduction(reduction, where):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{where}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _reduce(loss, reduction):
    """loss reduced as ``reduction`` says, which _check_reduction has accepted."""
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _is_scalar_engine(x):
    return isinstance(x, Value) or (isinstance(x, (list, tuple))
                                    and any(isinstance(v, Value) for v in x))


def _value_pairs(input, target, where):
    inputs = [input] if isinstance(input, Value) else list(input)
    if isinstance(target, (Value, numbers.Real)):
        targets = [target]
    elif isinstance(target, (Tensor, np.ndarray)):
        targets = np.ravel(data_of(target)).tolist()
    else:
        targets = list(target)
    if len(inputs) != len(targets):
        raise ValueError(f"{where}: {len(inputs)} inputs but {len(targets)} targets; "
                         "give one target per input")
    return list(zip(inputs, targets))


def _reduce_values(terms, reduction, where):
    if reduction == "none":
        return terms
    if not terms:
        raise ValueError(f"{where}: no samples to reduce")
    total = _total(terms)
    return total * (1.0 / len(terms)) if reduction == "mean" else total


def _total(terms):
    """terms[0] + terms[1] + ..., one add per term (no constant 0 node, unlike sum())."""
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total
