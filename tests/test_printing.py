"""Tensors print as PyTorch prints them: the same text as torch's repr (float32 default)."""

import pathlib

import numpy as np
import pytest

import microgd as mg
from microgd import array_ops, ops
from microgd.nn import functional as F
from microgd.grad_fn import BACKWARD_NAMES, backward_name


@pytest.fixture
def float32_default():
    mg.set_default_dtype(mg.float32)
    yield
    mg.set_default_dtype(mg.float64)


# --- without PyTorch: the lessons' outputs, and the rules -------------------------------------

def test_the_lessons_outputs(float32_default):
    x = mg.tensor([[-0.1957, 1.0], [0.1826, 1.0]])
    assert repr(x) == "tensor([[-0.1957,  1.0000],\n        [ 0.1826,  1.0000]])"
    assert repr(mg.tensor(3., 2)) == "tensor([3., 2.])"
    a = mg.nn.Parameter(mg.tensor(-1., 1))
    assert repr(a) == "Parameter containing:\ntensor([-1.,  1.], requires_grad=True)"
    loss = ((mg.tensor([1.0, 2.0]) - a) ** 2).mean()
    assert str(loss) == "tensor(2.5000, grad_fn=<MeanBackward0>)"


def test_ints_bools_and_the_dtype_suffix():
    assert repr(mg.tensor([1, -20, 3])) == "tensor([  1, -20,   3])"
    assert repr(mg.tensor([[True], [False]])) == "tensor([[ True],\n        [False]])"
    assert repr(mg.tensor([1, 2], dtype=mg.int32)) == "tensor([1, 2], dtype=torch.int32)"
    # float64 is microgd's default dtype: no suffix; float32 then gets one
    assert repr(mg.tensor([0.5])) == "tensor([0.5000])"
    assert repr(mg.tensor([0.5], dtype=mg.float32)) == "tensor([0.5000], dtype=torch.float32)"


def test_special_values_and_scientific_notation():
    assert repr(mg.tensor([1.0, float("nan"), -float("inf")])) == "tensor([1., nan, -inf])"
    assert repr(mg.tensor([1e-5, 1.0])) == "tensor([1.0000e-05, 1.0000e+00])"
    assert repr(mg.tensor([1.0, 1001.0])) == "tensor([1.0000e+00, 1.0010e+03])"
    assert repr(mg.tensor(0.0)) == "tensor(0.)"
    assert repr(mg.zeros(0, 3)) == "tensor([], size=(0, 3))"
    assert repr(mg.zeros(0, dtype=mg.long)) == "tensor([], dtype=torch.int64)"


def test_summary_above_1000_elements():
    text = repr(mg.arange(1001))
    assert text == "tensor([   0,    1,    2,  ...,  998,  999, 1000])"
    assert repr(mg.arange(1000)).count("\n") == 71  # all of them, 14 on a line


def test_grad_fn_and_requires_grad():
    x = mg.tensor([[1.0, 2.0]], requires_grad=True)
    assert repr(x) == "tensor([[1., 2.]], requires_grad=True)"
    assert repr(x.sum()) == "tensor(3., grad_fn=<SumBackward0>)"
    with mg.no_grad():
        assert repr(x.sum()) == "tensor(3.)"
    assert repr(x.detach()) == "tensor([[1., 2.]])"


def test_a_long_suffix_goes_on_its_own_line():
    x = mg.tensor([123456.5, -7.25, 0.125, 1.5, 2.5], dtype=mg.float32, requires_grad=True)
    assert repr(x) == ("tensor([ 1.2346e+05, -7.2500e+00,  1.2500e-01,  1.5000e+00,  "
                       "2.5000e+00],\n       dtype=torch.float32, requires_grad=True)")


def _ops_of(module):
    return {v.name for v in vars(module).values() if isinstance(v, ops.Op)}


def test_every_op_has_its_pytorch_name():
    missing = (_ops_of(ops) | _ops_of(array_ops)) - set(BACKWARD_NAMES)
    assert not missing, f"ops without a grad_fn name in grad_fn.BACKWARD_NAMES: {missing}"


