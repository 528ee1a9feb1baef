"""Graph drawings with graphviz: computation graphs and network diagrams.

``draw_graph`` draws what backward walks: one record per Value or Tensor and one
small node per op between its inputs and its output, as micrograd draws it, with
parameter names and shapes as torchviz shows them, laid out and folded to fit a
notebook's width. ``draw_network`` draws a model as layers of units. Both return an
unrendered ``graphviz.Digraph``: it shows inline in Jupyter, and
``.render("graph", format="svg")`` or ``.pipe("svg")`` renders it.

graphviz is imported on first use, so ``import microgd`` does not need it.
"""

from ._style import COLORS, MAX_WIDTH, RANKDIRS, ROLE_NAMES, import_graphviz
from .graph import COLLAPSE, MAX_NODES, MIN_NODES, draw_graph
from .network import draw_network

draw_dot = draw_graph  # the micrograd lecture's name

__all__ = ["draw_graph", "draw_dot", "draw_network", "COLORS", "ROLE_NAMES", "RANKDIRS",
           "MAX_NODES", "MIN_NODES", "MAX_WIDTH", "COLLAPSE", "import_graphviz"]
