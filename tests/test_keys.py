"""Cache keys follow what a function really uses, and nothing else."""

from __future__ import annotations

import importlib
import textwrap

from figures_src.engine.keys import source_closure

MODULE = """
from figures_src import datasets

SCALE = 3


def helper(x):
    return x * SCALE


def unrelated():
    return "restyled"


def train(p):
    return helper(p), datasets.circles


def render(run, style):
    return unrelated()
"""


def load(tmp_path, monkeypatch, text, name):
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module(name)


def test_closure_follows_helpers_constants_and_local_modules(tmp_path, monkeypatch):
    module = load(tmp_path, monkeypatch, MODULE, "closure_a")
    text = source_closure(module.train)
    assert "def helper" in text and "SCALE = 3" in text
    assert "def circles" in text  # figures_src.datasets.circles, used as `datasets.circles`
    assert "def noisy_regression" not in text  # in the same module, but not used
    assert "def unrelated" not in text and "def render" not in text


def test_closure_changes_only_with_what_is_used(tmp_path, monkeypatch):
    before = load(tmp_path, monkeypatch, MODULE, "closure_b")
    train_before, render_before = source_closure(before.train), source_closure(before.render)
    (tmp_path / "closure_b.py").write_text(
        textwrap.dedent(MODULE).replace('"restyled"', '"restyled again"')
    )
    assert source_closure(before.train) == train_before
    assert source_closure(before.render) != render_before
    (tmp_path / "closure_b.py").write_text(
        textwrap.dedent(MODULE).replace("SCALE = 3", "SCALE = 4")
    )
    assert source_closure(before.train) != train_before


DECORATED = """
import functools


def repeat(times):
    def wrap(function):
        @functools.wraps(function)
        def inner(p):
            return [function(p) for _ in range(times)]

        return inner

    return wrap


@repeat(times=2)
def train(p):
    return p
"""


def test_decorators_are_part_of_the_key(tmp_path, monkeypatch):
    module = load(tmp_path, monkeypatch, DECORATED, "closure_c")
    before = source_closure(module.train)
    assert "@repeat(times=2)" in before and "def repeat" in before
    (tmp_path / "closure_c.py").write_text(DECORATED.replace("times=2", "times=3"))
    assert source_closure(module.train) != before


def test_file_digest_does_not_depend_on_the_checkout_path(tmp_path):
    from figures_src.engine.keys import file_digest

    for clone in ("a", "b/deeper"):
        (tmp_path / clone).mkdir(parents=True)
        (tmp_path / clone / "media.py").write_text("X = 1\n")
    first = file_digest({"engine/media.py": tmp_path / "a" / "media.py"})
    assert first == file_digest({"engine/media.py": tmp_path / "b" / "deeper" / "media.py"})
    (tmp_path / "a" / "media.py").write_text("X = 2\n")
    assert first != file_digest({"engine/media.py": tmp_path / "a" / "media.py"})
