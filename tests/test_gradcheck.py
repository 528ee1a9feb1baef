"""gradcheck itself: it passes right gradients and catches wrong ones, with a useful message."""

import sys

import numpy as np
import pytest

import microgd as mg
from microgd import Tensor, Value


def test_catches_detach_bug():
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(lambda x: x.detach() * x, [x])
    message = str(info.value)
    assert "input 0 (Tensor of shape (3,))" in message
    assert "3 of 9 Jacobian entries" in message
    assert "analytic 1, numeric 2" in message           # d(x*x)/dx at x = 1
    assert "atol=1e-05, rtol=0.001" in message
    assert "d output 0[2] / d input 0[2]: analytic 3, numeric 6" in message


def test_raise_exception_false_returns_false():
    v = Value(0.5)
    assert mg.gradcheck(lambda v: v.detach() * v, [v], raise_exception=False) is False
    assert mg.gradcheck(lambda v: v * v, [v]) is True


def test_gradgradcheck_catches_a_wrong_second_derivative():
    # x^3 whose first derivative 3x^2 is right but made of constants: no second derivative.
    def cube_first_order_only(x):
        c = x.detach()
        return c ** 3 + (x - c) * 3.0 * c ** 2
    x = Tensor([0.5, 1.5], requires_grad=True)
    assert mg.gradcheck(cube_first_order_only, [x])
    assert mg.gradgradcheck(lambda x: x ** 3, [x])
    with pytest.raises(mg.GradcheckError, match="analytic 0, numeric 3"):  # 6x at x = 0.5
        mg.gradgradcheck(cube_first_order_only, [x], grad_outputs=[np.ones(2)])


def test_checks_in_float64_and_leaves_inputs_alone():
    x = Tensor(np.array([0.1, 0.2], np.float32), requires_grad=True)
    before = x.data.copy()
    assert mg.gradcheck(lambda x: (x * 3.0).tanh(), [x])
    np.testing.assert_array_equal(x.data, before)
    assert x.grad is None


def test_only_inputs_that_require_grad_are_checked():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0])
    assert mg.gradcheck(lambda x, c: x * c.detach() * c, [x, c])


def test_several_outputs():
    a, b = Value(0.3), Value(-0.7)
    assert mg.gradcheck(lambda a, b: [a * b, (a + b).tanh()], [a, b])


def test_bad_arguments():
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a Value or a Tensor, got ndarray"):
        mg.gradcheck(lambda x: x, [np.ones(2)])
    with pytest.raises(ValueError, match="no input requires grad"):
        mg.gradcheck(lambda x: x * 2, [Tensor([1.0])])
    with pytest.raises(TypeError, match="output 0 is a float"):
        mg.gradcheck(lambda x: 1.0, [Value(1.0)])


def _wrong_gradient(x):
    """x * x with half the right gradient: forward x**2, backward x."""
    return x.detach() * x


@pytest.mark.parametrize("check", [mg.gradcheck, mg.gradgradcheck])
@pytest.mark.parametrize("setting, value, error, words", [
    ("atol", float("nan"), ValueError, "atol must be a finite number >= 0, got nan"),
    ("atol", float("inf"), ValueError, "atol must be a finite number >= 0, got inf"),
    ("atol", -1e-5, ValueError, "atol must be a finite number >= 0, got -1e-05"),
    ("rtol", float("nan"), ValueError, "rtol must be a finite number >= 0, got nan"),
    ("rtol", float("inf"), ValueError, "rtol must be a finite number >= 0, got inf"),
    ("rtol", -0.1, ValueError, "rtol must be a finite number >= 0, got -0.1"),
    ("eps", 0.0, ValueError, "eps must be a finite number > 0, got 0.0"),
    ("eps", -1e-6, ValueError, "eps must be a finite number > 0, got -1e-06"),
    ("eps", float("nan"), ValueError, "eps must be a finite number > 0, got nan"),
    ("atol", "1e-5", TypeError, "atol must be a real number, got str '1e-5'"),
    ("rtol", True, TypeError, "rtol must be a real number, got bool True"),
])
def test_settings_are_checked_before_anything_passes(check, setting, value, error, words):
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(error, match=f"{check.__name__}: {words}"):
        check(_wrong_gradient, [x], **{setting: value})


def test_zero_tolerances_are_allowed():
    x = Tensor([1.0], requires_grad=True)  # central differences are exact for 4x, eps 0.5
    assert mg.gradcheck(lambda x: x * 4.0, [x], eps=0.5, atol=0, rtol=0)


def test_infinities_agree_only_with_the_same_infinity():
    # exp(x) overflows between x - eps and x + eps, so the finite difference is +inf; the
    # detached exp has gradient 0, which the old |a - n| <= atol + rtol |n| test let pass.
    x = Value(709.7827128933)
    with pytest.raises(mg.GradcheckError, match="analytic 0, numeric inf"):
        mg.gradcheck(lambda x: x.detach().exp() + x * 0.0, [x])


def test_nan_agrees_with_nothing_as_in_torch_allclose():
    with pytest.raises(mg.GradcheckError, match=r"1 of 1 Jacobian entries .*\n  d output 0\[\] "
                                                r"/ d input 0\[\]: analytic nan, numeric nan"):
        mg.gradcheck(lambda x: x ** 0.5, [Value(-1.0)])


def test_a_gradient_of_another_shape_is_caught(monkeypatch):
    module = sys.modules["microgd.gradcheck"]  # microgd.gradcheck is the function
    real_grad = module.grad

    def engine_bug(*args, **kwargs):  # a gradient summed to a scalar would broadcast
        return [None if g is None else np.sum(np.asarray(g)) for g in real_grad(*args, **kwargs)]

    monkeypatch.setattr(module, "grad", engine_bug)
    inputs = [Tensor([2.0, 3.0]), Tensor([1.0, 1.0], requires_grad=True)]
    with pytest.raises(mg.GradcheckError, match=r"the gradient for input 1 \(Tensor of shape "
                                                r"\(2,\)\) has shape \(\), not its input's"):
        mg.gradcheck(lambda c, x: c * x.sum(), inputs)
    assert mg.gradcheck(lambda c, x: c * x.sum(), inputs, raise_exception=False) is False


def test_gradgradcheck_wants_one_grad_output_per_output():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="gradgradcheck: 2 grad_outputs for 1 outputs of fn; "
                                         "give one per output"):
        mg.gradgradcheck(lambda x: x * x, [x], grad_outputs=[np.ones(2), np.ones(2)])
