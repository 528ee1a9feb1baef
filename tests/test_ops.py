"""One table of ops, run over Value and Tensor through gradcheck and gradgradcheck.

Hypothesis chooses the values and, for Tensors, broadcast-compatible shapes. Each
op's forward is also compared with numpy on the same numbers.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import microgd as mg
from microgd import Tensor, Value, array_ops

SETTINGS = settings(max_examples=15, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

# Domains keep finite differences meaningful: away from kinks, poles and log(<=0).
ANY = (-2.0, 2.0)
POSITIVE = (0.2, 2.0)


def away_from_zero(x):
    return np.all(np.abs(x) > 0.1)


# name: (function on nodes, numpy reference, domain, filter)
UNARY = {
    "neg": (lambda x: -x, np.negative, ANY, None),
    "exp": (lambda x: x.exp(), np.exp, ANY, None),
    "log": (lambda x: x.log(), np.log, POSITIVE, None),
    "tanh": (lambda x: x.tanh(), np.tanh, ANY, None),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: 1 / (1 + np.exp(-x)), ANY, None),
    "relu": (lambda x: x.relu(), lambda x: np.maximum(x, 0), ANY, away_from_zero),
    "square": (lambda x: x ** 2, np.square, ANY, None),
    "cube": (lambda x: x ** 3, lambda x: x ** 3, ANY, None),
    "sqrt": (lambda x: x ** 0.5, np.sqrt, POSITIVE, None),
    "inverse": (lambda x: x ** -1, lambda x: 1 / x, ANY, away_from_zero),
    "x*x": (lambda x: x * x, np.square, ANY, None),
    "radd": (lambda x: 2 + x, lambda x: 2 + x, ANY, None),
    "rsub": (lambda x: 1 - x, lambda x: 1 - x, ANY, None),
    "rmul": (lambda x: 3 * x, lambda x: 3 * x, ANY, None),
    "rdiv": (lambda x: 1 / x, lambda x: 1 / x, ANY, away_from_zero),
    "rpow": (lambda x: 2 ** x, lambda x: 2.0 ** x, ANY, None),
    "neuron": (lambda x: (x * 0.5 + 0.1).tanh() * x, lambda x: np.tanh(x * 0.5 + 0.1) * x,
               ANY, None),
    "abs": (lambda x: x.abs(), np.abs, ANY, away_from_zero),
    "sqrt()": (lambda x: x.sqrt(), np.sqrt, POSITIVE, None),
    "sin": (lambda x: x.sin(), np.sin, ANY, None),
    "cos": (lambda x: x.cos(), np.cos, ANY, None),
    "softplus": (lambda x: x.softplus(), lambda x: np.logaddexp(0, x), ANY, None),
    "clamp": (lambda x: x.clamp(-0.5, 1.0), lambda x: np.clip(x, -0.5, 1.0), ANY,
              lambda x: np.all((np.abs(x + 0.5) > 0.1) & (np.abs(x - 1.0) > 0.1))),
    "clamp min": (lambda x: x.clamp(min=0.3) ** 2, lambda x: np.maximum(x, 0.3) ** 2, ANY,
                  lambda x: np.all(np.abs(x - 0.3) > 0.1)),
}


def apart(a, b):
    """Away from the kink of maximum/minimum (finite differences across it disagree)."""
    return np.all(np.abs(np.subtract(a, b)) > 0.1)

BINARY = {
    "add": (lambda a, b: a + b, np.add, ANY, ANY),
    "sub": (lambda a, b: a - b, np.subtract, ANY, ANY),
    "mul": (lambda a, b: a * b, np.multiply, ANY, ANY),
    "div": (lambda a, b: a / b, np.divide, ANY, POSITIVE),
    "pow": (lambda a, b: a ** b, np.power, POSITIVE, ANY),
    "a*b+a": (lambda a, b: a * b + a, lambda a, b: a * b + a, ANY, ANY),
    "reuse": (lambda a, b: (a * b) * (a * b) + a * b,
              lambda a, b: (a * b) ** 2 + a * b, ANY, ANY),
    "maximum": (lambda a, b: a.maximum(b) * a, lambda a, b: np.maximum(a, b) * a, ANY, ANY,
                apart),
    "minimum": (lambda a, b: a.minimum(b) * b, lambda a, b: np.minimum(a, b) * b, ANY, ANY,
                apart),
}


def floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def values(domain, flt=None):
    s = floats(*domain)
    return s if flt is None else s.filter(flt)


def arrays(shape, domain, flt=None):
    s = hnp.arrays(np.float64, shape, elements=floats(*domain))
    return s if flt is None else s.filter(flt)


small_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)


@pytest.mark.parametrize("name", UNARY)
@SETTINGS
@given(data=st.data())
def test_unary_value(name, data):
    fn, ref, domain, flt = UNARY[name]
    x = data.draw(values(domain, flt))
    out = fn(Value(x))
    assert out.data == pytest.approx(float(ref(np.float64(x))), rel=1e-12, abs=1e-12)
    assert mg.gradcheck(fn, [Value(x)])
    assert mg.gradgradcheck(fn, [Value(x)])


@pytest.mark.parametrize("name", UNARY)
@SETTINGS
@given(data=st.data())
def test_unary_tensor(name, data):
    fn, ref, domain, flt = UNARY[name]
    x = data.draw(arrays(data.draw(small_shapes), domain, flt))
    out = fn(Tensor(x, requires_grad=True))
    np.testing.assert_allclose(out.data, ref(x), rtol=1e-12, atol=1e-12)
    assert mg.gradcheck(fn, [Tensor(x, requires_grad=True)])
    assert mg.gradgradcheck(fn, [Tensor(x, requires_grad=True)])


@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(data=st.data())
def test_binary_value(name, data):
    fn, ref, dom_a, dom_b, *flt = BINARY[name]
    a, b = data.draw(values(dom_a)), data.draw(values(dom_b))
    assume(not flt or flt[0](a, b))
    assert fn(Value(a), Value(b)).data == pytest.approx(float(ref(a, b)), rel=1e-12, abs=1e-12)
    assert mg.gradcheck(fn, [Value(a), Value(b)])
    assert mg.gradgradcheck(fn, [Value(a), Value(b)])


@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(data=st.data())
def test_binary_tensor_broadcast(name, data):
    fn, ref, dom_a, dom_b, *flt = BINARY[name]
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
    a = data.draw(arrays(shapes.input_shapes[0], dom_a))
    b = data.draw(arrays(shapes.input_shapes[1], dom_b))
    assume(not flt or flt[0](a, b))
    out = fn(Tensor(a, requires_grad=True), Tensor(b, requires_grad=True))
    assert out.shape == shapes.result_shape
    np.testing.assert_allclose(out.data, ref(a, b), rtol=1e-12, atol=1e-12)
    inputs = [Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)]
    assert mg.gradcheck(fn, inputs)
    assert mg.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("name", BINARY)
def test_value_and_tensor_agree(name):
    """The same rule on both engines: Value gradients equal 0-d Tensor gradients."""
    fn = BINARY[name][0]
    a, b = Value(0.7), Value(1.3)
    fn(a, b).backward()
    ta, tb = Tensor(0.7, requires_grad=True), Tensor(1.3, requires_grad=True)
    fn(ta, tb).backward()
    assert a.grad == pytest.approx(float(ta.grad), rel=1e-14)
    assert b.grad == pytest.approx(float(tb.grad), rel=1e-14)


# --- Tensor-only ops -------------------------------------------------------------------

def matmul_shapes():
    """Pairs of shapes numpy's matmul accepts: 1-D, 2-D and batched with broadcasting."""
    n, k, m = (st.integers(1, 3) for _ in range(3))
    batch = hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=2)

    @st.composite
    def build(draw):
        nn_, kk, mm = draw(n), draw(k), draw(m)
        ba, bb = draw(batch).input_shapes
        kind = draw(st.sampled_from(["vv", "vm", "mv", "mm"]))
        a = (kk,) if kind[0] == "v" else ba + (nn_, kk)
        b = (kk,) if kind[1] == "v" else bb + (kk, mm)
        return a, b
    return build()


