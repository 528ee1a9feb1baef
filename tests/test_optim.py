"""Optimizers and schedulers against their closed-form updates, checkpoints, bad input."""

import copy
import itertools
import math

import numpy as np
import pytest

import microgd as mg
from microgd import Tensor, Value, nn, optim

THETA0 = np.array([0.5, -1.0, 2.0])
C = np.array([1.0, 2.0, 0.5])
D = np.array([0.3, -0.2, 0.1])


def grad_f(theta):
    """The gradient of f(θ) = sum(C θ²/2 + D θ + θ⁴/4), by hand."""
    return C * theta + D + theta ** 3


def run(make_opt, engine, steps=4):
    """Minimise f with autograd and the optimizer; the parameters after each step."""
    if engine == "tensor":
        p = Tensor(THETA0.copy(), requires_grad=True)
        params = [p]

        def loss():
            return (C * p * p / 2 + D * p + p ** 4 / 4).sum()
    else:
        params = [Value(x) for x in THETA0]

        def loss():
            total = 0
            for c, d, v in zip(C, D, params):
                total = total + float(c) * v * v / 2 + float(d) * v + v ** 4 / 4
            return total
    opt = make_opt(params)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss().backward()
        opt.step()
        out.append(np.array([p.data for p in params]).ravel() if engine == "value"
                   else params[0].data.copy())
    return np.array(out)


# --- SGD ------------------------------------------------------------------------------------

def sgd_by_hand(lr, momentum, dampening, weight_decay, nesterov, maximize, steps=4):
    theta, buf, out = THETA0.copy(), None, []
    for t in range(steps):
        g = -grad_f(theta) if maximize else grad_f(theta)
        g = g + weight_decay * theta
        if momentum:
            buf = g if t == 0 else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        theta = theta - lr * g
        out.append(theta)
    return np.array(out)


SGD_CASES = [c for c in itertools.product([0.0, 0.9], [0.0, 0.5], [False, True], [0.0, 0.1],
                                          [False, True])
             if not (c[2] and (c[0] == 0 or c[1] != 0))]


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("momentum,dampening,nesterov,weight_decay,maximize", SGD_CASES)
def test_sgd_matches_closed_form(engine, momentum, dampening, nesterov, weight_decay, maximize):
    kw = dict(momentum=momentum, dampening=dampening, weight_decay=weight_decay,
              nesterov=nesterov, maximize=maximize)
    got = run(lambda ps: optim.SGD(ps, lr=0.05, **kw), engine)
    np.testing.assert_allclose(got, sgd_by_hand(0.05, **kw), rtol=1e-13, atol=1e-15)


def test_sgd_lesson_momentum_is_momentum_08_dampening_08():
    # lesson: step = 0.8 * last_step + 0.2 * grad, first step = grad; theta -= lr * step
    p = Tensor([1.0, -2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.8, dampening=0.8)
    grads = [np.array([-2.5998, -2.8958]), np.array([-2.4394, -2.3239]),
             np.array([-2.2808, -1.7747])]
    theta, last_step = p.data.copy(), None
    for g in grads:
        p.grad = g.copy()
        opt.step()
        last_step = g if last_step is None else 0.8 * last_step + 0.2 * g
        theta = theta - 0.1 * last_step
        np.testing.assert_allclose(p.data, theta, rtol=0, atol=1e-15)
    # the lesson's printed second step: 0.8 * [-2.5998, -2.8958] + 0.2 * [-2.4394, -2.3239]
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"],
                               0.8 * (0.8 * grads[0] + 0.2 * grads[1]) + 0.2 * grads[2])


def test_sgd_first_steps_by_hand_numbers():
    v = Value(1.0)
    opt = optim.SGD([v], lr=0.5, momentum=0.5, nesterov=True)
    v.grad = 2.0
    opt.step()          # b = 2, g = 2 + 0.5*2 = 3, θ = 1 - 1.5
    assert v.data == -0.5
    v.grad = 1.0
    opt.step()          # b = 0.5*2 + 1 = 2, g = 1 + 0.5*2 = 2, θ = -0.5 - 1
    assert v.data == -1.5


def test_sgd_weight_decay_and_maximize_by_hand():
    v = Value(2.0)
    opt = optim.SGD([v], lr=0.1, weight_decay=0.5, maximize=True)
    v.grad = 3.0
    opt.step()          # g = -3 + 0.5*2 = -2, θ = 2 + 0.2
    assert v.data == pytest.approx(2.2, abs=1e-15)


# --- Adam and AdamW -------------------------------------------------------------------------

def adam_by_hand(lr, betas, eps, weight_decay, amsgrad, maximize, decoupled, steps=4):
    b1, b2 = betas
    theta, m, v, vmax, out = THETA0.copy(), 0.0, 0.0, 0.0, []
    for t in range(1, steps + 1):
        g = -grad_f(theta) if maximize else grad_f(theta)
        if decoupled:
            theta = theta * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        vmax = np.maximum(vmax, v)
        second = vmax if amsgrad else v
        m_hat = m / (1 - b1 ** t)
        theta = theta - lr * m_hat / (np.sqrt(second) / np.sqrt(1 - b2 ** t) + eps)
        out.append(theta)
    return np.array(out)


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("cls,decoupled", [(optim.Adam, False), (optim.AdamW, True)])
@pytest.mark.parametrize("weight_decay,amsgrad,maximize",
                         list(itertools.product([0.0, 0.1], [False, True], [False, True])))
def test_adam_matches_closed_form(engine, cls, decoupled, weight_decay, amsgrad, maximize):
    kw = dict(lr=0.05, betas=(0.8, 0.9), eps=1e-3, weight_decay=weight_decay,
              amsgrad=amsgrad, maximize=maximize)
    got = run(lambda ps: cls(ps, **kw), engine, steps=5)
    np.testing.assert_allclose(got, adam_by_hand(decoupled=decoupled, steps=5, **kw),
                               rtol=1e-12, atol=1e-14)


def test_adam_first_step_is_lr_times_sign():
    p = Tensor([3.0, -0.5], requires_grad=True)
    opt = optim.Adam([p], lr=0.1, eps=0.0)
    p.grad = np.array([4.0, -0.01])
    opt.step()          # m̂ = g, v̂ = g², so θ -= lr * g / |g|
    np.testing.assert_allclose(p.data, [2.9, -0.4], rtol=1e-14)
    assert opt.state[p]["step"] == 1


