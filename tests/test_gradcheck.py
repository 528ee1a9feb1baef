"""gradcheck itself: it passes right gradients and catches wrong ones, with a useful message."""

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
