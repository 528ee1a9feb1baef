"""Optional: optimizers, schedulers, losses and Linear against PyTorch itself (skipped without it).

The closed-form tests in test_optim.py and test_functional.py stand on their own; these
confirm that "PyTorch's rules" means what PyTorch actually computes.
"""

import itertools

import numpy as np
import pytest

import microgd as mg
from microgd import Tensor, nn, optim
from microgd.nn import functional as F

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # one thread pool per process: numpy's BLAS keeps its speed

THETA0 = np.array([0.5, -1.0, 2.0])


def _grad(theta):
    return np.array([1.0, 2.0, 0.5]) * theta + 0.3 + theta ** 3


def _trajectories(ours, theirs, steps=5):
    p = Tensor(THETA0.copy(), requires_grad=True)
    q = torch.tensor(THETA0.copy(), requires_grad=True)
    opt, topt = ours([p]), theirs([q])
    got, want = [], []
    for _ in range(steps):
        p.grad = _grad(p.data)
        q.grad = torch.from_numpy(_grad(q.detach().numpy()))
        opt.step()
        topt.step()
        got.append(p.data.copy())
        want.append(q.detach().numpy().copy())
    return np.array(got), np.array(want)


@pytest.mark.parametrize("momentum,dampening,nesterov,weight_decay,maximize", [
    c for c in itertools.product([0.0, 0.9], [0.0, 0.5], [False, True], [0.0, 0.1],
                                 [False, True]) if not (c[2] and (c[0] == 0 or c[1] != 0))])
def test_sgd_matches_torch(momentum, dampening, nesterov, weight_decay, maximize):
    kw = dict(lr=0.05, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
              nesterov=nesterov, maximize=maximize)
    got, want = _trajectories(lambda ps: optim.SGD(ps, **kw),
                              lambda ps: torch.optim.SGD(ps, **kw))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("ours,theirs", [(optim.Adam, "Adam"), (optim.AdamW, "AdamW")])
@pytest.mark.parametrize("weight_decay,amsgrad,maximize",
                         list(itertools.product([0.0, 0.1], [False, True], [False, True])))
def test_adam_matches_torch(ours, theirs, weight_decay, amsgrad, maximize):
    kw = dict(lr=0.05, betas=(0.8, 0.9), eps=1e-3, weight_decay=weight_decay,
              amsgrad=amsgrad, maximize=maximize)
    got, want = _trajectories(lambda ps: ours(ps, **kw),
                              lambda ps: getattr(torch.optim, theirs)(ps, foreach=False, **kw))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("make,make_torch", [
    (lambda o: optim.StepLR(o, step_size=3, gamma=0.5),
     lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
    (lambda o: optim.CosineAnnealingLR(o, T_max=10, eta_min=0.01),
     lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.01)),
])
def test_schedulers_match_torch(make, make_torch):
    sched = make(optim.SGD([Tensor([0.0], requires_grad=True)], lr=0.1))
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    tsched = make_torch(topt)
    for _ in range(25):
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12, abs=1e-15)
        topt.step()
        sched.step()
        tsched.step()


def test_a_microgd_checkpoint_gives_the_same_outputs_in_torch():
    model = nn.MLP(3, [8, 8, 2])
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8),
                                 torch.nn.ReLU(), torch.nn.Linear(8, 2)).double()
    tmodel.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    x = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_allclose(model(x).data, tmodel(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-12, atol=1e-14)


def test_losses_match_torch():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 4)) * 3
    labels = rng.integers(0, 4, size=6)
    logits[0] = [1000.0, -1000.0, 0.0, 5.0]
    tf = torch.nn.functional
    for reduction in ("mean", "sum", "none"):
        np.testing.assert_allclose(
            F.cross_entropy(Tensor(logits), labels, reduction=reduction).data,
            tf.cross_entropy(torch.from_numpy(logits), torch.from_numpy(labels),
                             reduction=reduction).numpy(), rtol=1e-12)
    p = np.array([0.0, 1.0, 0.3, 1e-50, 0.999])
    t = np.array([1.0, 0.0, 0.2, 1.0, 1.0])
    np.testing.assert_allclose(
        F.binary_cross_entropy(Tensor(p), t, reduction="none").data,
        tf.binary_cross_entropy(torch.from_numpy(p), torch.from_numpy(t),
                                reduction="none").numpy(), rtol=1e-12)
    x = np.array([-1000.0, -3.0, 0.0, 2.0, 1000.0])
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(Tensor(x), t, reduction="none").data,
        tf.binary_cross_entropy_with_logits(torch.from_numpy(x), torch.from_numpy(t),
                                            reduction="none").numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(F.log_softmax(Tensor(logits), axis=0).data,
                               tf.log_softmax(torch.from_numpy(logits), dim=0).numpy(), rtol=1e-12)


