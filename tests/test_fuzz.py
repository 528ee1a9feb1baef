"""A differential fuzzer: random programs of shared subexpressions over the op table.

Hypothesis writes a program: a few inputs (Values, or Tensors of broadcast-compatible
shapes), then a sequence of ops, each reading any earlier results, so subexpressions
are shared and reused. The program runs on microgd and is checked to first and
second order against central differences (mg.gradcheck, mg.gradgradcheck), and,
where PyTorch is installed, against torch.autograd in float64: outputs, gradients,
and the gradient of <gradient, u>.

Each op is only applied where finite differences mean something: a step whose
inputs sit near a kink (relu, abs, clamp, maximum, a max with a near-tie), a pole or
outside its domain (log, sqrt, x ** 0.5 of x <= 0), or whose result leaves
[-BOUND, BOUND], is left out of the program (no example is thrown away for it).
Some inputs are constants (requires_grad=False). Programs "for PyTorch" keep the
steps at kinks (inputs drawn from -1, -0.5, 0, 0.5, 1, so ties abound) and may detach
a result; they are compared with PyTorch only: its conventions at kinks (relu and abs
have gradient 0 at 0, clamp 1 at its bounds, ties share the gradient) are microgd's.

CI runs a fixed set of examples (derandomized); ``MICROGD_FUZZ_EXAMPLES=N`` runs N
fresh random examples per test instead.
"""

import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import microgd as mg
from microgd import Tensor, Value
from microgd.ops import data_of

EXAMPLES = int(os.environ.get("MICROGD_FUZZ_EXAMPLES", "0"))