def test_amsgrad_takes_the_max_of_the_uncorrected_second_moment():
    v = Value(0.0)
    opt = optim.Adam([v], lr=1.0, betas=(0.0, 0.999), eps=0.0, amsgrad=True)
    v.grad = 10.0
    opt.step()
    v.grad = 0.1
    before = v.data
    opt.step()
    v1 = 0.001 * 100                      # uncorrected v after step 1 (the max)
    expected = 0.1 / (math.sqrt(v1) / math.sqrt(1 - 0.999 ** 2))
    assert before - v.data == pytest.approx(expected, rel=1e-12)
    assert opt.state[v]["max_exp_avg_sq"] == pytest.approx(v1, rel=1e-15)


def test_adam_counts_one_step_per_call_for_every_parameter():
    ps = [Tensor([1.0], requires_grad=True) for _ in range(3)]
    opt = optim.Adam(ps)
    for _ in range(2):
        for p in ps:
            p.grad = np.ones(1)
        opt.step()
    assert [opt.state[p]["step"] for p in ps] == [2, 2, 2]


def test_float32_parameters_stay_float32():
    p = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    for opt in (optim.SGD([p], lr=0.1, momentum=0.9), optim.Adam([p], amsgrad=True),
                optim.RMSprop([p], momentum=0.5, centered=True), optim.Adagrad([p])):
        (p * p).sum().backward()
        opt.step()
        opt.step()
        assert p.data.dtype == np.float32
        assert all(v.dtype == np.float32 for v in opt.state[p].values()
                   if isinstance(v, np.ndarray))


# --- RMSprop and Adagrad --------------------------------------------------------------------

def rmsprop_by_hand(lr, alpha, eps, weight_decay, momentum, centered, maximize, steps=4):
    theta, v, avg, buf, out = THETA0.copy(), 0.0, 0.0, 0.0, []
    for _ in range(steps):
        g = -grad_f(theta) if maximize else grad_f(theta)
        g = g + weight_decay * theta
        v = alpha * v + (1 - alpha) * g ** 2
        avg = alpha * avg + (1 - alpha) * g
        denom = np.sqrt(v - avg ** 2 if centered else v) + eps
        if momentum:
            buf = momentum * buf + g / denom
            theta = theta - lr * buf
        else:
            theta = theta - lr * g / denom
        out.append(theta)
    return np.array(out)


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("momentum,centered,weight_decay,maximize",
                         list(itertools.product([0.0, 0.5], [False, True], [0.0, 0.1],
                                                [False, True])))
def test_rmsprop_matches_closed_form(engine, momentum, centered, weight_decay, maximize):
    kw = dict(lr=0.01, alpha=0.9, eps=1e-3, weight_decay=weight_decay, momentum=momentum,
              centered=centered, maximize=maximize)
    got = run(lambda ps: optim.RMSprop(ps, **kw), engine, steps=5)
    np.testing.assert_allclose(got, rmsprop_by_hand(steps=5, **kw), rtol=1e-12, atol=1e-14)


def test_rmsprop_first_steps_by_hand_numbers():
    v = Value(1.0)
    opt = optim.RMSprop([v], lr=0.1, alpha=0.75, eps=0.0, momentum=0.5, centered=True)
    v.grad = 2.0
    opt.step()   # sq = 0.25*4 = 1, avg = 0.5, d = sqrt(1 - 0.25), b = 2/d, θ = 1 - 0.1 b
    d1 = math.sqrt(0.75)
    assert v.data == pytest.approx(1 - 0.2 / d1, rel=1e-15)
    v.grad = -1.0
    opt.step()   # sq = 0.75 + 0.25, avg = 0.375 - 0.25, b = 0.5 * 2/d1 - 1/d2
    d2 = math.sqrt(1.0 - 0.125 ** 2)
    assert v.data == pytest.approx(1 - 0.2 / d1 - 0.1 * (1 / d1 - 1 / d2), rel=1e-14)
    state = opt.state[v]
    assert state["step"] == 2 and state["square_avg"] == 1.0 and state["grad_avg"] == 0.125


def adagrad_by_hand(lr, lr_decay, weight_decay, initial_accumulator_value, eps, maximize,
                    steps=4):
    theta, s, out = THETA0.copy(), initial_accumulator_value, []
    for t in range(1, steps + 1):
        g = -grad_f(theta) if maximize else grad_f(theta)
        g = g + weight_decay * theta
        s = s + g ** 2
        theta = theta - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s) + eps)
        out.append(theta)
    return np.array(out)


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("lr_decay,weight_decay,initial_accumulator_value,maximize",
                         list(itertools.product([0.0, 0.5], [0.0, 0.1], [0.0, 0.4],
                                                [False, True])))
def test_adagrad_matches_closed_form(engine, lr_decay, weight_decay, initial_accumulator_value,
                                     maximize):
    kw = dict(lr=0.1, lr_decay=lr_decay, weight_decay=weight_decay, eps=1e-3,
              initial_accumulator_value=initial_accumulator_value, maximize=maximize)
    got = run(lambda ps: optim.Adagrad(ps, **kw), engine, steps=5)
    np.testing.assert_allclose(got, adagrad_by_hand(steps=5, **kw), rtol=1e-12, atol=1e-14)


def test_adagrad_first_steps_by_hand_numbers():
    p = Tensor([3.0, -1.0], requires_grad=True)
    opt = optim.Adagrad([p], lr=0.5, lr_decay=1.0, eps=0.0)
    assert opt.state[p]["step"] == 0 and np.array_equal(opt.state[p]["sum"], [0.0, 0.0])
    p.grad = np.array([4.0, -0.5])
    opt.step()          # s = g², so θ -= 0.5 * sign(g)
    np.testing.assert_array_equal(p.data, [2.5, -0.5])
    p.grad = np.array([3.0, 0.0])
    opt.step()          # lr / (1 + 1) = 0.25; s = [25, 0.25]; θ -= 0.25 * [3/5, 0]
    np.testing.assert_allclose(p.data, [2.35, -0.5], rtol=1e-15)
    assert opt.state[p]["step"] == 2


