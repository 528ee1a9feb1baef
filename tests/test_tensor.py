"""Tensor specifics: dtypes, broadcasting, shapes, comparisons, and bad input."""

import numpy as np
import pytest

import microgd as mg
from microgd import Tensor, Value


# --- dtype ----------------------------------------------------------------------------

@pytest.mark.parametrize("data, dtype", [
    (1.0, np.float64), ([1, 2], np.float64), ([True, False], np.float64),
    (np.arange(3, dtype=np.int32), np.float64), (np.ones(2, np.float32), np.float32),
    (np.ones(2, np.float16), np.float16),
])
def test_constructor_dtypes(data, dtype):
    assert Tensor(data).dtype == dtype


def test_constructor_copies():
    a = np.ones(3)
    t = Tensor(a)
    a[0] = 5.0
    assert t.data[0] == 1.0


FLOAT32_OPS = {
    "+ scalar": lambda x, w: (x + 2.5) * w,
    "python scalars": lambda x, w: (2.0 * x - 1) / 3.0 * w ** 2,
    "numpy scalar": lambda x, w: x * np.float64(2.0) + w,
    "int array": lambda x, w: x * np.array([1, 2, 3]) + w,
    "unary": lambda x, w: (x * w).tanh().exp().sigmoid().relu().log(),
    "matmul": lambda x, w: x[None, :] @ (w[:, None] * x[None, :]),
    "reductions": lambda x, w: (x * w).sum() + (x * w).mean(axis=0) + (x * w).max(),
    "shape": lambda x, w: (x * w).reshape(3, 1).T[0, [0, 2, 2]],
    "pow tensor": lambda x, w: x ** w,
    "reflected": lambda x, w: 1.0 / (2 - x) + 2 ** w,
}


@pytest.mark.parametrize("name", FLOAT32_OPS)
def test_float32_is_kept_through_ops_and_grads(name):
    x = Tensor(np.array([0.5, 1.0, 1.5], np.float32), requires_grad=True)
    w = Tensor(np.array([1.0, -0.5, 2.0], np.float32), requires_grad=True)
    out = FLOAT32_OPS[name](x, w)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_mixed_float_dtypes_promote_and_grads_keep_input_dtype():
    x = Tensor(np.ones(2, np.float32), requires_grad=True)
    y = Tensor(np.ones(2), requires_grad=True)
    z = x * y
    assert z.dtype == np.float64
    z.sum().backward()
    assert x.grad.dtype == np.float32 and y.grad.dtype == np.float64


def test_backward_seed_takes_output_dtype():
    x = Tensor(np.ones(2, np.float32), requires_grad=True)
    (x * 2).backward(np.array([1.0, 2.0]))
    assert x.grad.dtype == np.float32


# --- numpy interplay ---------------------------------------------------------------------

def test_numpy_on_the_left_gives_tensors():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0]) * x + np.array([1.0, 1.0])
    assert isinstance(y, Tensor)
    (np.ones((1, 2)) @ x).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_comparisons_are_boolean_tensors_without_grad():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result in (x > 1.5, x < Tensor([2.0, 2.0, 2.0]), x == 2.0, x != 2.0, x >= 2, x <= 2,
                   np.ones(3) == x, np.isnan(x)):
        assert type(result) is Tensor and result.dtype == bool and not result.requires_grad
    np.testing.assert_array_equal(x == 2.0, [False, True, False])
    assert ((x == 2.0).float() if hasattr(Tensor, "float") else (x == 2.0) * 1.0).mean() \
        .item() == pytest.approx(1 / 3)
    assert len({x, Tensor([1.0])}) == 2  # hashable by identity


def test_attributes_and_helpers():
    x = Tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    assert (x.shape, x.ndim, x.size(), x.numel(), len(x)) == ((1, 3), 2, (1, 3), 3, 1)
    assert x.T.shape == (3, 1)
    assert x.sum().item() == 6.0
    assert x.detach().numpy() is x.data
    assert x.tolist() == [[1.0, 2.0, 3.0]]
    assert repr(x) == "tensor([[1., 2., 3.]], requires_grad=True)"
    assert repr(x.sum()) == "tensor(6., grad_fn=<SumBackward0>)"
    assert repr(Tensor(np.zeros(2, np.float32))) == "tensor([0., 0.], dtype=torch.float32)"