@SETTINGS
@given(data=st.data())
def test_matmul(data):
    sa, sb = data.draw(matmul_shapes())
    a, b = data.draw(arrays(sa, ANY)), data.draw(arrays(sb, ANY))
    out = Tensor(a) @ Tensor(b)
    np.testing.assert_allclose(out.data, a @ b, rtol=1e-12, atol=1e-12)
    fn = lambda x, y: (x @ y).tanh()  # noqa: E731 (a curve makes second derivatives non-zero)
    inputs = [Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)]
    assert mg.gradcheck(fn, inputs)
    assert mg.gradgradcheck(fn, inputs)


def axes_for(shape):
    nd = len(shape)
    if nd == 0:
        return st.just(None)
    single = st.integers(-nd, nd - 1)
    several = st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True).map(tuple)
    return st.one_of(st.none(), single, several)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min"])
@SETTINGS
@given(data=st.data())
def test_reductions(name, data):
    shape = data.draw(small_shapes)
    well_apart = lambda a: a.size < 2 or np.diff(np.sort(a, axis=None)).min() > 0.01  # noqa: E731
    x = data.draw(hnp.arrays(np.float64, shape, elements=floats(-2, 2)).filter(well_apart))
    axis = data.draw(axes_for(shape))
    keepdims = data.draw(st.booleans())
    fn = lambda t: getattr(t, name)(axis=axis, keepdims=keepdims) ** 2  # noqa: E731
    out = getattr(Tensor(x), name)(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.data, getattr(np, name)(x, axis=axis, keepdims=keepdims),
                               rtol=1e-12)
    assert mg.gradcheck(fn, [Tensor(x, requires_grad=True)])
    assert mg.gradgradcheck(fn, [Tensor(x, requires_grad=True)])