# --- the lesson's line: hand-derived gradients == autograd + SGD ------------------------------

@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_lesson_line_hand_derived_update_equals_autograd_sgd(engine):
    x, y = mg.data.line(30, seed=0)
    a_hand, b_hand = -1.0, 1.0
    if engine == "tensor":
        a, b = Tensor(-1.0, requires_grad=True), Tensor(1.0, requires_grad=True)
        X, Y = Tensor(x), Tensor(y)

        def loss():
            return ((a * X + b - Y) ** 2).mean()
    else:
        a, b = Value(-1.0), Value(1.0)

        def loss():
            return sum((a * xi + b - yi) ** 2 for xi, yi in zip(x.tolist(), y.tolist())) / 30
    opt = optim.SGD([a, b], lr=0.01)
    for _ in range(400):
        dydb = 2 * (a_hand * x + b_hand - y)
        dyda = x * dydb
        a_hand -= 0.01 * dyda.mean()
        b_hand -= 0.01 * dydb.mean()
        opt.zero_grad()
        loss().backward()
        opt.step()
        assert abs(float(a.data) - a_hand) < 1e-12
        assert abs(float(b.data) - b_hand) < 1e-12
    assert 2.0 < a_hand < 4.0 and 7.0 < b_hand < 9.0  # on its way to a = 3, b = 8


# --- groups, skipping, closure, zero_grad ------------------------------------------------------

def test_param_groups_have_their_own_hyperparameters():
    p, q = Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.5}], lr=0.1)
    p.grad, q.grad = np.ones(1), np.ones(1)
    opt.step()
    assert p.data[0] == pytest.approx(0.9) and q.data[0] == pytest.approx(0.5)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]


def test_parameters_without_grad_are_skipped():
    p, q = Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    opt = optim.Adam([p, q], lr=0.1)
    p.grad = np.ones(1)
    opt.step()
    assert q.data[0] == 1.0 and q not in opt.state and p.data[0] != 1.0


def test_grad_that_is_a_node_after_create_graph_is_used_as_data():
    p = Tensor([2.0], requires_grad=True)
    (p * p).sum().backward(create_graph=True)
    assert isinstance(p.grad, Tensor)
    optim.SGD([p], lr=0.25).step()
    assert p.data[0] == 1.0


def test_zero_grad_and_closure():
    p, v = Tensor([1.0], requires_grad=True), Value(1.0)
    opt = optim.SGD([p, v], lr=0.1)

    def closure():
        opt.zero_grad()
        tensor_loss, value_loss = (p * p).sum(), v * v  # one model may mix both kinds
        tensor_loss.backward()
        value_loss.backward()
        return tensor_loss.item() + value_loss.data

    loss = opt.step(closure)
    assert loss == 2.0 and p.data[0] == pytest.approx(0.8) and v.data == 0.8
    opt.zero_grad()
    assert p.grad is None and v.grad == 0.0
    p.grad = np.ones(1)
    opt.zero_grad(set_to_none=False)
    assert np.array_equal(p.grad, [0.0])


# --- parameter groups, lr writes, grads as nodes, updates in place ----------------------------

