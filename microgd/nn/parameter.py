"""Parameter: a Tensor that a Module registers as one of its weights (``torch.nn.Parameter``)."""

import numpy as np

from ..tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A Tensor that is a module's parameter: it requires grad unless told otherwise.

    Assigned as a Module's attribute, it is registered (``parameters()``, ``state_dict()``)
    even with requires_grad=False (a frozen weight). Made from a Tensor, it shares that
    Tensor's data, as PyTorch's does; ops on it give plain Tensors.

    Args:
        data: a Tensor (its data is shared), or numbers / an array (copied, as Tensor
            does). Default None: an empty float64 tensor.
        requires_grad: whether backward accumulates a gradient. Default True.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        super().__init__(np.empty(0) if data is None else data, requires_grad=requires_grad)
        if isinstance(data, Tensor):
            self.data = data.data  # shared, not copied: Parameter(t) and t are one array

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
