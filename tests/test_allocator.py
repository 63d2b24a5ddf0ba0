"""pygraphnn.reuse_freed_memory: a large tensor allocated again after a free comes from
the heap, without faulting in fresh pages (measured with the process's page-fault count)."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import resource, sys, torch
import pygraphnn as ng
if sys.argv[1] == "reuse":
    assert ng.reuse_freed_memory()
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(2):  # warm-up: the first allocation faults its pages in either way
    torch.ones(16 * 1024 * 1024)
counts = []
for _ in range(7):
    f0 = faults()
    torch.ones(16 * 1024 * 1024)  # 64 MiB, written: every page touched
    counts.append(faults() - f0)
print(sorted(counts)[3])  # the median allocation
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_reused_blocks_fault_no_fresh_pages():
    def per_allocation(mode: str) -> float:
        out = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, check=True)
        return float(out.stdout.split()[-1])

    pages = 64 * 1024 * 1024 // 4096
    assert per_allocation("glibc") > pages / 2  # glibc's default: a fresh mapping every time
    assert per_allocation("reuse") < pages / 50
