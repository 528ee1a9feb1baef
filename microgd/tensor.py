"""Tensor: a graph node holding one numpy array, so whole layers are one node."""

import numbers

import numpy as np

from . import array_ops, ops
from .autograd import Node, checked_label, state
from .dtypes import as_array, check_float, float_dtype, number_dtype
from .inplace import InPlace
from .linked import Linked, clock, sort, walk
from .operators import Operators
from .printing import tensor_repr
from .tensor_convert import Conversions
from .tensor_reduce import Reductions
from .tensor_shape import ShapeMethods


def _make(data, op, inputs, ctx=()):
    """A new Tensor from an op; records the op only if some input requires grad."""
    out = Tensor.__new__(Tensor)
    out._init(data, False, "", ctx, clock[0])
    if op.view and np.may_share_memory(out.data, inputs[0].data):
        out._changed_at = _shared_version(inputs[0])
    for p in inputs:
        if p.requires_grad and state.grad_enabled:
            out.requires_grad = True
            out._link(op, inputs)
            break
    return out


def _shared_version(x):
    """x's in-place change counter, made on first use, for a view of x to share."""
    if x._changed_at is None:
        x._changed_at = [0]
    return x._changed_at


def _const(data):
    """A new Tensor holding ``data`` (an array, or a numpy scalar made one) that records
    nothing: a constant, a comparison, a gradient."""
    out = Tensor.__new__(Tensor)
    out._init(data)
    return out


def _apply2(op, a, b, ctx=()):
    try:
        data = op.array(a.data, b.data, *ctx)
    except ValueError:
        raise ValueError(f"{op.name}: shapes {a.shape} and {b.shape} cannot be broadcast "
                         "together (numpy broadcasting: trailing dimensions must be equal "
                         "or 1)") from None
    return _make(data, op, (a, b), ctx)


def _apply1(op, x, ctx=()):
    return _make(op.array(x.data, *ctx), op, (x,), ctx)