def test_max_ties_share_the_gradient():
    x = Tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5, 0.0])


SHAPE_OPS = {
    "reshape": lambda t: t.reshape(3, 2).exp(),
    "reshape -1": lambda t: t.reshape(-1).sigmoid(),
    "transpose": lambda t: t.transpose().tanh() * Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
    "T": lambda t: t.T @ t,
    "swapaxes": lambda t: t.swapaxes(0, 1).exp(),
    "slice": lambda t: t[:, 1:].tanh(),
    "int index": lambda t: t[1].exp(),
    "newaxis": lambda t: (t[None, :, 0] * t[:, None, 1]).exp(),
    "int array": lambda t: t[[0, 1, 1, 0], [2, 0, 0, 2]].exp(),
    "bool mask": lambda t: t[t.data > 0].exp(),
    "broadcast_to": lambda t: t[0].broadcast_to((4, 3)).tanh(),
    "astype": lambda t: t.astype(np.float32).astype(np.float64).exp(),
    "where": lambda t: mg.where(t.data > 0, t, t * t).exp(),
    "where number": lambda t: mg.where(t.data > 0, 0.5, t).exp() + mg.where(t.data < 0, t, 2.0),
    "cat": lambda t: mg.cat([t, t.sin(), t[:, :1]], dim=1).tanh(),
    "cat five": lambda t: mg.cat([t, t * 2.0, t[:1], t.exp(), t], dim=0).tanh(),
    "stack": lambda t: mg.stack([t, t.cos()], dim=1).exp(),
    "stack last": lambda t: mg.stack([t, t * t, t, t.sin(), t], dim=-1).tanh(),
    "view": lambda t: t.view(3, 2).exp(),
    "flatten ravel": lambda t: t.flatten().exp() + t[None].flatten(1).sin() + t.ravel() ** 2,
    "squeeze unsqueeze": lambda t: t.unsqueeze(1).squeeze().exp() + t[None].squeeze(0).sin(),
    "permute": lambda t: t[None].permute(2, 0, 1).exp(),
    "transpose dims": lambda t: t.transpose(0, 1).tanh() * Tensor([[1.0, 2.0], [3.0, 4.0],
                                                                   [5.0, 6.0]]),
    "t": lambda t: t.t() @ t.sin(),
    "expand": lambda t: t[:, :1].expand(-1, 4).tanh() + t[0].expand(2, 3).sin().sum(),
    "contiguous clone": lambda t: t.contiguous().clone().exp(),
    "float double": lambda t: t.float().double().exp(),
    "max dim": lambda t: t.max(1).values.exp()[:, None] + t.min(0, keepdim=True).values.sin(),
    "var std": lambda t: t.var(1) + t.std() * t.var(0, keepdim=True, correction=0).sum(),
    "norm": lambda t: t.norm() + t.norm(dim=1) ** 2 + t.norm(p=3, dim=0).sum(),
    "norm 1 inf": lambda t: t.norm(p=1) * t.norm(p=float("inf"), dim=1),
    "norm p < 2": lambda t: t.norm(p=0.5, dim=1) + t.norm(p=1.5) * t.norm(p=-float("inf")),
    "softmax": lambda t: t.softmax(1) * t.log_softmax(dim=0),
    "pow": lambda t: t.pow(3) + t.exp().pow(t),
    "iterate": lambda t: mg.stack([row.exp() for row in t]),
}


