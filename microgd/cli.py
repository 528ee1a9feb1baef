"""The ``microgd`` command: draw the graph of an expression or of a model.

    microgd graph "tanh(a*b + c)" --set a=2 b=-3 c=1 -o graph.svg
    microgd graph --model 2,16,16,1 -o mlp.svg
    microgd graph --model 2,4,1 --scalar -o mlp_graph.svg

Expressions are parsed with Python's ``ast`` and only numbers, names, + - * / **,
unary minus and calls to tanh, exp, log, relu and sigmoid are accepted: nothing is
ever passed to ``eval``. Every name needs a value from ``--set``.

Exit codes: 0 on success, 2 for a usage error (bad arguments or expression, a model
too large to build), 1 when drawing or writing fails (a closed or full stdout too).
User errors print ``microgd: error: ...``, never a traceback.
"""

import argparse
import ast
import operator
import sys
from pathlib import Path

from . import __version__, nn, viz
from .random import manual_seed
from .value import Value
from .viz import COLLAPSE, MAX_NODES, MIN_NODES

FUNCTIONS = ("tanh", "exp", "log", "relu", "sigmoid")
FORMATS = ("svg", "png", "pdf", "dot")
MAX_PARAMETERS = 10_000_000      # --model: 80 MB of weights, about a second to draw
MAX_SCALAR_PARAMETERS = 100_000  # --model --scalar: one Value per weight, about 10 s

_EXAMPLES = """\
examples:
  microgd graph "tanh(a*b + c)" --set a=2 b=-3 c=1 -o graph.svg
      the graph of a neuron on Values: data and grad of every node
  microgd graph "a*b" --set a=2 b=3
      print the DOT source instead of rendering it
  microgd graph --model 2,16,16,1 -o mlp.svg
      the network diagram of an MLP with 2 inputs, two hidden layers of 16, 1 output
  microgd graph --model 2,4,1 --scalar -o mlp_graph.svg
      the scalar computation graph of one forward pass and a squared-error loss
"""

_INSTALL_DOT = ("Install Graphviz: 'apt-get install graphviz' (Debian/Ubuntu), "
                "'brew install graphviz' (macOS) or 'conda install graphviz' (conda)")

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow}
_REFUSED = {ast.Mod: "'%'", ast.FloorDiv: "'//'", ast.MatMult: "'@'",
            ast.BitXor: "'^' (for a power, write **)", ast.BitAnd: "'&'", ast.BitOr: "'|'",
            ast.LShift: "'<<'", ast.RShift: "'>>'", ast.Invert: "'~'", ast.Not: "'not'"}
_ALLOWED = ("numbers, names, + - * / **, unary - and calls to " +
            ", ".join(f"{f}()" for f in FUNCTIONS))


class UsageError(Exception):
    """A mistake in the command line or the expression: exit code 2."""


class Failure(Exception):
    """Drawing or writing failed: exit code 1."""


def main(argv=None):
    """Run the ``microgd`` command.

    Args:
        argv: the arguments, without the program name. Default None: sys.argv[1:].

    Returns:
        The exit code: 0 on success, 2 for usage errors, 1 for failures.
    """
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:  # argparse exits on --help (0) and on bad arguments (2)
        return e.code if isinstance(e.code, int) else 2
    try:
        args.run(args)
    except UsageError as e:
        print(f"microgd: error: {e}", file=sys.stderr)
        return 2
    except Failure as e:
        print(f"microgd: error: {e}", file=sys.stderr)
        return 1
    except MemoryError:
        print("microgd: error: out of memory", file=sys.stderr)
        return 1
    return 0