class Tensor(InPlace, ShapeMethods, Reductions, Conversions, Operators, Linked):
    """A numpy array that records the ops applied to it, for reverse-mode autodiff.

    Args:
        data: numbers, nested lists or an array; copied. Floating dtypes are kept
            (float32 stays float32); Python numbers, integers and bools become the
            default float dtype (float64 unless ``mg.set_default_dtype``), as
            ``torch.Tensor`` does (``mg.tensor`` keeps integers as int64). Strings,
            objects and complex numbers are a TypeError.
        requires_grad: whether backward accumulates a gradient in ``.grad``.
            Default False, as in PyTorch. Only floating tensors can require grad.
        dtype: a dtype to convert to (``mg.float32``, ``mg.long``, "float64"...).
            Default None (see above).
        label: a name shown in graph drawings. Default "".
    """

    __slots__ = ()

    def __init__(self, data, requires_grad=False, dtype=None, label=""):
        self._init(as_array(data, dtype), bool(requires_grad), checked_label(label))
        if requires_grad:
            check_float(self, "requires_grad=True")

    # --- attributes -----------------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    def __array__(self, dtype=None, copy=None):
        # np.asarray(t) gives the data (no graph); numpy's ufuncs refuse Tensors instead.
        return self.data if dtype is None else self.data.astype(dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        """numpy on Tensors: ``array + t`` and ``np.exp(t)`` are the Tensor's own ops
        (recorded); other ufuncs give constant Tensors (comparisons: boolean ones) and
        refuse a Tensor that requires grad; ``out=`` arrays are written from the data
        (``a.data -= lr * a.grad``, nothing recorded)."""
        raw = [ops.data_of(x) for x in inputs]
        if out is not None:
            if any(isinstance(o, Tensor) for o in out):
                return NotImplemented
            return getattr(ufunc, method)(*raw, out=out, **kwargs)
        records = method == "__call__" and not kwargs
        if records and ufunc in _UFUNC_OPS and len(inputs) == len(_UFUNC_OPS[ufunc].vjps):
            op = _UFUNC_OPS[ufunc]
            if len(inputs) == 1:
                return _apply1(op, inputs[0])
            return Tensor._binary(op, *inputs)
        if records and ufunc is np.matmul:
            return _matmul(*[x if isinstance(x, Tensor) else Tensor(x) for x in inputs])
        # Any other ufunc runs on the data; its result records nothing, so it may not
        # take a Tensor that requires grad, unless its result is boolean (np.isnan).
        boolean = all(t.endswith("?") for t in ufunc.types if "O" not in t)
        if boolean or not any(isinstance(x, Tensor) and x.requires_grad for x in inputs):
            result = getattr(ufunc, method)(*raw, **kwargs)
            return _const(result) if method == "__call__" else result
        raise TypeError(f"numpy's {ufunc.__name__} has no Tensor version that records the "
                        f"graph: use the Tensor's methods, or np.{ufunc.__name__}(t.data) "
                        "for an array (no gradient)")

    def detach(self):
        """A Tensor sharing this data, cut off from the graph (requires_grad=False)."""
        out = _const(self.data)
        out._changed_at = _shared_version(self)
        return out

    def __reduce__(self):
        # pickle: a leaf as its data, requires_grad, .grad and label; a node's graph
        # holds the ops' functions, which do not pickle.
        if self._op is not None:
            raise TypeError(f"cannot pickle a Tensor made by an op ('{self._op.name}'): "
                            "pickle t.detach() instead, or save a state_dict with mg.save")
        return (_rebuilt, (type(self), self.data, self.requires_grad, self.grad, self.label))

    def __copy__(self):
        # copy.copy (matplotlib copies what it plots): a leaf shares its data, as a shallow
        # copy does; a node gives a differentiable copy (clone), as PyTorch's does.
        if self._op is not None:
            return self.clone()
        return _rebuilt(type(self), self.data, self.requires_grad, self.grad, self.label)

    def __deepcopy__(self, memo):
        if self._op is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               f"support the deepcopy protocol; this one was made by "
                               f"'{self._op.name}': deepcopy t.detach() instead")
        grad = None if self.grad is None else self.grad.data.copy()
        copied = _rebuilt(type(self), self.data.copy(), self.requires_grad, grad, self.label)
        memo[id(self)] = copied
        return copied

    def retain_grad(self):
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        self._retain = True
        return self

    def __repr__(self):
        return tensor_repr(self)  # PyTorch's format (printing.py)

    def __matmul__(self, other):
        return _matmul(self, self._lift(other))

    def __rmatmul__(self, other):
        return _matmul(self._lift(other), self)

    @property
    def grad(self):
        """d(output)/d(self) after backward (leaves, and retain_grad() nodes): a Tensor
        that does not require grad (one that does under create_graph), or None.

        Backward keeps the gradient's array (in ``_grad``) and the Tensor is made when
        first asked for: a training loop reads its gradients only through an optimizer,
        which takes the arrays from ``_grad``, so no Tensor is built for them."""
        g = self._grad
        if type(g) is np.ndarray:
            g = self._grad = _const(g)
        return g

    @grad.setter
    def grad(self, g):
        if g is not None:
            g = g if isinstance(g, Tensor) else _const(as_array(g, self.data.dtype, False, "grad"))
            if g.shape != self.shape:
                raise RuntimeError(f"assigned grad has shape {g.shape}, but the tensor has "
                                   f"shape {self.shape}: they must match")
        self._grad = g

    # --- comparisons give boolean Tensors (no grad), as PyTorch's; < <= > >= in Operators -----
    def __eq__(self, other):
        return _const(self.data == ops.data_of(other))

    def __ne__(self, other):
        return _const(self.data != ops.data_of(other))

    __hash__ = Node.__hash__  # by identity, as PyTorch's tensors

    def astype(self, dtype):
        """A copy converted to another floating dtype; the gradient converts back."""
        dtype = float_dtype(dtype, "astype")
        return _make(self.data.astype(dtype), array_ops.ASTYPE, (self,), (dtype,))

    def __getitem__(self, index):
        index = _raw_index(index)
        return _make(self.data[index], array_ops.GETITEM, (self,), (index,))

    # --- what Operators and autograd need -------------------------------------------------
    _sort = staticmethod(sort)
    _walk = staticmethod(walk)

    def _lift(self, other):
        """The other side of a binary op as a Tensor (numbers keep this tensor's dtype)."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, Node):
            raise TypeError(f"cannot combine a Tensor with a {type(other).__name__}; "
                            "use Tensors on both sides")
        if isinstance(other, (numbers.Real, np.number, np.bool_)):
            return _const(np.asarray(other, dtype=number_dtype(other, self.data.dtype)))
        # Float arrays follow numpy's promotion; bool and integer arrays take our dtype.
        return _const(as_array(other, None, copy=False, what="operand",
                                int_dtype=self.data.dtype))

    def _seed(self, grad, what):
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward() on a tensor of shape {self.shape}: a gradient can be "
                    f"created implicitly only for scalar outputs; pass {what}=... with "
                    f"shape {self.shape}, or reduce the output first (e.g. .sum())")
            return np.ones_like(self.data)
        g = as_array(ops.data_of(grad), None, copy=False, what=what)
        if g.shape != self.shape:
            raise ValueError(f"{what} has shape {g.shape} but the output has shape "
                             f"{self.shape}; they must match")
        return g.astype(self.data.dtype, copy=False)

    @staticmethod
    def _constant(raw):
        return _const(np.asarray(raw))

    _apply1 = staticmethod(_apply1)
    _make = staticmethod(_make)
    _compared = staticmethod(_const)

    @staticmethod
    def _apply(op, inputs, ctx):
        node = next(x for x in inputs if isinstance(x, Tensor))
        inputs = tuple(x if isinstance(x, Tensor) else node._lift(x) for x in inputs)
        return _make(op.array(*[x.data for x in inputs], *ctx), op, inputs, ctx)

    @staticmethod
    def _binary(op, a, b):
        if not isinstance(a, Tensor):
            a = b._lift(a)
        elif not isinstance(b, Tensor):
            b = a._lift(b)
        return _apply2(op, a, b)

    def _fresh_grad(self, g):
        # A raw gradient may be a read-only broadcast view or shared with another input.
        return g if isinstance(g, Node) else _const(np.array(g, dtype=self.data.dtype))

    def _add_to_grad(self, g, own):
        """Accumulate ``g`` (raw, or a node under create_graph) into ``.grad``: in place
        when ``.grad`` records nothing, as PyTorch; ``own``: g may be kept as it is."""
        grad = self._grad
        if grad is None:
            if (own and type(g) is np.ndarray) or isinstance(g, Node):
                self._grad = g
            else:  # a raw gradient may be a read-only broadcast view or shared elsewhere
                self._grad = np.array(g, dtype=self.data.dtype)
        elif isinstance(g, Node) or (type(grad) is not np.ndarray and grad.requires_grad):
            self._grad = self.grad + g
        else:
            raw = grad if type(grad) is np.ndarray else grad.data
            raw += g


_UFUNC_OPS = {np.add: ops.ADD, np.subtract: ops.SUB, np.multiply: ops.MUL,
              np.true_divide: ops.DIV, np.power: ops.POW, np.maximum: ops.MAXIMUM,
              np.minimum: ops.MINIMUM, np.negative: ops.NEG, np.exp: ops.EXP, np.log: ops.LOG,
              np.tanh: ops.TANH, np.sqrt: ops.SQRT, np.sin: ops.SIN, np.cos: ops.COS,
              np.absolute: ops.ABS}


def _matmul(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least one dimension, got shapes "
                         f"{a.shape} and {b.shape} (use * for scalars)")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        which = "dim 0" if b.ndim == 1 else "dim -2"
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are not aligned: "
                         f"{k_a} (dim -1 of the first) != {k_b} ({which} of the second)")
    try:
        data = array_ops.MATMUL.array(a.data, b.data)
    except ValueError:
        raise ValueError(f"matmul: the batch dimensions of shapes {a.shape} and {b.shape} "
                         "cannot be broadcast together") from None
    return _make(data, array_ops.MATMUL, (a, b))


def _rebuilt(cls, data, requires_grad, grad, label):
    """A leaf of class ``cls`` (Tensor, nn.Parameter) from what pickle and deepcopy keep."""
    t = cls.__new__(cls)
    t._init(data, bool(requires_grad), checked_label(label))
    t.grad = grad
    return t


def _raw_index(index):
    """The index as numpy takes it, its arrays and lists copied: the graph keeps the
    index for backward, so a later change to the caller's array must not move it."""
    if isinstance(index, tuple):
        return tuple(_raw_index(i) for i in index)
    index = ops.data_of(index)
    if isinstance(index, (list, np.ndarray)):
        return np.array(index)
    return index