@pytest.mark.parametrize("name", SHAPE_OPS)
def test_shape_ops(name):
    x = Tensor(np.array([[0.3, -1.2, 0.8], [1.1, 0.4, -0.5]]), requires_grad=True)
    if name in ("astype", "float double"):  # float32 on the way: steps well above its resolution
        assert mg.gradcheck(SHAPE_OPS[name], [x], eps=1e-3, rtol=1e-2)
        return
    assert mg.gradcheck(SHAPE_OPS[name], [x])
    assert mg.gradgradcheck(SHAPE_OPS[name], [x])


def test_every_method_op_is_in_the_op_table():
    tested = {name.rstrip("()") for name in UNARY}
    assert {op.method for op in mg.ops.METHODS} <= tested


def test_an_op_is_a_function_on_floats_arrays_and_nodes():
    cos = mg.ops.COS
    assert cos(0.5) == math.cos(0.5)
    np.testing.assert_array_equal(cos(np.array([0.5, 1.0])), np.cos([0.5, 1.0]))
    assert cos(Value(0.5)).op == "cos" and cos(Tensor([0.5], requires_grad=True)).op == "cos"


def test_maximum_and_minimum_split_ties_like_max():
    a, b = Tensor([1.0, 2.0, 3.0], requires_grad=True), Tensor([1.0, 5.0, 0.0],
                                                                  requires_grad=True)
    (a.maximum(b) + 2.0 * a.minimum(b)).sum().backward()
    np.testing.assert_array_equal(a.grad, [1.5, 2.0, 1.0])
    np.testing.assert_array_equal(b.grad, [1.5, 1.0, 2.0])
    x, y = Value(2.0), Value(2.0)
    x.maximum(y).backward()
    assert (x.grad, y.grad) == (0.5, 0.5)


