"""``Tensor.grad_fn``: the op that made a tensor, under PyTorch's name for it."""

# microgd's op name -> PyTorch's grad_fn name; a pair names the op (without its first
# argument, with it): x.sum() is SumBackward0, x.sum(0) SumBackward1, x ** 2 PowBackward0.
TORCH_NAMES = {
    "+": "AddBackward0", "-": "SubBackward0", "*": "MulBackward0", "/": "DivBackward0",
    "**": ("PowBackward1", "PowBackward0"), "neg": "NegBackward0", "exp": "ExpBackward0",
    "log": "LogBackward0", "tanh": "TanhBackward0", "sigmoid": "SigmoidBackward0",
    "relu": "ReluBackward0", "abs": "AbsBackward0", "sqrt": "SqrtBackward0",
    "sin": "SinBackward0", "cos": "CosBackward0", "softplus": "SoftplusBackward0",
    "clamp": "ClampBackward1", "maximum": "MaximumBackward0", "minimum": "MinimumBackward0",
    "where": "WhereBackward0", "cat": "CatBackward0", "stack": "StackBackward0",
    "matmul": "MmBackward0", "linear": "AddmmBackward0", "mse": "MseLossBackward0",
    "sum": ("SumBackward0", "SumBackward1"), "mean": ("MeanBackward0", "MeanBackward1"),
    "max": ("MaxBackward1", "AmaxBackward0"), "min": ("MinBackward1", "AminBackward0"),
    "norm": "LinalgVectorNormBackward0", "reshape": "ViewBackward0",
    "transpose": "PermuteBackward0", "index": "IndexBackward0",
    "scatter": "IndexPutBackward0", "broadcast": "ExpandBackward0",
    "astype": "ToCopyBackward0", "clone": "CloneBackward0",
}


def torch_name(op, ctx):
    """PyTorch's grad_fn name for ``op`` applied with the arguments ``ctx``."""
    name = TORCH_NAMES[op.name]
    if isinstance(name, tuple):
        return name[1] if ctx and ctx[0] is not None else name[0]
    return name


class GradFn:
    """The op that made a tensor, shown as PyTorch's ``<MeanBackward0 object at ...>``;
    ``name()`` gives PyTorch's name."""

    __slots__ = ("_node",)

    def __init__(self, node):
        self._node = node

    def name(self):
        """PyTorch's name for the op (``MulBackward0``)."""
        return torch_name(self._node._op, self._node._ctx)

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"
