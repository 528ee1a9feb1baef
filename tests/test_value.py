"""Value specifics: micrograd's behaviour, stability at large |x|, IEEE edge cases, bad input."""

import math

import pytest

from microgd import Value


def test_micrograd_sanity_example():
    """micrograd's own sanity check, with its numbers worked out by hand."""
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    # z = 3x + 2 = -10; q = z*x = 40; h = z^2 = 100; y = h + q + q*x = 100 + 40 - 160
    assert y.data == -20.0
    # dy/dx = dh/dx + dq/dx (1 + x) + q, dq/dx = 6x + 2, dh/dx = 2z * 3
    assert x.grad == 2 * -10 * 3 + (6 * -4 + 2) * (1 - 4) + 40


def test_ops_and_reflected_ops():
    a, b = Value(2.0), Value(-3.0)
    assert (a + b).data == -1.0 and (a - b).data == 5.0 and (a * b).data == -6.0
    assert (a / b).data == pytest.approx(-2 / 3) and (a ** 3).data == 8.0
    assert (1 + a).data == 3.0 and (1 - a).data == -1.0 and (3 * a).data == 6.0
    assert (1 / a).data == 0.5 and (2 ** a).data == 4.0 and (-a).data == -2.0
    assert (a ** b).data == 0.125
    assert [n.op for n in (a + b, a - b, a * b, a / b, a ** 2, a ** b, -a)] == \
        ["+", "-", "*", "/", "**", "**", "neg"]


def test_constants_do_not_require_grad():
    a = Value(2.0)
    c = a * 3
    b = c._parents[1]
    assert b.data == 3.0 and not b.requires_grad
    c.backward()
    assert b.grad == 0.0 and a.grad == 3.0


@pytest.mark.parametrize("x", [1000.0, -1000.0, 800.0, -800.0])
def test_tanh_sigmoid_exp_stable_for_large_x(x):
    v = Value(x)
    t, s = v.tanh(), v.sigmoid()
    assert t.data == math.copysign(1.0, x)
    assert s.data == (1.0 if x > 0 else 0.0)
    (t + s).backward()
    assert v.grad == 0.0
    assert Value(x).exp().data == (math.inf if x > 0 else 0.0)


def test_sigmoid_keeps_precision_for_negative_x():
    assert Value(-30.0).sigmoid().data == pytest.approx(math.exp(-30) / (1 + math.exp(-30)),
                                                        rel=1e-14)


@pytest.mark.parametrize("expr, expected", [
    (lambda: Value(0.0).log(), -math.inf),
    (lambda: Value(-1.0).log(), math.nan),
    (lambda: Value(1.0) / 0.0, math.inf),
    (lambda: Value(-1.0) / 0.0, -math.inf),
    (lambda: Value(0.0) / 0.0, math.nan),
    (lambda: Value(0.0) ** -1, math.inf),
    (lambda: Value(-8.0) ** 0.5, math.nan),
    (lambda: Value(10.0) ** 400, math.inf),
])
def test_ieee_results_instead_of_python_exceptions(expr, expected):
    out = expr().data
    assert out == expected or (math.isnan(expected) and math.isnan(out))


def test_repr_shows_data_grad_and_label():
    a = Value(2.0, label="a")
    (a * a).backward()
    assert repr(a) == "Value(data=2.0, grad=4.0, label='a')"
    assert repr(Value(-0.5)) == "Value(data=-0.5, grad=0.0)"


def test_comparisons_and_conversions():
    a = Value(2.0)
    assert a > 1 and a >= 2.0 and a < Value(3.0) and a <= 2
    assert float(a) == 2.0 and a.item() == 2.0
    assert Value(3).data == 3.0 and isinstance(Value(True).data, float)


@pytest.mark.parametrize("bad, match", [
    ("2.0", "must be a real number, got str"),
    ([1.0, 2.0], "got list .*use Tensor for arrays"),
    (None, "got NoneType"),
    (1 + 2j, "got complex"),
])
def test_non_numeric_data(bad, match):
    with pytest.raises(TypeError, match=match):
        Value(bad)


def test_bad_operands():
    with pytest.raises(TypeError, match="operand must be a real number, got str"):
        Value(1.0) + "x"
    with pytest.raises(TypeError, match="operand must be a real number, got list"):
        Value(1.0) ** [2]


# --- the scalar Linear layer records what the operators record ------------------------------

def _recorded(build):
    """What ``build()`` appends to a fresh tape, and its outputs."""
    from microgd.tape import start_tape as _start_tape
    tape = _start_tape()
    outs = build()
    return list(tape), outs


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("inputs", ["numbers", "constants", "leaves", "nodes"])
def test_linear_records_the_operators_nodes(bias, inputs):
    import random
    from microgd import value_linear as value
    rng = random.Random(0)
    n, m = 3, 4
    ws = [Value(rng.uniform(-1, 1)) for _ in range(n * m)]
    bs = [Value(rng.uniform(-1, 1)) for _ in range(m)] if bias else None
    data = [rng.uniform(-1, 1) for _ in range(n)]

    def xs():
        if inputs == "numbers":
            return data
        if inputs == "nodes":
            return [Value(x) * 1.0 for x in data]
        return [Value(x, requires_grad=inputs == "leaves") for x in data]

    def operators():
        return [value._unit(x_, ws[o * n:(o + 1) * n], bs and bs[o])
                for x_ in [xs()] for o in range(m)]

    fast_tape, fast = _recorded(lambda: value.linear(xs(), ws, bs))
    slow_tape, slow = _recorded(operators)
    assert len(fast_tape) == len(slow_tape) > 0
    for a, b in zip(fast_tape, slow_tape):
        assert a.data == b.data if isinstance(a, Value) else a == b  # ops: identity
    assert [o.data for o in fast] == [o.data for o in slow]
    assert [o._index for o in fast] == [o._index for o in slow]
    sum(fast).backward()
    grads = [w.grad for w in ws]
    for w in ws:
        w.grad = 0.0
    sum(slow).backward()
    assert grads == [w.grad for w in ws]


@pytest.mark.parametrize("n_inputs, n_weights, n_biases", [(0, 1, None), (2, 5, None), (2, 4, 3)])
def test_linear_refuses_sizes_that_do_not_fit(n_inputs, n_weights, n_biases):
    from microgd import value_linear as value
    biases = None if n_biases is None else [Value(0.0)] * n_biases
    with pytest.raises(ValueError, match=f"{n_weights} weights for {n_inputs} inputs"):
        value.linear([1.0] * n_inputs, [Value(1.0)] * n_weights, biases)


def test_linear_falls_back_to_the_operators():
    from microgd import no_grad, value_linear as value
    ws = [Value(0.5), Value(-2.0)]
    bs = [Value(0.25)]
    ws[1].requires_grad = False  # a frozen weight
    (out,) = value.linear([1.0, 3.0], ws, bs)
    out.backward()
    assert out.data == 0.25 + 0.5 - 6.0
    assert (ws[0].grad, ws[1].grad, bs[0].grad) == (1.0, 0.0, 1.0)
    with no_grad():
        (out,) = value.linear([1.0, 3.0], ws, bs)
    assert out.data == -5.25 and not out.requires_grad
