"""Factories (mg.tensor, zeros, arange, randn...): PyTorch's shapes, dtypes and errors."""

import subprocess
import sys

import numpy as np
import pytest

import microgd as mg
from microgd import Tensor


@pytest.fixture
def float32_default():
    mg.set_default_dtype(mg.float32)
    yield
    mg.set_default_dtype(mg.float64)


# --- tensor: dtype inference as PyTorch's -----------------------------------------------------

@pytest.mark.parametrize("data, dtype", [
    (1, mg.int64), ([1, 2], mg.int64), (True, mg.bool), ([[True], [False]], mg.bool),
    (1.5, mg.float64), ([1, 2.5], mg.float64), ([True, 2], mg.int64),
    (np.array([1, 2], np.int32), mg.int32), (np.array([1.0], np.float32), mg.float32),
    (np.float32(2.0), mg.float32), (np.array([1, 0], np.uint8), mg.uint8),
])
def test_tensor_infers_the_dtype(data, dtype):
    t = mg.tensor(data)
    assert isinstance(t, Tensor) and t.dtype == dtype
    np.testing.assert_array_equal(t.data, np.asarray(data))


def test_python_floats_take_the_default_dtype(float32_default):
    assert mg.tensor([0.1, 2]).dtype == mg.float32
    assert mg.tensor(np.array([0.1])).dtype == mg.float64  # an array keeps its dtype
    assert mg.tensor([1, 2]).dtype == mg.int64


def test_fastais_several_numbers_make_a_vector():
    a = mg.tensor(3., 2)
    assert a.shape == (2,) and a.dtype == mg.float64 and a.tolist() == [3.0, 2.0]
    assert mg.tensor(1, 2, 3).dtype == mg.int64


def test_tensor_copies_and_detaches():
    array = np.array([1.0, 2.0])
    t = mg.tensor(array)
    array[0] = 5.0
    assert t.data[0] == 1.0
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = mg.tensor(x * 2)
    assert y.is_leaf and not y.requires_grad and y.tolist() == [2.0, 4.0]
    assert mg.tensor(mg.tensor([1, 2])).dtype == mg.int64


def test_tensor_dtype_and_requires_grad():
    t = mg.tensor([1, 2], dtype=mg.float32, requires_grad=True)
    assert t.dtype == mg.float32 and t.requires_grad and t.is_leaf
    assert mg.tensor([1.7], dtype="long").tolist() == [1]
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require"):
        mg.tensor([1, 2], requires_grad=True)


@pytest.mark.parametrize("call, error, message", [
    (lambda: mg.tensor("abc"), TypeError, "tensor data must be numeric, got str"),
    (lambda: mg.tensor([[1.0], [2.0, 3.0]]), ValueError, "rectangular nested list"),
    (lambda: mg.tensor([1j]), TypeError, "must be numeric"),
    (lambda: mg.tensor([1.0], dtype="float7"), TypeError, "unknown dtype 'float7'"),
    (lambda: mg.tensor([1.0], device="cuda"), RuntimeError, "CPU only"),
])
def test_tensor_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_tensor_accepts_the_cpu():
    assert mg.tensor([1.0], device="cpu").tolist() == [1.0]
    assert mg.zeros(2, device=mg.device("cpu")).shape == (2,)


# --- sharing: as_tensor and from_numpy --------------------------------------------------------

def test_from_numpy_shares_memory_both_ways():
    array = np.zeros(3, np.float32)
    t = mg.from_numpy(array)
    assert t.dtype == mg.float32 and t.data is array
    array[0] = 1.0
    assert t.tolist()[0] == 1.0
    t.add_(2.0)
    assert array.tolist() == [3.0, 2.0, 2.0]
    assert mg.from_numpy(np.arange(3)).dtype == mg.int64


@pytest.mark.parametrize("data, message", [
    ([1.0], "from_numpy: expected np.ndarray, got list"),
    (np.array(["a"]), "can't convert an array of dtype <U1"),
])
def test_from_numpy_errors(data, message):
    with pytest.raises(TypeError, match=message):
        mg.from_numpy(data)


def test_as_tensor_shares_when_it_can():
    array = np.ones(2)
    assert mg.as_tensor(array).data is array
    assert mg.as_tensor(array, dtype=mg.float32).data is not array
    t = mg.tensor([1.0])
    assert mg.as_tensor(t) is t
    assert mg.as_tensor(t, dtype=mg.float32).dtype == mg.float32
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = mg.as_tensor(x, dtype=mg.float32)
    y.sum().backward()
    assert y.dtype == mg.float32 and x.grad.tolist() == [1.0, 1.0]
    assert mg.as_tensor([1, 2]).dtype == mg.int64


