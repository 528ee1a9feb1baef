"""What every drawing shares: role colours, number formats, records, the legend, sizes.

A drawing is first built as plain data (a ``Sketch``: nodes with their text, edges,
clusters), so that its width can be estimated before graphviz lays it out; then it
is emitted as DOT in the direction that fits.
"""

import re

import numpy as np

# Fill colours by role, explained in each drawing's legend.
COLORS = {
    "input": "#dae8fc",         # data fed in: a leaf that does not require grad, a constant
    "parameter": "#ffe6cc",     # a named node, or a leaf that requires grad
    "intermediate": "#f5f5f5",  # made by an op on the way to the output
    "output": "#d5e8d4",        # the root: the loss or the expression's value
}
ROLE_NAMES = {
    "input": "input / constant",
    "parameter": "parameter",
    "intermediate": "intermediate",
    "output": "output",
}
RANKDIRS = ("LR", "TB", "RL", "BT")
MAX_WIDTH = 1000  # pixels: a notebook's width

# Layout constants (points), used by the DOT and by the width estimate alike.
FONT_SIZE = 11
RANKSEP = 0.3  # inches between ranks
NODESEP = 0.15  # inches between nodes of a rank
_CHAR = 6.3  # average width of a Helvetica character at FONT_SIZE
_PAD = 16  # a record field's or box's margins
_CLUSTER = 16  # a cluster's margin on each side


def num(x):
    """A number in 4 significant digits; never ``-0``."""
    x = float(x)
    return "0" if x == 0 else f"{x:.4g}"


def summary(a):
    """The values of an array when there are at most four, else its mean and range."""
    a = np.asarray(a)
    if a.size == 0:
        return "empty"
    if a.ndim == 0:
        return num(a)
    if a.size <= 4:
        return "[" + ", ".join(num(x) for x in a.ravel()) + "]"
    with np.errstate(all="ignore"):
        return f"mean {num(a.mean())}\nmin {num(a.min())} max {num(a.max())}"


def plural(n, word):
    return f"{n:,} {word}" + ("" if n == 1 else "es" if word.endswith("x") else "s")


class Sketch:
    """A drawing as data: nodes, edges and clusters, before DOT is written.

    A node is ``(fields, attrs, cluster)``: ``fields`` a list of texts (a record's
    fields stacked top to bottom; one field for other shapes, lines split by
    newlines), ``attrs`` the graphviz attributes, ``cluster`` a cluster title or None.
    """

    def __init__(self):
        self.nodes = {}
        self.edges = []
        self.notes = []
        self.roles = set()  # the roles drawn, for the legend
        self.graph_attrs = {}

    def node(self, key, fields, cluster=None, **attrs):
        self.nodes[key] = (list(fields), attrs, cluster)

    def edge(self, tail, head, **attrs):
        self.edges.append((tail, head, attrs))

    def width(self, rankdir):
        """An estimate, in points, of the laid-out width in direction ``rankdir``."""
        rank = self._ranks()
        widths = {key: _node_width(fields) for key, (fields, _, _) in self.nodes.items()}
        clusters = {c for _, _, c in self.nodes.values() if c}
        margin = 2 * _CLUSTER if clusters else 0
        columns = {}
        for key, r in rank.items():
            columns.setdefault(r, []).append(widths[key])
        if rankdir in ("LR", "RL"):
            return (sum(max(ws) for ws in columns.values()) + 72 * RANKSEP * (len(columns) - 1)
                    + margin + 16)
        return max(sum(ws) + 72 * NODESEP * (len(ws) - 1) for ws in columns.values()) \
            + margin * max(1, len(clusters)) + 16

    def _ranks(self):
        """Longest path from the sources; a source sits just before its first user."""
        heads = {key: [] for key in self.nodes}
        tails = {key: [] for key in self.nodes}
        for t, h, _ in self.edges:
            heads[t].append(h)
            tails[h].append(t)
        rank = {}
        for key in self._topological(heads, tails):
            if tails[key]:
                rank[key] = max(rank[t] for t in tails[key]) + 1
            else:
                rank[key] = 0
        for key in self.nodes:
            if not tails[key] and heads[key]:
                rank[key] = min(rank[h] for h in heads[key]) - 1
        return rank

    def _topological(self, heads, tails):
        waiting = {key: len(set(ts)) for key, ts in tails.items()}
        ready = [key for key, n in waiting.items() if n == 0]
        order = []
        while ready:
            key = ready.pop()
            order.append(key)
            for h in dict.fromkeys(heads[key]):
                waiting[h] -= 1
                if waiting[h] == 0:
                    ready.append(h)
        return order

    def emit(self, graphviz, rankdir, max_width):
        """The graphviz.Digraph of this sketch, with the legend and notes below it."""
        dot = digraph(graphviz, rankdir, max_width)
        titles = {c for _, _, c in self.nodes.values() if c is not None}
        clusters = {c: [] for c in sorted(titles, key=_natural)}  # sample 1 first
        nodes = list(self.nodes.items())
        if self.graph_attrs.get("ordering") and rankdir == "LR":
            # rotated, dot stacks a rank's first node at the bottom (but the first
            # cluster at the top): declared in reverse, the nodes read top down
            nodes.reverse()
        for key, (fields, attrs, cluster) in nodes:
            if attrs.get("shape") == "record":
                text = record(fields, rankdir)
            else:
                text = "\n".join(fields).replace("\n", "\\n")
            if cluster is None:
                dot.node(key, text, **attrs)
            else:
                clusters[cluster].append((key, text, attrs))
        for j, (title, members) in enumerate(clusters.items()):
            with dot.subgraph(name=f"cluster_{j}") as sub:
                sub.attr(label=title, style="rounded", color="grey60", fontsize="10")
                for key, text, attrs in members:
                    sub.node(key, text, **attrs)
        for tail, head, attrs in self.edges:
            dot.edge(tail, head, **attrs)
        dot.attr(label=legend(self.roles, self.notes), labelloc="b", labeljust="l",
                 **self.graph_attrs)
        return dot