# --- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize("data, error, match", [
    ("abc", TypeError, "must be numeric, got str"),
    (["a", "b"], TypeError, "must be numeric .* got dtype <U1"),
    (None, TypeError, "got dtype object"),
    ([1 + 2j], TypeError, "got dtype complex128"),
    ([[1.0, 2.0], [3.0]], ValueError, "rectangular"),
    ({"a": 1}, TypeError, "got dtype object"),
])
def test_non_numeric_data(data, error, match):
    with pytest.raises(error, match=match):
        Tensor(data)


def test_dtype_argument():
    assert Tensor([1.7], dtype=np.int64).dtype == np.int64 and Tensor([1], dtype="long").item() == 1
    with pytest.raises(TypeError, match="unknown dtype 'complex64'; use one of bool"):
        Tensor([1.0], dtype="complex64")
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require"):
        Tensor([1], dtype=np.int64, requires_grad=True)
    with pytest.raises(TypeError, match="astype: dtype must be a floating dtype .* got int64"):
        Tensor([1.0]).astype(np.int64)


def test_numbers_promote_integer_tensors_as_pytorch():
    i = Tensor([1, 2], dtype=np.int64)
    assert (i * 2).dtype == np.int64 and (i * 0.5).dtype == np.float64
    assert (Tensor([True], dtype=bool) + 1).dtype == np.int64
    assert (Tensor([1.0], dtype=np.float32) * 2.5).dtype == np.float32


def test_matmul_shape_mismatch_names_both_shapes():
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) are not aligned: "
                                         r"3 \(dim -1 of the first\) != 4"):
        a @ b
    with pytest.raises(ValueError, match=r"shapes \(3,\) and \(2,\)"):
        Tensor(np.ones(3)) @ Tensor(np.ones(2))
    with pytest.raises(ValueError, match="at least one dimension"):
        Tensor(2.0) @ Tensor(np.ones(2))
    with pytest.raises(ValueError, match=r"batch dimensions of shapes \(2, 1, 3\) and \(3, 3, 1\)"):
        Tensor(np.ones((2, 1, 3))) @ Tensor(np.ones((3, 3, 1)))


def test_incompatible_broadcast_names_both_shapes():
    with pytest.raises(ValueError, match=r"\+: shapes \(2, 3\) and \(2,\) cannot be broadcast"):
        Tensor(np.ones((2, 3))) + Tensor(np.ones(2))
    with pytest.raises(ValueError, match=r"\*: shapes \(3,\) and \(4,\)"):
        Tensor(np.ones(3)) * np.ones(4)


def test_bad_operands():
    x = Tensor([1.0])
    with pytest.raises(TypeError, match="must be numeric, got str"):
        x + "a"
    with pytest.raises(TypeError, match="cannot combine a Tensor with a Value"):
        x * Value(2.0)


def test_shape_errors():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"cannot reshape a tensor of shape \(2, 3\) "
                                         r"\(6 elements\) into shape \(4,\)"):
        x.reshape(4)
    with pytest.raises(ValueError, match=r"axes \(0,\) are not a permutation"):
        x.transpose(0)
    with pytest.raises(ValueError, match=r"axes \(0, 5, 1\) are not a permutation of the 2 axes"):
        x.transpose((0, 5, 1))
    with pytest.raises(ValueError, match="axis 2 is out of range for a tensor with 2"):
        x.sum(axis=2)
    with pytest.raises(ValueError, match="repeats an axis"):
        x.mean(axis=(0, -2))
    with pytest.raises(TypeError, match="axis must be None, an int or a tuple"):
        x.max(axis=1.5)
    with pytest.raises(ValueError, match=r"max\(\) of an empty tensor of shape \(0,\)"):
        Tensor(np.ones(0)).max()
    with pytest.raises(ValueError, match=r"cannot broadcast shape \(2, 3\) to \(3,\)"):
        x.broadcast_to((3,))
    with pytest.raises(RuntimeError, match=r"item\(\): a Tensor with 6 elements \(shape "
                                           r"\(2, 3\)\) cannot be converted"):
        x.item()