# --- filled tensors ---------------------------------------------------------------------------

@pytest.mark.parametrize("factory, value", [(mg.zeros, 0.0), (mg.ones, 1.0)])
def test_zeros_and_ones(factory, value):
    for t in (factory(2, 3), factory((2, 3)), factory([2, 3])):
        assert t.shape == (2, 3) and t.dtype == mg.float64 and (t.data == value).all()
    assert factory().shape == ()
    assert factory(2, dtype=mg.long).dtype == mg.int64
    t = factory(2, requires_grad=True)
    assert t.requires_grad and t.is_leaf


def test_empty_and_eye():
    assert mg.empty(2, 3).shape == (2, 3) and mg.empty(2, dtype=mg.int32).dtype == mg.int32
    np.testing.assert_array_equal(mg.eye(2).data, [[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(mg.eye(2, 3, dtype=mg.long).data, [[1, 0, 0], [0, 1, 0]])


def test_full_infers_the_dtype_from_the_value():
    assert mg.full((2,), 7).dtype == mg.int64
    assert mg.full((2,), True).dtype == mg.bool
    t = mg.full([2, 2], 1.5)
    assert t.dtype == mg.float64 and (t.data == 1.5).all()
    assert mg.full((1,), 2, dtype=mg.float32).dtype == mg.float32


def test_like_factories_take_shape_and_dtype():
    x = mg.tensor([[1, 2, 3]], dtype=mg.int32)
    for t in (mg.zeros_like(x), mg.ones_like(x), mg.empty_like(x), mg.full_like(x, 4)):
        assert t.shape == (1, 3) and t.dtype == mg.int32
    assert mg.full_like(x, 4).tolist() == [[4, 4, 4]]
    y = mg.tensor([0.5, 1.5], dtype=mg.float32)
    for t in (mg.rand_like(y), mg.randn_like(y), mg.zeros_like(x, dtype=mg.float32)):
        assert t.dtype == mg.float32
    assert mg.ones_like(y, requires_grad=True).requires_grad


@pytest.mark.parametrize("call, error, message", [
    (lambda: mg.zeros(-1, 2), RuntimeError, r"negative dimension: size \[-1, 2\]"),
    (lambda: mg.ones(2.5), TypeError, r"size must be ints \(as ones\(2, 3\)"),
    (lambda: mg.zeros("3"), TypeError, "got str '3'"),
    (lambda: mg.zeros(2, dtype="complex"), TypeError, "unknown dtype 'complex'"),
    (lambda: mg.full((2,), "a"), TypeError, "fill_value must be a number, got str"),
    (lambda: mg.full(3, 1.0), TypeError, r"full: size must be a tuple or list of ints, as "
                                         r"full\(..., \(2, 3\)\) or \(5,\); got int 3"),
    (lambda: mg.eye(-2), ValueError, "eye: n must be a non-negative int, got -2"),
    (lambda: mg.zeros_like([1.0]), TypeError, "zeros_like: input must be a Tensor, got list"),
    (lambda: mg.rand_like(mg.tensor([1])), TypeError, "dtype must be float32 or float64, got "
                                                      "int64"),
    (lambda: mg.zeros(2, dtype=mg.long, requires_grad=True), RuntimeError,
     "zeros\\(requires_grad=True\\): only Tensors of floating point dtype"),
])
def test_filled_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- ranges -----------------------------------------------------------------------------------

def test_arange_as_pytorch():
    assert mg.arange(4).tolist() == [0, 1, 2, 3] and mg.arange(4).dtype == mg.int64
    assert mg.arange(1, 7, 2).tolist() == [1, 3, 5]
    t = mg.arange(0, 1, 0.25)
    assert t.dtype == mg.float64 and t.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert mg.arange(3, 0, -1).tolist() == [3, 2, 1]
    assert mg.arange(3, dtype=mg.float32).dtype == mg.float32


def test_linspace():
    t = mg.linspace(0, 1, 5)
    assert t.dtype == mg.float64 and t.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert mg.linspace(-1, 1, 3, dtype=mg.float32).dtype == mg.float32


@pytest.mark.parametrize("call, error, message", [
    (lambda: mg.arange(0, 5, 0), ValueError, "inconsistent with step sign"),
    (lambda: mg.arange(5, 0), ValueError, "start=5, end=0, step=1"),
    (lambda: mg.arange("5"), TypeError, "arange: end must be a number, got str"),
    (lambda: mg.linspace(0, 1, -1), ValueError, "steps must be a non-negative int, got -1"),
])
def test_range_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- random, from microgd's seeded generator ---------------------------------------------------

@pytest.mark.parametrize("factory", [mg.rand, mg.randn])
def test_rand_and_randn_are_seeded(factory):
    mg.manual_seed(0)
    first = factory(3, 4)
    mg.manual_seed(0)
    assert first.shape == (3, 4) and first.dtype == mg.float64
    np.testing.assert_array_equal(factory((3, 4)).data, first.data)
    assert factory(2, dtype=mg.float32, requires_grad=True).requires_grad


def test_random_numbers_have_their_distributions():
    mg.manual_seed(1)
    u, z = mg.rand(20000), mg.randn(20000)
    assert 0 <= u.data.min() and u.data.max() < 1 and abs(u.data.mean() - 0.5) < 0.01
    assert abs(z.data.mean()) < 0.03 and abs(z.data.std() - 1) < 0.03


def test_randint_and_randperm():
    mg.manual_seed(2)
    t = mg.randint(10, (1000,))
    assert t.dtype == mg.int64 and t.data.min() == 0 and t.data.max() == 9
    t = mg.randint(5, 8, size=(2, 3))
    assert t.shape == (2, 3) and set(t.tolist()[0] + t.tolist()[1]) <= {5, 6, 7}
    p = mg.randperm(10)
    assert p.dtype == mg.int64 and sorted(p.tolist()) == list(range(10))
    mg.manual_seed(2)
    first = mg.randperm(10).tolist()
    mg.manual_seed(2)
    assert mg.randperm(10).tolist() == first


@pytest.mark.parametrize("call, error, message", [
    (lambda: mg.rand(2, dtype=mg.long), TypeError, "rand: draws floating numbers"),
    (lambda: mg.randn(-2), RuntimeError, "randn: trying to create a tensor with a negative"),
    (lambda: mg.randint(10), TypeError, "randint: missing the size"),
    (lambda: mg.randint(3, 10), TypeError, "randint: size must be a tuple or list of ints"),
    (lambda: mg.randint(5, 5, (2,)), ValueError, "from=5 >= to=5"),
    (lambda: mg.randint(1.5, (2,)), TypeError, "randint: high must be an int, got float"),
    (lambda: mg.randperm(-1), ValueError, "randperm: n must be a non-negative int, got -1"),
])
def test_random_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- mg.tensor is the factory, whatever was imported first -------------------------------------

@pytest.mark.parametrize("imports", [
    "import microgd as torch",
    "import microgd.tensor; import microgd as torch",
    "from microgd.tensor import Tensor; import microgd as torch",
    "import microgd.nn; import microgd as torch",
    "from microgd import tensor; import microgd as torch; assert tensor is torch.tensor",
])
def test_mg_tensor_is_the_factory_after_any_import_order(imports):
    code = (f"{imports}\n"
            "import sys, types\n"
            "assert callable(torch.tensor) and torch.tensor([1.]).tolist() == [1.0]\n"
            "import microgd.tensor\n"
            "assert torch.tensor is torch.factories.tensor\n"
            "assert isinstance(sys.modules['microgd.tensor'], types.ModuleType)\n"
            "from microgd.tensor import Tensor\n"
            "assert Tensor is torch.Tensor\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_tensor_against_pytorch(float32_default):
    torch = pytest.importorskip("torch")
    for data in (1, 2.5, True, [1, 2], [1.0, 2], [True, False], [[1, 2], [3, 4.5]],
                 np.array([1, 2], np.int32), np.array([0.5], np.float64)):
        assert str(mg.tensor(data).dtype) == str(torch.tensor(data).dtype)[len("torch."):]
    pairs = [(mg.arange(5), torch.arange(5)), (mg.arange(0.5, 2), torch.arange(0.5, 2)),
             (mg.full((2,), 3), torch.full((2,), 3)), (mg.eye(2, 3), torch.eye(2, 3)),
             (mg.linspace(0, 1, 7), torch.linspace(0, 1, 7))]
    for ours, theirs in pairs:
        assert ours.shape == tuple(theirs.shape) and str(ours.dtype) in str(theirs.dtype)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-7)  # linspace: 1 ulp
    assert str(mg.randperm(4).dtype) in str(torch.randperm(4).dtype)