def _parser():
    parser = argparse.ArgumentParser(
        prog="microgd", epilog=_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="microgd: a small reverse-mode autograd engine. Commands:")
    parser.add_argument("--version", action="version", version=f"microgd {__version__}")
    commands = parser.add_subparsers(title="commands", dest="command", required=True)
    graph = commands.add_parser(
        "graph", epilog=_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
        help="draw the graph of an expression or of a model",
        description="Draw the computation graph of an expression on Values (each node "
                    "with its data and grad after backward), the network diagram of an "
                    "MLP, or the scalar graph of an MLP's forward pass and loss. The "
                    "format comes from the output's extension: " + ", ".join(FORMATS)
                    + "; without -o the DOT source is printed.")
    graph.add_argument("expression", nargs="?",
                       help=f"an expression of {_ALLOWED}, e.g. \"tanh(a*b + c)\"")
    graph.add_argument("--set", nargs="+", action="extend", default=[], metavar="NAME=VALUE",
                       type=_assignment, help="values of the expression's names, e.g. a=2 b=-3")
    graph.add_argument("--model", type=_sizes, metavar="SIZES",
                       help="draw an MLP with these layer sizes, e.g. 2,16,16,1")
    graph.add_argument("--scalar", action="store_true",
                       help="with --model: draw the scalar (Value) graph of one forward "
                            "pass and a squared-error loss instead of the network diagram")
    graph.add_argument("--activation", choices=("relu", "tanh", "sigmoid"), default="relu",
                       help="with --model: the hidden layers' activation (default relu)")
    graph.add_argument("--seed", type=_at_least(0), default=0,
                       help="with --model: the seed of the initial weights (default 0)")
    graph.add_argument("-o", "--output", metavar="FILE",
                       help="where to write: a .svg, .png, .pdf or .dot file")
    graph.add_argument("--rankdir", choices=viz.RANKDIRS, help="layout direction (default: "
                       "left to right, or top to bottom when a graph is too wide)")
    graph.add_argument("--max-nodes", type=_at_least(MIN_NODES), default=MAX_NODES,
                       metavar="N", help=f"fold bigger graphs into boxes (default "
                                         f"{MAX_NODES}, at least {MIN_NODES})")
    graph.add_argument("--collapse", choices=COLLAPSE,
                       help="with --model --scalar: always fold into a box per neuron, "
                            "per layer, per sample (one forward pass) or per module")
    graph.set_defaults(run=_graph)
    return parser


def _assignment(text):
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE (e.g. a=2), got {text!r}")
    if name in FUNCTIONS:
        raise argparse.ArgumentTypeError(f"{name!r} is a function, not a variable")
    try:
        return name, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"the value of {name!r} must be a number, "
                                         f"got {value!r}") from None


def _at_least(minimum):
    """An argparse type: an int >= minimum."""
    def parse(text):
        try:
            n = int(text)
        except ValueError:
            n = minimum - 1
        if n < minimum:
            raise argparse.ArgumentTypeError(f"expected an int >= {minimum}, got {text!r}")
        return n
    return parse


def _sizes(text):
    try:
        sizes = [int(s) for s in text.split(",")]
    except ValueError:
        sizes = []
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected at least two positive layer sizes "
                                         f"separated by commas (e.g. 2,16,1), got {text!r}")
    return sizes


# --- the graph command ---------------------------------------------------------------------

def _graph(args):
    fmt = _format(args.output)
    if (args.expression is None) == (args.model is None):
        raise UsageError("give either an expression or --model SIZES (see microgd graph --help)")
    if args.scalar and args.model is None:
        raise UsageError("--scalar goes with --model SIZES")
    if args.collapse and not args.scalar:
        raise UsageError("--collapse goes with --model SIZES --scalar")
    if args.model is not None and args.set:
        raise UsageError("--set gives values to an expression's names; it does not go "
                         "with --model")
    try:
        graphviz = viz.import_graphviz()
    except ImportError as e:
        raise Failure(str(e)) from None
    if args.expression is not None:
        root = build(args.expression, dict(args.set))
        dot = viz.draw_graph(root, rankdir=args.rankdir, max_nodes=args.max_nodes)
    elif args.scalar:
        loss, model = _scalar_loss(args.model, args.activation, args.seed)
        dot = viz.draw_graph(loss, params=model, rankdir=args.rankdir,
                             max_nodes=args.max_nodes, collapse=args.collapse)
    else:
        dot = viz.draw_network(_mlp(args.model, args.activation, args.seed, "tensor"),
                               rankdir=args.rankdir or "LR")  # draw_network does not choose
    _write(graphviz, dot, args.output, fmt)


