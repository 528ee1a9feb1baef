"""The top-level functions (mg.sin(x), mg.sum(x, 0)...) are the Tensor methods."""

import numpy as np
import pytest

import microgd as mg
from microgd import Tensor

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])


def _x():
    return mg.tensor(X, requires_grad=True)


@pytest.mark.parametrize("name, args, expected", [
    ("sin", (), np.sin(X)), ("cos", (), np.cos(X)), ("exp", (), np.exp(X)),
    ("tanh", (), np.tanh(X)), ("sigmoid", (), 1 / (1 + np.exp(-X))),
    ("relu", (), np.maximum(X, 0)), ("abs", (), np.abs(X)),
    ("clamp", (-0.5, 0.5), np.clip(X, -0.5, 0.5)),
    ("maximum", (Tensor(X[1]),), np.maximum(X, X[1])),
    ("sum", (), X.sum()), ("sum", (0,), X.sum(0)), ("mean", (1,), X.mean(1)),
    ("max", (), X.max()), ("min", (), X.min()), ("reshape", ((3, 2),), X.reshape(3, 2)),
])
def test_a_function_is_its_method(name, args, expected):
    x = _x()
    got = getattr(mg, name)(x, *args)
    want = getattr(x, name)(*args)
    assert got.op == want.op != ""
    np.testing.assert_array_equal(got.data, want.data)
    np.testing.assert_allclose(got.data, expected)


def test_the_gradient_flows_through_a_function():
    x = _x()
    mg.sum(mg.sin(x) * mg.sqrt(mg.abs(x))).backward()
    want = np.cos(X) * np.sqrt(np.abs(X)) + np.sin(X) * np.sign(X) / (2 * np.sqrt(np.abs(X)))
    np.testing.assert_allclose(x.grad.data, want)
    assert mg.gradcheck(lambda t: mg.log(mg.exp(t) + 1), [_x()])


def test_max_and_min_of_two_tensors_are_elementwise():
    a, b = mg.tensor([1.0, 5.0]), mg.tensor([3.0, 2.0])
    assert mg.max(a, b).tolist() == [3.0, 5.0] and mg.min(a, b).tolist() == [1.0, 2.0]
    assert mg.maximum(a, b).tolist() == [3.0, 5.0] and mg.minimum(a, b).tolist() == [1.0, 2.0]


def test_pow_of_a_number_and_a_tensor():
    x = _x()
    mg.pow(2.0, x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2.0 ** X * np.log(2.0))


def test_transpose_swaps_two_dimensions_as_pytorchs():
    x = mg.zeros(2, 3, 4)
    assert mg.transpose(x, 0, 2).shape == (4, 3, 2)
    assert mg.transpose(x, -1, 1).shape == (2, 4, 3)


def test_matmul_and_mm():
    a, b = mg.tensor([[1.0, 2.0]]), mg.tensor([[3.0], [4.0]])
    assert mg.matmul(a, b).tolist() == [[11.0]] and mg.mm(a, b).tolist() == [[11.0]]
    assert mg.matmul(mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0])).item() == 11.0
    with pytest.raises(RuntimeError, match=r"mm: mat2 must be a matrix \(2-D\), got shape "
                                           r"\(2,\) \(mg.matmul takes 1-D"):
        mg.mm(a, mg.tensor([1.0, 2.0]))


def test_allclose_equal_is_tensor():
    a = mg.tensor([1.0, 2.0])
    assert mg.allclose(a, a + 1e-9) and not mg.allclose(a, a + 1e-3)
    assert mg.allclose(a, a + 1e-3, atol=1e-2) and mg.allclose(a, a * 1.001, rtol=1e-2)
    nan = mg.tensor([float("nan")])
    assert not mg.allclose(nan, nan) and mg.allclose(nan, nan, equal_nan=True)
    assert mg.equal(a, mg.tensor([1.0, 2.0])) and not mg.equal(a, mg.tensor([1.0]))
    assert not mg.equal(a, mg.tensor([1.0, 3.0]))
    assert mg.is_tensor(a) and mg.is_tensor(mg.nn.Parameter(a)) and not mg.is_tensor(X)
    with pytest.raises(RuntimeError, match=r"allclose: shapes \(2,\) and \(3,\) cannot be"):
        mg.allclose(a, mg.zeros(3))