ALL_OPTIMIZERS = [
    lambda ps, **kw: optim.SGD(ps, **{"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1, **kw}),
    lambda ps, **kw: optim.Adam(ps, **{"lr": 0.1, "weight_decay": 0.1, "amsgrad": True, **kw}),
    lambda ps, **kw: optim.AdamW(ps, **{"lr": 0.1, **kw}),
    lambda ps, **kw: optim.RMSprop(ps, **{"lr": 0.1, "momentum": 0.5, "centered": True,
                                          "weight_decay": 0.1, **kw}),
    lambda ps, **kw: optim.Adagrad(ps, **{"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.1, **kw}),
]
NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]


def test_param_groups_take_the_constructors_options_as_defaults():
    mg.manual_seed(0)
    model = nn.MLP(2, [3, 1])
    opt = optim.SGD([{"params": model[0].parameters()},
                     {"params": model[2].parameters(), "lr": 1e-3}], lr=0.1, momentum=0.9)
    assert [(g["lr"], g["momentum"], g["nesterov"]) for g in opt.param_groups] == [
        (0.1, 0.9, False), (1e-3, 0.9, False)]
    assert [len(g["params"]) for g in opt.param_groups] == [2, 2]
    assert opt.param_groups[1]["params"][0] is model[2].weight
    before = [p.data.copy() for p in model.parameters()]
    for p in model.parameters():
        p.grad = np.ones_like(p.data)
    opt.step()
    moved = [float(np.max(b - p.data)) for b, p in zip(before, model.parameters())]
    assert moved == pytest.approx([0.1, 0.1, 1e-3, 1e-3], rel=1e-12)


def test_sgd_lr_defaults_to_pytorchs():
    assert optim.SGD([Value(1.0)]).param_groups[0]["lr"] == 1e-3


@pytest.mark.parametrize("make", ALL_OPTIMIZERS, ids=NAMES)
def test_an_lr_written_into_a_group_takes_effect_at_the_next_step(make):
    p, q = Tensor([1.0, -2.0], requires_grad=True), Tensor([1.0, -2.0], requires_grad=True)
    opt, ref = make([p], weight_decay=0.0), make([q], weight_decay=0.0)
    for lr in (0.1, 0.0, 0.05):
        opt.param_groups[0]["lr"] = lr
        ref.param_groups[0]["lr"] = lr
        p.grad, q.grad = np.array([0.5, 2.0]), np.array([0.5, 2.0])
        before = p.data.copy()
        opt.step()
        ref.step()
        assert np.array_equal(p.data, q.data)
        assert np.array_equal(p.data, before) == (lr == 0.0)


def test_an_lr_written_by_hand_moves_sgd_by_that_lr():
    v = Value(1.0)
    opt = optim.SGD([v], lr=0.1)
    opt.param_groups[0]["lr"] = 0.5
    v.grad = 2.0
    opt.step()
    assert v.data == 0.0


def test_add_param_group_fills_defaults_and_refuses_a_parameter_twice():
    p, q = Tensor([1.0], requires_grad=True), Tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Adam([p], lr=0.1, betas=(0.8, 0.9), eps=0.0)
    opt.add_param_group({"params": q, "lr": 0.2})
    assert opt.param_groups[1]["betas"] == (0.8, 0.9) and opt.param_groups[1]["params"] == [q]
    p.grad, q.grad = np.ones(1), np.array([1.0, -3.0])
    opt.step()          # Adam's first step is lr * sign(g)
    np.testing.assert_allclose(q.data, [0.8, 2.2], rtol=1e-14)
    np.testing.assert_allclose(p.data, [0.9], rtol=1e-14)
    with pytest.raises(ValueError, match="parameter 1 of the new group is in group 1 already"):
        opt.add_param_group({"params": [Tensor([0.0], requires_grad=True), q]})
    assert len(opt.param_groups) == 2
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        opt.add_param_group({"params": [Tensor([0.0], requires_grad=True)], "lr": -1})
    assert len(opt.param_groups) == 2


def test_adagrad_makes_state_for_a_group_added_later_at_its_first_step():
    p, q = Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    opt = optim.Adagrad([p], lr=0.5)
    opt.add_param_group({"params": [q], "initial_accumulator_value": 3.0})
    assert q not in opt.state
    q.grad = np.array([1.0])
    opt.step()          # s = 3 + 1
    assert opt.state[q]["sum"][0] == 4.0 and q.data[0] == pytest.approx(1 - 0.5 / 2)



def test_named_parameters_are_accepted_and_their_names_kept():
    mg.manual_seed(0)
    model = nn.MLP(2, [3, 1])
    opt = optim.SGD(model.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert opt.param_groups[0]["params"] == list(model.parameters())
    assert opt.state_dict()["param_groups"][0]["param_names"][3] == "2.bias"
    with pytest.raises(ValueError, match="new group's parameters are unnamed, group 0's are not"):
        opt.add_param_group({"params": [Tensor([1.0], requires_grad=True)]})
    with pytest.raises(ValueError, match="parameter 1 has no name, others do"):
        optim.SGD([("w", model[0].weight), model[0].bias], lr=0.1)


def test_repr_lists_each_group_as_pytorch_does():
    opt = optim.RMSprop([{"params": [Value(0.0)]}, {"params": [Value(0.0)], "lr": 0.5}])
    assert repr(opt) == "\n".join([
        "RMSprop (", "Parameter Group 0", "    alpha: 0.99", "    centered: False",
        "    eps: 1e-08", "    lr: 0.01", "    maximize: False", "    momentum: 0.0",
        "    weight_decay: 0.0", "Parameter Group 1", "    alpha: 0.99", "    centered: False",
        "    eps: 1e-08", "    lr: 0.5", "    maximize: False", "    momentum: 0.0",
        "    weight_decay: 0.0", ")"])

@pytest.mark.parametrize("make", ALL_OPTIMIZERS, ids=NAMES)
def test_a_tensor_grad_gives_the_same_step_as_an_array_grad(make):
    p, q = Tensor([1.0, -2.0, 0.5], requires_grad=True), Tensor([1.0, -2.0, 0.5],
                                                                  requires_grad=True)
    opt_p, opt_q = make([p]), make([q])
    for g in ([0.5, 2.0, -1.0], [0.25, -1.0, 3.0]):
        p.grad, q.grad = np.array(g), Tensor(g)
        opt_p.step()
        opt_q.step()
        assert np.array_equal(p.data, q.data)
    assert not np.array_equal(p.data, [1.0, -2.0, 0.5])


@pytest.mark.parametrize("make", ALL_OPTIMIZERS, ids=NAMES)
def test_a_step_updates_the_parameters_array_in_place(make):
    p = Tensor([1.0, -2.0, 0.5], requires_grad=True)
    array, view = p.data, p.data[:2]
    opt = make([p])
    for _ in range(2):
        p.grad = np.array([0.5, 2.0, -1.0])
        before = p.data.copy()
        opt.step()
        assert p.data is array
        assert not np.array_equal(p.data, before)
        np.testing.assert_array_equal(view, p.data[:2])


# --- against PyTorch itself (skipped without it) ----------------------------------------------

def _bumpy_grad(theta):
    """A gradient that depends on θ, so a wrong step changes every later one."""
    return theta ** 3 + theta - 0.2


TORCH_CASES = [
    ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.01), dict(lr=0.02, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.5, maximize=True), dict(momentum=0.0)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, amsgrad=True), dict(betas=(0.5, 0.6))),
    ("AdamW", dict(lr=0.05, weight_decay=0.1), dict(amsgrad=True, maximize=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1),
     dict(lr=0.02, centered=False, momentum=0.0, eps=1e-3)),
    ("RMSprop", dict(lr=0.01, maximize=True), dict(momentum=0.9, alpha=0.5)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.5),
     dict(lr=0.3, lr_decay=0.0, eps=1e-3)),
    ("Adagrad", dict(lr=0.1, maximize=True), dict(weight_decay=0.5)),
]


@pytest.mark.parametrize("name,options,group_options", TORCH_CASES)
def test_optimizers_with_groups_match_torch(name, options, group_options):
    torch = pytest.importorskip("torch")
    starts = [THETA0, np.array([[0.2, -0.7], [1.5, 0.1]]), np.array([0.3])]
    ours = [Tensor(s.copy(), requires_grad=True) for s in starts]
    theirs = [torch.tensor(s.copy(), requires_grad=True) for s in starts]

    def groups(ps):
        return [{"params": ps[:2]}, {"params": ps[2:], **group_options}]
    opt = getattr(optim, name)(groups(ours), **options)
    topt = getattr(torch.optim, name)(groups(theirs), foreach=False, **options)
    for step in range(8):
        if step == 4:  # an lr written by hand, in both
            opt.param_groups[1]["lr"] = topt.param_groups[1]["lr"] = 0.07
        for p, t in zip(ours, theirs):
            p.grad = _bumpy_grad(p.data)
            t.grad = torch.from_numpy(_bumpy_grad(t.detach().numpy()))
        opt.step()
        topt.step()
        for p, t in zip(ours, theirs):
            np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("make", [
    lambda lr_scheduler, o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
    lambda lr_scheduler, o: lr_scheduler.CosineAnnealingLR(o, T_max=5, eta_min=0.01),
    lambda lr_scheduler, o: lr_scheduler.MultiStepLR(o, milestones=[3, 9, 9, 20], gamma=0.5),
    lambda lr_scheduler, o: lr_scheduler.ExponentialLR(o, gamma=0.9),
    lambda lr_scheduler, o: lr_scheduler.LambdaLR(o, [lambda e: 1 / (1 + e), lambda e: 0.9 ** e]),
], ids=["StepLR", "CosineAnnealingLR", "MultiStepLR", "ExponentialLR", "LambdaLR"])
def test_schedulers_with_groups_and_lr_writes_match_torch(make):
    torch = pytest.importorskip("torch")
    opt = optim.SGD([{"params": [Value(0.0)]}, {"params": [Value(0.0)], "lr": 0.5}], lr=0.1)
    topt = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)]},
                            {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.5}], lr=0.1)
    sched, tsched = make(optim.lr_scheduler, opt), make(torch.optim.lr_scheduler, topt)
    for epoch in range(25):
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12, abs=1e-15)
        assert [g["lr"] for g in opt.param_groups] == sched.get_last_lr()
        if epoch == 7:
            opt.param_groups[0]["lr"] = topt.param_groups[0]["lr"] = 0.3
        topt.step()
        sched.step()
        tsched.step()


