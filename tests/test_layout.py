"""The package's shape: imports point down only, files stay short, the reading guide is true."""

import ast
import pathlib
import re

import pytest

import microgd

PACKAGE = pathlib.Path(microgd.__file__).parent
ROOT = PACKAGE.parent
MAX_LINES = 420  # "about 400"


def _modules():
    """Every module of the package, by dotted name ('microgd.nn'), with its source file."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name, path, modules):
    """The package modules that ``name`` imports anywhere in its file (lazy imports too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        # "from . import ops" names the module microgd.ops; the package itself is no edge.
        out |= {t for t in targets if t in modules and t != "microgd"}
    out.discard(name)
    return out


def test_no_import_cycle_in_the_package():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()
             if name != "microgd"}
    # Iterative depth-first search for a back edge, reporting the cycle it closes.
    state = {}
    for start in graph:
        if start in state:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = "open"
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = "done"
                stack.pop()
                path.pop()
            elif state.get(child) == "open":
                cycle = path[path.index(child):] + [child]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            elif child not in state:
                state[child] = "open"
                path.append(child)
                stack.append((child, iter(sorted(graph.get(child, ())))))


def test_the_engine_imports_no_layer_above_it():
    modules = _modules()
    engine = ["autograd", "ops", "array_ops", "operators", "tape", "linked", "value",
              "value_linear", "tensor", "functions"]
    above = {"microgd.nn", "microgd.optim", "microgd.viz", "microgd.plot", "microgd.cli"}
    for name in engine:
        path = modules[f"microgd.{name}"]
        assert not _imports(f"microgd.{name}", path, modules) & above, name


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_files_stay_short(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.name} has {lines} lines (at most about 400)"


def test_the_reading_guide_names_only_what_exists():
    guide = (ROOT / "docs" / "engine.md").read_text()
    for module in set(re.findall(r"`(\w+)\.py`", guide)):
        assert (PACKAGE / f"{module}.py").exists(), module
    for module, function in re.findall(r"`(\w+)\.([A-Za-z_]\w*)`", guide):
        if function == "py" or not (PACKAGE / f"{module}.py").exists():
            continue
        source = (PACKAGE / f"{module}.py").read_text()
        assert re.search(rf"^\s*(def|class) {function}\b|^{function} = ", source, re.M), \
            f"docs/engine.md names {module}.{function}, which does not exist"
    assert "engine.md" in (ROOT / "README.md").read_text()
