"""Cache keys: what a step's output depends on, hashed.

A step depends on its function's source (decorators included), the sources of the
module-level names it uses (followed transitively), the whole source of every local module
it uses, its parameters, quick mode and the versions of the libraries that compute and
draw. Never on where the checkout lives, who builds it, when, or on which machine: files
are named by their path inside the package, so clones at different paths share a cache.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib.metadata
import json
import sys
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from figures_src.engine.config import ROOT

# Bump when the layout of cache entries changes.
CACHE_FORMAT = 2
LIBRARIES = ("torch", "scikit-learn", "matplotlib", "pillow", "numpy", "scipy", "opentsne")
LOCAL_PACKAGE = "figures_src"
# What the render step's output depends on beyond its own source: how frames are drawn,
# in which languages, in what style and fonts, and how they are encoded.
RENDER_FILES = ("drawing.py", "languages.py", "plotting.py", "engine/media.py")


def digest(value: Any) -> str:
    """A hex sha256 of a JSON-serialisable value (keys sorted)."""
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@cache
def library_versions(names: tuple[str, ...] = LIBRARIES) -> dict[str, str]:
    """The installed version of each named distribution ("absent" if it is not installed);
    by default, of the libraries whose output the figures depend on."""
    versions = dict.fromkeys(names, "absent")
    for name in names:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    return versions


def _module_path(dotted: str) -> Path | None:
    """The source file of a local module, found on disk (nothing is imported), or of another
    module that is already imported (a test's own jobs)."""
    if not dotted.startswith(LOCAL_PACKAGE):
        file = getattr(sys.modules.get(dotted), "__file__", None)
        return Path(file) if file else None
    base = ROOT.joinpath(*dotted.split("."))
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.is_file()), None)


def _import_target(node: ast.Import | ast.ImportFrom, alias: ast.alias) -> tuple | None:
    """What an import binds a name to, if it is local: (module, attribute or None)."""
    if isinstance(node, ast.Import):
        module, attribute = alias.name, None
    elif _module_path(f"{node.module}.{alias.name}"):
        module, attribute = f"{node.module}.{alias.name}", None  # `from package import module`
    else:
        module, attribute = node.module or "", alias.name
    return (module, attribute) if module.startswith(LOCAL_PACKAGE) else None


def _is_side_effect(node: ast.AST) -> bool:
    """A top-level statement that runs on import without binding a name (``rcParams.update``),
    except docstrings and ``job(...)`` registrations, whose parameters are keyed apart."""
    if isinstance(node, ast.Expr):
        call = node.value
        is_job = isinstance(call, ast.Call) and getattr(call.func, "id", None) == "job"
        return not (is_job or isinstance(call, ast.Constant))
    return isinstance(node, (ast.If, ast.With, ast.For))


class _Module:
    """A parsed module: its text, its top-level names and what runs when it is imported."""

    def __init__(self, dotted: str, text: str):
        self.text, self.lines = text, text.splitlines(keepends=True)
        tree = ast.parse(text)
        # name -> its definition, or for an import the local (module, attribute) or None
        self.names: dict[str, ast.AST | tuple[str, str | None] | None] = {}
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.names[node.name] = node
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for name in (n for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)):
                    self.names[name.id] = node
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    bound = (alias.asname or alias.name).split(".")[0]
                    self.names[bound] = _import_target(node, alias)
        self.side_effects = {
            f"# {dotted} (import time)\n{self.segment(n)}" for n in tree.body if _is_side_effect(n)
        }

    def segment(self, node: ast.AST) -> str:
        """The lines of a top-level statement, with the decorators of a function or class."""
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        return "".join(self.lines[first - 1 : node.end_lineno])


_parsed = lru_cache(maxsize=64)(_Module)  # a module's text is parsed once per process


