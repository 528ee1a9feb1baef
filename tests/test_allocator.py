"""The allocator setting: freed numpy temporaries stay in the process (glibc only)."""

import subprocess
import sys

import pytest

import microgd as mg
from microgd import allocator

# A training step's pattern: several 800 KB temporaries made, then all freed; 100 steps.
# Count the page faults that costs.
FAULTS = """
import resource, numpy as np
{setup}
def step():
    return [np.ones(100_000) for _ in range(6)]
step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(100):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

glibc_only = pytest.mark.skipif(allocator._glibc() is None, reason="needs glibc")


def faults(setup, env=None):
    out = subprocess.run([sys.executable, "-c", FAULTS.format(setup=setup)], text=True,
                         capture_output=True, check=True, env=env)
    return int(out.stdout)


@glibc_only
def test_import_keeps_freed_memory():
    import os
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "MICROGD_"))}
    plain = faults("", env)
    tuned = faults("import microgd", env)
    opted_out = faults("import microgd", {**env, "MICROGD_KEEP_MEMORY": "0"})
    assert plain > 100 * 100          # the freed heap is trimmed and faulted in again
    assert tuned < 100                # served from the kept heap
    assert opted_out > 100 * 100


@glibc_only
def test_keep_freed_memory_reports_success():
    assert mg.keep_freed_memory() is True


def test_user_malloc_settings_win(monkeypatch):
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1000")
    assert allocator._apply_default() is False
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_")
    monkeypatch.setenv("MICROGD_KEEP_MEMORY", "0")
    assert allocator._apply_default() is False


@pytest.mark.parametrize("kwargs, match", [
    ({"mmap_threshold": -1}, "mmap_threshold must be a non-negative int of bytes, got -1"),
    ({"trim_threshold": 1.5}, "trim_threshold must be a non-negative int of bytes, got 1.5"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mg.keep_freed_memory(**kwargs)
