"""Two clean clones, two empty caches: the same GIFs and PNGs, byte for byte, and the same
metrics (quick mode; `python benchmarks/determinism.py` checks the real settings)."""

from __future__ import annotations

import subprocess

import pytest

from benchmarks.determinism import ROOT, compare


def test_two_clean_builds_are_identical():
    dirty = subprocess.run(["git", "status", "--porcelain", "figures_src"], cwd=ROOT,
                           capture_output=True, text=True).stdout  # fmt: skip
    if dirty:
        pytest.fail("commit figures_src/ first: the clones are made from HEAD\n" + dirty)
    assert compare(quick=True) == []
