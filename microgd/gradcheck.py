"""Check gradients against central finite differences, in float64."""

import math

import numpy as np

from ._util import real_number
from .autograd import Node, enable_grad, grad, no_grad
from .tensor import Tensor
from .value import Value

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """An analytic gradient disagrees with its finite-difference estimate."""


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Compare the gradients of ``fn`` with central differences, element by element.

    Every input that requires grad is copied to float64 and checked: for each of its
    elements x, numeric = (fn(x + eps) - fn(x - eps)) / (2 eps) for every output
    element, against the analytic Jacobian from backward. They agree when
    |analytic - numeric| <= atol + rtol * |numeric|, as in ``torch.allclose``: an
    infinity agrees only with the same infinity, and nan with nothing.

    Args:
        fn: takes the inputs (Values or Tensors) and returns a Value, a Tensor or a
            sequence of them.
        inputs: a sequence of Values or Tensors.
        eps: the finite-difference step. Default 1e-6.
        atol: absolute tolerance. Default 1e-5.
        rtol: relative tolerance. Default 1e-3.
        raise_exception: raise GradcheckError on a failed check (default), else return
            False.

    Returns:
        True when every gradient agrees.

    Raises:
        GradcheckError: a gradient disagrees, or has another shape than its input.
        TypeError, ValueError: eps, atol or rtol is not a finite number (eps > 0, the
            tolerances >= 0).
    """
    _check_settings(eps, atol, rtol, "gradcheck")
    inputs = _float64_copies(inputs)
    checked = [i for i, x in enumerate(inputs) if x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    outputs = _as_outputs(fn(*inputs))
    try:
        analytic = _analytic_jacobians(outputs, inputs, checked)
        with no_grad():
            numeric = [_numeric_jacobian(fn, inputs, inputs[i], eps) for i in checked]
        for i, a, n in zip(checked, analytic, numeric):
            bad = ~np.isclose(a, n, rtol=rtol, atol=atol)
            if bad.any():
                tol = atol + rtol * np.abs(n)
                raise GradcheckError(_report(i, inputs[i], outputs, a, n, tol, bad, atol, rtol))
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, seed=0):
    """Check second derivatives: gradcheck on the gradient of ``fn`` (create_graph=True).

    The gradient is taken as a vector-Jacobian product with ``grad_outputs`` (default:
    random, from ``seed``), so every second derivative is exercised.

    Args are those of ``gradcheck``, plus:
        grad_outputs: the vectors for the vector-Jacobian product, one per output.
        seed: the random seed for the default grad_outputs. Default 0.
    """
    _check_settings(eps, atol, rtol, "gradgradcheck")
    inputs = _float64_copies(inputs)
    outputs = _as_outputs(fn(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = [rng.uniform(0.5, 1.5) if isinstance(o, Value)
                        else rng.uniform(0.5, 1.5, size=o.shape) for o in outputs]
    else:
        grad_outputs = list(grad_outputs)
        if len(grad_outputs) != len(outputs):
            raise ValueError(f"gradgradcheck: {len(grad_outputs)} grad_outputs for "
                             f"{len(outputs)} outputs of fn; give one per output")

    def first_derivatives(*xs):
        with enable_grad():
            outs = _as_outputs(fn(*xs))
            used = [k for k, o in enumerate(outs) if o.requires_grad]
            wanted = [x for x in xs if x.requires_grad]
            if not used:
                return [_zeros_like(x) for x in wanted]
            grads = grad([outs[k] for k in used], wanted,
                         grad_outputs=[grad_outputs[k] for k in used],
                         create_graph=True, allow_unused=True)
            return [_zeros_like(x) if g is None else g for x, g in zip(wanted, grads)]

    return gradcheck(first_derivatives, inputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)


def _check_settings(eps, atol, rtol, where):
    for name, value in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        x = real_number(value, name, where)
        low = "> 0" if name == "eps" else ">= 0"
        if not (math.isfinite(x) and (x > 0 if name == "eps" else x >= 0)):
            raise ValueError(f"{where}: {name} must be a finite number {low}, got {value!r}")


def _float64_copies(inputs):
    if isinstance(inputs, Node):
        inputs = [inputs]
    copies = []
    for i, x in enumerate(inputs):
        if isinstance(x, Value):
            copies.append(Value(x.data, x.label, requires_grad=x.requires_grad))
        elif isinstance(x, Tensor):
            copies.append(Tensor(x.data, requires_grad=x.requires_grad, dtype=np.float64,
                                 label=x.label))
        else:
            raise TypeError(f"gradcheck: inputs[{i}] must be a Value or a Tensor, "
                            f"got {type(x).__name__}")
    return copies


def _as_outputs(out):
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    for k, o in enumerate(outs):
        if not isinstance(o, Node):
            raise TypeError(f"gradcheck: fn must return a Value, a Tensor or a sequence of "
                            f"them; output {k} is a {type(o).__name__}")
    return outs


def _flat(node):
    return np.atleast_1d(np.asarray(node.data, dtype=np.float64)).ravel()


def _zeros_like(x):
    if isinstance(x, Value):
        return Value(0.0, requires_grad=False)
    return Tensor(np.zeros_like(x.data))


def _analytic_jacobians(outputs, inputs, checked):
    """One (total output elements, input elements) matrix per input checked, by reverse mode."""
    wanted = [inputs[i] for i in checked]
    rows = sum(np.size(o.data) for o in outputs)
    jac = [np.zeros((rows, np.size(x.data))) for x in wanted]
    row = 0
    for o in outputs:
        size = np.size(o.data)
        if not o.requires_grad:  # a constant output: its gradient is zero
            row += size
            continue
        for k in range(size):
            if isinstance(o, Value):
                seed = 1.0
            else:
                seed = np.zeros(o.shape)
                seed.flat[k] = 1.0
            grads = grad(o, wanted, grad_outputs=seed, retain_graph=True, allow_unused=True)
            for i, x, j, g in zip(checked, wanted, jac, grads):
                if g is not None and np.shape(g) != np.shape(x.data):
                    raise GradcheckError(f"gradcheck: the gradient for input {_describe(i, x)} "
                                         f"has shape {np.shape(g)}, not its input's")
                if g is not None:
                    j[row] = np.ravel(g)
            row += 1
    return jac


def _numeric_jacobian(fn, inputs, x, eps):
    """The (total output elements, elements of x) matrix by central differences."""
    columns = []
    flat = x.data.reshape(-1) if isinstance(x, Tensor) else None
    for k in range(np.size(x.data)):
        evaluations = []
        for step in (eps, -eps):
            if flat is None:
                saved = x.data
                x.data = saved + step
            else:
                saved = flat[k]
                flat[k] = saved + step
            try:
                evaluations.append(np.concatenate([_flat(o) for o in _as_outputs(fn(*inputs))]))
            finally:
                if flat is None:
                    x.data = saved
                else:
                    flat[k] = saved
        columns.append((evaluations[0] - evaluations[1]) / (2 * eps))
    return np.stack(columns, axis=1)


def _describe(k, node):
    label = f" {node.label!r}" if node.label else ""
    if isinstance(node, Value):
        return f"{k}{label} (Value)"
    return f"{k}{label} (Tensor of shape {node.shape})"


def _report(i, x, outputs, analytic, numeric, tol, bad, atol, rtol):
    with np.errstate(invalid="ignore"):  # inf - inf: ranked first below
        excess = np.where(bad, np.abs(analytic - numeric) - tol, -np.inf)
    excess = np.where(np.isnan(excess) & bad, np.inf, excess)
    worst = np.argsort(excess, axis=None)[::-1][:min(5, int(bad.sum()))]
    shapes = [np.shape(o.data) for o in outputs]
    starts = np.cumsum([0] + [int(np.prod(s)) for s in shapes])
    lines = [f"gradcheck: the gradient for input {_describe(i, x)} disagrees with finite "
             f"differences at {int(bad.sum())} of {bad.size} Jacobian entries "
             f"(tolerance atol + rtol * |numeric| with atol={atol:g}, rtol={rtol:g}); worst:"]
    for flat_index in worst:
        r, c = np.unravel_index(flat_index, bad.shape)
        o = int(np.searchsorted(starts, r, side="right") - 1)
        out_at = np.unravel_index(r - starts[o], shapes[o]) if shapes[o] else ()
        in_at = np.unravel_index(c, np.shape(x.data)) if np.shape(x.data) else ()
        lines.append(f"  d output {o}{list(map(int, out_at))} / d input {i}"
                     f"{list(map(int, in_at))}: analytic {analytic[r, c]:.8g}, numeric "
                     f"{numeric[r, c]:.8g}, difference {abs(analytic[r, c] - numeric[r, c]):.3g}"
                     f" > tolerance {tol[r, c]:.3g}")
    return "\n".join(lines)
