"""``Tensor.grad_fn``: the op that made a tensor, under PyTorch's name for it.

``BACKWARD_NAMES`` gives the ``grad_fn`` PyTorch shows for each of microgd's ops
(printing shows it too: ``tensor(2.5000, grad_fn=<MeanBackward0>)``).
"""

import numpy as np

from .array_ops import is_basic_index


def _matmul_name(a, b):
    if a.ndim == 2 and b.ndim == 2:
        return "MmBackward0"
    if a.ndim == 2 and b.ndim == 1:
        return "MvBackward0"
    if a.ndim == 1 and b.ndim == 1:
        return "DotBackward0"
    return "SqueezeBackward4" if a.ndim == 1 and b.ndim == 2 else "UnsafeViewBackward0"


def _linear_name(x, weight, bias=None):
    if x.ndim == 2:
        return "MmBackward0" if bias is None else "AddmmBackward0"
    if bias is not None:
        return "ViewBackward0"
    return "SqueezeBackward4" if x.ndim == 1 else "UnsafeViewBackward0"


def _index_name(index):
    """PyTorch indexes one dimension after another: the last step names the node."""
    if not is_basic_index(index):
        return "IndexBackward0"
    parts = index if isinstance(index, tuple) else (index,)
    steps = [p for p in parts if p is not Ellipsis and p != slice(None)]
    if not steps:
        return "SliceBackward0" if parts == (slice(None),) else "AliasBackward0"
    last = steps[-1]
    if last is None:
        return "UnsqueezeBackward0"
    return "SliceBackward0" if isinstance(last, slice) else "SelectBackward0"


def _reduction(all_name, dim_name):
    return lambda node, x: all_name if node._ctx[0] is None else dim_name


# microgd's op name -> PyTorch's grad_fn name, or a function of (node, *inputs) where
# PyTorch's depends on the shapes or arguments (matmul is mm, mv, dot... by shapes).
BACKWARD_NAMES = {
    "+": "AddBackward0", "-": "SubBackward0", "*": "MulBackward0", "/": "DivBackward0",
    "**": lambda node, *inputs: "PowBackward0" if len(inputs) == 1 else "PowBackward1",
    "neg": "NegBackward0", "exp": "ExpBackward0", "log": "LogBackward0",
    "tanh": "TanhBackward0", "sigmoid": "SigmoidBackward0", "relu": "ReluBackward0",
    "abs": "AbsBackward0", "sqrt": "SqrtBackward0", "sin": "SinBackward0",
    "cos": "CosBackward0", "softplus": "SoftplusBackward0", "clamp": "ClampBackward1",
    "maximum": "MaximumBackward0", "minimum": "MinimumBackward0", "where": "WhereBackward0",
    "cat": "CatBackward0", "stack": "StackBackward0",
    "matmul": lambda node, a, b: _matmul_name(a, b),
    "linear": lambda node, *inputs: _linear_name(*inputs),
    "mse": "MseLossBackward0",
    "sum": _reduction("SumBackward0", "SumBackward1"),
    "mean": _reduction("MeanBackward0", "MeanBackward1"),
    "max": lambda node, x: ("MaxBackward1" if node._ctx[0] is None else
                            "MaxBackward0" if len(node._ctx[0]) == 1 else "AmaxBackward0"),
    "min": lambda node, x: ("MinBackward1" if node._ctx[0] is None else
                            "MinBackward0" if len(node._ctx[0]) == 1 else "AminBackward0"),
    "reshape": lambda node, x: ("ViewBackward0" if np.may_share_memory(node.data, x.data)
                                else "UnsafeViewBackward0"),
    "transpose": "PermuteBackward0",
    "index": lambda node, x: _index_name(node._ctx[0]),
    "scatter": "IndexPutBackward0",
    "broadcast": "ExpandBackward0",
    "astype": "ToCopyBackward0",
    "norm": "LinalgVectorNormBackward0",
    "clone": "CloneBackward0",
    "binary_cross_entropy": "BinaryCrossEntropyBackward0",
}


def backward_name(node):
    """PyTorch's name for the ``grad_fn`` of the op that made ``node`` (None for a leaf).

    An op missing from ``BACKWARD_NAMES`` gets its own name: ``"softmax"`` gives
    ``"SoftmaxBackward0"``.
    """
    if node.is_leaf:
        return None
    name = BACKWARD_NAMES.get(node.op)
    if name is None:
        return "".join(part.capitalize() for part in node.op.split("_")) + "Backward0"
    return name if isinstance(name, str) else name(node, *node.parents)


class GradFn:
    """The op that made a tensor, shown as PyTorch's ``<MeanBackward0 object at ...>``;
    ``name()`` gives PyTorch's name."""

    __slots__ = ("_node",)

    def __init__(self, node):
        self._node = node

    def name(self):
        """PyTorch's name for the op (``MulBackward0``)."""
        return backward_name(self._node)

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"