# --- checkpoints -----------------------------------------------------------------------------

def _train(model, opt, steps, seed):
    X, y = mg.data.sin_cubed(32, seed=seed)
    X, y = X.reshape(-1, 1), y.reshape(-1, 1)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.mse_loss(model(X), y).backward()
        opt.step()
        out.append(np.concatenate([p.data.ravel() for p in model.parameters()]))
    return np.array(out)


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
    lambda ps: optim.AdamW(ps, lr=0.01),
])
def test_state_dict_round_trip_resumes_the_same_trajectory(make):
    mg.manual_seed(1)
    model = nn.MLP(1, [8, 8, 1], activation="tanh")
    opt = make(model.parameters())
    _train(model, opt, 5, seed=0)
    model_sd, opt_sd = model.state_dict(), opt.state_dict()
    expected = _train(model, opt, 5, seed=0)

    mg.manual_seed(2)
    fresh = nn.MLP(1, [8, 8, 1], activation="tanh")
    fresh_opt = make(fresh.parameters())
    fresh.load_state_dict(model_sd)
    fresh_opt.load_state_dict(copy.deepcopy(opt_sd))
    np.testing.assert_array_equal(_train(fresh, fresh_opt, 5, seed=0), expected)


def _sgd_after_one_step():
    """SGD with momentum on a 2-element Tensor after one step with gradient [1, 1]."""
    p = Tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.ones(2)
    opt.step()
    return opt


def test_state_dict_is_a_copy_indexed_by_position():
    opt = _sgd_after_one_step()
    sd = opt.state_dict()
    assert set(sd["state"]) == {0} and sd["param_groups"][0]["params"] == [0]
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["momentum_buffer"], [1.0, 1.0])


def test_value_parameters_state_dict_round_trip():
    vs = [Value(1.0), Value(-2.0)]
    opt = optim.Adam(vs, lr=0.1)
    for v in vs:
        v.grad = 1.0
    opt.step()
    sd = opt.state_dict()
    other = [Value(v.data) for v in vs]
    opt2 = optim.Adam(other, lr=0.1)
    opt2.load_state_dict(sd)
    for a, b in zip(vs, other):
        a.grad = b.grad = 0.5
    opt.step()
    opt2.step()
    assert [v.data for v in vs] == [v.data for v in other]


def test_load_state_dict_mismatches_are_errors_and_change_nothing():
    opt = _sgd_after_one_step()
    sd = opt.state_dict()
    q = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    other = optim.SGD([q], lr=0.7, momentum=0.9)
    with pytest.raises(ValueError, match=r"state\[0\]\['momentum_buffer'\] has shape \(2,\)"):
        other.load_state_dict(sd)
    assert other.state == {} and other.param_groups[0]["lr"] == 0.7
    with pytest.raises(ValueError, match="2 parameter groups, the optimizer 1"):
        opt.load_state_dict({"state": {}, "param_groups": sd["param_groups"] * 2})
    with pytest.raises(ValueError, match="group 0 has 2 parameters in the state dict, 1"):
        opt.load_state_dict({"state": {}, "param_groups": [{**sd["param_groups"][0],
                                                            "params": [0, 1]}]})
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})


def _grads_and_step(params, opt, steps):
    """Steps with θ-dependent grads set by hand; the parameters after each."""
    out = []
    for _ in range(steps):
        for p in params:
            p.grad = _bumpy_grad(p.data)
        opt.step()
        out.append(np.concatenate([np.ravel(p.data) for p in params]))
    return np.array(out)


GROUPED = [
    lambda ps: optim.SGD([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.01, "nesterov": True}],
                         lr=0.05, momentum=0.9),
    lambda ps: optim.Adam([{"params": ps[:2], "amsgrad": True}, {"params": ps[2:]}], lr=0.05),
    lambda ps: optim.AdamW([{"params": ps[:2]}, {"params": ps[2:], "weight_decay": 0.5}]),
    lambda ps: optim.RMSprop([{"params": ps[:2], "centered": True}, {"params": ps[2:]}],
                             momentum=0.5),
    lambda ps: optim.Adagrad([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.3}], lr_decay=0.1),
]


@pytest.mark.parametrize("make", GROUPED, ids=NAMES)
def test_state_dict_round_trip_with_groups_resumes_exactly(make):
    def params():
        return [Tensor([0.5, -1.0], requires_grad=True), Tensor([[2.0]], requires_grad=True),
                Tensor([0.3, 0.1, -0.4], requires_grad=True)]
    ps = params()
    opt = make(ps)
    _grads_and_step(ps, opt, 3)
    saved, sd = [p.data.copy() for p in ps], copy.deepcopy(opt.state_dict())
    expected = _grads_and_step(ps, opt, 3)

    fresh = params()
    for p, data in zip(fresh, saved):
        p.data[...] = data
    fresh_opt = make(fresh)
    for group in fresh_opt.param_groups:
        group["lr"] = 123.0  # the state dict brings each group's own back
    fresh_opt.load_state_dict(sd)
    np.testing.assert_array_equal(_grads_and_step(fresh, fresh_opt, 3), expected)


