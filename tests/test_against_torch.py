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


SAME = lambda f: (f, f)  # noqa: E731 (the same code runs on both)

TENSOR_METHODS = {  # name: (microgd, torch) on the same (2, 3) tensor, a tie included
    "view": SAME(lambda x: x.view(3, 2)),
    "flatten": SAME(lambda x: x[None].flatten(1)),
    "ravel": SAME(lambda x: x.ravel()),
    "squeeze unsqueeze": SAME(lambda x: x.unsqueeze(1).unsqueeze(-1).squeeze(1) * 2),
    "squeeze all": SAME(lambda x: x[None, :, None].squeeze()),
    "permute": SAME(lambda x: x[None].permute(2, 0, 1)),
    "t": SAME(lambda x: x.t()),
    "transpose": SAME(lambda x: x.transpose(0, 1)),
    "expand": SAME(lambda x: x[:, :1].expand(-1, 4) * x[0].expand(2, 2, 3).sum()),
    "contiguous clone": SAME(lambda x: x.contiguous().clone()),
    "float double": SAME(lambda x: x.float().double()),
    "sum dim": SAME(lambda x: x.sum(dim=1, keepdim=True)),
    "mean dim": SAME(lambda x: x.mean(0)),
    "max": SAME(lambda x: x.max()),
    "max dim": SAME(lambda x: x.max(1).values),
    "max dim keepdim": SAME(lambda x: x.max(dim=0, keepdim=True).values),
    "max indices": SAME(lambda x: x.max(1).indices),
    "min dim": SAME(lambda x: x.min(1).values),
    "min indices": SAME(lambda x: x.min(0).indices),
    "argmax": SAME(lambda x: x.argmax()),
    "argmax dim": SAME(lambda x: x.argmax(1)),
    "argmin dim": SAME(lambda x: x.argmin(dim=0, keepdim=True)),
    "var": SAME(lambda x: x.var()),
    "var dim": SAME(lambda x: x.var(1, keepdim=True)),
    "var unbiased": SAME(lambda x: x.var(0, False)),
    "std": SAME(lambda x: x.std()),
    "std correction": SAME(lambda x: x.std(dim=1, correction=0)),
    "norm": SAME(lambda x: x.norm()),
    "norm dim": SAME(lambda x: x.norm(dim=1)),
    "norm 1": SAME(lambda x: x.norm(p=1, dim=0)),
    "norm 3": SAME(lambda x: x.norm(p=3)),
    "norm inf": SAME(lambda x: x.norm(p=float("inf"), dim=1)),
    "softmax": SAME(lambda x: x.softmax(1)),
    "log_softmax": SAME(lambda x: x.log_softmax(0)),
    "pow": SAME(lambda x: x.pow(2) + x.abs().pow(x)),
    "long": SAME(lambda x: x.long()),
    "bool": SAME(lambda x: x.bool()),
    "iterate": (lambda x: mg.stack([r * 2 for r in x]), lambda x: torch.stack([r * 2 for r in x])),
}


@pytest.mark.parametrize("name", TENSOR_METHODS)
def test_tensor_methods_match_torch(name):
    ours, theirs = TENSOR_METHODS[name]
    data = np.array([[0.5, -1.5, 2.0], [2.0, 0.0, -2.0]])  # ties for max, argmax, norm inf
    x, tx = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, tout = ours(x), theirs(tx)
    assert out.shape == tuple(tout.shape) and out.type() == tout.type()
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    if not tout.requires_grad:
        assert not out.requires_grad
        return
    assert out.grad_fn is not None
    weights = np.linspace(0.5, 2.0, out.numel()).reshape(out.shape)
    (out * weights).sum().backward()
    (tout * torch.from_numpy(weights)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_sizes_formats_and_gradients_at_zero_match_torch():
    data = np.zeros((2, 3))
    x, tx = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    assert x.size() == tuple(tx.size()) and x.size(-1) == tx.size(-1)
    assert (x.numel(), x.dim(), len(x)) == (tx.numel(), tx.dim(), len(tx))
    (x.norm() + x.norm(dim=0).sum()).backward()
    (tx.norm() + tx.norm(dim=0).sum()).backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())  # 0, not nan
    data = np.array([[1.0, 0.0, -2.0], [0.0, 0.0, 0.0]])  # zeros, and a constant row
    for p in (0.5, 1, 1.5, 2, 3):
        x, tx = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        (x.norm(p=p, dim=1).sum() + x.std(1).sum()).backward()
        (tx.norm(p=p, dim=1).sum() + tx.std(1).sum()).backward()
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12, err_msg=f"p={p}")
    assert f"{Tensor(2.0 / 3):.4f}" == f"{torch.tensor(2.0 / 3):.4f}"
    for make, name in [(lambda t: t * 2, "mul"), (lambda t: t.sum(0), "sum"),
                       (lambda t: t.mean(), "mean"), (lambda t: t.t(), "t")]:
        assert make(x).grad_fn.name() in (make(tx).grad_fn.name(), "PermuteBackward0"), name
    assert Tensor([1, 2], dtype="long").type() == torch.tensor([1, 2]).type()
