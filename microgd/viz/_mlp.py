"""Find what a learner knows in a scalar graph: neurons, layers, samples and the loss.

A scalar Linear layer's parameters are named ``0.weight[j,i]`` and ``0.bias[j]`` (by
``named_parameters()``, or by the labels modules give their parameters). Unit j of
layer "0" computes ``b[j] + w[j,0]*x[0] + w[j,1]*x[1] + ...`` and then, maybe, an
activation: one *neuron*. Each forward pass makes a new copy of every neuron; the
copies that feed each other are one *sample*. What comes after the last neurons (the
error and its sum) is the *loss*.
"""

import re

_WEIGHT = re.compile(r"^(?:(.*)\.)?weight\[(\d+),(\d+)\]$")
_BIAS = re.compile(r"^(?:(.*)\.)?bias\[(\d+)\]$")
ACTIVATIONS = ("tanh", "relu", "sigmoid")


class Neuron:
    """One copy of a unit in one forward pass: its ops, inputs and output."""

    def __init__(self, unit):
        self.unit = unit  # (module name, unit index)
        self.ops = []
        self.inputs = {}  # input index -> the node multiplied by weight[j, i]
        self.output = None
        self.activation = ""
        self.has_bias = False
        self.layer = self.sample = 0

    def title(self):
        return f"n{self.layer + 1}.{self.unit[1] + 1}"

    def formula(self):
        total = "w·x + b" if self.has_bias else "w·x"
        return f"{self.activation}({total})" if self.activation else total


class Structure:
    """The neurons of a graph and where every other node goes.

    Attributes:
        neurons: the Neurons, in the order of the graph.
        of: {id(op): Neuron} for every op inside a neuron.
        loss: ids of the ops after the neurons (and the root when it is one of them).
        layers: the module names of the layers, in order.
        samples: how many forward passes the graph holds.
        hidden: ids of the parameters drawn inside their neurons.
        inputs: {id(leaf): (sample, index)} for the data fed to the first neurons.
    """

    def __init__(self, neurons, of, loss, layers, hidden, inputs):
        self.neurons, self.of, self.loss, self.layers = neurons, of, loss, layers
        self.samples = 1 + max(n.sample for n in neurons)
        self.hidden, self.inputs = hidden, inputs


def find_structure(order, names):
    """The Structure of a graph built by scalar Linear layers, or None when it has none.

    Args:
        order: the graph's nodes in topological order (toposort with grad_only=False).
        names: {id(node): name}; a node's label is its name when it has none here.
    """
    params = {}  # id(leaf) -> ("w", unit, i) or ("b", unit)
    for n in order:
        if n._op is None:
            name = names.get(id(n)) or n.label
            found = _WEIGHT.match(name) or _BIAS.match(name)
            if found is not None:
                unit = (found.group(1) or "", int(found.group(2)))
                params[id(n)] = ("w", unit, int(found.group(3))) if found.re is _WEIGHT \
                    else ("b", unit)
    if not params:
        return None
    of = {}
    neurons = []
    for n in order:
        if n._op is not None:
            neuron = _join(n, params, of)
            if neuron is not None:
                if not neuron.ops:
                    neurons.append(neuron)
                neuron.ops.append(n)
                neuron.output = n
                of[id(n)] = neuron
    neurons = [nr for nr in neurons if nr.output is not None]  # merged ones are gone
    if not neurons:
        return None
    _number(neurons, of)
    for nr in neurons:
        nr.has_bias = any(params.get(id(p), ("",))[0] == "b" for op in nr.ops
                          for p in op._parents)
    layers = list(dict.fromkeys(nr.unit[0] for nr in sorted(neurons, key=lambda nr: nr.layer)))
    loss, hidden, inputs = _the_rest(order, params, of)
    return Structure(neurons, of, loss, layers, hidden, inputs)


def _join(n, params, of):
    """The Neuron that op ``n`` belongs to (new, or one of its inputs'), or None."""
    parents = n._parents
    if n.op == "*" and len(parents) == 2:
        for w, x in (parents, parents[::-1]):
            kind = params.get(id(w))
            if kind is not None and kind[0] == "w":
                neuron = Neuron(kind[1])
                neuron.inputs[kind[2]] = x
                return neuron
        return None
    if n.op == "+" and len(parents) == 2:
        units, open_neurons = set(), []
        for p in parents:
            kind = params.get(id(p))
            neuron = of.get(id(p))
            if kind is not None and kind[0] == "b":
                units.add(kind[1])
            elif neuron is not None and neuron.output is p and not neuron.activation:
                units.add(neuron.unit)
                open_neurons.append(neuron)
            elif p._op is not None or p.requires_grad:
                return None
        if len(units) != 1 or not open_neurons:
            return None
        first, *rest = open_neurons
        for other in rest:
            if other is not first:
                _merge(first, other, of)
        return first
    if n.op in ACTIVATIONS and len(parents) == 1:
        neuron = of.get(id(parents[0]))
        if neuron is not None and neuron.output is parents[0] and not neuron.activation:
            neuron.activation = n.op
            return neuron
    return None


def _merge(into, other, of):
    into.ops += other.ops
    into.inputs.update(other.inputs)
    for op in other.ops:
        of[id(op)] = into
    other.output = None


def _number(neurons, of):
    """Layers by first appearance, samples as the neurons that feed each other."""
    position = {}
    for k, nr in enumerate(neurons):
        position[id(nr)] = k
    module_rank = {}
    for nr in neurons:
        module_rank.setdefault(nr.unit[0], len(module_rank))
    for nr in neurons:
        nr.layer = module_rank[nr.unit[0]]
    root = {id(nr): nr for nr in neurons}  # union-find over the neurons

    def find(nr):
        while root[id(nr)] is not nr:
            root[id(nr)] = root[id(root[id(nr)])]
            nr = root[id(nr)]
        return nr
    for nr in neurons:
        for x in nr.inputs.values():
            source = of.get(id(x))
            if source is not None and source.output is x:
                a, b = find(nr), find(source)
                if a is not b:
                    root[id(a)] = b
    samples = {}
    for nr in neurons:
        nr.sample = samples.setdefault(id(find(nr)), len(samples))


def _the_rest(order, params, of):
    """The loss ops, the hidden parameters and the input leaves of each sample."""
    after = set()  # ids of ops downstream of a neuron, not in one
    users = {}  # id(leaf) -> the ops that use it
    for n in order:
        if n._op is None:
            continue
        for p in n._parents:
            if p._op is None:
                users.setdefault(id(p), []).append(n)
        if id(n) not in of and any(id(p) in of or id(p) in after for p in n._parents):
            after.add(id(n))
    hidden, inputs = set(), {}
    for n in order:
        used = users.get(id(n), ())
        if n._op is not None or not used:
            continue
        if id(n) in params and all(id(u) in of for u in used):
            hidden.add(id(n))
        elif all(id(u) in of and u.op == "*" for u in used):
            spots = {(of[id(u)].sample, i) for u in used
                     for i, x in of[id(u)].inputs.items() if x is n}
            samples = {s for s, _ in spots}
            if len(samples) == 1:
                inputs[id(n)] = min(spots)
    return after, hidden, inputs