def source_closure(function: Any) -> str:
    """The source a function depends on: itself, and every module-level definition it uses,
    followed through the local modules it imports (``from figures_src import datasets`` then
    ``datasets.circles`` brings in ``circles`` and what *it* uses). Each local module
    visited also contributes its import-time side effects (``rcParams.update(...)``)."""
    parts: set[str] = set()
    pending: list[tuple[str, str | None]] = [(function.__module__, function.__name__)]
    done: set[tuple[str, str | None]] = set()
    texts: dict[str, str | None] = {}  # each file read once, so one version of it is keyed
    while pending:
        dotted, name = item = pending.pop()
        if item in done:
            continue
        done.add(item)
        if dotted not in texts:
            texts[dotted] = (path := _module_path(dotted)) and path.read_text()
        module = texts[dotted] and _parsed(dotted, texts[dotted])
        if module is None:
            continue
        parts |= module.side_effects
        found = module.names.get(name) if name else None
        if name is None:  # a module used as a whole
            parts.add(f"# {dotted}\n{module.text}")
        elif isinstance(found, tuple):  # a name imported from a local module
            pending.append(found)
        elif found is not None:
            parts.add(f"# {dotted}.{name}\n{module.segment(found)}")
            attributes: dict[str, set[str]] = {}  # the attributes read from each name
            for n in ast.walk(found):
                if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name):
                    attributes.setdefault(n.value.id, set()).add(n.attr)
            for used in {n.id for n in ast.walk(found) if isinstance(n, ast.Name)}:
                target = module.names.get(used)
                if isinstance(target, tuple) and target[1] is None and used in attributes:
                    # a local module: follow only the attributes read from it
                    pending += [(target[0], attribute) for attribute in attributes[used]]
                else:
                    pending.append((dotted, used))
    return "\n".join(sorted(parts))


def file_digest(files: dict[str, Path]) -> str:
    """A sha256 over files, each named by the caller (a path inside the package, never an
    absolute one) and taken in name order."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + files[name].read_bytes() + b"\0")
    return h.hexdigest()


def package_files(*names: str) -> dict[str, Path]:
    """Files of figures_src by their path inside it (all ``*.py`` when no name is given)."""
    package = ROOT / LOCAL_PACKAGE
    paths = [package / n for n in names] or sorted(package.rglob("*.py"))
    return {p.relative_to(package).as_posix(): p for p in paths}


def train_key(job: Any, params: dict[str, Any], settings: Any) -> str:
    """The key of a job's train step: shared by every job that uses the same model."""
    source, versions = digest(source_closure(job.train)), library_versions()
    return digest([CACHE_FORMAT, "train", job.trained_by, source, params, settings.quick, versions])


@cache
def font_digest() -> str:
    """A sha256 of the font files the figures are drawn with (each font family of the
    style, by name); a family that is not installed counts as absent."""
    from matplotlib import font_manager

    from figures_src.plotting import STYLE

    files = {}
    for family in STYLE["font.family"]:
        with contextlib.suppress(ValueError):
            files[family] = Path(font_manager.findfont(family, fallback_to_default=False))
    return file_digest(files)


def render_key(job: Any, trained_key: str) -> str:
    """The key of a job's render step: its model's train key, its source and its style,
    how frames are drawn and encoded, and the fonts."""
    source, media = digest(source_closure(job.render)), file_digest(package_files(*RENDER_FILES))
    drawn = [source, dict(job.style), media, font_digest()]
    return digest([CACHE_FORMAT, "render", trained_key, *drawn])


def stamp(settings: Any, only: str | None, registry: dict[str, Any] | None) -> str:
    """The key of a whole build: every source file, the settings and the library versions,
    computed without importing any chapter (a test's own ``registry`` adds its modules)."""
    registry = registry or {}
    chapters = {j.chapter: Path(sys.modules[j.chapter].__file__) for j in registry.values()}
    files = package_files() | chapters
    jobs = {n: [j.params, j.style, j.quick] for n, j in registry.items()}
    build = [settings.quick, settings.overrides, only, library_versions(), jobs]
    return digest([CACHE_FORMAT, "stamp", file_digest(files), build])