def _mlp(sizes, activation, seed, engine):
    """The seeded MLP to draw; one too large to draw is refused before it is built."""
    count = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))
    limit = MAX_SCALAR_PARAMETERS if engine == "value" else MAX_PARAMETERS
    if count > limit:
        kind = " with --scalar (one Value per weight)" if engine == "value" else ""
        raise UsageError(f"--model {','.join(map(str, sizes))} is too large: {count:,} "
                         f"parameters, the limit is {limit:,}{kind}")
    manual_seed(seed)
    return nn.MLP(sizes[0], sizes[1:], activation=activation, engine=engine)


def _scalar_loss(sizes, activation, seed):
    """One forward pass of a Value MLP on fixed inputs and its squared error, after backward."""
    model = _mlp(sizes, activation, seed, "value")
    n_in, n_out = sizes[0], sizes[-1]
    xs = [Value(-1 + 2 * i / max(n_in - 1, 1), label=f"x{i + 1}", requires_grad=False)
          for i in range(n_in)]
    outs = model(xs)
    outs = outs if isinstance(outs, list) else [outs]
    ys = [Value(1.0, label="y" if n_out == 1 else f"y{j + 1}", requires_grad=False)
          for j in range(n_out)]
    errors = [(o - y) ** 2 for o, y in zip(outs, ys)]
    loss = sum(errors[1:], errors[0])
    loss.label = "loss"
    loss.backward()
    return loss, model


def _format(path):
    if path is None:
        return None
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UsageError(f"cannot tell the format of {path!r} from its extension; use "
                         + ", ".join(f".{f}" for f in FORMATS))
    return fmt


def _write(graphviz, dot, path, fmt):
    """Write the drawing to ``path`` in ``fmt``, or print its DOT source when path is None."""
    if path is None:
        try:
            sys.stdout.write(dot.source)
            sys.stdout.flush()  # now, not at exit, where a failure would be a traceback
        except OSError as e:  # a closed pipe or a full disk
            raise Failure(f"cannot write to standard output: {e.strerror or e}") from None
        return
    try:
        if fmt == "dot":
            Path(path).write_text(dot.source, encoding="utf-8")
        else:
            Path(path).write_bytes(dot.pipe(format=fmt))
    except graphviz.ExecutableNotFound:
        raise Failure(f"cannot render {path}: the Graphviz program 'dot' was not found on "
                      f"PATH. {_INSTALL_DOT}. The DOT source needs no Graphviz: write it "
                      f"with -o {Path(path).with_suffix('.dot')}") from None
    except graphviz.CalledProcessError as e:
        raise Failure(f"Graphviz failed to render {path}: "
                      f"{(e.stderr or b'').decode(errors='replace').strip()}") from None
    except OSError as e:
        raise Failure(f"cannot write {path}: {e.strerror or e}") from None


# --- expressions ---------------------------------------------------------------------------

def build(expression, values):
    """Build ``expression`` on Values, run backward, and return its result.

    Args:
        expression: text such as "tanh(a*b + c)" made of numbers, names, + - * / **,
            unary minus and calls to tanh, exp, log, relu and sigmoid.
        values: {name: number} for every name in the expression.

    Returns:
        The resulting Value (labelled "out"); names become leaf Values labelled
        with their names, numbers become constants.

    Raises:
        UsageError: the expression does not parse, uses something not allowed, has
            a name without a value, or a value for a name it does not use. The
            message shows the expression with a caret under the problem.
    """
    text = " ".join(expression.split())  # one line, so a caret can point into it
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        col = e.offset - 1 if e.offset and e.offset <= len(text) else len(text)
        raise UsageError(_point(f"bad expression: {e.msg}", text, col)) from None
    except (RecursionError, MemoryError):  # the parser's limits
        raise UsageError("bad expression: it is nested too deeply or too long for "
                         "Python's parser") from None
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree.body):
        if isinstance(node, ast.expr):
            problem = _refusal(node, id(node) in called)
            if problem:
                raise UsageError(_point(f"bad expression: {problem}", text,
                                        _position(text, node)))
    names = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called]
    unknown = [n for n in names if n.id not in values]
    if unknown:
        raise UsageError(_point(
            f"unknown name {', '.join(dict.fromkeys(n.id for n in unknown))}: give every "
            f"name a value with --set NAME=VALUE (names set: {', '.join(values) or 'none'}; "
            f"functions: {', '.join(FUNCTIONS)})", text, _position(text, unknown[0])))
    used = {n.id for n in names}
    for name in values:
        if name not in used:
            raise UsageError(f"--set {name}=...: {name!r} is not in the expression "
                             f"(its names: {', '.join(sorted(used)) or 'none'})")
    variables = {name: Value(v, label=name) for name, v in values.items()}
    out = _build(tree.body, variables)
    if out.requires_grad:
        if not out.is_leaf:
            out.label = "out"
        out.backward()
    return out


