"""nn.utils.clip_grad_norm_: the closed form, every gradient kind, norms, PyTorch."""

import math

import numpy as np
import pytest

from microgd import Tensor, Value, nn
from microgd.nn.utils import clip_grad_norm_


def _params(grads, as_tensors=False):
    params = []
    for g in grads:
        p = Tensor(np.zeros(len(g)), requires_grad=True)
        p.grad = Tensor(np.array(g)) if as_tensors else np.array(g)
        params.append(p)
    return params


def _grad_array(p):
    return p.grad.data if isinstance(p.grad, Tensor) else p.grad


@pytest.mark.parametrize("as_tensors", [False, True])   # .grad as an array, or a Tensor
def test_clipping_scales_every_gradient_by_max_norm_over_the_total_norm(as_tensors):
    params = _params([[3.0, 4.0], [12.0]], as_tensors)       # total norm sqrt(25 + 144) = 13
    grads = [_grad_array(p) for p in params]
    total = clip_grad_norm_(params, max_norm=6.5)
    assert isinstance(total, Tensor) and total.shape == () and total.item() == 13.0
    scale = 6.5 / (13.0 + 1e-6)
    np.testing.assert_allclose(_grad_array(params[0]), [3.0 * scale, 4.0 * scale], rtol=1e-15)
    np.testing.assert_allclose(_grad_array(params[1]), [12.0 * scale], rtol=1e-15)
    assert all(_grad_array(p) is g for p, g in zip(params, grads))   # in place
    total = clip_grad_norm_(params, max_norm=100.0)            # below max_norm: unchanged
    assert total.item() == pytest.approx(6.5)
    np.testing.assert_allclose(_grad_array(params[1]), [12.0 * scale], rtol=1e-15)


def test_other_norms_values_and_missing_grads():
    params = _params([[3.0, -4.0], [-12.0]])
    assert clip_grad_norm_(params, 1e9, norm_type=1).item() == 19.0
    assert clip_grad_norm_(params, 1e9, norm_type="inf").item() == 12.0
    assert clip_grad_norm_(params, 6.0, norm_type=math.inf).item() == 12.0
    np.testing.assert_allclose(params[1].grad, [-12.0 * 6.0 / (12.0 + 1e-6)])
    no_grad = Tensor([1.0], requires_grad=True)
    assert clip_grad_norm_([no_grad], 1.0).item() == 0.0 and no_grad.grad is None
    one = _params([[0.0, 2.0]])[0]
    assert clip_grad_norm_(one, 1.0).item() == 2.0              # a single Tensor
    a, b = Value(1.0), Value(2.0)
    a.grad, b.grad = 6.0, 8.0
    assert clip_grad_norm_([a, b], 5.0).item() == 10.0
    assert (a.grad, b.grad) == pytest.approx((3.0, 4.0))


def test_clipping_a_models_gradients():
    model = nn.MLP(3, [4, 1])
    model(np.ones((5, 3))).sum().backward()
    norm = np.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
    assert clip_grad_norm_(model.parameters(), 0.5).item() == pytest.approx(norm)
    clipped = np.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
    assert clipped == pytest.approx(min(0.5, norm), rel=1e-6)


def test_bad_input_is_a_clear_error():
    params = _params([[np.inf, 1.0]])
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total norm of order 2.0 of "
                       "the gradients is inf, so it cannot be clipped"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="norm_type must be > 0 or 'inf', got -1"):
        clip_grad_norm_(params, 1.0, norm_type=-1)
    with pytest.raises(TypeError, match="max_norm must be a real number, got str"):
        clip_grad_norm_(params, "1")


def test_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=(3, 4)), rng.normal(size=5)]
    for norm_type, max_norm in [(2.0, 1.0), (1.0, 2.0), (math.inf, 0.5), (2.0, 100.0)]:
        ours = _params([a.ravel() for a in arrays])
        theirs = [torch.zeros(a.size, dtype=torch.float64, requires_grad=True) for a in arrays]
        for t, a in zip(theirs, arrays):
            t.grad = torch.from_numpy(a.ravel().copy())
        got = clip_grad_norm_(ours, max_norm, norm_type)
        want = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
        assert got.item() == pytest.approx(want.item(), rel=1e-12)
        for p, t in zip(ours, theirs):
            np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-12)