def test_truth_float_and_numpy_conversion():
    assert not Tensor([0.0]) and Tensor(2.0)
    with pytest.raises(ValueError, match="ambiguous"):
        bool(Tensor([1.0, 2.0]))
    assert float(Tensor([[1.5]])) == 1.5
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert np.asarray(x) is x.data and np.asarray(x, dtype=np.float32).dtype == np.float32
    assert np.exp(x).op == "exp" and (np.ones(2) * x).op == "*"  # numpy's ufuncs record
    with pytest.raises(TypeError, match="floor has no Tensor version that records the graph"):
        np.floor(x)  # it would drop the graph silently: refused
    a = np.ones(2)
    a -= 0.5 * Tensor([2.0, 4.0])  # the lesson's a.data -= lr * a.grad
    np.testing.assert_array_equal(a, [0.0, -1.0])


# --- issue 14's repros: indices, copies, pickles ----------------------------------------------

@pytest.mark.parametrize("make_index", [np.array, list, lambda v: Tensor(v, dtype=np.int64)],
                         ids=["array", "list", "Tensor"])
def test_an_index_changed_after_the_forward_does_not_move_the_gradient(make_index):
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    idx = make_index([0, 1])
    y = x[idx]
    if isinstance(idx, Tensor):
        idx.data[0] = 2
    else:
        idx[0] = 2
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0, 0.0])


def test_deepcopy_copies_leaves_and_refuses_graphs_without_recursion():
    import copy
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 2.0).sum().backward()
    c = copy.deepcopy(x)
    assert c is not x and c.requires_grad and c.data is not x.data
    np.testing.assert_array_equal(c.grad, [2.0, 2.0])
    assert c.grad.data is not x.grad.data
    y = x
    for _ in range(5000):
        y = y * 1.0
    with pytest.raises(RuntimeError, match="graph leaves.*made by '\\*'"):
        copy.deepcopy(y)
    model = mg.nn.Linear(2, 3)
    twin = copy.deepcopy(model)
    assert type(twin.weight) is type(model.weight) and twin.weight is not model.weight
    np.testing.assert_array_equal(twin.weight.data, model.weight.data)


def test_leaves_pickle_and_graphs_refuse_clearly():
    import pickle
    x = Tensor([1.0, 2.0], requires_grad=True, label="x")
    x.grad = np.array([0.5, 0.5])
    back = pickle.loads(pickle.dumps(x))
    assert back.requires_grad and back.label == "x"
    np.testing.assert_array_equal(back.data, x.data)
    np.testing.assert_array_equal(back.grad, x.grad)
    p = pickle.loads(pickle.dumps(mg.nn.Parameter(Tensor([1.0]))))
    assert type(p) is mg.nn.Parameter and p.requires_grad
    with pytest.raises(TypeError, match="cannot pickle a Tensor made by an op \\('\\*'\\)"):
        pickle.dumps(x * 2.0)
    v = Value(2.0, label="v")
    v.grad = 3.0
    w = pickle.loads(pickle.dumps(v))
    assert (w.data, w.label, w.grad, w.requires_grad) == (2.0, "v", 3.0, True)
    assert pickle.loads(pickle.dumps((v * 2.0).detach())).data == 4.0
    with pytest.raises(TypeError, match="cannot pickle or copy a Value made by an op \\('\\*'\\)"):
        pickle.dumps(v * 2.0)


def test_weights_changed_between_forward_and_backward_are_refused():
    # issue 14's first repro: the gradient would silently come from the updated weights
    x = Tensor(np.ones((3, 2)), requires_grad=True)
    w = Tensor([1.0, 2.0], requires_grad=True)
    loss = (x @ w).sum()
    w.grad = np.ones(2)
    mg.optim.SGD([w], lr=1.0).step()
    with pytest.raises(RuntimeError, match="backward through 'matmul': input of shape \\(2,\\), "
                                           "saved for the backward, was modified by an in-place"):
        loss.backward()
    y = x.exp()
    with mg.no_grad():
        y.mul_(2.0)  # exp's backward reads its result
    with pytest.raises(RuntimeError, match="'exp': its result"):
        y.sum().backward()
    z = x + 1.0
    with mg.no_grad():
        x.add_(1.0)  # + saves nothing: its backward is still right
    z.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((3, 2)))


