"""Shared fixtures: a toy job module for engine tests, and one real build for claim tests."""

from __future__ import annotations

import importlib
import itertools
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from figures_src.engine.config import ROOT, Settings
from figures_src.engine.jobs import Job

TOY_MODULE = '''
"""Tiny jobs: a curve drawn point by point, one that raises, and one with words."""

from pathlib import Path

import numpy as np

from figures_src.engine import job
from figures_src.plotting import new_figure

from figures_src.datasets import DataError
from figures_src.drawing import animate, words

CALLS = Path(__file__).with_suffix(".calls")


def note(step):
    with open(CALLS, "a") as log:
        log.write(step + "\\n")


def train_toy(p):
    note("train")
    if p.explode:
        raise RuntimeError("toy job exploded on purpose")
    if p.missing:
        raise DataError("/nowhere/toy.gz is missing; put the toy data there")
    x = np.linspace(0, 1, p.points)
    y = x**2
    return {"x": x, "y": y}, {"mean_y": float(y.mean()), "points": p.points}


def render_toy(run, style):
    note("render")
    fig = new_figure(2, 2)
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    (line,) = ax.plot([], [], color=style.color)

    def update(i):
        line.set_data(run.x[: i + 1], run.y[: i + 1])
        return f"step {i}"

    return {"curve": animate(fig, update, range(len(run.x)), animated=[line]), "still": fig}


def render_worded(run, style):
    note("render-" + style.lang)
    t = words(style)
    fig = new_figure(2, 1)
    fig.text(0.1, 0.4, t("{} points", "점 {}개").format(len(run.x)), fontsize=12)
    return {"label": fig}


for suffix, problem in (("ok", None), ("boom", "explode"), ("nodata", "missing")):
    job(f"NAME.{suffix}", train=train_toy, render=render_toy,
        params=dict(points=5, explode=problem == "explode", missing=problem == "missing"),
        bounds=dict(points=(2, 100)), style=dict(color="#0072B2"), quick=dict(points=3))
    if suffix == "ok":
        job("NAME.shared", train="NAME.ok", render=render_toy, style=dict(color="#009E73"))
        job("NAME.worded", train="NAME.ok", render=render_worded)
'''

_count = itertools.count()


@dataclass
class Toy:
    """A toy job module on disk, its jobs, and settings pointing at a private cache."""

    path: Path
    name: str
    settings: Settings
    jobs: dict[str, Job]

    def calls(self) -> list[str]:
        log = self.path.with_suffix(".calls")
        return log.read_text().split() if log.exists() else []

    def edit(self, old: str, new: str) -> None:
        text = self.path.read_text()
        assert old in text
        self.path.write_text(text.replace(old, new))

    def registry(self, *names: str) -> dict[str, Job]:
        return {f"{self.name}.{n}": self.jobs[f"{self.name}.{n}"] for n in names}


@pytest.fixture
def toy(tmp_path, monkeypatch) -> Toy:
    module = f"toyjobs{next(_count)}"
    path = tmp_path / f"{module}.py"
    path.write_text(textwrap.dedent(TOY_MODULE).replace("NAME", module))
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module(module)
    from figures_src.engine.jobs import _REGISTRY

    jobs = {n: j for n, j in _REGISTRY.items() if n.startswith(module + ".")}
    settings = Settings(root=tmp_path, cache_dir=tmp_path / "cache", quick=False)
    yield Toy(path=path, name=module, settings=settings, jobs=jobs)
    for name in jobs:  # the real site's jobs are the only ones other tests should see
        del _REGISTRY[name]


@pytest.fixture(scope="session")
def real_report() -> dict[str, dict]:
    """Every job at the real (published) settings, built once into the project's cache."""
    from figures_src.engine.config import load_settings
    from figures_src.engine.report import report_entry
    from figures_src.engine.runner import build

    settings = load_settings()
    assert not settings.quick, "claim tests check the real settings; unset FIGURES_QUICK"
    return {r.name: report_entry(r) for r in build(settings)}


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The address the test site claims, and the port the browser tests serve it on. A build with
# site_url writes absolute links (canonical links, the sitemap, the language switcher's links
# to each edition's home page, "/" and "/ko/"), so the claimed address carries the port the
# site is served on.
TEST_PORT = _free_port()
TEST_SITE_URL = f"https://example.org:{TEST_PORT}/"


def mkdocs_build(site_dir: Path, cache_dir: Path, quick: bool = True, **env: str):
    """Run the real `mkdocs build --strict` (without the caller's SITE_URL unless given in
    ``env``); returns the finished process."""
    import os
    import subprocess
    import sys

    environ = dict(
        os.environ, FIGURES_CACHE_DIR=str(cache_dir), FIGURES_QUICK="1" if quick else "0"
    )
    environ.pop("SITE_URL", None)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=environ,
    )


@pytest.fixture(scope="session")
def quick_site(tmp_path_factory) -> Path:
    """The real site built in quick mode into a temporary directory, once per session."""
    base = tmp_path_factory.mktemp("quick-site")
    done = mkdocs_build(base / "site", base / "cache", SITE_URL=TEST_SITE_URL)
    assert done.returncode == 0, done.stderr[-3000:]
    # Later builds on this cache rewrite its report; keep the cold build's.
    (base / "cold-report.json").write_bytes((base / "cache" / "report.json").read_bytes())
    return base / "site"


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, one per test module (the browser tests')."""
    from benchmarks.screenshots import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def page_without_javascript(browser):
    """A page in a browser context with JavaScript switched off; closed after the test."""
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def site_url(quick_site):
    """The quick site, served on 127.0.0.1 for the browser tests of one module."""
    from benchmarks.screenshots import serve

    with serve(quick_site, port=TEST_PORT) as base:
        yield base
