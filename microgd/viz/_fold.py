"""Folding a graph into boxes: the Group a folded node stands in, and the generic fold.

A graph built by scalar Linear layers folds by neurons, layers and samples (see
_mlp.py and graph.py); any other big graph folds here: the ops of each module (from
the closest named parameter feeding them), then the rest by how many steps they are
from the inputs, then the leaves by role.
"""

from collections import Counter

import numpy as np

from ._style import ROLE_NAMES, num, plural, summary

_BANDS = 8  # step bands a graph without module names is folded into


class Group:
    """One drawn node standing for several nodes of the graph.

    Args:
        key: its DOT id.
        title: its first lines.
        role: the role whose colour it takes.
        shows: the nodes whose data and grad it shows (e.g. a neuron's output), or
            None to list the ops and leaves it holds instead (a box).
        cluster: the title of the cluster it is drawn in, or None.
        lists_ops: a record that also lists the ops it holds (the loss). Default False.
    """

    def __init__(self, key, title, role, shows=None, cluster=None, lists_ops=False):
        self.key, self.title, self.role = key, title, role
        self.shows, self.cluster, self.lists_ops = shows, cluster, lists_ops
        self.ops = Counter()
        self.leaves = Counter()

    def fields(self, show_data, show_grad):
        if self.shows is None:
            return ["\n".join(self.title.split("\n") + self._contents())]
        fields = [self.title]
        if self.lists_ops and self.ops:
            fields[0] += "\nops: " + ", ".join(f"{op} {k:,}" for op, k in self.ops.most_common())
        data = [n.data for n in self.shows]
        grads = [n.grad if n.requires_grad else None for n in self.shows]
        if show_data:
            fields.append("data " + _values(data))
        if show_grad and all(g is not None for g in grads):
            fields.append("grad " + _values(grads))
        return fields

    def attrs(self, colors):
        shape = "box3d" if self.shows is None else "record"
        return {"shape": shape, "style": "filled", "fillcolor": colors[self.role]}

    def _contents(self):
        lines = []
        if self.ops:
            top = self.ops.most_common()
            lines.append(plural(sum(self.ops.values()), "op") + ": "
                         + ", ".join(f"{op} {k:,}" for op, k in top[:4])
                         + (", ..." if len(top) > 4 else ""))
        lines += [plural(self.leaves[r], r) for r in ROLE_NAMES if self.leaves[r]]
        return lines


def _values(xs):
    return num(xs[0]) if len(xs) == 1 else summary(np.array(xs, dtype=float))


def fold(order, root, names, module_types, budget, role):
    """{id(node): Group} so that at most ``budget`` nodes are drawn, and what was done.

    Module boxes first (each op goes to the module of the closest named parameter
    feeding it); then, while too big, the remaining ops in bands of steps from the
    inputs, then the remaining leaves by role. The root and its op are always drawn.
    """
    group = _module_groups(order, names, module_types) if names else {}
    if len(set(group.values())) > budget - (2 + _BANDS + 2):  # root and op, bands, leaves
        group = {}
    group.pop(id(root), None)
    if group:
        _absorb_leaves(order, root, group)
    if cost(order, group) > budget:
        _band_ops(order, root, group)
        _absorb_leaves(order, root, group)
    if cost(order, group) > budget:
        for n in order:
            if n._op is None and n is not root and id(n) not in group:
                group[id(n)] = ("leaves", role(n))
    boxes = {key: Group(f"box{j}", _title(key), _box_role(key))
             for j, key in enumerate(dict.fromkeys(group.values()))}
    kinds = Counter(key[0] for key in boxes)
    words = {"module": "layer box", "steps": "step band", "leaves": "leaf box"}
    done = "into " + ", ".join(plural(kinds[k], w) for k, w in words.items() if kinds[k])
    return {key: boxes[box] for key, box in group.items()}, done


def module_of(name):
    """The module that owns a parameter name: '0.weight[3,1]' -> '0', 'w' -> ''."""
    return name.split("[", 1)[0].rpartition(".")[0]


def cost(order, group):
    """How many nodes a drawing has: a record per node drawn alone, one per op, the groups."""
    alone = sum(1 if n._op is None else 2 for n in order if id(n) not in group)
    return alone + len(set(group.values()))


def _title(key):
    kind = key[0]
    if kind == "module":
        _, module, cls = key
        return f"{module or 'model'}: {cls}" if cls else f"module {module or '(top level)'}"
    if kind == "steps":
        _, low, high = key
        return f"ops {low}" + (f"-{high}" if high != low else "") + " steps from the inputs"
    return f"{ROLE_NAMES[key[1]]} leaves"


def _box_role(key):
    """A layer takes its parameters' colour; a leaf box its leaves'."""
    if key[0] == "module":
        return "parameter"
    return key[1] if key[0] == "leaves" else "intermediate"


def _module_groups(order, names, module_types):
    """Each named parameter and each op fed by one -> ('module', name, class name)."""
    nearest = {}  # id(node) -> (distance to the closest named parameter, its module)
    for n in order:
        if id(n) in names:
            nearest[id(n)] = (0, module_of(names[id(n)]))
        elif n._op is not None:
            found = [nearest[id(p)] for p in n._parents if id(p) in nearest]
            if found:
                dist, module = min(found, key=lambda f: f[0])
                nearest[id(n)] = (dist + 1, module)
    return {key: ("module", m, module_types.get(m, "")) for key, (_, m) in nearest.items()}


def _absorb_leaves(order, root, group):
    """A leaf whose consumers all sit in one box joins that box."""
    user = {}  # id(leaf) -> the one box that uses it, or None (drawn alone, or several)
    for n in order:
        if n._op is None:
            continue
        box = None if n is root else group.get(id(n))
        for p in n._parents:
            key = id(p)
            if p._op is not None or key in group:
                continue
            if key not in user:
                user[key] = box
            elif user[key] != box:
                user[key] = None
    group.update((key, box) for key, box in user.items() if box is not None)


def _band_ops(order, root, group):
    """The ops not yet in a box, in _BANDS bands of steps (longest path from a leaf)."""
    depth = {}
    for n in order:
        d = 0
        for p in n._parents:
            d = max(d, depth[id(p)] + 1)
        depth[id(n)] = d
    free = [n for n in order if n._op is not None and n is not root and id(n) not in group]
    if not free:
        return
    low = min(depth[id(n)] for n in free)
    high = max(depth[id(n)] for n in free)
    span = (high - low) // _BANDS + 1
    bands = [("steps", start, min(start + span - 1, high)) for start in range(low, high + 1, span)]
    for n in free:
        group[id(n)] = bands[(depth[id(n)] - low) // span]