def test_in_place_ops_follow_pytorchs_rules():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="sub_: a leaf Tensor that requires grad is being used "
                                           "in an in-place operation"):
        w.sub_(1.0)
    with pytest.raises(RuntimeError, match="add_: this Tensor is part of a graph \\('\\*' made it"):
        (w * 2.0).add_(1.0)
    y = w * 2.0
    y += 1.0  # a new node, as y = y + 1
    assert y.op == "+"
    with mg.no_grad():
        w -= 0.5  # the lesson's update: in place
    np.testing.assert_array_equal(w.data, [0.5, 1.5])
    x = Tensor(np.ones((4, 2)))
    x[:, 0].uniform_(-1.0, 1.0)  # lesson 3: a view changes its base
    assert np.all(x.data[:, 1] == 1.0) and np.all(np.abs(x.data[:, 0]) <= 1.0)
    assert not np.all(x.data[:, 0] == 1.0)
    i = Tensor([1, 2], dtype=np.int64)
    with pytest.raises(RuntimeError, match="add_: cannot write the result into this tensor of "
                                           "shape \\(2,\\) and dtype int64"):
        i.add_(0.5)
    t = Tensor([1.0, 2.0])
    assert t.zero_() is t and t.fill_(3.0).tolist() == [3.0, 3.0]
    assert t.copy_([1, 2]).tolist() == [1.0, 2.0] and t.clamp_(max=1.5).tolist() == [1.0, 1.5]
    a = Tensor([1.0])
    a.grad = None
    assert a.requires_grad_().requires_grad
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype"):
        i.requires_grad_()
# --- PyTorch's methods ----------------------------------------------------------------------

def _x():
    return Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)


def test_pytorch_shape_methods():
    x = _x()
    assert (x.size(), x.size(1), x.size(-2), x.numel(), x.dim()) == ((2, 3), 3, 2, 6, 2)
    assert x.view(3, 2).shape == x.view((3, 2)).shape == (3, 2) and x.ravel().shape == (6,)
    y = Tensor(np.ones((2, 1, 3, 1)))
    assert (y.flatten().shape, y.flatten(1).shape, y.flatten(1, 2).shape,
            Tensor(2.0).flatten().shape) == ((6,), (2, 3), (2, 3, 1), (1,))
    assert (y.squeeze().shape, y.squeeze(1).shape, y.squeeze(0).shape,
            y.squeeze((1, 3)).shape) == ((2, 3), (2, 3, 1), (2, 1, 3, 1), (2, 3))
    assert (x.unsqueeze(0).shape, x.unsqueeze(-1).shape, x.unsqueeze(1).shape) == \
        ((1, 2, 3), (2, 3, 1), (2, 1, 3))
    assert y.permute(2, 0, 3, 1).shape == y.permute((2, 0, 3, 1)).shape == (3, 2, 1, 1)
    assert x.t().shape == (3, 2) and Tensor([1.0, 2.0]).t().shape == (2,)
    assert x.transpose(0, 1).tolist() == x.transpose(-1, 0).tolist() == x.data.T.tolist()
    assert y.transpose(1, 2).shape == (2, 3, 1, 1) and y.transpose().shape == (1, 3, 1, 2)
    assert y.transpose((3, 2, 1, 0)).shape == (1, 3, 1, 2)  # numpy's meaning kept
    assert x[:, :1].expand(2, 4).shape == (2, 4) and x.expand(5, -1, -1).shape == (5, 2, 3)
    assert x.contiguous() is x and x.cpu() is x
    x.view(-1).sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))


@pytest.mark.parametrize("call, error, match", [
    (lambda x: x.size(2), IndexError, r"size: dimension out of range \(expected to be in "
                                      r"range of \[-2, 1\], but got 2\)"),
    (lambda x: Tensor(1.0).size(0), IndexError, "dimension specified as 0 but the tensor has "
                                                "no dimensions"),
    (lambda x: x.size(1.0), TypeError, "size: dim must be an int, got float"),
    (lambda x: x.flatten(2), IndexError, r"flatten: dimension out of range .*got 2\)"),
    (lambda x: x.flatten(1, 0), RuntimeError, "start_dim cannot come after end_dim"),
    (lambda x: x.squeeze(4), IndexError, r"squeeze: dimension out of range .*got 4\)"),
    (lambda x: x.unsqueeze(3), IndexError, r"range of \[-3, 2\], but got 3"),
    (lambda x: x.permute(0), RuntimeError, r"permute: the tensor has 2 dimensions \(shape "
                                           r"\(2, 3\)\) but 1 dims were given"),
    (lambda x: x.permute(0, 0), RuntimeError, r"duplicate dims are not allowed, got \(0, 0\)"),
    (lambda x: x.permute(0, 2), IndexError, "permute: dimension out of range"),
    (lambda x: Tensor(np.ones((2, 2, 2))).t(), RuntimeError,
     r"t\(\) expects a tensor with <= 2 dimensions, but self is 3D"),
    (lambda x: x.transpose(0, 3), IndexError, "transpose: dimension out of range"),
    (lambda x: x.expand(3), RuntimeError, r"number of sizes provided \(1\) must be greater or "
                                          r"equal to the number of dimensions in the tensor \(2"),
    (lambda x: x.expand(2, 4), RuntimeError, r"expanded size of the tensor \(4\) must match the "
                                             r"existing size \(3\) at non-singleton dimension 1"),
    (lambda x: x.expand(-1, 2, 3), RuntimeError, "isn't allowed in a leading, non-existing "
                                                 "dimension 0"),
    (lambda x: x.view(4), ValueError, r"cannot reshape a tensor of shape \(2, 3\)"),
])
def test_shape_method_errors(call, error, match):
    with pytest.raises(error, match=match):
        call(_x())


