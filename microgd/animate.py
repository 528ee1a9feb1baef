"""animate_backward: the graph drawn at every step of backward (and of the forward pass).

The graph is drawn by ``viz.draw_graph`` and laid out once by graphviz; every frame
pins each node and edge where that layout put it (``neato -n2``), so nothing moves
while data and gradients appear. The steps are ``backward_steps``' (the walk that
backward() runs); the caption of a step is its lines of ``explain_backward``.

Needs graphviz (the package and the ``dot`` program) and Pillow (for GIFs), imported
on first use.
"""

import base64
import html
import io
import json
import re
import uuid
from pathlib import Path

import numpy as np

from .autograd import Node, toposort, walk_steps
from .steps import Explanation, _steps

__all__ = ["animate_backward", "Animation", "MAX_NODES"]

MAX_NODES = 60  # nodes (leaves, constants and results) that a frame can show readably
HIGHLIGHT = "#d62728"   # the node of the step, its op and the edges its gradient takes
RECEIVED = "#ff7f0e"    # the inputs that just received a contribution
_NODE_ID = re.compile(r"^n(\d+)(op)?$")  # viz names node i of toposort "n{i}", its op "n{i}op"


def animate_backward(root, forward=False, max_nodes=MAX_NODES, rankdir=None):
    """An animation of backward on ``root``'s graph: one frame per step.

    The first frame shows every node's data and no gradient; then each step of
    ``mg.backward_steps`` highlights its node, shows the node's (complete) gradient
    and adds each contribution to the input's gradient so far, with the step's
    chain rule (``explain_backward``'s lines) as its caption. With ``forward``, the
    forward pass comes first: the inputs, then one frame per op, its result appearing.
    Like explain_backward it keeps the graph and touches no ``.grad``.

    Args:
        root: the Value or Tensor to differentiate; it must require grad.
        forward: also animate the forward pass first. Default False.
        max_nodes: the most nodes (leaves, constants and results; ops not counted)
            animated. Default 60.
        rankdir: the layout direction ("LR", "TB"...), or None for draw_graph's
            default. Default None.

    Returns:
        An ``Animation``: ``.save("backprop.gif")``, ``.save("backprop.html")`` (a
        player with a slider), and it shows itself as that player in Jupyter.
    """
    if not isinstance(root, Node):
        raise TypeError(f"animate_backward: root must be a Value or a Tensor, "
                        f"got {type(root).__name__}")
    if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1:
        raise ValueError(f"animate_backward: max_nodes must be a positive int, "
                         f"got {max_nodes!r}")
    order = toposort([root], grad_only=False)
    if len(order) > max_nodes:
        raise ValueError(
            f"animate_backward: the graph has {len(order)} nodes, more than max_nodes="
            f"{max_nodes} can be followed frame by frame. Animate a part of it: one "
            f"neuron's output or one sample's loss instead of the whole batch, a model "
            f"with fewer units, or the same model on Tensors (a node per layer, not per "
            f"multiply); draw the whole graph folded with mg.draw_graph(root), or pass "
            f"max_nodes={len(order)} to animate it all")
    steps = list(_steps(root, walk_steps(root, None, True, {}, "animate_backward()")))
    captions = [[] for _ in steps]
    explained = Explanation(root, steps, 4)
    for (k, *_), line in zip(explained.rows, explained.lines):
        captions[k - 1].append(line)
    layout = _Layout(root, order, steps, explained.name, rankdir)
    frames = _forward_frames(order, explained.name) if forward else []
    frames += _backward_frames(root, order, steps, captions, layout)
    return Animation(layout, frames)


class _Frame:
    """What one frame shows: data and grads by node index, the highlights, a caption."""

    def __init__(self, data, grads, current=None, received=(), caption=()):
        self.data, self.grads = data, grads
        self.current, self.received, self.caption = current, set(received), list(caption)