def test_clamp_passes_the_gradient_at_its_bounds_and_abs_has_none_at_zero():
    # PyTorch: clamp's gradient is 1 on [min, max] (bounds included); d|x|/dx = sign(x).
    x = Tensor([-2.0, -1.0, 0.0, 1.0, 2.0], requires_grad=True)
    (x.clamp(-1.0, 1.0) + x.abs()).sum().backward()
    np.testing.assert_array_equal(x.grad, [-1.0, 0.0, 1.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="at least one of min and max"):
        x.clamp()
    with pytest.raises(TypeError, match="clamp: min must be a number or None, got str"):
        x.clamp("0")


def test_tensor_only_ops_refuse_values():
    with pytest.raises(TypeError, match="works on Tensors, not on Values"):
        Value(1.0)._apply1(mg.array_ops.SUM, Value(1.0), (None, False))


def test_cat_stack_where_check_their_inputs():
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((2, 4)))
    assert mg.cat([a, b], dim=1).shape == (2, 7) and mg.cat([a, b], dim=-1).shape == (2, 7)
    assert mg.stack([a, a], dim=2).shape == (2, 3, 2)
    with pytest.raises(ValueError, match=r"cat: tensors\[1\] has shape \(2, 4\).*dimension 0"):
        mg.cat([a, b])
    with pytest.raises(ValueError, match="stack expects each tensor to be equal size"):
        mg.stack([a, b])
    with pytest.raises(TypeError, match="expected a list or tuple of Tensors, got Tensor"):
        mg.cat(a)
    with pytest.raises(ValueError, match="non-empty"):
        mg.stack([])
    with pytest.raises(TypeError, match=r"tensors\[1\] must be a Tensor, got list"):
        mg.stack([a, [1.0]])
    with pytest.raises(TypeError, match="condition must be boolean"):
        mg.where(a.data, a, b)
    with pytest.raises(ValueError, match="cannot be broadcast"):
        mg.where(np.ones((2, 3), bool), a, b)


def test_repeated_integer_indices_accumulate():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


# --- closed forms --------------------------------------------------------------------------

def test_closed_form_neuron():
    """d tanh(w*x + b) / dw = x (1 - tanh^2), by hand."""
    x, w, b = Value(0.5), Value(-1.5), Value(0.3)
    out = (w * x + b).tanh()
    out.backward()
    t = math.tanh(-1.5 * 0.5 + 0.3)
    assert w.grad == pytest.approx(0.5 * (1 - t * t), rel=1e-15)
    assert b.grad == pytest.approx(1 - t * t, rel=1e-15)
    assert x.grad == pytest.approx(-1.5 * (1 - t * t), rel=1e-15)


def test_closed_form_lesson_mse():
    """The lesson's hand-derived gradient of mean((a*x + b - y)^2)."""
    rng = np.random.default_rng(1)
    x, y = rng.random(30), 3 * rng.random(30) + 8
    a, b = Tensor(-1.0, requires_grad=True), Tensor(1.0, requires_grad=True)
    ((a * Tensor(x) + b - Tensor(y)) ** 2).mean().backward()
    dydb = 2 * (-1.0 * x + 1.0 - y)
    assert float(a.grad) == pytest.approx((x * dydb).mean(), rel=1e-12)
    assert float(b.grad) == pytest.approx(dydb.mean(), rel=1e-12)


def test_second_derivative_closed_form():
    """d2/dx2 of x^3 is 6x; d2/dx2 of tanh is -2 tanh (1 - tanh^2)."""
    x = Value(0.7)
    (g,) = mg.grad(x ** 3, [x], create_graph=True)
    g.backward()
    assert g.data == pytest.approx(3 * 0.49)
    assert x.grad == pytest.approx(6 * 0.7)
    t = Tensor([0.2, -1.0], requires_grad=True)
    (g,) = mg.grad(t.tanh().sum(), [t], create_graph=True)
    (h,) = mg.grad(g.sum(), [t])
    th = np.tanh(t.data)
    np.testing.assert_allclose(h, -2 * th * (1 - th ** 2), rtol=1e-12)


# --- fused layers ---------------------------------------------------------------------------

