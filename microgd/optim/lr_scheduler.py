"""Learning-rate schedulers, as ``torch.optim.lr_scheduler``.

A scheduler reads and writes each parameter group's ``"lr"``, once per ``step()``
(called after ``optimizer.step()``, once per epoch). As PyTorch's, each step scales
the lr the group has now, so schedulers chain, and an lr written by hand between
steps is where the schedule goes on from.
"""

import math
import numbers
import types
from collections import Counter
from collections.abc import Mapping

from .._util import non_negative, positive_int
from .optimizer import Optimizer

__all__ = ["LRScheduler", "LambdaLR", "StepLR", "MultiStepLR", "ExponentialLR",
           "CosineAnnealingLR"]


class LRScheduler:
    """Base class: sets each group's lr, epoch by epoch.

    Creating a scheduler takes a first step to epoch ``last_epoch + 1`` (0 for a new
    run), which keeps the lr (``_step_count`` is 1 there); each ``step()`` advances one
    epoch. Every group gets "initial_lr" (its lr when the first scheduler was made),
    listed in ``base_lrs``.

    Args:
        optimizer: the Optimizer whose learning rates to set.
        last_epoch: the last epoch done, to resume a schedule (the groups must then
            have "initial_lr", as a loaded optimizer state dict has). Default -1.
    """

    def __init__(self, optimizer, last_epoch=-1):
        name = type(self).__name__
        _check_optimizer(optimizer, name)
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


class LambdaLR(LRScheduler):
    """lr = initial_lr * lr_lambda(epoch) for each group, as PyTorch's LambdaLR.

    Unlike the other schedulers it does not chain: it sets the lr from the group's
    initial lr. ``state_dict()`` keeps callable objects' attributes but not plain
    functions (None in their place), as PyTorch's.

    Args:
        optimizer: the Optimizer.
        lr_lambda: a function of the epoch (an int) giving the factor, or a list or tuple
            of such functions, one per parameter group.
        last_epoch: the last epoch done, to resume (see LRScheduler). Default -1.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        count = len(_check_optimizer(optimizer, "LambdaLR").param_groups)
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * count
        if len(lambdas) != count:
            raise ValueError(f"LambdaLR: expected {count} lr_lambdas (one per parameter group), "
                             f"got {len(lambdas)}")
        for i, fn in enumerate(lambdas):
            if not callable(fn):
                raise TypeError(f"LambdaLR: lr_lambda {i} must be a function of the epoch, got "
                                f"{type(fn).__name__}")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        """Everything but the optimizer; each lr_lambda as its attributes, None for a function."""
        state = super().state_dict()
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else dict(vars(fn))
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict()`` saved; the lr_lambdas stay this scheduler's own."""
        lambdas = self.lr_lambdas
        super().load_state_dict(state_dict)
        for fn, saved in zip(lambdas, state_dict["lr_lambdas"]):
            if saved is not None:
                vars(fn).update(saved)
        self.lr_lambdas = lambdas


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


class MultiStepLR(LRScheduler):
    """Multiply each group's lr by gamma at each milestone epoch, as PyTorch's MultiStepLR.

    A milestone listed n times multiplies by gamma ** n. Alone, it gives
    lr = initial_lr * gamma ** (the number of milestones <= epoch).

    Args:
        optimizer: the Optimizer.
        milestones: the epochs (ints) at which to decay.
        gamma: the decay factor, >= 0. Default 0.1.
        last_epoch: the last epoch done, to resume (see LRScheduler). Default -1.
    """

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
            raise TypeError(f"MultiStepLR: milestones must be a list of epochs (ints), got "
                            f"{type(milestones).__name__}")
        self.milestones = Counter(positive_int(m, "a milestone", "MultiStepLR")
                                  for m in milestones)
        self.gamma = non_negative(gamma, "gamma", "MultiStepLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        groups = self.optimizer.param_groups
        times = self.milestones.get(self.last_epoch, 0)
        return [group["lr"] * self.gamma ** times if times else group["lr"] for group in groups]


class ExponentialLR(LRScheduler):
    """Multiply each group's lr by gamma every epoch, as PyTorch's ExponentialLR.

    Alone, it gives lr = initial_lr * gamma ** epoch.

    Args:
        optimizer: the Optimizer.
        gamma: the decay factor, >= 0.
        last_epoch: the last epoch done, to resume (see LRScheduler). Default -1.
    """

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = non_negative(gamma, "gamma", "ExponentialLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        groups = self.optimizer.param_groups
        if self._step_count == 1:
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
        if self._step_count == 1:
            return [group["lr"] for group in groups]
        if (epoch - 1 - t_max) % (2 * t_max) == 0:  # leaving the bottom, where the ratio is 0/0
            return [group["lr"] + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
                    for base, group in zip(self.base_lrs, groups)]
        ratio = (1 + math.cos(math.pi * epoch / t_max)) / (1 + math.cos(math.pi * (epoch - 1)
                                                                        / t_max))
        return [eta_min + ratio * (group["lr"] - eta_min) for group in groups]


def _check_optimizer(optimizer, where):
    """``optimizer`` if it is an Optimizer, else a TypeError naming ``where``."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{where}: optimizer must be an Optimizer, got "
                        f"{type(optimizer).__name__}")
    return optimizer


def _lists_copied(items):
    """A dict of (key, value) pairs, each list or dict value copied (a scheduler's state)."""
    return {k: (v.copy() if isinstance(v, (list, dict)) else v) for k, v in items}
