"""The README's Python examples run and print what their comments say."""

import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def expected_outputs(block):
    """The comment after each print(...), up to '...' or '(' where it stops being literal."""
    outs = []
    for line in block.splitlines():
        if line.startswith("print(") and "#" in line:
            comment = line.split("#", 1)[1].strip()
            outs.append(re.split(r"\.\.\.| \(", comment)[0].strip())
    return outs


@pytest.mark.parametrize("index", [0, 1], ids=["quick start", "modules and optimizers"])
def test_readme_example(index, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the second example saves a checkpoint
    block = BLOCKS[index]
    exec(compile(block, f"README example {index}", "exec"), {})
    printed = capsys.readouterr().out
    expected = expected_outputs(block)
    assert expected
    for text in expected:
        assert text in printed