def test_state_dict_numbers_parameters_across_groups_as_pytorch():
    p, q, r = (Tensor([1.0], requires_grad=True) for _ in range(3))
    opt = optim.SGD([{"params": [p, q]}, {"params": [r], "lr": 0.5}], lr=0.1, momentum=0.9)
    for x in (p, r):
        x.grad = np.ones(1)
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert [g["lr"] for g in sd["param_groups"]] == [0.1, 0.5]
    assert set(sd["state"]) == {0, 2} and set(sd["state"][2]) == {"momentum_buffer"}


def test_adagrad_state_is_there_before_the_first_step():
    p, v = Tensor([1.0, 2.0], requires_grad=True), Value(1.0)
    sd = optim.Adagrad([p, v], initial_accumulator_value=0.5).state_dict()
    assert sd["state"][0]["step"] == 0 and np.array_equal(sd["state"][0]["sum"], [0.5, 0.5])
    assert sd["state"][1] == {"step": 0, "sum": 0.5}


# --- schedulers --------------------------------------------------------------------------------

def test_step_lr_follows_its_rule_and_drives_the_optimizer():
    p = Value(0.0)
    opt = optim.SGD([p], lr=1.0)
    sched = optim.StepLR(opt, step_size=3, gamma=0.5)
    lrs = []
    for _ in range(7):
        lrs.append(sched.get_last_lr()[0])
        p.grad = 1.0
        before = p.data
        opt.step()
        assert before - p.data == pytest.approx(lrs[-1])
        sched.step()
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]


def test_cosine_annealing_follows_its_closed_form():
    opt = optim.SGD([Value(0.0)], lr=0.1)
    sched = optim.CosineAnnealingLR(opt, T_max=10, eta_min=0.01)
    for epoch in range(12):
        expected = 0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * epoch / 10)) / 2
        assert sched.get_last_lr() == [pytest.approx(expected, rel=1e-15)]
        assert opt.param_groups[0]["lr"] == sched.get_last_lr()[0]
        sched.step()
    assert sched.last_epoch == 12


def test_scheduler_state_dict_round_trip():
    opt = optim.SGD([Value(0.0)], lr=0.1)
    sched = optim.StepLR(opt, step_size=2)
    for _ in range(3):
        sched.step()
    sd, opt_sd = sched.state_dict(), opt.state_dict()
    opt2 = optim.SGD([Value(0.0)], lr=0.1)
    sched2 = optim.StepLR(opt2, step_size=2)
    opt2.load_state_dict(opt_sd)  # the lr lives in the optimizer, as in PyTorch
    sched2.load_state_dict(sd)
    sched.step()
    sched2.step()
    assert sched2.get_last_lr() == sched.get_last_lr() == [pytest.approx(0.001)]
    with pytest.raises(ValueError, match="expected the keys"):
        sched2.load_state_dict({"last_epoch": 3})


def test_lr_scheduler_is_a_module_and_the_old_names_still_work():
    from microgd.optim.lr_scheduler import CosineAnnealingLR, LRScheduler, StepLR
    assert optim.lr_scheduler.StepLR is StepLR is optim.StepLR
    assert optim.CosineAnnealingLR is CosineAnnealingLR and optim.LRScheduler is LRScheduler


def test_step_lr_sets_every_group_from_its_own_lr():
    opt = optim.SGD([{"params": [Value(0.0)]}, {"params": [Value(0.0)], "lr": 0.4}], lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    seen = []
    for _ in range(5):
        seen.append(sched.get_last_lr())
        assert [g["lr"] for g in opt.param_groups] == seen[-1]
        sched.step()
    assert seen == [[1.0, 0.4], [1.0, 0.4], [0.5, 0.2], [0.5, 0.2], [0.25, 0.1]]
    assert sched.base_lrs == [1.0, 0.4]
    assert [g["initial_lr"] for g in opt.param_groups] == [1.0, 0.4]


def test_cosine_annealing_anneals_every_group_to_eta_min():
    opt = optim.SGD([{"params": [Value(0.0)]}, {"params": [Value(0.0)], "lr": 0.5}], lr=0.1)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.02)
    for epoch in range(9):
        assert sched.get_last_lr() == [
            pytest.approx(0.02 + (base - 0.02) * (1 + math.cos(math.pi * epoch / 4)) / 2,
                          rel=1e-14) for base in (0.1, 0.5)]
        sched.step()