def test_reductions_take_pytorchs_and_numpys_names():
    x = _x()
    np.testing.assert_array_equal(x.sum(dim=0, keepdim=True), x.sum(axis=0, keepdims=True))
    np.testing.assert_array_equal(x.sum(1), [3.0, 12.0])
    np.testing.assert_array_equal(x.mean(dim=(0, 1), keepdim=True), [[2.5]])
    for name in ("sum", "mean", "max", "min"):
        with pytest.raises(TypeError, match=f"{name}: give dim or axis, not both"):
            getattr(x, name)(dim=0, axis=0)
        with pytest.raises(TypeError, match=f"{name}: give keepdim or keepdims, not both"):
            getattr(x, name)(keepdim=True, keepdims=True)


def test_max_and_min_over_a_dim_give_values_and_indices():
    x = Tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 2.0]], requires_grad=True)
    result = x.max(1)
    values, indices = result
    assert type(result).__name__ == "max" and result.values is values
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert indices.dtype == np.int64 and not indices.requires_grad
    values.sum().backward()  # the first maximum gets the gradient, as PyTorch's max(dim)
    np.testing.assert_array_equal(x.grad, [[0, 1, 0], [1, 0, 0]])
    low = x.min(dim=0, keepdim=True)
    assert low.values.tolist() == [[1.0, 0.0, 2.0]] and low.indices.tolist() == [[0, 1, 1]]
    assert x.max().item() == 7.0 and x.max(axis=(0, 1)).item() == 7.0  # no dim: the value
    assert x.max(Tensor(6.0)).tolist() == [[6.0, 6.0, 6.0], [7.0, 6.0, 6.0]]
    assert x.min(Tensor(1.5)).tolist() == [[1.0, 1.5, 1.5], [1.5, 0.0, 1.5]]
    with pytest.raises(TypeError, match=r"max: dim must be an int, got \(0, 1\)"):
        x.max(dim=(0, 1))
    with pytest.raises(IndexError, match=r"max\(\): dim 0 has length 0 in shape \(0, 2\)"):
        Tensor(np.ones((0, 2))).max(0)


def test_argmax_and_argmin():
    x = Tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 2.0]])
    assert x.argmax().item() == 3 and x.argmin().item() == 4 and x.argmax().dtype == np.int64
    assert x.argmax(1).tolist() == [1, 0] and x.argmin(dim=0, keepdim=True).tolist() == \
        [[0, 1, 1]]
    assert x.argmax(keepdim=True).shape == (1, 1) and Tensor(3.0).argmax(0).item() == 0
    with pytest.raises(IndexError, match=r"argmax\(\): an empty tensor of shape \(0,\)"):
        Tensor(np.ones(0)).argmax()
    with pytest.raises(IndexError, match="argmin: dimension out of range"):
        x.argmin(2)