@pytest.mark.parametrize("call, message", [
    (lambda: mg.sin([1.0]), r"sin\(\): argument 'input' must be a Tensor, not list "
                            r"\(make one with mg.tensor\(...\)\)"),
    (lambda: mg.sum(X), "sum\\(\\): argument 'input' must be a Tensor, not ndarray"),
    (lambda: mg.max(3.0), "max\\(\\): argument 'input' must be a Tensor, not float"),
    (lambda: mg.mm([[1.0]], mg.zeros(1, 1)), "mm\\(\\): argument 'input' must be a Tensor"),
    (lambda: mg.allclose(mg.zeros(1), [0.0]), "allclose\\(\\): argument 'input' must be"),
])
def test_a_non_tensor_is_a_type_error(call, message):
    with pytest.raises(TypeError, match=message):
        call()


def test_import_microgd_as_torch_finds_pytorchs_names():
    import microgd as torch
    assert torch.Tensor is Tensor and torch.float32 == np.float32 and torch.long == np.int64
    assert torch.float == np.float32 and torch.double == np.float64
    assert not torch.cuda.is_available() and torch.cuda.device_count() == 0
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert str(device) == "cpu" and torch.zeros(2, device=device).shape == (2,)
    torch.manual_seed(0)
    with torch.no_grad():
        assert not (torch.ones(1, requires_grad=True) * 2).requires_grad
    for module in (torch.nn, torch.optim, torch.utils.data, torch.nn.functional):
        assert module.__name__.startswith("microgd.")
    assert torch.utils.data.DataLoader and torch.optim.SGD and torch.nn.Linear


# The methods that arrive with the Tensor-methods branch (issue 11): these run once it is in.
def _needs(name):
    return pytest.mark.skipif(not hasattr(Tensor, name), reason=f"Tensor.{name} not merged yet")


@pytest.mark.parametrize("name, args, expected", [
    pytest.param("pow", (3,), X ** 3, marks=_needs("pow")),
    pytest.param("argmax", (), np.argmax(X), marks=_needs("argmax")),
    pytest.param("argmin", (1,), np.argmin(X, 1), marks=_needs("argmin")),
    pytest.param("std", (), X.std(ddof=1), marks=_needs("std")),
    pytest.param("var", (0,), X.var(0, ddof=1), marks=_needs("var")),
    pytest.param("norm", (), np.sqrt((X ** 2).sum()), marks=_needs("norm")),
    pytest.param("softmax", (1,), np.exp(X) / np.exp(X).sum(1, keepdims=True),
                 marks=_needs("softmax")),
    pytest.param("log_softmax", (1,), X - np.log(np.exp(X).sum(1, keepdims=True)),
                 marks=_needs("log_softmax")),
    pytest.param("flatten", (), X.reshape(-1), marks=_needs("flatten")),
    pytest.param("unsqueeze", (0,), X[None], marks=_needs("unsqueeze")),
    pytest.param("permute", ((1, 0),), X.T, marks=_needs("permute")),
    pytest.param("clone", (), X, marks=_needs("clone")),
])
def test_the_methods_of_the_other_branch(name, args, expected):
    got = getattr(mg, name)(_x(), *args)
    np.testing.assert_allclose(got.data, expected)


@_needs("squeeze")
def test_squeeze_and_numel():
    x = mg.zeros(2, 1, 3)
    assert mg.squeeze(x).shape == (2, 3) and mg.squeeze(x, 1).shape == (2, 3)
    assert mg.numel(x) == 6