def _forward_frames(order, name):
    """The inputs, then one frame per op in the order they ran (``name``: the
    explanation's names, a constant shown as its value)."""
    leaves = {i for i, n in enumerate(order) if n._op is None}
    frames = [_Frame(set(leaves), {}, caption=["forward pass: the inputs and parameters"])]
    shown = set(leaves)
    for i, n in enumerate(order):
        if n._op is None:
            continue
        shown = shown | {i}
        args = [name(p) if p._op is not None or p.label or p.requires_grad else _show(p.data)
                for p in n._parents]
        frames.append(_Frame(shown, {}, current=i,
                             caption=[f"forward: {name(n)} = {_formula(n.op, args)}"
                                      f" = {_show(n.data)}"]))
    return frames


def _formula(op, args):
    if len(args) == 2 and op in ("+", "-", "*", "/", "**", "@", "matmul"):
        return f"{args[0]} {'@' if op == 'matmul' else op} {args[1]}"
    if len(args) == 1 and args[0].startswith("("):
        return f"{op}{args[0]}"  # tanh(+#1), not tanh((+#1))
    return f"{op}({', '.join(args)})"


def _backward_frames(root, order, steps, captions, layout):
    index = {n._key: i for i, n in enumerate(order)}
    every = set(range(len(order)))
    grads = {}
    frames = [_Frame(every, {}, caption=["backward pass: every node's data is known; "
                                         "the gradients start from 1 at the output"])]
    for k, (step, caption) in enumerate(zip(steps, captions), 1):
        grads = dict(grads)
        at = index[step.node._key]
        grads[at] = step.grad
        received = []
        for edge in step.edges:
            j = index[edge.input._key]
            grads[j] = edge.contribution if j not in grads else grads[j] + edge.contribution
            received.append(j)
        frames.append(_Frame(every, grads, current=at, received=received,
                             caption=[f"step {k} of {len(steps)}:"] + caption))
    return frames


class _Layout:
    """The graph drawn once with the widest labels it will show, and laid out once."""

    def __init__(self, root, order, steps, names, rankdir):
        from .viz import draw_graph, import_graphviz
        self.graphviz = import_graphviz()
        self.order, self.root, self.names = order, root, names
        self.needs_grad = [n.requires_grad for n in order]
        final = {}
        index = {n._key: i for i, n in enumerate(order)}
        for step in steps:
            final[index[step.node._key]] = step.grad
        for step in steps:
            for edge in step.edges:
                j = index[edge.input._key]
                final[j] = final.get(j, 0.0) + edge.contribution
        options = {} if rankdir is None else {"rankdir": rankdir}
        dot = draw_graph(root, max_nodes=None, **options)
        # A record's fields run across the rank direction: braces stack them top to
        # bottom when the graph runs left to right.
        self.braces = re.search(r"rankdir=(LR|RL)", dot.source) is None
        every = set(range(len(order)))
        for i in every:  # the fullest label each node will show: its data and final grad
            dot.node(f"n{i}", self.label(i, every, final), shape="record")
        laid = json.loads(dot.pipe(format="json"))
        self.graph_attrs = {k: laid[k] for k in ("fontname", "fontsize", "rankdir")
                            if k in laid}
        self.nodes, gvid = {}, {}
        for obj in laid.get("objects", []):
            if "pos" in obj and _NODE_ID.match(obj.get("name", "")):
                self.nodes[obj["name"]] = obj
                gvid[obj["_gvid"]] = obj["name"]
        self.edges = [(gvid[e["tail"]], gvid[e["head"]], e["pos"])
                      for e in laid.get("edges", []) if e["tail"] in gvid and e["head"] in gvid]

    def label(self, i, shown, grads):
        node = self.order[i]
        named = node.label or node._op is not None or node.requires_grad
        fields = [self.names.plain(node)] if named else []  # the captions' names
        data = _show(node.data) if i in shown else ""
        if isinstance(node.data, np.ndarray):
            fields.append(f"{node.data.shape} {node.data.dtype}")
        fields.append(f"data {data}")
        if self.needs_grad[i]:
            fields.append(f"grad {_show(grads[i])}" if i in grads else "grad")
        text = " | ".join(_escape(f) for f in fields)
        return "{ " + text + " }" if self.braces else text

    def draw(self, frame):
        """The frame as a graphviz Digraph pinned to the layout (render with neato -n2)."""
        dot = self.graphviz.Digraph("backprop", engine="neato",
                                    graph_attr={**self.graph_attrs, "splines": "true"})
        hot = set()
        if frame.current is not None:
            hot = {f"n{frame.current}", f"n{frame.current}op"}
        for name, obj in self.nodes.items():
            i, is_op = _NODE_ID.match(name).groups()
            i = int(i)
            attrs = {k: str(obj[k]) for k in ("shape", "style", "fillcolor", "fontname",
                                              "fontsize", "margin") if k in obj}
            x, y = obj["pos"].split(",")
            attrs.update(pos=f"{x},{y}!", width=str(obj["width"]), height=str(obj["height"]),
                         fixedsize="true",
                         label=obj.get("label", "") if is_op else self.label(
                             i, frame.data, frame.grads))
            if name in hot:
                attrs.update(color=HIGHLIGHT, penwidth="3", fontcolor=HIGHLIGHT)
            elif not is_op and i in frame.received:
                attrs.update(color=RECEIVED, penwidth="2.5")
            dot.node(name, **attrs)
        op = f"n{frame.current}op"
        for tail, head, pos in self.edges:
            attrs = {"pos": pos, "arrowsize": "0.7"}
            if frame.current is not None and (head == op or tail == op):
                attrs.update(color=HIGHLIGHT, penwidth="2.5")
            dot.edge(tail, head, **attrs)
        return dot