def test_a_scheduler_goes_on_from_an_lr_written_by_hand():
    opt = optim.SGD([Value(0.0)], lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    sched.step()
    opt.param_groups[0]["lr"] = 0.2
    sched.step()        # epoch 2: the lr there now, halved
    assert sched.get_last_lr() == [0.1] and opt.param_groups[0]["lr"] == 0.1
    sched.step()
    assert sched.get_last_lr() == [0.1]


def test_a_second_scheduler_keeps_the_first_initial_lr():
    opt = optim.SGD([Value(0.0)], lr=1.0)
    optim.StepLR(opt, step_size=1, gamma=0.5).step()
    second = optim.CosineAnnealingLR(opt, T_max=10)
    assert second.base_lrs == [1.0] and second.get_last_lr() == [0.5]


def test_a_scheduler_resumes_from_last_epoch():
    opt = optim.SGD([Value(0.0)], lr=0.1)
    with pytest.raises(KeyError, match=r"'initial_lr' is not specified in param_groups\[0\]"):
        optim.StepLR(opt, step_size=2, last_epoch=3)
    opt.param_groups[0]["initial_lr"] = 1.0
    sched = optim.StepLR(opt, step_size=2, gamma=0.5, last_epoch=3)
    assert sched.last_epoch == 4 and sched.get_last_lr() == [0.05]  # epoch 4 decays the lr


def test_multistep_exponential_and_lambda_follow_their_closed_forms():
    def lrs(make, epochs=12):
        opt = optim.SGD([{"params": [Value(0.0)]}, {"params": [Value(0.0)], "lr": 0.5}], lr=1.0)
        sched = make(opt)
        out = []
        for _ in range(epochs):
            out.append(sched.get_last_lr())
            sched.step()
        return out
    milestones = [2, 5, 5]
    assert lrs(lambda o: optim.lr_scheduler.MultiStepLR(o, milestones, gamma=0.5)) == [
        [pytest.approx(base * 0.5 ** sum(m <= e for m in milestones)) for base in (1.0, 0.5)]
        for e in range(12)]
    assert lrs(lambda o: optim.lr_scheduler.ExponentialLR(o, gamma=0.8)) == [
        [pytest.approx(base * 0.8 ** e, rel=1e-14) for base in (1.0, 0.5)] for e in range(12)]
    assert lrs(lambda o: optim.lr_scheduler.LambdaLR(o, lambda e: 1 / (e + 1))) == [
        [base / (e + 1) for base in (1.0, 0.5)] for e in range(12)]


def test_lambda_lr_state_dict_keeps_callable_objects_not_functions():
    class Warmup:
        def __init__(self, epochs):
            self.epochs = epochs

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.epochs)

    opt = optim.SGD([{"params": [Value(0.0)]}, {"params": [Value(0.0)]}], lr=1.0)
    sched = optim.lr_scheduler.LambdaLR(opt, [Warmup(4), lambda e: 0.5])
    sched.step()
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"epochs": 4}, None] and sd["last_epoch"] == 1
    opt2 = optim.SGD([{"params": [Value(0.0)]}, {"params": [Value(0.0)]}], lr=1.0)
    warmup, half = Warmup(100), (lambda e: 0.5)
    sched2 = optim.lr_scheduler.LambdaLR(opt2, [warmup, half])
    sched2.load_state_dict(sd)
    assert sched2.lr_lambdas == [warmup, half] and warmup.epochs == 4
    sched.step()
    sched2.step()
    assert sched2.get_last_lr() == sched.get_last_lr() == [0.75, 0.5]


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("make,error,match", [
    (lambda ps: optim.SGD(ps, lr=-1), ValueError, "Invalid learning rate: -1"),
    (lambda ps: optim.SGD(ps, lr=float("nan")), ValueError, "Invalid learning rate: nan"),
    (lambda ps: optim.SGD(ps, lr="0.1"), TypeError, "lr must be a real number, got str"),
    (lambda ps: optim.SGD(ps, lr=0.1, momentum=-0.5), ValueError, "Invalid momentum value: -0.5"),
    (lambda ps: optim.SGD(ps, lr=0.1, weight_decay=-1e-4), ValueError,
     "Invalid weight_decay value: -0.0001"),
    (lambda ps: optim.SGD(ps, lr=0.1, nesterov=True), ValueError,
     "Nesterov momentum requires a momentum and zero dampening, got momentum=0.0"),
    (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), ValueError,
     "dampening=0.1"),
    (lambda ps: optim.SGD(ps, lr=0.1, nesterov=1), TypeError, "nesterov must be a bool, got int"),
    (lambda ps: optim.SGD(ps, lr=0.1, maximize="yes"), TypeError, "maximize must be a bool"),
    (lambda ps: optim.Adam(ps, lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
    (lambda ps: optim.Adam(ps, eps=-1e-8), ValueError, "Invalid epsilon value: -1e-08"),
    (lambda ps: optim.Adam(ps, betas=(1.0, 0.999)), ValueError,
     "Invalid beta parameter at index 0: 1.0"),
    (lambda ps: optim.Adam(ps, betas=(0.9, -0.1)), ValueError,
     "Invalid beta parameter at index 1: -0.1"),
    (lambda ps: optim.Adam(ps, betas=0.9), TypeError, "betas must be a pair"),
    (lambda ps: optim.Adam(ps, weight_decay=-1), ValueError, "Invalid weight_decay value: -1"),
    (lambda ps: optim.AdamW(ps, amsgrad=None), TypeError, "amsgrad must be a bool"),
    (lambda ps: optim.SGD([{"params": ps, "lr": -2}], lr=0.1), ValueError,
     "Invalid learning rate: -2"),
    (lambda ps: optim.RMSprop(ps, lr=-0.5), ValueError, "Invalid learning rate: -0.5"),
    (lambda ps: optim.RMSprop(ps, alpha=-0.9), ValueError, "Invalid alpha value: -0.9"),
    (lambda ps: optim.RMSprop(ps, eps=-1.0), ValueError, "Invalid epsilon value: -1.0"),
    (lambda ps: optim.RMSprop(ps, momentum=-0.1), ValueError, "Invalid momentum value: -0.1"),
    (lambda ps: optim.RMSprop(ps, weight_decay=-2), ValueError, "Invalid weight_decay value: -2"),
    (lambda ps: optim.RMSprop(ps, centered=1), TypeError, "centered must be a bool, got int"),
    (lambda ps: optim.RMSprop(ps, alpha="0.9"), TypeError, "alpha must be a real number"),
    (lambda ps: optim.Adagrad(ps, lr=-0.01), ValueError, "Invalid learning rate: -0.01"),
    (lambda ps: optim.Adagrad(ps, lr_decay=-1), ValueError, "Invalid lr_decay value: -1"),
    (lambda ps: optim.Adagrad(ps, weight_decay=-1), ValueError, "Invalid weight_decay value: -1"),
    (lambda ps: optim.Adagrad(ps, initial_accumulator_value=-0.1), ValueError,
     "Invalid initial_accumulator_value value: -0.1"),
    (lambda ps: optim.Adagrad(ps, eps=float("nan")), ValueError, "Invalid epsilon value: nan"),
    (lambda ps: optim.Adagrad(ps, maximize=None), TypeError, "maximize must be a bool"),
])
def test_invalid_hyperparameters(make, error, match):
    with pytest.raises(error, match=match):
        make([Tensor([1.0], requires_grad=True)])


def test_invalid_parameter_lists():
    p = Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="SGD got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="got a single Tensor; wrap it in a list"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 must be a Value or a Tensor, got float"):
        optim.SGD([p, 1.0], lr=0.1)
    with pytest.raises(ValueError, match=r"parameter 0 is not a leaf \(it was computed by op '\*'"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="appear more than once"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="appear more than once"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(TypeError, match="a parameter group must be a dict with a 'params'"):
        optim.SGD([{"lr": 0.1}], lr=0.1)


@pytest.mark.parametrize("params,error,match", [
    (lambda m: m[0], TypeError, r"params must be an iterable of parameters \(Values or Tensors\) "
     r"or of dicts, got a Linear module; pass module.parameters\(\)"),
    (lambda m: m, TypeError, "got a MLP module; pass module.parameters()"),
    (lambda m: [m[0]], TypeError, r"parameter 0 is a Linear module; pass module.parameters\(\)"),
    (lambda m: m[0].weight, TypeError, "got a single Parameter; wrap it in a list"),
    (lambda m: 0.1, TypeError, "params must be an iterable .* got float"),
    (lambda m: set(m.parameters()), TypeError, "params must be an ordered collection such as "
     "a list, not a set"),
    (lambda m: {"params": m.parameters()}, TypeError, r"got a dict; a parameter group goes in a "
     r"list: \[\{'params': ...\}\]"),
    (lambda m: [{"params": set(m.parameters())}], TypeError, "'params' must be an ordered"),
    (lambda m: [{"params": m[0]}], TypeError, "'params' must be .* got a Linear module"),
    (lambda m: iter([]), ValueError, "SGD got an empty parameter list"),
])
def test_bad_params_say_what_to_pass(params, error, match):
    model = nn.MLP(2, [3, 1])
    with pytest.raises(error, match=match):
        optim.SGD(params(model), lr=0.1)


@pytest.mark.parametrize("make,name", list(zip(ALL_OPTIMIZERS, NAMES)), ids=NAMES)
def test_a_grad_of_the_wrong_shape_is_named_and_nothing_changes(make, name):
    p, q = Tensor([1.0, 2.0, 3.0], requires_grad=True), Tensor(np.ones((2, 2)), requires_grad=True)
    opt = make([{"params": [p]}, {"params": [q]}])
    p.grad = np.ones(3)
    with pytest.raises(RuntimeError, match=r"assigned grad has shape \(3,\), but the tensor "
                                           r"has shape \(2, 2\)"):
        q.grad = np.ones(3)  # refused as it is assigned, as in PyTorch; .data is not checked:
    q.grad = np.ones((2, 2))
    for bad, shape in ((np.ones(3), r"\(3,\)"), (np.ones((2, 1)), r"\(2, 1\)")):
        q.grad.data = bad
        with pytest.raises(RuntimeError, match=rf"{name}.step: parameter 0 of group 1 has shape "
                           rf"\(2, 2\) but its grad has shape {shape}"):
            opt.step()
        assert np.array_equal(p.data, [1.0, 2.0, 3.0])  # group 0 was not stepped either


def test_a_value_with_an_array_grad_or_a_grad_that_is_no_number_is_named():
    v = Value(1.0)
    opt = optim.SGD([Tensor([1.0], requires_grad=True), v], lr=0.1)
    v.grad = np.ones(2)
    with pytest.raises(RuntimeError, match=r"parameter 1 of group 0 has shape \(\) but its "
                       r"grad has shape \(2,\)"):
        opt.step()
    v.grad = "1.0"
    with pytest.raises(TypeError, match="parameter 1 of group 0 has a grad of type str"):
        opt.step()
    assert v.data == 1.0


def test_a_bad_lr_written_into_a_group_is_refused_at_the_next_step():
    v = Value(1.0)
    opt = optim.Adam([v])
    v.grad = 1.0
    opt.step()  # checked once; checked again only when the group changes
    v.data = 1.0
    opt.param_groups[0]["lr"] = -0.1
    with pytest.raises(ValueError, match="Invalid learning rate: -0.1"):
        opt.step()
    opt.param_groups[0]["lr"] = "0.1"
    with pytest.raises(TypeError, match="lr must be a real number, got str"):
        opt.step()
    assert v.data == 1.0


def test_a_group_given_new_parameters_steps_them():
    p, q = Tensor([1.0, 2.0], requires_grad=True), Tensor([5.0, 6.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.5)
    p.grad = q.grad = np.ones(2)
    opt.step()
    opt.param_groups[0]["params"] = [q]  # compared by identity, never as Tensors
    opt.step()
    np.testing.assert_array_equal(p.data, [0.5, 1.5])
    np.testing.assert_array_equal(q.data, [4.5, 5.5])


@pytest.mark.parametrize("make,error,match", [
    (lambda o: optim.StepLR(o, step_size=0), ValueError, "step_size must be a positive int, got 0"),
    (lambda o: optim.StepLR(o, step_size=2.5), TypeError, "step_size must be an int, got float"),
    (lambda o: optim.StepLR(o, 2, gamma=-0.1), ValueError, "gamma must be >= 0, got -0.1"),
    (lambda o: optim.CosineAnnealingLR(o, T_max=-3), ValueError, "T_max must be a positive int"),
    (lambda o: optim.CosineAnnealingLR(o, 5, eta_min=-1), ValueError, "eta_min must be >= 0"),
    (lambda o: optim.StepLR("opt", 2), TypeError, "optimizer must be an Optimizer, got str"),
    (lambda o: optim.lr_scheduler.MultiStepLR(o, 3), TypeError,
     "milestones must be a list of epochs .ints., got int"),
    (lambda o: optim.lr_scheduler.MultiStepLR(o, [2, 0]), ValueError,
     "a milestone must be a positive int, got 0"),
    (lambda o: optim.lr_scheduler.MultiStepLR(o, [2], gamma=-1), ValueError, "gamma must be >= 0"),
    (lambda o: optim.lr_scheduler.ExponentialLR(o, gamma="0.9"), TypeError,
     "gamma must be a real number, got str"),
    (lambda o: optim.lr_scheduler.LambdaLR(o, [abs, abs]), ValueError,
     r"expected 1 lr_lambdas \(one per parameter group\), got 2"),
    (lambda o: optim.lr_scheduler.LambdaLR(o, 0.5), TypeError,
     "lr_lambda 0 must be a function of the epoch, got float"),
    (lambda o: optim.lr_scheduler.LambdaLR(None, abs), TypeError,
     "LambdaLR: optimizer must be an Optimizer, got NoneType"),
    (lambda o: optim.StepLR(o, 2, last_epoch=-2), ValueError,
     "last_epoch must be an int >= -1, got -2"),
    (lambda o: optim.CosineAnnealingLR(o, 2, last_epoch=1.0), TypeError,
     "last_epoch must be an int, got float 1.0"),
])
def test_invalid_scheduler_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make(optim.SGD([Value(0.0)], lr=0.1))