def test_an_op_missing_from_the_table_gets_a_name_of_its_own(monkeypatch):
    y = mg.tensor([1.0], requires_grad=True).exp()
    monkeypatch.delitem(BACKWARD_NAMES, "exp")
    assert backward_name(y) == "ExpBackward0"
    assert backward_name(mg.tensor([1.0])) is None


# --- against PyTorch itself -------------------------------------------------------------------

def _arrays():
    rng = np.random.default_rng(0)
    f = np.float32
    return {
        "0-d": f(7.9356), "0-d negative": f(-0.5), "0-d zero": f(0.0), "0-d nan": f("nan"),
        "0-d big": f(1e10), "0-d small": f(1e-5), "0-d int": np.int64(7),
        "0-d bool": np.bool_(True), "lesson x": rng.uniform(-1, 1, (5, 2)).astype(f),
        "ones": np.ones((2, 3), f), "negative zero": np.array([-0.0, 1.0], f),
        "wide row": rng.standard_normal(30).astype(f),
        "wide matrix": rng.standard_normal((3, 30)).astype(f),
        "tall": rng.standard_normal((100, 2)).astype(f),
        "3-D": rng.standard_normal((2, 3, 4)).astype(f),
        "4-D": rng.standard_normal((2, 1, 2, 3)).astype(f),
        "summary 1-D": rng.standard_normal(2000).astype(f),
        "summary 2-D": rng.standard_normal((40, 40)).astype(f),
        "summary 3-D": rng.standard_normal((10, 10, 20)).astype(f),
        "summary narrow": rng.standard_normal((1001, 1)).astype(f),
        "big": np.array([1e9, 2.5], f), "small": np.array([1e-5, 0.5], f),
        "ratio 1000": np.array([1.0, 1000.0], f), "ratio > 1000": np.array([1.0, 1001.0], f),
        "int floats big": np.array([1e8, 1.0], f), "int floats huge": np.array([2e8, 1.0], f),
        "mixed magnitudes": (rng.standard_normal((4, 5)) * 10.0 ** rng.integers(-6, 6, (4, 5))
                             ).astype(f),
        "nan inf": np.array([np.nan, np.inf, -np.inf, 1.5], f),
        "nan inf ints": np.array([np.nan, np.inf, 2.0], f),
        "all nan": np.array([np.nan, np.nan], f), "zeros": np.zeros((2, 2), f),
        "ints": np.array([[1, -20], [300, 4]]), "many ints": np.arange(-600, 600),
        "int32": np.array([1, 2], np.int32), "uint8": np.array([[0, 255]], np.uint8),
        "bools": np.array([[True, False], [False, True]]),
        "many bools": rng.random(1500) > 0.5,
        "float64": rng.standard_normal((3, 8)),
        "float16": np.array([0.1, 2.0], np.float16),
        "empty": np.zeros(0, f), "empty 2-D": np.zeros((0, 3), f),
        "empty ints": np.zeros((2, 0), np.int64),
    }


ARRAYS = _arrays()


@pytest.mark.parametrize("name", list(ARRAYS))
def test_repr_equals_torchs(name, float32_default):
    torch = pytest.importorskip("torch")
    array = ARRAYS[name]
    for requires_grad in ([False, True] if array.dtype.kind == "f" else [False]):
        ours = mg.tensor(array, requires_grad=requires_grad)
        theirs = torch.tensor(array, requires_grad=requires_grad)
        assert repr(ours) == repr(theirs)
        assert str(ours) == str(theirs)


def _random_array(rng):
    shape = tuple(rng.integers(1, 12, rng.integers(0, 4)))
    kind = rng.integers(0, 4)
    if kind == 0:
        return rng.integers(-10 ** rng.integers(1, 12), 10 ** rng.integers(1, 12), shape)
    if kind == 1:
        return rng.random(shape) > 0.5
    a = rng.standard_normal(shape) * 10.0 ** rng.integers(-9, 9, shape if kind == 2 else ())
    if a.size > 2:
        a.flat[rng.integers(0, a.size, 2)] = rng.choice([np.nan, np.inf, -np.inf, 0.0], 2)
    return a.astype(rng.choice([np.float32, np.float64, np.float16]))