def _show(x):
    """A number in 4 significant digits (never -0); an array's values or its summary."""
    if isinstance(x, np.ndarray) and x.size != 1:
        if x.size <= 4:
            return "[" + ", ".join(_show(float(v)) for v in x.ravel()) + "]"
        with np.errstate(all="ignore"):
            return f"norm {_show(float(np.linalg.norm(x)))}"
    x = float(np.asarray(x).reshape(()))
    return "0" if x == 0 else f"{x:.4g}"


def _escape(text):
    """Backslash the characters that structure a graphviz record label."""
    return re.sub(r"([\\{}|<>])", r"\\\1", str(text))


class Animation:
    """Frames of a graph, each with a caption: save as a GIF or an HTML player.

    ``len(animation)`` is the number of frames; ``frame_svg(k)`` and
    ``frame_png(k)`` render frame ``k`` (rendered once, then kept); ``captions``
    holds each frame's caption lines.
    """

    def __init__(self, layout, frames):
        self._layout, self._frames = layout, frames
        self.captions = [frame.caption for frame in frames]
        self._rendered = {}

    def __len__(self):
        return len(self._frames)

    def __repr__(self):
        return f"<Animation of {len(self)} frames>"

    def frame_svg(self, k):
        """Frame ``k`` as SVG text."""
        return self._render(k, "svg").decode()

    def frame_png(self, k, dpi=72):
        """Frame ``k`` as PNG bytes, at ``dpi`` dots per inch (default 72)."""
        return self._render(k, "png", dpi)

    def _render(self, k, fmt, dpi=None):
        if (k, fmt, dpi) not in self._rendered:
            dot = self._layout.draw(self._frames[k])
            if dpi is not None:
                dot.graph_attr["dpi"] = str(dpi)
            self._rendered[k, fmt, dpi] = dot.pipe(format=fmt, neato_no_op=2)
        return self._rendered[k, fmt, dpi]

    def save(self, path, seconds_per_frame=1.5, dpi=72):
        """Write the animation to ``path``: ``.gif``, or ``.html`` (a self-contained player).

        Args:
            path: a file name ending in .gif or .html.
            seconds_per_frame: how long each frame shows in the GIF (the last one
                three times as long) and when the player plays. Default 1.5.
            dpi: the GIF's resolution (graphviz draws 72 dots per inch at 100%).
                Default 72.

        Returns:
            The path, as a Path.
        """
        path = Path(path)
        if not (isinstance(seconds_per_frame, (int, float)) and seconds_per_frame > 0):
            raise ValueError(f"Animation.save: seconds_per_frame must be a positive number, "
                             f"got {seconds_per_frame!r}")
        if path.suffix.lower() == ".gif":
            _write_gif(path, [self.frame_png(k, dpi) for k in range(len(self))],
                       self.captions, seconds_per_frame)
        elif path.suffix.lower() in (".html", ".htm"):
            path.write_text(self.to_html(seconds_per_frame), encoding="utf-8")
        else:
            raise ValueError(f"Animation.save: {str(path)!r} should end in .gif or .html")
        return path

    def to_html(self, seconds_per_frame=1.5):
        """A self-contained HTML player: the frames as SVG images, a slider, play/pause."""
        player = f"backprop-{uuid.uuid4().hex[:8]}"
        images = json.dumps(["data:image/svg+xml;base64," + base64.b64encode(
            self._render(k, "svg")).decode() for k in range(len(self))])
        captions = json.dumps(["\n".join(c) for c in self.captions])
        return _PLAYER.format(id=player, last=len(self) - 1, images=images,
                              captions=captions, ms=int(seconds_per_frame * 1000),
                              first=html.escape("\n".join(self.captions[0])))

    def _repr_html_(self):
        return self.to_html()