def _refusal(node, is_called):
    """Why an expression node is not allowed, or None when it is (the whitelist)."""
    if isinstance(node, ast.Constant):
        if type(node.value) not in (int, float):
            return f"{node.value!r} is not a number"
        try:
            float(node.value)
        except OverflowError:
            return "the number is too large for a float"
        return None
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS and not is_called:
            return f"{node.id} is a function: call it, as in {node.id}(x)"
        return None
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in FUNCTIONS:
        if len(node.args) != 1 or node.keywords:
            return f"{node.func.id}() takes exactly one argument"
        return None
    return f"{_describe(node)} is not allowed; use {_ALLOWED}"


def _build(root, variables):
    """The Value of a whitelisted expression tree, without recursion (a flat sum of n
    terms is n deep): pre-order with the right operand first, evaluated in reverse."""
    order, stack = [], [root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(_operands(node))
    values = {}
    for node in reversed(order):
        values[id(node)] = _apply(node, [values[id(x)] for x in _operands(node)], variables)
    return values[id(root)]


def _operands(node):
    """The sub-expressions whose Values ``node`` needs."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp) and not isinstance(node.operand, ast.Constant):
        return [node.operand]
    if isinstance(node, ast.Call):
        return [node.args[0]]
    return []


def _apply(node, operands, variables):
    """The Value of a whitelisted expression node, given its operands' Values."""
    if isinstance(node, ast.Constant):
        return Value(float(node.value), requires_grad=False)
    if isinstance(node, ast.Name):
        return variables[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](*operands)
    if isinstance(node, ast.UnaryOp):
        sign = -1 if isinstance(node.op, ast.USub) else 1
        if isinstance(node.operand, ast.Constant):  # -3 is a number, not neg(3)
            return Value(sign * float(node.operand.value), requires_grad=False)
        return -operands[0] if sign < 0 else operands[0]
    return getattr(operands[0], node.func.id)()


def _describe(node):
    op = getattr(node, "op", None)
    if type(op) in _REFUSED:
        return _REFUSED[type(op)]
    if isinstance(node, ast.Call):
        return "calling " + (f"{node.func.id}()" if isinstance(node.func, ast.Name)
                             else "a method")
    words = {ast.Attribute: "attribute access '.'", ast.Subscript: "indexing '[]'",
             ast.Compare: "comparison", ast.BoolOp: "'and' / 'or'", ast.IfExp: "'if'",
             ast.Lambda: "'lambda'", ast.Tuple: "a tuple ','", ast.List: "a list"}
    return words.get(type(node), type(node).__name__)


def _position(text, node):
    """The character column to point at: a node's start, or a binary operator itself."""
    if isinstance(node, ast.BinOp):
        col = _column(text, node.left.end_col_offset)
        return col + len(text[col:]) - len(text[col:].lstrip(" )"))
    return _column(text, node.col_offset)


def _column(text, offset):
    """The character column of an ast offset (ast counts UTF-8 bytes)."""
    return len(text.encode()[:offset].decode(errors="ignore"))


def _point(message, text, col):
    """The message, then the expression and a caret under column ``col``."""
    return f"{message}\n  {text}\n  {' ' * col}^"
