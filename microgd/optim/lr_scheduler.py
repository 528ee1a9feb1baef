"""Learning-rate schedulers, as ``torch.optim.lr_scheduler``.

A scheduler reads and writes each parameter group's ``"lr"``, once per ``step()``
(called after ``optimizer.step()``, once per epoch). As PyTorch's, each step scales
the lr the group has now, so schedulers chain, and an lr written by hand between
steps is where the schedule goes on from.
"""

import math
import numbers
from collections.abc import Mapping

from .._util import non_negative, positive_int
from .optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "CosineAnnealingLR"]


class LRScheduler:
    """Base class: sets each group's lr, epoch by epoch.

    Creating a scheduler sets epoch ``last_epoch + 1`` (0 for a new run); each
    ``step()`` advances one epoch. Every group gets "initial_lr" (its lr when the first
    scheduler was made), listed in ``base_lrs``.

    Args:
        optimizer: the Optimizer whose learning rates to set.
        last_epoch: the last epoch done, to resume a schedule (the groups must then
            have "initial_lr", as a loaded optimizer state dict has). Default -1.
    """

    def __init__(self, optimizer, last_epoch=-1):
        name = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name}: optimizer must be an Optimizer, got "
                            f"{type(optimizer).__name__}")
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, numbers.Integral):
            raise TypeError(f"{name}: last_epoch must be an int, got "
                            f"{type(last_epoch).__name__} {last_epoch!r}")
        if last_epoch < -1:
            raise ValueError(f"{name}: last_epoch must be an int >= -1, got {last_epoch}")
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"{name}: param 'initial_lr' is not specified in "
                               f"param_groups[{i}] when resuming with last_epoch="
                               f"{last_epoch}; load the optimizer's state dict first")
        self.optimizer = optimizer
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self.step()

    def get_lr(self):
        """The learning rates of epoch ``last_epoch``, from the groups' current ones."""
        raise NotImplementedError(f"{type(self).__name__} does not define get_lr()")

    def step(self):
        """Advance one epoch and set every group's lr."""
        self._step_count += 1
        self.last_epoch += 1
        groups = self.optimizer.param_groups
        for group, lr in zip(groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in groups]

    def get_last_lr(self):
        """The learning rates set by the last ``step()``, one per group."""
        return list(self._last_lr)

    def state_dict(self):
        """Everything but the optimizer, as a dict."""
        return _lists_copied((k, v) for k, v in self.__dict__.items() if k != "optimizer")

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict()`` saved."""
        expected = sorted(self.state_dict())
        got = sorted(state_dict) if isinstance(state_dict, Mapping) else state_dict
        if got != expected:
            raise ValueError(f"{type(self).__name__}.load_state_dict: expected the keys "
                             f"{expected}, got {got!r}")
        self.__dict__.update(_lists_copied(state_dict.items()))


class StepLR(LRScheduler):
    """Multiply each group's lr by gamma every step_size epochs, as PyTorch's StepLR.

    Alone, it gives lr = initial_lr * gamma ** (epoch // step_size).

    Args:
        optimizer: the Optimizer.
        step_size: the number of epochs between decays, a positive int.
        gamma: the decay factor, >= 0. Default 0.1.
        last_epoch: the last epoch done, to resume (see LRScheduler). Default -1.
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = positive_int(step_size, "step_size", "StepLR")
        self.gamma = non_negative(gamma, "gamma", "StepLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        groups = self.optimizer.param_groups
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]


class CosineAnnealingLR(LRScheduler):
    """Anneal each group's lr along a half cosine to eta_min over T_max epochs.

    As PyTorch's CosineAnnealingLR (SGDR without restarts): each step scales the
    lr's distance to eta_min by (1 + cos(pi e / T_max)) / (1 + cos(pi (e - 1) / T_max)),
    so that alone it gives the closed form

        lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2

    and past T_max it rises again, as the cosine does.

    Args:
        optimizer: the Optimizer.
        T_max: the number of epochs of the half cosine, a positive int.
        eta_min: the smallest learning rate, >= 0. Default 0.
        last_epoch: the last epoch done, to resume (see LRScheduler). Default -1.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = positive_int(T_max, "T_max", "CosineAnnealingLR")
        self.eta_min = non_negative(eta_min, "eta_min", "CosineAnnealingLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        groups, epoch, t_max, eta_min = (self.optimizer.param_groups, self.last_epoch,
                                         self.T_max, self.eta_min)
        if self._step_count == 1:  # the constructor's step keeps the lr
            return [group["lr"] for group in groups]
        if (epoch - 1 - t_max) % (2 * t_max) == 0:  # leaving the bottom, where the ratio is 0/0
            return [group["lr"] + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
                    for base, group in zip(self.base_lrs, groups)]
        ratio = (1 + math.cos(math.pi * epoch / t_max)) / (1 + math.cos(math.pi * (epoch - 1)
                                                                        / t_max))
        return [eta_min + ratio * (group["lr"] - eta_min) for group in groups]


def _lists_copied(items):
    """A dict of (key, value) pairs, each list value copied (a scheduler's state)."""
    return {k: (list(v) if isinstance(v, list) else v) for k, v in items}