NEW_OPS = {  # name: (microgd, torch) on the same inputs, ties and kinks included
    "abs": (lambda x, y: x.abs(), lambda x, y: x.abs()),
    "sqrt": (lambda x, y: (x * x + 0.5).sqrt(), lambda x, y: (x * x + 0.5).sqrt()),
    "sin cos": (lambda x, y: x.sin() * y.cos(), lambda x, y: x.sin() * y.cos()),
    "softplus": (lambda x, y: (x * 30).softplus(),
                 lambda x, y: torch.nn.functional.softplus(x * 30, threshold=1e9)),
    "clamp": (lambda x, y: x.clamp(-1.0, 0.5), lambda x, y: x.clamp(-1.0, 0.5)),
    "maximum": (lambda x, y: x.maximum(y), lambda x, y: torch.maximum(x, y)),
    "minimum": (lambda x, y: x.minimum(y), lambda x, y: torch.minimum(x, y)),
    "pow": (lambda x, y: x.relu() ** y.abs(), lambda x, y: x.relu() ** y.abs()),
    "where": (lambda x, y: mg.where(x.data > y.data, x, y * 2.0),
              lambda x, y: torch.where(x > y, x, y * 2.0)),
    "cat": (lambda x, y: mg.cat([x, y, x], dim=0) * mg.cat([y, x, x.exp()], dim=0),
            lambda x, y: torch.cat([x, y, x], dim=0) * torch.cat([y, x, x.exp()], dim=0)),
    "stack": (lambda x, y: mg.stack([x, y, x, y], dim=1).tanh(),
              lambda x, y: torch.stack([x, y, x, y], dim=1).tanh()),
}


@pytest.mark.parametrize("name", NEW_OPS)
def test_new_ops_match_torch(name):
    ours, theirs = NEW_OPS[name]
    x = np.array([-2.0, -1.0, 0.0, 0.5, 0.7, 3.0])
    y = np.array([1.0, -1.0, 0.0, 0.5, -0.2, 0.0])
    a, b = Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)
    ta, tb = (torch.tensor(v, requires_grad=True) for v in (x, y))
    out, tout = ours(a, b), theirs(ta, tb)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
    weights = np.linspace(0.5, 2.0, out.data.size).reshape(out.shape)
    (out * weights).sum().backward()
    (tout * torch.from_numpy(weights)).sum().backward()
    for g, tg in ((a.grad, ta.grad), (b.grad, tb.grad)):
        np.testing.assert_allclose(0 if g is None else g,
                                   0 if tg is None else tg.numpy(), rtol=1e-12)


def _both(values):
    return (Tensor(np.array(values), requires_grad=True),
            torch.tensor(values, dtype=torch.float64, requires_grad=True))


@pytest.mark.filterwarnings("ignore:divide by zero")
def test_l1_and_binary_losses_and_their_gradients_match_torch():
    tf = torch.nn.functional
    inputs = [0.0, 1.0, 0.3, 1e-50, 0.999, 0.5]
    targets = [1.0, 0.0, 0.2, 1.0, 1.0, 0.5]
    for ours, theirs in [(F.l1_loss, tf.l1_loss), (F.binary_cross_entropy,
                                                   tf.binary_cross_entropy),
                         (F.binary_cross_entropy_with_logits,
                          tf.binary_cross_entropy_with_logits)]:
        for reduction in ("mean", "sum"):
            (p, tp), (t, tt) = _both(inputs), _both(targets)
            loss, tloss = ours(p, t, reduction=reduction), theirs(tp, tt, reduction=reduction)
            loss.backward()
            tloss.backward()
            assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
            np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-12)
            np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-12)


def test_new_layers_match_torch():
    x = np.random.default_rng(1).normal(size=(2, 3, 4, 5))
    tx = torch.from_numpy(x)
    for start, end in [(1, -1), (0, 1), (-3, -2)]:
        assert (nn.Flatten(start, end)(Tensor(x)).shape
                == tuple(torch.nn.Flatten(start, end)(tx).shape))
    for dim in (0, 2, -1):
        np.testing.assert_allclose(nn.Softmax(dim=dim)(Tensor(x)).data,
                                   torch.nn.Softmax(dim=dim)(tx).numpy(), rtol=1e-12)
    assert repr(nn.Softmax(dim=1)) == repr(torch.nn.Softmax(dim=1))
    assert repr(nn.Flatten()) == repr(torch.nn.Flatten())
    assert str(nn.Parameter(Tensor([1.0]))).startswith("Parameter containing:\n")
    assert str(torch.nn.Parameter(torch.ones(1))).startswith("Parameter containing:\n")
