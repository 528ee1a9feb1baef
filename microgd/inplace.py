"""In-place Tensor ops (``add_``, ``-=``, ``uniform_``...), with PyTorch's rules.

- Outside ``no_grad`` an in-place op on a leaf that requires grad is a RuntimeError
  (it would change a parameter behind the graph's back); under ``no_grad`` the data
  changes in place, so ``p -= lr * p.grad`` trains.
- On a view (``x[:, 0].uniform_(-1, 1)``) the base changes too: numpy views share
  memory, and a view shares its base's change counter.
- Every change is counted (``linked.changed_in_place``): backward through an op
  whose saved input changed since the forward raises a RuntimeError.
- microgd does not record in-place ops on a Tensor that is part of a graph (PyTorch
  does): ``y.add_(1)`` on such a ``y`` is a RuntimeError; ``y += 1`` makes a new
  node, as ``y = y + 1`` (the one difference: other names for ``y`` keep the old one).
"""

import numpy as np

from .autograd import state
from .dtypes import check_float
from .linked import changed_in_place
from .ops import data_of
from .random import generator


class InPlace:
    """The in-place methods of Tensor; each returns the tensor itself."""

    __slots__ = ()

    def add_(self, other, alpha=1):
        """self += alpha * other."""
        return self._update("add_", np.add, other if alpha == 1 else data_of(other) * alpha)

    def sub_(self, other, alpha=1):
        """self -= alpha * other."""
        return self._update("sub_", np.subtract,
                            other if alpha == 1 else data_of(other) * alpha)

    def mul_(self, other):
        """self *= other."""
        return self._update("mul_", np.multiply, other)

    def div_(self, other):
        """self /= other."""
        return self._update("div_", np.true_divide, other)

    def clamp_(self, min=None, max=None):
        """self limited to [min, max]."""
        self._check_in_place("clamp_")
        np.clip(self.data, min, max, out=self.data)
        return self._changed()

    def zero_(self):
        """Every element 0."""
        return self.fill_(0)

    def fill_(self, value):
        """Every element ``value``."""
        self._check_in_place("fill_")
        self.data[...] = data_of(value)
        return self._changed()

    def copy_(self, src):
        """The elements of ``src`` (broadcast to this shape), converted to this dtype."""
        self._check_in_place("copy_")
        np.copyto(self.data, np.asarray(data_of(src)), casting="unsafe")
        return self._changed()

    def uniform_(self, a=0.0, b=1.0):
        """Numbers drawn uniformly from [a, b) by microgd's generator (mg.manual_seed)."""
        self._check_in_place("uniform_")
        self.data[...] = generator().uniform(a, b, self.data.shape)
        return self._changed()

    def normal_(self, mean=0.0, std=1.0):
        """Numbers drawn from N(mean, std^2) by microgd's generator (mg.manual_seed)."""
        self._check_in_place("normal_")
        self.data[...] = generator().normal(mean, std, self.data.shape)
        return self._changed()

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad on a leaf (in place); returns the tensor."""
        if self._op is not None and not requires_grad:
            raise RuntimeError("requires_grad_(False): this tensor was computed by an op; "
                               "use .detach() to get one that does not require grad")
        if requires_grad:
            check_float(self, "requires_grad_()")
        self.requires_grad = bool(requires_grad)
        return self

    def __iadd__(self, other):
        return self._augmented(np.add, other, self.__add__)

    def __isub__(self, other):
        return self._augmented(np.subtract, other, self.__sub__)

    def __imul__(self, other):
        return self._augmented(np.multiply, other, self.__mul__)

    def __itruediv__(self, other):
        return self._augmented(np.true_divide, other, self.__truediv__)

    # --- the rules ------------------------------------------------------------------------------
    def _check_in_place(self, name):
        if not (state.grad_enabled and self.requires_grad):
            return
        if self._op is None:
            raise RuntimeError(
                f"{name}: a leaf Tensor that requires grad is being used in an in-place "
                f"operation; do it under mg.no_grad() (as an optimizer step does)")
        raise RuntimeError(
            f"{name}: this Tensor is part of a graph ('{self._op.name}' made it), and "
            f"microgd does not record in-place ops; write y = y + ... instead")

    def _update(self, name, ufunc, other):
        self._check_in_place(name)
        try:
            ufunc(self.data, data_of(other), out=self.data)
        except (TypeError, ValueError) as e:  # numpy's casting and broadcasting errors
            raise RuntimeError(f"{name}: cannot write the result into this tensor of shape "
                               f"{self.shape} and dtype {self.dtype} ({e})") from None
        return self._changed()

    def _augmented(self, ufunc, other, out_of_place):
        """x op= y: in place, or a new node (``out_of_place``) when x is part of a graph."""
        if state.grad_enabled and self.requires_grad and self._op is not None:
            return out_of_place(other)
        return self._update(f"{ufunc.__name__} (an augmented assignment)", ufunc, other)

    def _changed(self):
        changed_in_place([self])
        return self
