"""The microgd command: outputs, formats, help, errors and exit codes.

Run as a subprocess (``python -m microgd``) for the real thing, and through
``main(argv)`` in-process for the long tables of bad input (fast).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from microgd.cli import build, main
from microgd.viz import COLORS

ROOT = Path(__file__).resolve().parent.parent
NEURON = ["graph", "tanh(a*b + c)", "--set", "a=2", "b=-3", "c=1"]


def microgd(*args, cwd, path=None):
    """Run ``python -m microgd ARGS`` in ``cwd``; ``path`` replaces PATH (to hide dot)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if path is not None:
        env["PATH"] = str(path)
    return subprocess.run([sys.executable, "-m", "microgd", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def user_error(done, code, *words):
    """Check a user error: exit code, the message words, and no traceback."""
    assert done.returncode == code, done.stderr
    assert "error:" in done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, (word, done.stderr)


def in_process(capsys, *args):
    """Run ``main(args)`` (raising nothing) and return what a subprocess would have."""
    code = main(list(args))
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


def labels(source):
    """The labels of a DOT source's nodes, in order (the graph's own label left out)."""
    return re.findall(r'^\t+\w+ \[label=("[^"]*"|\S+)', source, re.M)


def record(source, title):
    """(data, grad) of the one record or box whose label starts with ``title``."""
    found = [t for t in labels(source) if t.startswith(f'"{title}')]
    assert len(found) == 1, (title, found)
    data, grad = re.search(r"\| data (\S+) \| grad (\S+?)(?: \})?\"$", found[0]).groups()
    return float(data), float(grad)


# --- drawings ----------------------------------------------------------------------------

def test_expression_to_svg(tmp_path):
    done = microgd(*NEURON, "-o", "graph.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    svg = (tmp_path / "graph.svg").read_text()
    assert svg.count('<g id="node') == 3 + 3 * 2  # a b c, 3 values with their ops
    for text in ("data 2", "grad 0.0001816", "tanh", "out"):
        assert text in svg
    # the legend is drawn under the nodes, as the graph's label: only the roles drawn
    assert ">parameter<" in svg and ">output<" in svg and "input / constant" not in svg
    assert not (tmp_path / "graph").exists()  # no stray DOT source next to it


def test_expression_to_dot_png_and_pdf(tmp_path):
    for name, start in [("g.dot", b"digraph microgd {"), ("g.png", b"\x89PNG"), ("g.pdf", b"%PDF")]:
        done = microgd(*NEURON, "-o", name, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / name).read_bytes().startswith(start)
    dot = (tmp_path / "g.dot").read_text()
    assert "rankdir=LR" in dot  # it fits left to right: fields stacked without braces
    assert '[label="a | data 2 | grad -0.0005447"' in dot
    assert "label=tanh" in dot


def test_without_output_the_dot_source_is_printed(tmp_path):
    done = microgd("graph", "x*x", "--set", "x=3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("digraph microgd {")
    assert labels(done.stdout) == ['"x | data 3 | grad 6"', '"out | data 9 | grad 1"', '"*"']


def test_numbers_are_constants_and_minus_numbers_are_numbers(tmp_path):
    done = microgd("graph", "a * -3 + 2**a", "--set", "a=1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    constants = re.findall(r'\[label=(\S+) fillcolor="([^"]+)" .*shape=box style="rounded,filled"',
                           done.stdout)
    assert sorted(constants) == [("-3", COLORS["input"]), ("2", COLORS["input"])]
    assert "neg" not in done.stdout and '"data -3"' not in done.stdout
    assert '[label="a | data 1 | grad -1.614"' in done.stdout  # -3 + 2 ln 2


TANH5 = "tanh(tanh(tanh(tanh(tanh(x)))))"  # d/dx at 1: the product of 1 - tanh**2: 0.0961


@pytest.mark.parametrize("expression, rankdir, chosen, x", [
    ("x*x", None, "LR", "x | data 1 | grad 2"),
    (TANH5, None, "TB", "{ x | data 1 | grad 0.0961 }"),  # left to right is too wide
    ("x*x", "TB", "TB", "{ x | data 1 | grad 2 }"),
    (TANH5, "RL", "RL", "x | data 1 | grad 0.0961"),
])
def test_the_layout_fits_unless_a_direction_is_given(expression, rankdir, chosen, x, capsys):
    given = ["--rankdir", rankdir] if rankdir else []
    done = in_process(capsys, "graph", expression, "--set", "x=1", *given)
    assert done.returncode == 0, done.stderr
    assert f"rankdir={chosen}" in done.stdout
    assert f'"{x}"' in labels(done.stdout)  # top to bottom, braces keep the fields stacked


def test_the_network_diagram_takes_a_direction(capsys):
    assert "rankdir=LR" in in_process(capsys, "graph", "--model", "2,3,1").stdout
    assert "rankdir=TB" in in_process(capsys, "graph", "--model", "2,3,1", "--rankdir",
                                      "TB").stdout


def test_model_network_diagram(tmp_path):
    done = microgd("graph", "--model", "2,16,16,1", "-o", "mlp.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    svg = (tmp_path / "mlp.svg").read_text()
    assert svg.count('<g id="node') == 5
    assert "Linear 16 &#45;&gt; 16" in svg and "272 parameters" in svg


def test_model_scalar_graph_folds_into_a_box_per_neuron(tmp_path):
    done = microgd("graph", "--model", "2,16,16,1", "--scalar", "-o", "g.dot", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    dot = (tmp_path / "g.dot").read_text(encoding="utf-8")
    titles = re.findall(r'\[label="(n\d+\.\d+)\\n', dot)
    assert sorted(titles) == sorted([f"n1.{j}" for j in range(1, 17)]
                                    + [f"n2.{j}" for j in range(1, 17)] + ["n3.1"])
    assert "a box per neuron: its weights times inputs, sum, bias and activation" in dot
    assert "weight[" not in dot  # the weights are inside their neurons
    assert '[label="x1, x2 | data [-1, 1]"' in dot
    # the output neuron's data and grad agree with the loss (out - 1)**2 in its box
    out, out_grad = record(dot, "n3.1\\nw·x + b")
    loss, loss_grad = record(dot, "loss\\nops: - 1, ** 1")
    assert loss_grad == 1 and loss == pytest.approx((out - 1) ** 2, rel=1e-3)
    assert out_grad == pytest.approx(2 * (out - 1), rel=1e-3)


def test_small_model_scalar_graph_is_drawn_in_full(tmp_path):
    full = microgd("graph", "--model", "2,3,1", "--scalar", cwd=tmp_path).stdout
    assert "rankdir=TB" in full  # too wide left to right: top to bottom, fields in braces
    assert '[label="{ x1 | data -1 }"' in full and '[label="{ y | data 1 }"' in full
    assert re.search(r'\[label="\{ 0\.weight\[2,1\] \| data \S+ \| grad \S+ \}"', full)
    # an op node each: 3 neurons of 2 *, 2 + and relu; 3 * and 3 + in the output; - and **
    assert len(re.findall(r"shape=ellipse", full)) == 3 * (2 + 2 + 1) + 3 + 3 + 2
    assert "box3d" not in full and "a box per" not in full
    _, grad = record(full, "{ loss")
    assert grad == 1


@pytest.mark.parametrize("collapse, boxes, note", [
    ("neurons", [f"n1.{j}\\nrelu(w·x + b)" for j in range(1, 5)] + ["n2.1\\nw·x + b"],
     "a box per neuron"),
    ("layers", ["layer 1\\n4 x relu(w·x + b)", "layer 2\\n1 x w·x + b"],
     "a box per layer of each sample"),
    ("samples", ["sample 1\\nforward pass: 2 layers"], "a box per sample: one forward pass"),
    ("modules", ["0: Linear\\n20 ops: * 8, + 8, relu 4", "2: Linear\\n"],
     "collapsed 80 nodes into 2 layer boxes"),
])
def test_collapse_folds_a_scalar_model_as_asked(collapse, boxes, note, capsys):
    done = in_process(capsys, "graph", "--model", "2,4,1", "--scalar", "--collapse", collapse)
    assert done.returncode == 0, done.stderr
    for box in boxes:
        assert f'[label="{box}' in done.stdout, box
    assert note in done.stdout and "weight[" not in done.stdout
    boxed = len(re.findall(r"shape=(?:record|box3d)", done.stdout))
    assert boxed == len(boxes) + (1 if collapse == "modules" else 2)  # (inputs and) loss
    loss, grad = record(done.stdout, "loss")
    assert grad == 1 and loss > 0


# --- help --------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["--help"], ["graph", "--help"]])
def test_help_shows_usage_and_examples(args, capsys):
    done = in_process(capsys, *args)
    assert done.returncode == 0
    assert "usage: microgd" in done.stdout
    assert 'microgd graph "tanh(a*b + c)" --set a=2 b=-3 c=1 -o graph.svg' in done.stdout
    assert "microgd graph --model 2,16,16,1 -o mlp.svg" in done.stdout


def test_graph_help_lists_the_collapse_modes_and_the_default_layout(capsys):
    done = in_process(capsys, "graph", "--help")
    assert "--collapse {neurons,layers,samples,modules}" in done.stdout
    assert "--rankdir {LR,TB,RL,BT}" in done.stdout
    assert "top to bottom when a graph is too wide" in " ".join(done.stdout.split())


def test_help_in_a_subprocess(tmp_path):
    done = microgd("--help", cwd=tmp_path)
    assert done.returncode == 0 and "examples:" in done.stdout


def test_main_returns_exit_codes_in_process(capsys):
    assert main(["graph", "a", "--set", "a=1"]) == 0
    assert main(["graph", "a +", "--set", "a=1"]) == 2
    assert main([]) == 2
    assert main(["--version"]) == 0
    assert "microgd 0.1.0" in capsys.readouterr().out


# --- user errors -------------------------------------------------------------------------

def test_a_bad_expression_points_at_the_position(tmp_path):
    done = microgd("graph", "a * (b +", "--set", "a=1", "b=2", cwd=tmp_path)
    user_error(done, 2, "microgd: error: bad expression: '(' was never closed",
               "\n  a * (b +\n      ^\n")


@pytest.mark.parametrize("expression, words, caret", [
    ("a % 2", "'%' is not allowed", "  a % 2\n    ^"),
    ("a ^ 2", "for a power, write **", "  a ^ 2\n    ^"),
    ("a.real", "attribute access", "  a.real\n  ^"),
    ("__import__('os').getcwd()", "calling a method is not allowed", None),
    ("open(a)", "calling open() is not allowed", "  open(a)\n  ^"),
    ("a if a else a", "'if' is not allowed", None),
    ("tanh(a, a)", "tanh() takes exactly one argument", None),
    ("tanh + a", "tanh is a function", None),
    ("'text' + a", "'text' is not a number", "  'text' + a\n  ^"),
    ("a < 2", "comparison is not allowed", None),
    ("1" + "0" * 400 + " * a", "the number is too large", None),
])
def test_only_whitelisted_syntax_is_accepted(expression, words, caret, capsys):
    done = in_process(capsys, "graph", expression, "--set", "a=1")
    user_error(done, 2, "bad expression", words, *([caret] if caret else []))


def test_unknown_names_list_the_known_ones(tmp_path):
    done = microgd("graph", "a*b + d", "--set", "a=1", "b=2", cwd=tmp_path)
    user_error(done, 2, "unknown name d", "--set NAME=VALUE", "names set: a, b",
               "functions: tanh, exp, log, relu, sigmoid", "  a*b + d\n        ^")


def test_a_name_set_but_not_used_is_an_error(capsys):
    user_error(in_process(capsys, "graph", "a", "--set", "a=1", "z=2"), 2,
               "'z' is not in the expression (its names: a)")


@pytest.mark.parametrize("args, words", [
    (["graph", "a", "--set", "a"], "expected NAME=VALUE"),
    (["graph", "a", "--set", "a=x"], "the value of 'a' must be a number"),
    (["graph", "a", "--set", "a=1", "-o", "g.jpg"], "cannot tell the format of 'g.jpg'"),
    (["graph", "--model", "2,x"], "expected at least two positive layer sizes"),
    (["graph", "--model", "2,0,1"], "expected at least two positive layer sizes"),
    (["graph", "--model", "2,1", "--max-nodes", "5"], "expected an int >= 20"),
    (["graph"], "give either an expression or --model"),
    (["graph", "a", "--model", "2,1"], "give either an expression or --model"),
    (["graph", "a", "--set", "a=1", "--scalar"], "--scalar goes with --model"),
    (["graph", "--model", "2,1", "--collapse", "modules"], "--collapse goes with --model"),
    (["graph", "--model", "2,1", "--scalar", "--collapse", "rows"], "invalid choice: 'rows'"),
    (["graph", "--model", "2,1", "--seed", "-1"], "expected an int >= 0, got '-1'"),
    (["graph", "--model", "2,1", "--set", "a=1"], "does not go with --model"),
    (["graph", "a", "--set", "a=1", "--rankdir", "UP"], "invalid choice: 'UP'"),
    ([], "required: command"),
    (["plot"], "invalid choice: 'plot'"),
])
def test_usage_errors_exit_2(args, words, capsys):
    user_error(in_process(capsys, *args), 2, words)


def test_usage_errors_exit_2_in_a_subprocess(tmp_path):
    user_error(microgd("graph", "a", "--set", "a", cwd=tmp_path), 2, "expected NAME=VALUE")


def test_a_missing_graphviz_package_exits_1(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    user_error(in_process(capsys, "graph", "a", "--set", "a=1", "-o", "g.dot"), 1,
               "pip install graphviz")


def test_an_unwritable_output_exits_1(tmp_path):
    done = microgd("graph", "a", "--set", "a=1", "-o", "missing/dir/g.svg", cwd=tmp_path)
    user_error(done, 1, "cannot write missing/dir/g.svg")


def test_without_the_dot_program_dot_files_still_work(tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    done = microgd(*NEURON, "-o", "graph.dot", cwd=tmp_path, path=empty)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "graph.dot").read_text().startswith("digraph microgd {")
    done = microgd(*NEURON, "-o", "graph.svg", cwd=tmp_path, path=empty)
    user_error(done, 1, "the Graphviz program 'dot' was not found", "apt-get install graphviz",
               "brew install graphviz", "conda install graphviz", "-o graph.dot")
    assert not (tmp_path / "graph.svg").exists()


# --- limits: big models, long and deep expressions, a closed or full stdout ---------------

@pytest.mark.parametrize("args, words", [
    (["--model", "100000,100000,1"], "--model 100000,100000,1 is too large: 10,000,200,001 "
                                     "parameters, the limit is 10,000,000"),
    (["--model", "2,1000,1000,1", "--scalar"],
     "--model 2,1000,1000,1 is too large: 1,005,001 parameters, the limit is 100,000 with "
     "--scalar (one Value per weight)"),
    (["--model", "2," + "9" * 40 + ",1"], "the limit is 10,000,000"),
])
def test_a_model_too_large_is_refused_before_it_is_built(args, words, capsys):
    user_error(in_process(capsys, "graph", *args), 2, words)


def test_running_out_of_memory_is_a_message(capsys, monkeypatch):
    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("microgd.nn.MLP", no_memory)
    user_error(in_process(capsys, "graph", "--model", "2,4,1"), 1, "microgd: error: out of memory")


def test_a_flat_sum_of_1000_terms_is_built_and_drawn(capsys):
    names = [f"x{i}" for i in range(1000)]
    out = build("+".join(names), {name: float(i) for i, name in enumerate(names)})
    assert out.data == sum(range(1000))
    done = in_process(capsys, "graph", "+".join(["x"] * 1000), "--set", "x=2")
    assert done.returncode == 0, done.stderr
    assert "collapsed 1,999 nodes" in done.stdout and "(max_nodes=500)" in done.stdout
    assert '[label="{ x | data 2 | grad 1000 }"' in done.stdout  # top to bottom: in braces
    assert '[label="{ out | data 2000 | grad 1 }"' in done.stdout


@pytest.mark.parametrize("expression, words", [
    ("(" * 300 + "a" + ")" * 300, "bad expression: too many nested parentheses"),
    ("a+" + "-" * 100000 + "a", "bad expression: it is nested too deeply or too long for Python's "
                         "parser"),
    ("+".join(["a"] * 100000), "nested too deeply or too long"),
])
def test_deeply_nested_expressions_are_refused(expression, words, capsys):
    user_error(in_process(capsys, "graph", expression, "--set", "a=1"), 2, words)


def _closed_pipe():
    read, write = os.pipe()
    os.close(read)
    return write


@pytest.mark.parametrize("args", [["x*x", "--set", "x=2"], ["--model", "2,16,16,1", "--scalar"]])
def test_a_closed_or_full_stdout_is_a_message_not_a_traceback(tmp_path, args):
    outputs = {"Broken pipe": _closed_pipe()}
    if os.path.exists("/dev/full"):
        outputs["No space left on device"] = os.open("/dev/full", os.O_WRONLY)
    for reason, fd in outputs.items():
        done = subprocess.run([sys.executable, "-m", "microgd", "graph", *args], stdout=fd,
                              stderr=subprocess.PIPE, text=True, cwd=tmp_path, timeout=60,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
        os.close(fd)
        assert done.returncode == 1
        assert done.stderr == f"microgd: error: cannot write to standard output: {reason}\n"


@pytest.mark.parametrize("expression, out, grad", [("log(x)", "-inf", "inf"),
                                                   ("1/x", "inf", "-inf"),
                                                   ("x/x", "nan", "nan")])
def test_values_at_a_pole_are_ieee_as_in_pytorch(expression, out, grad, capsys):
    done = in_process(capsys, "graph", expression, "--set", "x=0")
    assert done.returncode == 0, done.stderr
    assert f'[label="x | data 0 | grad {grad}"' in done.stdout
    assert f'[label="out | data {out} | grad 1"' in done.stdout
