"""Scalar: micrograd's moons demo on microgd's Value engine and on micrograd.

MLP(2, [16, 16, 1]) on 100 points, SVM hinge loss mean(relu(1 - y*score)) plus
1e-4 * L2, plain SGD lr 0.1, full batch; with Python's garbage collector on (as
users run it) and off. Run alone: ``python -m bench.scalar [--quick]``.
"""

from .data import mlp_weights, moons
from .harness import Report, Target, main_for, median_seconds, paired, rows_from, timed_steps

SIZES = (2, 16, 16, 1)
ALPHA = 1e-4
LR = 0.1
SPEEDUP_TARGETS = {True: 30.0, False: 3.0}  # gc enabled -> least speed-up over micrograd


def svm_loss(model, params, X, y):
    """mean(relu(1 - y * score)) + ALPHA * sum(p^2), one graph node per scalar op.

    Written as ``-y*score + 1`` so both engines record the same three nodes per sample.
    """
    scores = [model(x) for x in X]
    losses = [(-yi * s + 1).relu() for yi, s in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    return data_loss + ALPHA * sum(p * p for p in params)


class ScalarDemo:
    """The demo's training step; subclasses set ``model``, ``params``, ``X`` and ``y``."""

    def loss(self):
        return svm_loss(self.model, self.params, self.X, self.y)

    def step(self):
        """Zero the gradients, backpropagate, p.data -= LR * p.grad; returns the loss."""
        loss = self.loss()
        for p in self.params:
            p.grad = 0.0
        loss.backward()
        for p in self.params:
            p.data -= LR * p.grad
        return loss.data


class MicrogdScalar(ScalarDemo):
    """The demo on microgd: ``nn.MLP(..., engine="value")``."""

    def __init__(self, weights, X, y):
        from microgd import nn
        from .mlp import load_weights
        self.model = nn.MLP(SIZES[0], list(SIZES[1:]), engine="value")
        load_weights(self.model, weights)
        self.params = list(self.model.parameters())
        self.X, self.y = X, y

    @staticmethod
    def count_nodes(root):
        from microgd.autograd import toposort
        return len(toposort([root], grad_only=False))


class MicrogradScalar(ScalarDemo):
    """The demo on micrograd 0.1.0 (``micrograd.nn.MLP``), the same weights loaded."""

    def __init__(self, weights, X, y):
        from micrograd.nn import MLP
        self.model = MLP(SIZES[0], list(SIZES[1:]))
        for layer, W, b in zip(self.model.layers, weights[0::2], weights[1::2]):
            for neuron, w_row, b_j in zip(layer.neurons, W.tolist(), b.tolist()):
                for w, value in zip(neuron.w, w_row):
                    w.data = value
                neuron.b.data = b_j
        self.params = self.model.parameters()
        self.X, self.y = X, y

    @staticmethod
    def count_nodes(root):
        seen, stack = {id(root)}, [root]
        while stack:
            for child in stack.pop()._prev:
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append(child)
        return len(seen)


ENGINES = {"microgd": MicrogdScalar, "micrograd": MicrogradScalar}


def run(quick=False):
    """Both engines, gc on and off, paired; ns per graph node in the notes."""
    X, y = moons(100)
    X, y = X.tolist(), y.tolist()
    weights = mlp_weights(SIZES)
    nodes = {name: engine.count_nodes(engine(weights, X, y).loss())
             for name, engine in ENGINES.items()}
    steps, repeats = (1, 2) if quick else (2, 5)

    def note(name, measures):
        ns = median_seconds(measures) / nodes[name] * 1e9
        return f"{ns:.0f} ns/node, {nodes[name]} nodes"

    report = Report()
    for gc_enabled in (True, False):
        runners = {name: _runner(engine, weights, X, y, steps, gc_enabled)
                   for name, engine in ENGINES.items()}
        results = paired(runners, repeats)
        mode = "on" if gc_enabled else "off"
        rows = rows_from(f"scalar moons, gc {mode}", "float64", results, note=note)
        report.rows += rows
        speedup = 1 / rows[1].ratio
        report.targets.append(Target(f"scalar moons gc {mode}: micrograd/microgd time",
                                     speedup, SPEEDUP_TARGETS[gc_enabled], at_least=True))
    return report


def _runner(engine, weights, X, y, steps, gc_enabled):
    def run_once():
        return timed_steps(engine(weights, X, y).step, steps, gc_enabled)
    return run_once


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