@pytest.mark.parametrize("x_shape", [(4,), (5, 4), (2, 3, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_its_composition(x_shape, bias):
    from microgd.functions import linear
    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=x_shape), requires_grad=True)
    w = Tensor(rng.normal(size=(3, 4)), requires_grad=True)
    b = Tensor(rng.normal(size=3), requires_grad=True) if bias else None
    inputs = [x, w] + ([b] if bias else [])
    fn = lambda x, w, b=None: linear(x, w, b).tanh()  # noqa: E731
    composed = x @ w.T + (b if bias else 0.0)
    np.testing.assert_allclose(linear(x, w, b).data, composed.data, rtol=1e-14)
    assert mg.gradcheck(fn, inputs)
    assert mg.gradgradcheck(fn, inputs)


def test_linear_bad_shapes():
    from microgd.functions import linear
    w = Tensor(np.ones((3, 4)))
    with pytest.raises(ValueError,
                       match=r"expected input of shape \(\.\.\., 4\) .* got shape \(2, 5\)"):
        linear(Tensor(np.ones((2, 5))), w)
    with pytest.raises(ValueError, match=r"bias must have shape \(3,\) .* got shape \(4,\)"):
        linear(Tensor(np.ones(4)), w, Tensor(np.ones(4)))
    with pytest.raises(TypeError, match="weight must be a Tensor, got ndarray"):
        linear(Tensor(np.ones(4)), np.ones((3, 4)))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_mse_matches_its_composition(reduction, dtype):
    from microgd.nn import functional as F
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 3)).astype(dtype), rng.normal(size=(5, 3)).astype(dtype)
    loss = F.mse_loss(Tensor(a, requires_grad=True), Tensor(b), reduction=reduction)
    assert loss.op == "mse" and loss.dtype == dtype
    composed = getattr((Tensor(a) - Tensor(b)) ** 2, reduction)()
    np.testing.assert_allclose(loss.data, composed.data, rtol=1e-6)
    fn = lambda x, y: F.mse_loss(x.tanh(), y, reduction=reduction)  # noqa: E731
    inputs = [Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)]
    assert mg.gradcheck(fn, inputs)
    assert mg.gradgradcheck(fn, inputs)


# --- the optimized paths give the numbers of the plain rules -----------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_layers_match_composed_gradients(dtype):
    """nn.Linear and mse_loss are single nodes; their gradients equal the composed ops'."""
    from microgd import nn
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(6, 4)).astype(dtype), rng.normal(size=(6, 2)).astype(dtype)
    grads = []
    for fused in (True, False):
        model = nn.Linear(4, 2, dtype=dtype)
        model.load_state_dict({"weight": np.arange(8.0).reshape(2, 4) / 8,
                               "bias": np.array([0.5, -0.5])})
        if fused:
            loss = nn.functional.mse_loss(model(Tensor(x)), Tensor(y))
        else:
            loss = ((Tensor(x) @ model.weight.T + model.bias - Tensor(y)) ** 2).mean()
        loss.backward()
        assert loss.dtype == dtype and model.weight.grad.dtype == dtype
        grads.append((loss.item(), model.weight.grad, model.bias.grad))
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for fused, composed in zip(*grads):
        np.testing.assert_allclose(fused, composed, rtol=tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shapes", [((5, 1), (1, 4)), ((3, 5, 1), (1, 4)), ((5, 1), (2, 1, 4)),
                                    ((1, 1), (1, 1)), ((5, 2), (2, 4))])
def test_outer_products_give_matmuls_numbers(dtype, shapes):
    rng = np.random.default_rng(0)
    a, b = (rng.normal(size=s).astype(dtype) for s in shapes)
    got, want = array_ops.matmul(a, b), np.matmul(a, b)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError):  # still refused when the inner dimensions differ
        array_ops.matmul(np.ones(shapes[0][:-1] + (1,)), np.ones((3, 4)))


@pytest.mark.parametrize("sizes", [(1, 3), (3, 1), (1, 1)])
@pytest.mark.parametrize("batch", [1, 4])
def test_linear_with_an_inner_dimension_of_one(sizes, batch):
    # in_features 1 (forward), out_features 1 (d/dx) or one sample (d/dW): outer products
    from microgd.functions import linear
    rng = np.random.default_rng(1)
    n_in, n_out = sizes
    x = Tensor(rng.normal(size=(batch, n_in)), requires_grad=True)
    w = Tensor(rng.normal(size=(n_out, n_in)), requires_grad=True)
    b = Tensor(rng.normal(size=n_out), requires_grad=True)
    fn = lambda x, w, b: linear(x, w, b).tanh()  # noqa: E731
    assert mg.gradcheck(fn, [x, w, b])
    assert mg.gradgradcheck(fn, [x, w, b])
    fn = lambda x, w: (x @ w.T).tanh()  # noqa: E731
    assert mg.gradcheck(fn, [x, w])