def fuzz_settings(ci_examples):
    """``ci_examples`` fixed examples in CI; MICROGD_FUZZ_EXAMPLES fresh ones when set."""
    return settings(max_examples=EXAMPLES or ci_examples, derandomize=not EXAMPLES,
                    deadline=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


MARGIN = 0.01   # kinks, ties and poles this far away: steps of 1e-6 stay on one side
BOUND = 100.0   # every result in [-BOUND, BOUND]: finite differences keep their digits
MAX_STEPS = 16


def floats(lo=-2.0, hi=2.0):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def apart(x, at=0.0):
    return bool(np.all(np.abs(np.subtract(x, at)) > MARGIN))


# --- the two libraries a program runs on ----------------------------------------------------

class OnMicrogd:
    """The few calls that are spelled differently in microgd and in PyTorch."""

    softplus = staticmethod(lambda x: x.softplus())
    where = staticmethod(mg.where)
    cat = staticmethod(mg.cat)
    stack = staticmethod(mg.stack)
    permute = staticmethod(lambda x, axes: x.transpose(axes))
    index = staticmethod(lambda x, index: x[index])

    @staticmethod
    def reduce(name, x, axes, keepdims):
        return getattr(x, name)(axis=axes, keepdims=keepdims)


class OnTorch:
    """Those calls on PyTorch (passed in: it is imported only where it is installed)."""

    def __init__(self, torch):
        self.torch = torch

    def softplus(self, x):
        # PyTorch's default threshold of 20 returns x itself above it (2e-9 off)
        return self.torch.nn.functional.softplus(x, threshold=BOUND)

    def where(self, condition, a, b):
        return self.torch.where(self.torch.from_numpy(condition), a, b)

    def cat(self, xs, dim):
        return self.torch.cat(xs, dim=dim)

    def stack(self, xs, dim):
        return self.torch.stack(xs, dim=dim)

    def permute(self, x, axes):
        return x.permute(axes)

    def index(self, x, index):
        return x[tuple(self.torch.from_numpy(i) if isinstance(i, np.ndarray) else i
                       for i in index)]

    def reduce(self, name, x, axes, keepdims):
        fn = {"sum": self.torch.sum, "mean": self.torch.mean, "max": self.torch.amax,
              "min": self.torch.amin}[name]
        axes = tuple(range(x.ndim)) if axes is None else axes
        return fn(x, dim=axes, keepdim=keepdims) if x.ndim else fn(x)


# --- the ops a program draws from -------------------------------------------------------------

class FuzzOp:
    """One op of the fuzzer: how to draw its inputs and arguments, run it, and when it
    is safe for finite differences.

    Args:
        run: ``run(lib, *inputs, *params)``.
        pick: ``pick(draw, shapes)`` -> (input indices, params), or None when no
            earlier result fits; default: one input, no params.
        safe: ``safe(*input data, *params)`` -> whether finite differences hold there;
            default None: everywhere.
        kink: whether ``safe`` keeps away from a kink or a tie only (not from a pole
            or the edge of a domain). Default False.
    """

    def __init__(self, run, pick=None, safe=None, kink=False):
        self.run = run
        self.pick = pick or unary()
        self.safe = safe
        self.kink = kink


def earlier(shapes):
    """The index of an earlier result, the latest first (so programs shrink to chains)."""
    n = len(shapes)
    return st.integers(0, n - 1).map(lambda k: n - 1 - k)


def unary(params=None):
    def pick(draw, shapes):
        i = draw(earlier(shapes))
        return (i,), (() if params is None else draw(params))
    return pick


def broadcasting(shapes, i):
    """The earlier results that broadcast with result i."""
    def fits(s):
        try:
            np.broadcast_shapes(shapes[i], s)
            return True
        except ValueError:
            return False
    return [j for j, s in enumerate(shapes) if fits(s)]


def binary(draw, shapes):
    i = draw(earlier(shapes))
    return (i, draw(st.sampled_from(broadcasting(shapes, i)))), ()


def clamp_bounds():
    both = st.tuples(floats(), floats()).map(sorted).map(tuple)
    return st.one_of(both, st.tuples(floats(), st.none()), st.tuples(st.none(), floats()))


def clamp_safe(x, low, high):
    return all(bound is None or apart(x, bound) for bound in (low, high))


def power_safe(x, p):
    if p != int(p):
        return bool(np.all(np.asarray(x) > MARGIN))
    return p >= 0 or apart(x)


def positive(x, *_):
    return bool(np.all(np.asarray(x) > MARGIN))


ELEMENTWISE = {
    "neg": FuzzOp(lambda lib, x: -x),
    "exp": FuzzOp(lambda lib, x: x.exp()),
    "log": FuzzOp(lambda lib, x: x.log(), safe=positive),
    "tanh": FuzzOp(lambda lib, x: x.tanh()),
    "sigmoid": FuzzOp(lambda lib, x: x.sigmoid()),
    "relu": FuzzOp(lambda lib, x: x.relu(), safe=lambda x: apart(x), kink=True),
    "abs": FuzzOp(lambda lib, x: x.abs(), safe=lambda x: apart(x), kink=True),
    "sqrt": FuzzOp(lambda lib, x: x.sqrt(), safe=positive),
    "sin": FuzzOp(lambda lib, x: x.sin()),
    "cos": FuzzOp(lambda lib, x: x.cos()),
    "softplus": FuzzOp(lambda lib, x: lib.softplus(x)),
    "clamp": FuzzOp(lambda lib, x, low, high: x.clamp(low, high),
                    unary(clamp_bounds()), clamp_safe, kink=True),
    "pow const": FuzzOp(lambda lib, x, p: x ** p,
                        unary(st.tuples(st.sampled_from([0, 1, 2, 3, -1, -2, 0.5, 1.5, -0.5]))),
                        power_safe),
    "radd": FuzzOp(lambda lib, x, c: c + x, unary(st.tuples(floats()))),
    "rsub": FuzzOp(lambda lib, x, c: c - x, unary(st.tuples(floats()))),
    "rmul": FuzzOp(lambda lib, x, c: c * x, unary(st.tuples(floats()))),
    "rdiv": FuzzOp(lambda lib, x, c: c / x, unary(st.tuples(floats())),
                   lambda x, c: apart(x)),
    "rpow": FuzzOp(lambda lib, x, c: c ** x, unary(st.tuples(floats(0.2, 3.0)))),
    "add": FuzzOp(lambda lib, a, b: a + b, binary),
    "sub": FuzzOp(lambda lib, a, b: a - b, binary),
    "mul": FuzzOp(lambda lib, a, b: a * b, binary),
    "div": FuzzOp(lambda lib, a, b: a / b, binary, lambda a, b: apart(b)),
    "pow": FuzzOp(lambda lib, a, b: a ** b, binary, positive),
    "maximum": FuzzOp(lambda lib, a, b: a.maximum(b), binary, apart, kink=True),
    "minimum": FuzzOp(lambda lib, a, b: a.minimum(b), binary, apart, kink=True),
}


# --- Tensor-only ops: reductions, matmul, shapes, indexing, where, cat, stack -------------

def axes_and_keepdims(draw, shape):
    n = len(shape)
    if n == 0:
        axes = None
    else:
        axes = draw(st.one_of(st.none(), st.integers(-n, n - 1),
                              st.lists(st.integers(0, n - 1), min_size=1, max_size=n,
                                       unique=True).map(tuple)))
    return axes, draw(st.booleans())


def reduction(draw, shapes):
    i = draw(earlier(shapes))
    return (i,), axes_and_keepdims(draw, shapes[i])


def extreme_is_unique(sign):
    """Whether the max (sign 1) or min (-1) of every reduced group leads by MARGIN."""
    def safe(x, axes, keepdims):
        x = sign * np.asarray(x)
        if x.ndim == 0:
            return True
        axes = tuple(range(x.ndim)) if axes is None else axes
        axes = tuple(a % x.ndim for a in (axes if isinstance(axes, tuple) else (axes,)))
        groups = np.moveaxis(x, axes, range(x.ndim - len(axes), x.ndim))
        groups = np.sort(groups.reshape(-1, math.prod(x.shape[a] for a in axes)), axis=1)
        return groups.shape[1] < 2 or bool(np.all(groups[:, -1] - groups[:, -2] > MARGIN))
    return safe


def pick_matmul(draw, shapes):
    i = draw(earlier(shapes))
    fits = []
    for j, s in enumerate(shapes):
        try:
            np.matmul(np.zeros(shapes[i]), np.zeros(s))
            fits.append(j)
        except ValueError:
            pass
    return ((i, draw(st.sampled_from(fits))), ()) if fits else None


def reshapes(shape):
    size = math.prod(shape)
    options = [(-1,), (size,), tuple(reversed(shape)), (1,) + tuple(shape), tuple(shape) + (1,),
               tuple(n for n in shape if n != 1)]
    options += [(d, size // d) for d in (2, 3) if size % d == 0]
    return options


def pick_reshape(draw, shapes):
    i = draw(earlier(shapes))
    return (i,), (draw(st.sampled_from(reshapes(shapes[i]))),)


def pick_transpose(draw, shapes):
    i = draw(earlier(shapes))
    if not shapes[i]:
        return None
    return (i,), (tuple(draw(st.permutations(range(len(shapes[i]))))),)


def pick_broadcast_to(draw, shapes):
    i = draw(earlier(shapes))
    shape = shapes[i]
    options = [(2,) + shape, tuple(2 if n == 1 else n for n in shape)]
    return (i,), (draw(st.sampled_from(options)),)


def indices(draw, shape):
    """An index of every kind numpy and PyTorch share (no negative steps: PyTorch has none)."""
    if not shape:
        return draw(st.sampled_from([(None,), (Ellipsis,), (None, Ellipsis)]))
    n = shape[0]
    kind = draw(st.sampled_from(["int", "slice", "ints", "mask", "newaxis", "last", "mixed"]))
    if kind == "int":
        return (draw(st.integers(-n, n - 1)),)
    if kind == "slice":
        start = draw(st.integers(0, n - 1))
        return (slice(start, draw(st.integers(start + 1, n)), draw(st.sampled_from([1, 2]))),)
    if kind == "ints":  # repeated indices: their gradients add up
        return (np.array(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=4))),)
    if kind == "mask":
        mask = draw(hnp.arrays(np.bool_, shape))
        assume(mask.any())
        return (mask,)
    if kind == "newaxis":
        return (None, Ellipsis)
    if kind == "last":
        return (Ellipsis, draw(st.integers(-shape[-1], shape[-1] - 1)))
    if len(shape) < 2:
        return (slice(None),)
    picks = draw(st.lists(st.integers(0, shape[1] - 1), min_size=1, max_size=3))
    return (slice(None), np.array(picks))


def pick_index(draw, shapes):
    i = draw(earlier(shapes))
    return (i,), (indices(draw, shapes[i]),)


def pick_where(draw, shapes):
    (i, j), _ = binary(draw, shapes)
    condition = draw(hnp.arrays(np.bool_, np.broadcast_shapes(shapes[i], shapes[j])))
    return (i, j), (condition,)


def pick_join(new_axis):
    def pick(draw, shapes):
        i = draw(earlier(shapes))
        shape = shapes[i]
        ndim = len(shape) + new_axis
        if ndim == 0:
            return None
        axis = draw(st.integers(-ndim, ndim - 1))
        if new_axis:
            fits = [j for j, s in enumerate(shapes) if s == shape]
        else:
            a = axis % ndim
            fits = [j for j, s in enumerate(shapes) if len(s) == ndim
                    and s[:a] + s[a + 1:] == shape[:a] + shape[a + 1:]]
        others = draw(st.lists(st.sampled_from(fits), min_size=1, max_size=2))
        return (i, *others), (axis,)
    return pick


TENSOR_ONLY = {
    "sum": FuzzOp(lambda lib, x, axes, keep: lib.reduce("sum", x, axes, keep), reduction),
    "mean": FuzzOp(lambda lib, x, axes, keep: lib.reduce("mean", x, axes, keep), reduction),
    "max": FuzzOp(lambda lib, x, axes, keep: lib.reduce("max", x, axes, keep), reduction,
                  extreme_is_unique(1), kink=True),
    "min": FuzzOp(lambda lib, x, axes, keep: lib.reduce("min", x, axes, keep), reduction,
                  extreme_is_unique(-1), kink=True),
    "matmul": FuzzOp(lambda lib, a, b: a @ b, pick_matmul),
    "reshape": FuzzOp(lambda lib, x, shape: x.reshape(shape), pick_reshape),
    "transpose": FuzzOp(lambda lib, x, axes: lib.permute(x, axes), pick_transpose),
    "broadcast_to": FuzzOp(lambda lib, x, shape: x.broadcast_to(shape), pick_broadcast_to),
    "index": FuzzOp(lambda lib, x, index: lib.index(x, index), pick_index),
    "where": FuzzOp(lambda lib, a, b, condition: lib.where(condition, a, b), pick_where),
    "cat": FuzzOp(lambda lib, *xs_axis: lib.cat(list(xs_axis[:-1]), xs_axis[-1]),
                  pick_join(new_axis=False)),
    "stack": FuzzOp(lambda lib, *xs_axis: lib.stack(list(xs_axis[:-1]), xs_axis[-1]),
                    pick_join(new_axis=True)),
}

# Finite differences see through detach: only PyTorch can judge it.
FOR_TORCH = {"detach": FuzzOp(lambda lib, x: x.detach())}

OPS = {**ELEMENTWISE, **TENSOR_ONLY, **FOR_TORCH}


# --- programs ---------------------------------------------------------------------------

class Program:
    """Inputs (floats for Values, arrays for Tensors) and steps ``(op name, inputs,
    params)``, numbered on from the inputs. Its outputs are the results that no later
    step reads; ``wrt``: the intermediate results that first-order gradients are also
    taken with respect to (beside the inputs); ``constant``: per input, whether it is
    a constant (requires_grad=False)."""

    def __init__(self, kind, inputs, constant, steps, wrt=()):
        self.kind, self.inputs, self.constant = kind, inputs, constant
        self.steps, self.wrt = steps, wrt

    def results(self, lib, leaves):
        """Every result, the leaves first, on ``lib`` (OnMicrogd or OnTorch)."""
        nodes = list(leaves)
        for name, args, params in self.steps:
            nodes.append(OPS[name].run(lib, *[nodes[i] for i in args], *params))
        return nodes

    def outputs(self, results):
        read = {i for _, args, _ in self.steps for i in args}
        return [x for k, x in enumerate(results) if k >= len(self.inputs) and k not in read]

    def run(self, lib, leaves):
        return self.outputs(self.results(lib, leaves))

    def has_a_zero_exponent(self):
        """Whether some ``a ** b`` step has an element of b equal to 0."""
        data = [data_of(x) for x in self.results(OnMicrogd, leaves_of(self))]
        return any(name == "pow" and np.any(data[args[1]] == 0)
                   for name, args, _ in self.steps)

    def __repr__(self):
        lines = [f"{self.kind} program:"]
        for k, (x, constant) in enumerate(zip(self.inputs, self.constant)):
            shown = np.array2string(np.asarray(x), precision=17).replace("\n", " ")
            lines.append(f"  v{k} = {shown}{' (constant)' if constant else ''}")
        for k, (name, args, params) in enumerate(self.steps, len(self.inputs)):
            shown = ", ".join([f"v{i}" for i in args] + [repr(p) for p in params])
            lines.append(f"  v{k} = {name}({shown})")
        names = [f"v{k}" for k in range(len(self.inputs) + len(self.steps))]
        lines.append(f"  outputs: {', '.join(self.outputs(names))}")
        if self.wrt:
            lines.append(f"  also differentiated by: {', '.join(names[k] for k in self.wrt)}")
        return "\n".join(lines)


def leaves_of(program, kind=None):
    """The program's inputs as Values or Tensors (``kind``, default the program's)."""
    make = Value if (kind or program.kind) == "Value" else Tensor
    return [make(x, requires_grad=not c) for x, c in zip(program.inputs, program.constant)]


@st.composite
def programs(draw, kind, for_torch=False):
    """A random program on ``kind`` ("Value" or "Tensor") of up to MAX_STEPS safe steps;
    ``for_torch``: with kinks, ties and detach (for PyTorch only). Default False."""
    elements = st.sampled_from([-1.0, -0.5, 0.0, 0.5, 1.0]) if for_torch else floats()
    if kind == "Value":
        inputs = draw(st.lists(elements, min_size=1, max_size=4))
        nodes = [Value(x, requires_grad=False) for x in inputs]
    else:
        shapes = draw(hnp.mutually_broadcastable_shapes(
            num_shapes=draw(st.integers(1, 3)), max_dims=3, max_side=3)).input_shapes
        inputs = [draw(hnp.arrays(np.float64, s, elements=elements)) for s in shapes]
        nodes = [Tensor(x) for x in inputs]
    constant = draw(st.lists(st.booleans(), min_size=len(inputs), max_size=len(inputs)))
    constant[0] = False  # at least one input to differentiate by
    names = sorted(ELEMENTWISE) + sorted(TENSOR_ONLY if kind == "Tensor" else ())
    names += sorted(FOR_TORCH) if for_torch else []
    steps = []
    for _ in range(draw(st.integers(4, MAX_STEPS))):
        name = draw(st.sampled_from(names))
        op = OPS[name]
        picked = op.pick(draw, [np.shape(data_of(x)) for x in nodes])
        if picked is None:
            continue
        args, params = picked
        data = [data_of(nodes[i]) for i in args]
        if op.safe is not None and not (for_torch and op.kink) and not op.safe(*data, *params):
            continue
        with np.errstate(all="ignore"):
            out = op.run(OnMicrogd, *[nodes[i] for i in args], *params)
        if not np.all(np.abs(data_of(out)) <= BOUND):  # also leaves out inf and nan
            continue
        nodes.append(out)
        steps.append((name, args, params))
    assume(steps)
    for name in {name for name, _, _ in steps}:
        event(name)  # --hypothesis-show-statistics: how often each op was run
    n = len(inputs)
    wrt = draw(st.lists(st.integers(n, n + len(steps) - 1), max_size=2, unique=True))
    return Program(kind, inputs, tuple(constant), steps, tuple(sorted(wrt)))


# --- finite differences, always -----------------------------------------------------------

def weights(shapes, seed):
    """Fixed weights in [0.5, 1.5], one of each shape (a float for shape ())."""
    rng = np.random.default_rng(seed)
    ws = [rng.uniform(0.5, 1.5, size=shape) for shape in shapes]
    return [float(w) if w.ndim == 0 else w for w in ws]


def shapes_of(nodes):
    return [np.shape(data_of(x)) for x in nodes]


def weighted_sum(nodes, ws):
    return sum((n * w if isinstance(n, Value) else (n * w).sum()) for n, w in zip(nodes, ws))


def check_with_finite_differences(program):
    fn = lambda *xs: program.run(OnMicrogd, xs)  # noqa: E731
    assert mg.gradcheck(fn, leaves_of(program))
    assert mg.gradgradcheck(fn, leaves_of(program))
    # backward() into .grad gives what grad() gives
    leaves = leaves_of(program)
    outputs = [o for o in fn(*leaves) if o.requires_grad]
    leaves = [x for x in leaves if x.requires_grad]
    if not outputs:
        return
    ws = weights(shapes_of(outputs), 1)
    expected = mg.grad(outputs, leaves, grad_outputs=ws, retain_graph=True, allow_unused=True)
    weighted_sum(outputs, ws).backward()
    for leaf, g in zip(leaves, expected):
        want = 0.0 if g is None else data_of(g)
        np.testing.assert_allclose(data_of(leaf.grad) if leaf.grad is not None else 0.0,
                                   want, rtol=1e-12, atol=1e-12)


@fuzz_settings(100)
@given(program=programs("Value"))
def test_value_programs_match_finite_differences(program):
    check_with_finite_differences(program)
    # ... and the same program on 0-d Tensors gives the same numbers to second order
    on_values = derivatives_microgd(program, leaves_of(program))
    on_tensors = derivatives_microgd(program, leaves_of(program, "Tensor"))
    assert_same(on_tensors, on_values, rtol=1e-12)


@fuzz_settings(100)
@given(program=programs("Tensor"))
def test_tensor_programs_match_finite_differences(program):
    check_with_finite_differences(program)


# --- against PyTorch, where it is installed --------------------------------------------------

def differentiated(program, engine, leaves):
    """Run ``program`` on ``engine``: (its outputs, those that require grad, the leaves
    that do, and what the first order is taken with respect to)."""
    results = program.results(engine, leaves)
    outputs = program.outputs(results)
    roots = [o for o in outputs if o.requires_grad]
    leaves = [x for x in leaves if x.requires_grad]
    wrt = leaves + [results[k] for k in program.wrt if results[k].requires_grad]
    return outputs, roots, leaves, wrt


def derivatives_microgd(program, leaves):
    """The outputs (and which require grad), the gradient of <outputs, w> and the gradient
    of <that gradient, u> (w and u fixed weights), as flatten() lists them. The first
    order is taken with respect to the inputs and the results program.wrt names too;
    the second with respect to the inputs only (by an intermediate result it depends on
    how each rule is written: microgd's rule for a / b reads the result, PyTorch's a)."""
    outputs, roots, leaves, wrt = differentiated(program, OnMicrogd, leaves)
    if not roots:
        return flatten(outputs, [], [], [])
    ws = weights(shapes_of(roots), 1)
    plain = mg.grad(roots, wrt, grad_outputs=ws, retain_graph=True, allow_unused=True)
    first = mg.grad(roots, wrt, grad_outputs=ws, create_graph=True, allow_unused=True)
    for p, g in zip(plain, first):
        assert (p is None) == (g is None)
        if p is not None:
            np.testing.assert_allclose(data_of(p), data_of(g), rtol=1e-12, atol=1e-12)
    us = weights(shapes_of(wrt), 2)
    used = [(g, u) for g, u in zip(first, us) if g is not None and g.requires_grad]
    second = [None] * len(leaves)
    if used:
        second = mg.grad(weighted_sum(*zip(*used)), leaves, allow_unused=True)
    return flatten(outputs, first, second, shapes_of(leaves))


def derivatives_torch(torch, program):
    """What derivatives_microgd computes, with torch.autograd."""
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=not c)
              for x, c in zip(program.inputs, program.constant)]
    outputs, roots, leaves, wrt = differentiated(program, OnTorch(torch), leaves)
    if not roots:
        return flatten(outputs, [], [], [])
    tensors = lambda ws: [torch.as_tensor(w, dtype=torch.float64) for w in ws]  # noqa: E731
    ws = tensors(weights([tuple(o.shape) for o in roots], 1))
    first = torch.autograd.grad(roots, wrt, grad_outputs=ws, create_graph=True,
                                allow_unused=True)
    us = tensors(weights([tuple(x.shape) for x in wrt], 2))
    used = [(g, u) for g, u in zip(first, us) if g is not None and g.requires_grad]
    second = [None] * len(leaves)
    if used:
        second = torch.autograd.grad(sum((g * u).sum() for g, u in used), leaves,
                                     allow_unused=True)
    return flatten(outputs, first, second, [tuple(x.shape) for x in leaves])


