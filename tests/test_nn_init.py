"""nn.init: PyTorch's bounds and gains, sample statistics, seeding, in place, bad input."""

import math

import numpy as np
import pytest

import microgd as mg
from microgd import Tensor, nn
from microgd.nn import init


def _stats(t):
    return t.data.min(), t.data.max(), t.data.mean(), t.data.std()


def test_uniform_and_normal_fill_in_place_from_microgds_generator():
    w = nn.Parameter(Tensor(np.zeros((200, 300))))
    data = w.data
    mg.manual_seed(0)
    assert init.uniform_(w, -2.0, 4.0) is w and w.data is data
    low, high, mean, std = _stats(w)
    assert -2.0 <= low < -1.99 and 3.99 < high < 4.0
    assert mean == pytest.approx(1.0, abs=0.02)                  # 60,000 draws
    assert std == pytest.approx(6 / math.sqrt(12), rel=0.01)
    assert w.grad is None and w.is_leaf and w.requires_grad       # no graph recorded
    first = w.data.copy()
    mg.manual_seed(0)
    np.testing.assert_array_equal(init.uniform_(w, -2.0, 4.0).data, first)
    init.normal_(w, mean=3.0, std=0.5)
    _, _, mean, std = _stats(w)
    assert mean == pytest.approx(3.0, abs=0.01) and std == pytest.approx(0.5, rel=0.01)
    low, high, _, _ = _stats(init.uniform_(w))
    assert 0.0 <= low and high < 1.0


def test_constant_zeros_ones_and_dtype():
    w = Tensor(np.empty((2, 3), dtype=np.float32), requires_grad=True)
    np.testing.assert_array_equal(init.constant_(w, 0.25).data, np.full((2, 3), 0.25))
    np.testing.assert_array_equal(init.zeros_(w).data, 0.0)
    np.testing.assert_array_equal(init.ones_(w).data, 1.0)
    assert w.dtype == np.float32 and init.normal_(w).dtype == np.float32


def test_calculate_gain_is_pytorchs():
    assert init.calculate_gain("linear") == init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == 0.75


@pytest.mark.parametrize("shape,fan_in,fan_out", [((300, 200), 200, 300),
                                                   ((16, 8, 3, 3), 72, 144)])
def test_xavier_and_kaiming_bounds_from_the_fans(shape, fan_in, fan_out):
    mg.manual_seed(1)
    w = Tensor(np.zeros(shape))
    cases = [
        (lambda: init.xavier_uniform_(w), math.sqrt(6 / (fan_in + fan_out))),
        (lambda: init.xavier_uniform_(w, gain=2.0), 2 * math.sqrt(6 / (fan_in + fan_out))),
        (lambda: init.kaiming_uniform_(w), math.sqrt(6 / fan_in)),        # gain sqrt(2), a=0
        (lambda: init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu"),
         math.sqrt(6 / fan_out)),
        (lambda: init.kaiming_uniform_(w, a=math.sqrt(5)), 1 / math.sqrt(fan_in)),  # Linear's
    ]
    for fill, bound in cases:
        assert fill() is w
        low, high, mean, std = _stats(w)
        assert -bound <= low and high <= bound
        assert min(-low, high) > 0.97 * bound                       # spread over the range
        assert std == pytest.approx(bound / math.sqrt(3), rel=0.05)
        assert abs(mean) < 0.05 * bound


@pytest.mark.parametrize("call,error,match", [
    (lambda: init.xavier_uniform_(Tensor(np.zeros(5))), ValueError,
     r"xavier_uniform_: fan in and fan out can not be computed for a tensor with fewer than "
     r"2 dimensions, got shape \(5,\)"),
    (lambda: init.kaiming_uniform_(Tensor(np.zeros((2, 2))), mode="in"), ValueError,
     "mode 'in' not supported, please use one of 'fan_in', 'fan_out'"),
    (lambda: init.kaiming_uniform_(Tensor(np.zeros((2, 2))), nonlinearity="gelu"), ValueError,
     "calculate_gain: unsupported nonlinearity 'gelu'"),
    (lambda: init.uniform_(np.zeros(3)), TypeError, "uniform_: tensor must be a Tensor, got "
     "ndarray"),
    (lambda: init.uniform_(Tensor(np.zeros(3)), 1.0, 0.0), ValueError,
     "uniform_: expects a range .a, b. with a <= b, got a=1.0, b=0.0"),
    (lambda: init.normal_(Tensor(np.zeros(3)), std=-1.0), ValueError,
     "normal_: std must be >= 0, got -1.0"),
    (lambda: init.constant_(Tensor(np.zeros(3)), "1"), TypeError,
     "constant_: val must be a real number, got str"),
])
def test_bad_input_is_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_bounds_and_gains_match_torch():
    torch = pytest.importorskip("torch")
    for name, param in [("linear", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.3), ("selu", None)]:
        assert init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param))
    generator = torch.Generator().manual_seed(0)   # torch's global generator is left alone
    for shape in [(300, 200), (16, 8, 3, 3)]:
        ours, theirs = Tensor(np.zeros(shape)), torch.empty(shape, dtype=torch.float64)
        for fill, tfill in [(init.xavier_uniform_, torch.nn.init.xavier_uniform_),
                            (init.kaiming_uniform_, torch.nn.init.kaiming_uniform_)]:
            ours_max = np.abs(fill(ours).data).max()
            theirs_max = tfill(theirs, generator=generator).abs().max().item()
            assert ours_max == pytest.approx(theirs_max, rel=0.01)   # both near the bound