def digraph(graphviz, rankdir, max_width):
    """An empty Digraph with microgd's fonts and spacing, scaled down to ``max_width``."""
    font = {"fontname": "Helvetica", "fontsize": str(FONT_SIZE)}
    graph = {"rankdir": rankdir, "ranksep": str(RANKSEP), "nodesep": str(NODESEP), **font}
    if max_width is not None:
        graph["size"] = f"{max_width * 0.75 / 72:.2f},1000"  # px -> pt -> inches
    return graphviz.Digraph("microgd", graph_attr=graph, node_attr=font,
                            edge_attr={**font, "fontsize": "9", "arrowsize": "0.7"})


def legend(roles, notes=()):
    """An HTML-like table for the graph's own label: below the nodes, never over them."""
    cells = "".join(f'<td bgcolor="{COLORS[r]}">{ROLE_NAMES[r]}</td>'
                    for r in COLORS if r in roles)
    rows = f"<tr>{cells}</tr>" if cells else ""
    span = max(1, sum(r in roles for r in COLORS))
    rows += "".join(f'<tr><td colspan="{span}" border="0">{_html(n)}</td></tr>' for n in notes)
    return (f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
            f"{rows or '<tr><td></td></tr>'}</table>>")


def record(fields, rankdir):
    """A record label with its fields stacked top to bottom in either direction."""
    text = " | ".join(escape(f).replace("\n", "\\n") for f in fields or [" "])
    return text if rankdir in ("LR", "RL") else "{ " + text + " }"


def escape(text):
    """Backslash the characters that structure a graphviz record label."""
    return re.sub(r"([\\{}|<>])", r"\\\1", str(text))


def _natural(text):
    """A sort key that puts "sample 2" before "sample 10"."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def _html(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _node_width(fields):
    lines = [line for f in fields for line in str(f).split("\n")] or [""]
    return max(27.0, max(len(line) for line in lines) * _CHAR + _PAD)


def check_rankdir(rankdir, allow_none=False):
    if rankdir not in RANKDIRS and not (allow_none and rankdir is None):
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}"
                         + (" or None" if allow_none else "") + f", got {rankdir!r}")


def check_max_width(max_width, where):
    if max_width is not None and (not isinstance(max_width, int) or isinstance(max_width, bool)
                                  or max_width < 100):
        raise ValueError(f"{where}: max_width must be None or an int >= 100 (pixels), "
                         f"got {max_width!r}")


def import_graphviz():
    """The graphviz module, or an ImportError that says how to install it."""
    try:
        import graphviz
    except ImportError:
        raise ImportError("drawing graphs needs the graphviz Python package: "
                          "pip install graphviz (and the Graphviz 'dot' program to "
                          "render them)") from None
    return graphviz
