"""Losses and softmax: values by hand, finite differences, stability, both engines, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microgd as mg
from microgd import Tensor, Value, nn
from microgd.nn import functional as F

RNG = np.random.default_rng(0)


def _t(shape, low=-2.0, high=2.0):
    return Tensor(RNG.uniform(low, high, size=shape), requires_grad=True)


# --- values by hand ------------------------------------------------------------------------

def test_softmax_and_log_softmax_by_hand():
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    e = np.exp(x)
    expected = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(F.softmax(Tensor(x)).data, expected, rtol=1e-14)
    np.testing.assert_allclose(F.log_softmax(Tensor(x)).data, np.log(expected), rtol=1e-14)
    np.testing.assert_allclose(F.softmax(Tensor(x), axis=0).data,
                               e / e.sum(axis=0, keepdims=True), rtol=1e-14)


def test_cross_entropy_by_hand():
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3], [1.0, 1.0, 1.0]])
    labels = np.array([0, 1, 2])
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    per_sample = -logp[np.arange(3), labels]
    assert F.cross_entropy(Tensor(logits), labels).item() == pytest.approx(per_sample.mean())
    assert F.cross_entropy(Tensor(logits), [0, 1, 2], reduction="sum").item() == pytest.approx(
        per_sample.sum())
    np.testing.assert_allclose(F.cross_entropy(Tensor(logits), labels, reduction="none").data,
                               per_sample)
    x = Tensor(logits, requires_grad=True)
    F.cross_entropy(x, labels).backward()
    softmax = np.exp(logp)
    np.testing.assert_allclose(x.grad, (softmax - np.eye(3)[labels]) / 3, rtol=1e-12)


def test_cross_entropy_accepts_labels_in_a_tensor():
    logits = Tensor([[0.0, 1.0], [1.0, 0.0]])
    assert F.cross_entropy(logits, Tensor([1, 0])).item() == pytest.approx(
        np.log(1 + np.exp(-1.0)))


def test_cross_entropy_is_stable_for_logits_of_a_thousand():
    x = Tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]], requires_grad=True)
    loss = F.cross_entropy(x, [1, 1], reduction="none")
    np.testing.assert_allclose(loss.data, [2000.0, np.log(2.0)], rtol=1e-12)
    loss.sum().backward()
    assert np.all(np.isfinite(x.grad))
    np.testing.assert_allclose(x.grad, [[1.0, -1.0, 0.0], [0.0, -0.5, 0.5]], atol=1e-12)
    logp = F.log_softmax(Tensor([[1000.0, -1000.0]]))
    np.testing.assert_allclose(logp.data, [[0.0, -2000.0]])
    np.testing.assert_allclose(F.softmax(Tensor([[1000.0, -1000.0]])).data, [[1.0, 0.0]])


def test_mse_loss_by_hand_and_reductions():
    a, b = np.array([1.0, 2.0, 4.0]), np.array([0.0, 2.0, 1.0])
    assert F.mse_loss(Tensor(a), b).item() == pytest.approx(10 / 3)
    assert F.mse_loss(Tensor(a), Tensor(b), reduction="sum").item() == 10.0
    np.testing.assert_array_equal(F.mse_loss(Tensor(a), b, reduction="none").data, [1, 0, 9])
    assert nn.MSELoss()(Tensor(a), b).item() == pytest.approx(10 / 3)
    assert nn.MSELoss(reduction="sum")(Tensor(a), b).item() == 10.0


def test_mse_loss_on_values_matches_tensors():
    xs = [Value(1.0), Value(2.0), Value(4.0)]
    loss = F.mse_loss(xs, [0.0, 2.0, 1.0])
    assert isinstance(loss, Value) and loss.data == pytest.approx(10 / 3)
    loss.backward()
    assert [x.grad for x in xs] == pytest.approx([2 / 3, 0.0, 2.0])
    assert F.mse_loss(Value(3.0), 1.0).data == 4.0
    assert F.mse_loss(xs, np.array([0.0, 2.0, 1.0]), reduction="sum").data == 10.0
    assert [v.data for v in F.mse_loss(xs, Tensor([0.0, 2.0, 1.0]), reduction="none")] == [
        1.0, 0.0, 9.0]


def test_binary_cross_entropy_by_hand_and_clamped_at_100():
    p, t = np.array([0.9, 0.2, 0.5]), np.array([1.0, 0.0, 1.0])
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    np.testing.assert_allclose(F.binary_cross_entropy(Tensor(p), t, reduction="none").data,
                               expected, rtol=1e-12)
    assert nn.BCELoss()(Tensor(p), t).item() == pytest.approx(expected.mean())
    x = Tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    loss = F.binary_cross_entropy(x, [0.0, 1.0, 1.0, 0.0], reduction="none")
    np.testing.assert_allclose(loss.data, [0.0, 0.0, 100.0, 100.0], atol=1e-12)
    loss.sum().backward()
    assert np.all(np.isfinite(x.grad))


def test_binary_cross_entropy_with_logits_matches_sigmoid_and_is_stable():
    x = np.array([-3.0, -0.5, 0.0, 0.7, 4.0])
    t = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    p = 1 / (1 + np.exp(-x))
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(Tensor(x), t, reduction="none").data, expected,
        rtol=1e-12)
    xt = Tensor(x, requires_grad=True)
    nn.BCEWithLogitsLoss(reduction="sum")(xt, t).backward()
    np.testing.assert_allclose(xt.grad, p - t, rtol=1e-12)          # sigmoid(x) - t, also at 0
    big = Tensor([1000.0, -1000.0], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(big, [0.0, 1.0], reduction="none")
    np.testing.assert_allclose(loss.data, [1000.0, 1000.0])
    loss.sum().backward()
    np.testing.assert_allclose(big.grad, [1.0, -1.0])


def test_hinge_loss_is_micrograds_svm_loss_on_both_engines():
    scores = np.array([0.5, -2.0, 1.5, 0.2])
    labels = np.array([1.0, -1.0, -1.0, -1.0])
    expected = np.maximum(0, 1 - labels * scores).mean()
    params = [Tensor([1.0, 2.0], requires_grad=True)]
    assert F.hinge_loss(Tensor(scores), labels).item() == pytest.approx(expected)
    assert F.hinge_loss(Tensor(scores), labels, params, alpha=0.1).item() == pytest.approx(
        expected + 0.1 * 5.0)
    values = [Value(s) for s in scores]
    value_params = [Value(1.0), Value(2.0)]
    loss = F.hinge_loss(values, labels.tolist(), value_params, alpha=0.1)
    assert loss.data == pytest.approx(expected + 0.5)
    loss.backward()
    by_hand = np.where(1 - labels * scores > 0, -labels, 0.0) / 4
    assert [v.grad for v in values] == pytest.approx(by_hand.tolist())
    assert [p.grad for p in value_params] == pytest.approx([0.2, 0.4])


# --- finite differences ------------------------------------------------------------------------

@pytest.mark.parametrize("name,fn,inputs", [
    ("softmax", lambda x: F.softmax(x), [_t((3, 4))]),
    ("softmax axis 0", lambda x: F.softmax(x, axis=0), [_t((3, 4))]),
    ("log_softmax", lambda x: F.log_softmax(x), [_t((3, 4))]),
    ("cross_entropy", lambda x: F.cross_entropy(x, [0, 3, 1]), [_t((3, 4))]),
    ("cross_entropy sum", lambda x: F.cross_entropy(x, [2, 2], reduction="sum"), [_t((2, 3))]),
    ("mse_loss", lambda x, y: F.mse_loss(x, y), [_t((4, 2)), _t((4, 2))]),
    ("mse_loss none", lambda x, y: F.mse_loss(x, y, reduction="none"), [_t(3), _t(3)]),
    ("binary_cross_entropy", lambda p: F.binary_cross_entropy(p, [0.0, 1.0, 0.3]),
     [_t(3, 0.1, 0.9)]),
    ("bce_with_logits", lambda x, t: F.binary_cross_entropy_with_logits(x, t),
     [Tensor([-2.0, 0.0, 1.5], requires_grad=True), _t(3, 0.0, 1.0)]),
    ("hinge_loss", lambda s: F.hinge_loss(s, [1.0, -1.0, 1.0]),
     [Tensor([0.3, 0.2, -1.2], requires_grad=True)]),
])
def test_losses_pass_gradcheck(name, fn, inputs):
    assert mg.gradcheck(fn, inputs)


def test_cross_entropy_passes_gradgradcheck():
    assert mg.gradgradcheck(lambda x: F.cross_entropy(x, [1, 0]), [_t((2, 3))])


def test_value_losses_pass_gradcheck():
    xs = [Value(0.3), Value(-1.2)]
    assert mg.gradcheck(lambda a, b: F.mse_loss([a, b], [1.0, 0.5]), xs)
    assert mg.gradcheck(lambda a, b: F.hinge_loss([a, b], [1.0, -1.0]), xs)


# --- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("call,error,match", [
    (lambda: F.mse_loss(Tensor(np.ones((3, 1))), np.ones(3)), ValueError,
     r"mse_loss: input shape \(3, 1\) and target shape \(3,\) differ"),
    (lambda: F.mse_loss(Tensor(np.ones(3)), np.ones(3), reduction="avg"), ValueError,
     r"reduction must be one of \('mean', 'sum', 'none'\), got 'avg'"),
    (lambda: F.mse_loss([Value(1.0)], [1.0, 2.0]), ValueError, "1 inputs but 2 targets"),
    (lambda: F.mse_loss([Value(1.0)], [1.0], reduction="max"), ValueError,
     "reduction must be one of"),
    (lambda: F.mse_loss(Tensor([1.0]), Value(1.0)), TypeError,
     "target is a Value but the other argument is not"),
    (lambda: F.mse_loss(Tensor([1.0]), "a"), TypeError, "target must be a Tensor or array-like"),
    (lambda: F.cross_entropy(Tensor(np.ones(3)), [0]), ValueError,
     r"input must be logits of shape \(N, C\), got shape \(3,\)"),
    (lambda: F.cross_entropy(Tensor(np.ones((2, 3))), [0.5, 1]), TypeError,
     "target must be integer class labels, got dtype float64"),
    (lambda: F.cross_entropy(Tensor(np.ones((2, 3))), [0, 1, 2]), ValueError,
     r"target must have shape \(2,\) for input of shape \(2, 3\), got shape \(3,\)"),
    (lambda: F.cross_entropy(Tensor(np.ones((2, 3))), [0, 3]), ValueError,
     r"labels must be in \[0, 3\) for 3 classes, got 3"),
    (lambda: F.cross_entropy(Tensor(np.ones((2, 3))), [-1, 0]), ValueError, "got -1"),
    (lambda: F.cross_entropy(np.ones((2, 3)), [0, 0]), TypeError,
     "cross_entropy: input must be a Tensor, got ndarray"),
    (lambda: F.softmax([1.0, 2.0]), TypeError, "softmax: x must be a Tensor, got list"),
    (lambda: F.log_softmax(Tensor(np.ones((2, 3))), axis=2), IndexError,
     r"dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
    (lambda: F.binary_cross_entropy(Tensor([0.5, 1.5]), [0.0, 1.0]), ValueError,
     r"every element of input must be in \[0, 1\], got values in \[0.5, 1.5\]"),
    (lambda: F.binary_cross_entropy(Tensor([0.5]), [2.0]), ValueError,
     "every element of target must be in"),
    (lambda: F.binary_cross_entropy_with_logits(Tensor([0.5]), [1.0, 0.0]), ValueError,
     r"input shape \(1,\) and target shape \(2,\) differ"),
    (lambda: F.hinge_loss(Tensor([0.5, 1.0]), [0.0, 1.0]), ValueError,
     "labels must be -1 or \\+1, got 0.0"),
    (lambda: F.hinge_loss([Value(0.5)], [2.0]), ValueError, "labels must be -1 or \\+1, got 2.0"),
    (lambda: F.hinge_loss(Tensor([0.5]), [1.0], alpha=0.1), ValueError,
     "alpha=0.1 needs the parameters"),
    (lambda: F.hinge_loss(Tensor([0.5]), [1.0], alpha=-1), ValueError, "alpha must be >= 0"),
    (lambda: nn.CrossEntropyLoss(reduction="avg"), ValueError,
     "CrossEntropyLoss: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
])
def test_bad_input_is_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_loss_modules_match_the_functions():
    logits, labels = _t((4, 3)), [0, 2, 1, 1]
    assert nn.CrossEntropyLoss()(logits, labels).item() == F.cross_entropy(logits, labels).item()
    assert nn.CrossEntropyLoss(reduction="none")(logits, labels).shape == (4,)


@settings(max_examples=30, deadline=None)
@given(rows=st.integers(1, 4), classes=st.integers(1, 5), scale=st.sampled_from([1e-3, 1.0, 1e3]),
       seed=st.integers(0, 2 ** 16))
def test_cross_entropy_matches_a_numpy_log_sum_exp_at_any_scale(rows, classes, scale, seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(rows, classes)) * scale
    labels = rng.integers(0, classes, size=rows)
    reference = np.logaddexp.reduce(logits, axis=1) - logits[np.arange(rows), labels]
    got = F.cross_entropy(Tensor(logits), labels, reduction="none").data
    np.testing.assert_allclose(got, reference, rtol=1e-12, atol=1e-12 * scale)
    probabilities = F.softmax(Tensor(logits)).data
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-12)


# --- activations, softmax's dim, dropout -----------------------------------------------------

def test_activation_functions_on_tensors_values_and_lists():
    x = np.array([-2.0, 0.0, 1.5])
    np.testing.assert_array_equal(F.relu(Tensor(x)).data, np.maximum(x, 0))
    np.testing.assert_allclose(F.sigmoid(Tensor(x)).data, 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(F.tanh(Tensor(x)).data, np.tanh(x))
    assert F.relu(Value(-1.0)).data == 0.0 and F.tanh(Value(0.5)).data == pytest.approx(
        np.tanh(0.5))
    assert [v.data for v in F.relu([Value(-1.0), 2.0])] == [0.0, 2.0]
    assert mg.gradcheck(lambda t: F.sigmoid(t) * F.tanh(t), [_t(4)])


def test_softmax_takes_pytorchs_dim_and_numpys_axis():
    x = Tensor(RNG.normal(size=(2, 3, 4)))
    for dim in (0, 1, 2, -1):
        np.testing.assert_allclose(F.softmax(x, dim=dim).data.sum(axis=dim), 1.0)
        np.testing.assert_allclose(F.softmax(x, dim).data, F.softmax(x, axis=dim).data)
        np.testing.assert_allclose(F.log_softmax(x, dim=dim).data,
                                   np.log(F.softmax(x, dim=dim).data))
    with pytest.raises(TypeError, match="softmax: give dim or axis, not both"):
        F.softmax(x, dim=1, axis=1)
    with pytest.raises(ValueError, match=r"log_softmax: give dim=... for a tensor of shape "
                       r"\(2, 3, 4\)"):
        F.log_softmax(x)


def test_dropout_function():
    x = Tensor(np.ones(1000))
    assert F.dropout(x, 0.3, training=False) is x
    mg.manual_seed(3)
    y = F.dropout(x, 0.3)
    assert set(np.unique(y.data)) == {0.0, 1 / 0.7}
    with pytest.raises(TypeError, match="dropout: training must be a bool"):
        F.dropout(x, 0.3, training=1)
    with pytest.raises(TypeError, match="dropout: x must be a Tensor, got list"):
        F.dropout([1.0], 0.3)


# --- l1_loss, binary cross-entropy at 0 and 1, an empty batch --------------------------------

def test_l1_loss_by_hand_on_both_engines():
    p, t = np.array([0.5, -1.0, 2.0, 1.0]), np.array([0.0, 1.0, 2.0, 3.0])
    x = Tensor(p, requires_grad=True)
    loss = F.l1_loss(x, t)
    assert loss.item() == pytest.approx(np.abs(p - t).mean())
    loss.backward()
    np.testing.assert_array_equal(x.grad, np.sign(p - t) / 4)   # 0 at the tie, as PyTorch
    assert F.l1_loss(Tensor(p), t, reduction="sum").item() == pytest.approx(4.5)
    np.testing.assert_array_equal(F.l1_loss(Tensor(p), t, reduction="none").data, np.abs(p - t))
    values = [Value(v) for v in p]
    loss = F.l1_loss(values, t)
    assert loss.data == pytest.approx(np.abs(p - t).mean())
    loss.backward()
    assert [v.grad for v in values] == pytest.approx((np.sign(p - t) / 4).tolist())
    assert mg.gradcheck(lambda a, b: F.l1_loss(a, b), [_t(5), _t(5)])
    with pytest.raises(ValueError, match=r"l1_loss: input shape \(2,\) and target shape \(3,\)"):
        F.l1_loss(Tensor([1.0, 2.0]), [1.0, 2.0, 3.0])


@pytest.mark.filterwarnings("ignore:divide by zero")  # the target's gradient log(0), as PyTorch
def test_binary_cross_entropy_gradient_is_pytorchs_at_zero_and_one():
    # PyTorch's backward divides by max(p (1 - p), 1e-12): a confidently wrong p still learns.
    p = Tensor([0.0, 1.0, 0.0, 1.0, 0.3], requires_grad=True)
    t = Tensor([1.0, 0.0, 0.0, 1.0, 0.2], requires_grad=True)
    loss = F.binary_cross_entropy(p, t, reduction="sum")
    assert loss.item() == pytest.approx(200 - 0.2 * np.log(0.3) - 0.8 * np.log(0.7))
    loss.backward()
    eps = float(np.float32(1e-12))                   # PyTorch's 1e-12 is a float32
    np.testing.assert_allclose(p.grad, [-1 / eps, 1 / eps, 0.0, 0.0, 0.1 / 0.21], rtol=1e-12)
    np.testing.assert_array_equal(t.grad[:4], [np.inf, -np.inf, np.inf, -np.inf])
    assert t.grad[4] == pytest.approx(np.log(0.7) - np.log(0.3))
    q = Tensor([0.0, 0.5], requires_grad=True)
    F.binary_cross_entropy(q, [1.0, 1.0]).backward()
    np.testing.assert_allclose(q.grad, [-1 / eps / 2, -1.0])


def test_binary_cross_entropy_passes_gradgradcheck_inside_the_clamps():
    assert mg.gradcheck(lambda p, t: F.binary_cross_entropy(p, t), [_t(4, 0.05, 0.95),
                                                                    _t(4, 0.0, 1.0)])
    assert mg.gradgradcheck(lambda p: F.binary_cross_entropy(p, [0.0, 1.0, 0.3]),
                            [_t(3, 0.1, 0.9)])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's mean of nothing
def test_cross_entropy_of_an_empty_batch_is_pytorchs():
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    assert np.isnan(F.cross_entropy(x, []).item())             # PyTorch: tensor(nan)
    assert F.cross_entropy(x, [], reduction="sum").item() == 0.0
    assert F.cross_entropy(x, [], reduction="none").shape == (0,)
    F.cross_entropy(x, [], reduction="sum").backward()
    assert x.grad.shape == (0, 3)
    assert F.softmax(Tensor(np.zeros((0, 3))), dim=1).shape == (0, 3)
