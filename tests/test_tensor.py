"""Tensor specifics: dtypes, broadcasting, shapes, comparisons, and bad input."""

import numpy as np
import pytest

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
    assert repr(x) == "Tensor([[1., 2., 3.]], requires_grad=True)"
    assert repr(x.sum()) == "Tensor(6., op='sum')"
    assert repr(Tensor(np.zeros(2, np.float32))) == "Tensor([0., 0.], dtype=float32)"


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