def _write_gif(path, pngs, captions, seconds_per_frame):
    """One GIF frame per PNG, its caption written below the drawing."""
    from PIL import Image, ImageDraw, ImageFont
    try:
        font = ImageFont.load_default(size=13)
    except TypeError:  # Pillow before 10.1: one bitmap size
        font = ImageFont.load_default()
    images = [Image.open(io.BytesIO(png)).convert("RGB") for png in pngs]
    line = 17
    lines = max(len(c) for c in captions)
    measure = ImageDraw.Draw(images[0])
    text_width = max((measure.textlength(t, font=font) for c in captions for t in c), default=0)
    width = int(max(max(im.width for im in images), text_width + 20))
    height = max(im.height for im in images) + line * lines + 16
    frames = []
    for im, caption in zip(images, captions):
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(im, ((width - im.width) // 2, 0))
        draw = ImageDraw.Draw(canvas)
        for j, text in enumerate(caption):
            draw.text((10, im.height + 8 + j * line), text, fill="black", font=font)
        frames.append(canvas.quantize(colors=64))
    durations = [int(seconds_per_frame * 1000)] * len(frames)
    durations[-1] *= 3
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=durations,
                   loop=0, optimize=True)


_PLAYER = """<div id="{id}" style="font-family: sans-serif">
<img style="max-width: 100%" alt="backprop frame">
<pre style="margin: 4px 0">{first}</pre>
<div><button type="button">&#9654;</button>
<input type="range" min="0" max="{last}" value="0" step="1" style="width: 60%">
<span></span></div>
<script>
(function () {{
  var root = document.getElementById("{id}");
  var images = {images}, captions = {captions};
  var img = root.querySelector("img"), text = root.querySelector("pre");
  var slider = root.querySelector("input"), button = root.querySelector("button");
  var count = root.querySelector("span"), timer = null;
  function show(k) {{
    slider.value = k; img.src = images[k]; text.textContent = captions[k];
    count.textContent = "frame " + (+k + 1) + " of " + images.length;
  }}
  function stop() {{ clearInterval(timer); timer = null; button.innerHTML = "&#9654;"; }}
  slider.oninput = function () {{ stop(); show(slider.value); }};
  button.onclick = function () {{
    if (timer) {{ stop(); return; }}
    if (+slider.value === images.length - 1) show(0);
    button.innerHTML = "&#10074;&#10074;";
    timer = setInterval(function () {{
      if (+slider.value >= images.length - 1) stop(); else show(+slider.value + 1);
    }}, {ms});
  }};
  show(0);
}})();
</script>
</div>
"""