def test_repr_equals_torchs_on_random_arrays(float32_default):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    for _ in range(300):
        with np.errstate(over="ignore"):  # float16 overflows to inf, for torch as for us
            array = _random_array(rng)
        assert repr(mg.tensor(array)) == repr(torch.tensor(array)), array


def _graphs(lib, functional, softplus):
    """Nodes made by each op on the same numbers, in either library."""
    rng = np.random.default_rng(1)
    x = lib.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    v = lib.tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    b3 = lib.tensor(rng.standard_normal((2, 3, 4)).astype(np.float32), requires_grad=True)
    w = lib.tensor(rng.standard_normal((5, 4)).astype(np.float32), requires_grad=True)
    bias = lib.tensor(rng.standard_normal(5).astype(np.float32), requires_grad=True)
    return {
        "+": x + 1, "-": x - v, "*": x * 2, "/": x / 2, "** number": x ** 2,
        "** tensor": x.abs() ** x, "neg": -x, "exp": x.exp(), "log": x.abs().log(),
        "tanh": x.tanh(), "sigmoid": x.sigmoid(), "relu": x.relu(), "abs": x.abs(),
        "sqrt": x.abs().sqrt(), "sin": x.sin(), "cos": x.cos(),
        "softplus": softplus(x), "clamp": x.clamp(-0.5, 0.5),
        "maximum": x.maximum(x * 2), "minimum": x.minimum(x * 2),
        "where": lib.where(x > 0, x, v), "cat": lib.cat([x, x]), "stack": lib.stack([x, x]),
        "mm": x @ w.T, "mv": x @ v, "dot": v @ v, "vector @ matrix": v @ w.T,
        "batched": b3 @ w.T, "batched vector": b3 @ v,
        "linear": functional.linear(x, w, bias), "linear no bias": functional.linear(x, w),
        "linear 3-D": functional.linear(b3, w, bias),
        "linear 3-D no bias": functional.linear(b3, w),
        "mse": functional.mse_loss(x, x * 2), "sum": x.sum(), "sum axis": x.sum(0),
        "mean": x.mean(), "mean axes": x.mean((0, 1)), "max": x.max(), "min": x.min(),
        "reshape": x.reshape(4, 3), "reshape copy": x.T.reshape(12), "T": x.T,
        "[0]": x[0], "[1:]": x[1:], "[:, 0]": x[:, 0], "[0, 1:]": x[0, 1:],
        "[1:, 0]": x[1:, 0], "[:]": x[:], "[...]": x[...], "[None]": x[None],
        "[[0, 1]]": x[[0, 1]], "[..., 0]": x[..., 0], "broadcast_to": v.broadcast_to((3, 4)),
    }


def test_grad_fn_names_equal_torchs(float32_default):
    torch = pytest.importorskip("torch")
    ours, theirs = (_graphs(mg, F, mg.Tensor.softplus),
                     _graphs(torch, torch.nn.functional, torch.nn.functional.softplus))
    for name in ours:
        assert repr(ours[name]) == repr(theirs[name]), name


def test_a_cast_prints_torchs_name(float32_default):
    torch = pytest.importorskip("torch")
    x = np.array([1.5, 2.0], np.float32)
    ours = mg.tensor(x, requires_grad=True).astype(mg.float64)
    assert repr(ours) == repr(torch.tensor(x, requires_grad=True).double())


def test_the_default_dtype_decides_the_suffix_as_in_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([0.25, 1.5])
    torch.set_default_dtype(torch.float64)
    try:
        for dtype in (np.float32, np.float64):
            assert repr(mg.tensor(x.astype(dtype))) == repr(torch.tensor(x.astype(dtype)))
    finally:
        torch.set_default_dtype(torch.float32)


def test_the_readmes_from_pytorch_example(capsys, float32_default):
    readme = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = readme.split("## From PyTorch", 1)[1].split("```python\n", 1)[1].split("```")[0]
    exec(compile(block, "README From PyTorch", "exec"), {})
    expected = [line.split("# ", 1)[1] for line in block.splitlines() if line.startswith("print")]
    assert capsys.readouterr().out.splitlines() == expected