def test_scalar_fast_path_matches_the_general_path():
    """Plain backward spells out + - * on the tape; create_graph runs the ops' VJPs."""
    def f(a, b, c):
        return ((a * b + c) / (a - c)).tanh() * (b ** c) + (a * a).relu()
    xs = [Value(0.7), Value(1.3), Value(-0.4)]
    f(*xs).backward()
    fast = [x.grad for x in xs]
    general = mg.grad(f(*xs), xs, create_graph=True)
    np.testing.assert_allclose(fast, [g.data for g in general], rtol=1e-12)


# --- IEEE results and limits at 0, on Values as on Tensors ------------------------------------

def _grads_on_both(fn, *xs):
    """d fn / d inputs at the numbers xs, on Values and on 0-d Tensors."""
    values = [Value(x) for x in xs]
    fn(*values).backward()
    tensors = [Tensor(x, requires_grad=True) for x in xs]
    with np.errstate(all="ignore"):
        fn(*tensors).backward()
    return [v.grad for v in values], [float(t.grad) for t in tensors]


@pytest.mark.parametrize("name, fn, xs, expected", [
    ("log at 0", lambda x: x.log(), [0.0], [math.inf]),
    ("1/x at 0", lambda x: 1 / x, [0.0], [-math.inf]),
    ("x/x at 0", lambda x: x / x, [0.0], [math.nan]),
    ("sqrt at 0", lambda x: x.sqrt(), [0.0], [math.inf]),
    ("x**0 at 0", lambda x: x ** 0, [0.0], [0.0]),
    ("0**y", lambda x, y: x ** y, [0.0, 2.0], [0.0, 0.0]),
    ("0**0", lambda x, y: x ** y, [0.0, 0.0], [0.0, 0.0]),
    ("x**0.5 at 0", lambda x: x ** 0.5, [0.0], [math.inf]),
])
def test_values_follow_ieee_and_the_limits_pytorch_takes(name, fn, xs, expected):
    on_values, on_tensors = _grads_on_both(fn, *xs)
    np.testing.assert_array_equal(on_values, expected)
    np.testing.assert_array_equal(on_tensors, expected)


@pytest.mark.parametrize("make", [Value, lambda x: Tensor(x, requires_grad=True)],
                         ids=["Value", "Tensor"])
def test_higher_derivatives_of_powers_at_zero(make):
    x = make(0.0)
    (d1,) = mg.grad(x ** 1, [x], create_graph=True)
    (d2,) = mg.grad(d1, [x], create_graph=True, allow_unused=True)
    assert d2 is None or float(mg.ops.data_of(d2)) == 0.0
    y = make(0.0)
    (d1,) = mg.grad(y ** 2, [y], create_graph=True)
    (d2,) = mg.grad(d1, [y], create_graph=True)
    (d3,) = mg.grad(d2, [y], allow_unused=True)
    assert float(mg.ops.data_of(d2)) == 2.0 and (d3 is None or float(mg.ops.data_of(d3)) == 0.0)


def test_a_value_made_from_numpy_data_differentiates_twice_through_relu():
    x = Value(np.float64(2.0))
    assert type(x.data) is float
    (g,) = mg.grad((x * x).relu(), [x], create_graph=True)
    (gg,) = mg.grad(g, [x])
    assert (g.data, gg) == (4.0, 2.0)


def test_binary_cross_entropy_op():
    p = Tensor([0.2, 0.5, 0.9], requires_grad=True)
    t = Tensor([0.0, 1.0, 0.3], requires_grad=True)
    fn = mg.array_ops.BINARY_CROSS_ENTROPY
    expected = -(t.data * np.log(p.data) + (1 - t.data) * np.log(1 - p.data))
    np.testing.assert_allclose(fn(p, t).data, expected, rtol=1e-12)
    assert mg.gradcheck(lambda p, t: fn(p, t), [p, t])
    assert mg.gradgradcheck(lambda p, t: fn(p, t), [p, t])