def as_numpy(x):
    """A torch tensor as a fresh array: copied through add_, as PyTorch's own
    x.numpy(force=True) crashes the process on some of the zero tensors that its
    second-order gradients return (torch 2.13)."""
    return x.new_zeros(x.shape).add_(x.detach()).numpy()


def raw(x):
    """A result of microgd (a node, an array or a float) or of torch as a float64 array."""
    return as_numpy(x) if hasattr(x, "new_zeros") else np.asarray(data_of(x), np.float64)


def flatten(outputs, first, second, shapes):
    """Everything to compare, as float64 arrays (of microgd or torch results); a gradient
    that is None (an unused input) stays None at first order and counts as 0 (of its
    input's shape) at second."""
    return ([raw(o) for o in outputs] + [np.array([o.requires_grad for o in outputs])]
            + [None if g is None else raw(g) for g in first]
            + [np.zeros(shape) if g is None else raw(g) for g, shape in zip(second, shapes)])


def assert_same(got, want, rtol):
    """Equal to ``rtol``, relative to the largest element of each result (or 1)."""
    assert len(got) == len(want)
    for k, (a, b) in enumerate(zip(got, want)):
        assert (a is None) == (b is None), f"result {k}: {a} against {b}"
        if a is not None:
            scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
            np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * scale,
                                       err_msg=f"result {k} of {len(got)}")


def compare_with_torch(program):
    torch = pytest.importorskip("torch")
    # PyTorch's rule for a ** b zeroes d/da where b == 0 with a where(), so its derivative
    # by b there comes out 0, not 1/a (finite differences and microgd give 1/a)
    assume(not program.has_a_zero_exponent())
    assert_same(derivatives_microgd(program, leaves_of(program)),
                derivatives_torch(torch, program), rtol=1e-10)


@fuzz_settings(75)
@given(program=programs("Value"))
def test_value_programs_match_torch(program):
    compare_with_torch(program)


@fuzz_settings(100)
@given(program=programs("Tensor"))
def test_tensor_programs_match_torch(program):
    compare_with_torch(program)


@fuzz_settings(50)
@given(program=programs("Value", for_torch=True))
def test_value_programs_for_torch_match_torch(program):
    compare_with_torch(program)


@fuzz_settings(50)
@given(program=programs("Tensor", for_torch=True))
def test_tensor_programs_for_torch_match_torch(program):
    compare_with_torch(program)
