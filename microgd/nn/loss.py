"""Losses as modules, as ``torch.nn``: ``loss_fn = nn.MSELoss(); loss = loss_fn(input, target)``."""

from .functional import (binary_cross_entropy, binary_cross_entropy_with_logits,
                         cross_entropy, l1_loss, mse_loss)
from .module import Module

__all__ = ["MSELoss", "L1Loss", "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss"]


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

    _function = staticmethod(mse_loss)


class L1Loss(_Loss):
    """``functional.l1_loss`` (mean absolute error) as a module.

    Args:
        reduction: "mean" (default), "sum" or "none".
    """

    _function = staticmethod(l1_loss)


class CrossEntropyLoss(_Loss):
    """``functional.cross_entropy`` (logits and integer labels) as a module.

    Args:
        reduction: "mean" (default), "sum" or "none".
    """

    _function = staticmethod(cross_entropy)


class BCELoss(_Loss):
    """``functional.binary_cross_entropy`` (on probabilities) as a module.

    Args:
        reduction: "mean" (default), "sum" or "none".
    """

    _function = staticmethod(binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """``functional.binary_cross_entropy_with_logits`` as a module.

    Args:
        reduction: "mean" (default), "sum" or "none".
    """

    _function = staticmethod(binary_cross_entropy_with_logits)