def test_var_and_std_use_bessels_correction():
    data = np.array([[1.0, 2.0, 4.0], [0.0, -3.0, 5.0]])
    x = Tensor(data, requires_grad=True)
    assert x.var().item() == pytest.approx(np.var(data, ddof=1), rel=1e-12)
    np.testing.assert_allclose(x.std(1), np.std(data, axis=1, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(x.var(0, False, True), np.var(data, axis=0, keepdims=True))
    np.testing.assert_allclose(x.std(unbiased=False).item(), np.std(data), rtol=1e-12)
    np.testing.assert_allclose(x.var(dim=1, correction=2), np.var(data, axis=1, ddof=2))
    x.var().backward()  # d var / dx = 2 (x - mean) / (n - 1)
    np.testing.assert_allclose(x.grad, 2 * (data - data.mean()) / 5, rtol=1e-12)
    assert np.isnan(Tensor([3.0]).var().item())  # N - correction = 0: 0 / 0
    assert Tensor([3.0]).std(correction=0).item() == 0.0
    constant = Tensor([2.0, 2.0, 2.0], requires_grad=True)
    constant.std().backward()  # 0 (as PyTorch), where sqrt's derivative at 0 would give nan
    np.testing.assert_array_equal(constant.grad, [0.0, 0.0, 0.0])
    with pytest.raises(TypeError, match="give unbiased or correction, not both"):
        x.var(unbiased=True, correction=1)


def test_norm_and_its_gradient_at_zero():
    data = np.array([[3.0, -4.0], [0.0, 0.0]])
    x = Tensor(data, requires_grad=True)
    assert x.norm().item() == 5.0 and x.norm(p=1).item() == 7.0
    assert x.norm(p=float("inf")).item() == 4.0 and x.norm(dim=1).tolist() == [5.0, 0.0]
    np.testing.assert_allclose(x.norm(p=3, dim=1, keepdim=True), [[91 ** (1 / 3)], [0.0]])
    x.norm(dim=1).sum().backward()  # x / |x|, and 0 (not nan) for the zero row, as PyTorch
    np.testing.assert_allclose(x.grad, [[0.6, -0.8], [0.0, 0.0]], rtol=1e-15)
    z = Tensor(np.zeros(3), requires_grad=True)
    z.norm().backward()
    np.testing.assert_array_equal(z.grad, [0.0, 0.0, 0.0])
    y = Tensor([1.0, 0.0, -2.0], requires_grad=True)
    y.norm(p=0.5).backward()  # sign(x) (|x| / norm)^(p - 1), and 0 at x = 0
    norm = (1 + 2 ** 0.5) ** 2
    np.testing.assert_allclose(y.grad, [(1 / norm) ** -0.5, 0.0, -(2 / norm) ** -0.5])
    for p in (0, -1, "nuc", True, None):
        with pytest.raises(ValueError, match="norm: p must be a positive number, inf, -inf"):
            x.norm(p=p)


def test_softmax_methods_are_the_functions():
    from microgd.nn import functional as F
    x = Tensor([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])
    np.testing.assert_array_equal(x.softmax(1), F.softmax(x, dim=1))
    np.testing.assert_array_equal(x.log_softmax(-1), F.log_softmax(x))
    np.testing.assert_allclose(x.softmax(0).sum(axis=0), [1.0, 1.0, 1.0])
    assert np.isfinite(x.log_softmax(1).data).all()
    with pytest.raises(IndexError, match="softmax: dimension out of range"):
        x.softmax(2)


def test_conversions():
    x = Tensor([1.7, -2.5], requires_grad=True)
    assert x.float().dtype == np.float32 and x.half().dtype == np.float16
    assert x.double() is x and x.to(np.float64) is x and x.to("cpu") is x
    assert x.long().tolist() == [1, -2] and x.int().dtype == np.int32
    assert x.bool().tolist() == [True, True] and not x.long().requires_grad
    assert x.float().requires_grad and x.float().op == "astype"
    (x.float() * 2).sum().backward()  # a float to float cast passes the gradient back
    assert x.grad.dtype == np.float64 and x.grad.tolist() == [2.0, 2.0]
    assert x.to(Tensor([1], dtype="long")).dtype == np.int64
    assert x.to("cpu", np.float32).dtype == x.to(device="cpu", dtype=np.float32).dtype == \
        np.float32
    copy = x.to(np.float64, copy=True)
    assert copy is not x and copy.op == "clone" and x.to(x.device) is x
    assert [t.type() for t in (x, x.float(), x.half(), x.long(), x.int(), x.bool(),
                               Tensor([1], dtype="int8"), Tensor([1], dtype="uint8"),
                               Tensor([1], dtype="int16"))] == [
        "torch.DoubleTensor", "torch.FloatTensor", "torch.HalfTensor", "torch.LongTensor",
        "torch.IntTensor", "torch.BoolTensor", "torch.CharTensor", "torch.ByteTensor",
        "torch.ShortTensor"]
    assert x.type("torch.LongTensor").dtype == np.int64 and x.type(np.float32).dtype == \
        np.float32
    assert str(x.device) == "cpu" and x.device == "cpu"
    with pytest.raises(RuntimeError, match="device 'cuda': microgd runs on numpy"):
        x.to("cuda")
    with pytest.raises(RuntimeError, match="device 'cuda:0'"):
        x.to(device="cuda:0")
    with pytest.raises(ValueError, match="type: invalid type 'foo'; use a dtype or one of"):
        x.type("foo")
    with pytest.raises(TypeError, match="to: unknown dtype"):
        x.to(np.complex64)


def test_clone_and_numpy():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.data is not x.data and c.op == "clone" and c.tolist() == [1.0, 2.0]
    (c * c).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires "
                                           r"grad. Use tensor.detach\(\).numpy\(\) instead."):
        x.numpy()
    assert x.detach().numpy() is x.data and x.numpy(force=True) is x.data
    assert (x * 2).detach().numpy().tolist() == [2.0, 4.0]


def test_python_numbers_and_protocols():
    loss = Tensor([[0.123456]]).sum()
    assert f"{loss:.4f}" == "0.1235" and f"{Tensor(3, dtype='long'):03d}" == "003"
    assert f"{Tensor([1.5])}" == str(Tensor([1.5]))
    with pytest.raises(TypeError, match=r"unsupported format string '.2f' passed to "
                                        r"Tensor.__format__ for a tensor of shape \(1,\)"):
        f"{Tensor([1.5]):.2f}"
    assert int(Tensor(2.7)) == 2 and int(Tensor([[-2.7]])) == -2 and float(Tensor([1.5])) == 1.5
    assert [10, 20, 30][Tensor(1, dtype="long")] == 20 and Tensor(2, dtype="long").item() == 2
    assert isinstance(Tensor(2, dtype="long").item(), int)
    with pytest.raises(TypeError, match="only integer tensors of a single element can be "
                                        "converted to an index"):
        [1, 2][Tensor(1.0)]
    with pytest.raises(ValueError, match="only one element tensors can be converted to Python "
                                         r"scalars \(int\(\) of a tensor of shape \(2,\)\)"):
        int(Tensor([1.0, 2.0]))
    assert Tensor([2.0]).pow(3).item() == 8.0
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    assert len(x) == 2 and [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]
    (rows[0] * rows[1]).sum().backward()  # iteration records, as indexing
    assert x.grad.tolist() == [[3.0, 4.0], [1.0, 2.0]]
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(Tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(Tensor(1.0))


@pytest.mark.parametrize("make, name", [
    (lambda x: x * 2, "MulBackward0"), (lambda x: x + x, "AddBackward0"),
    (lambda x: x.mean(), "MeanBackward0"), (lambda x: x.mean(0), "MeanBackward1"),
    (lambda x: x.sum(), "SumBackward0"), (lambda x: x.sum(dim=1), "SumBackward1"),
    (lambda x: x ** 2, "PowBackward0"), (lambda x: x ** x, "PowBackward1"),
    (lambda x: x.max(), "MaxBackward1"), (lambda x: x @ x.T, "MmBackward0"),
    (lambda x: x.view(-1), "ViewBackward0"), (lambda x: x.permute(1, 0), "PermuteBackward0"),
    (lambda x: x[[0, 1]], "IndexBackward0"), (lambda x: x.expand(2, 2, 3), "ExpandBackward0"),
    (lambda x: x.float(), "ToCopyBackward0"), (lambda x: x.clone(), "CloneBackward0"),
    (lambda x: x.norm(), "LinalgVectorNormBackward0"), (lambda x: x.relu(), "ReluBackward0"),
])
def test_grad_fn_names_the_op_as_pytorch(make, name):
    x = _x()
    assert x.grad_fn is None and make(x).grad_fn.name() == name
    assert repr(make(x).grad_fn).startswith(f"<{name} object at 0x")
    assert make(x.detach()).grad_fn is None


def test_copy_copy_as_matplotlib_uses_it():
    import copy
    a = Tensor([1.0, 2.0], requires_grad=True)
    node = copy.copy(a * 2.0)
    assert node.requires_grad and node.op == "clone"
    np.testing.assert_array_equal(node.data, [2.0, 4.0])
    leaf = copy.copy(a)
    assert leaf is not a and leaf.data is a.data and leaf.is_leaf and leaf.requires_grad
