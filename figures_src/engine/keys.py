"""Cache keys: what a step's output depends on, hashed.

A step depends on its function's source (decorators included), the sources of the
module-level names it uses (followed transitively), the whole source of every local module
it uses, its parameters, quick mode and the versions of the libraries that compute and
draw. Never on where the checkout lives, who builds it, when, or on which machine: files
are named by their path inside the package, so clones at different paths share a cache.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import inspect
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

# Bump when the layout of cache entries changes.
CACHE_FORMAT = 2
LIBRARIES = ("torch", "scikit-learn", "matplotlib", "pillow", "numpy", "scipy", "opentsne")
LOCAL_PACKAGE = "figures_src"


def digest(value: Any) -> str:
    """A hex sha256 of a JSON-serialisable value (keys sorted)."""
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def installed_versions(names: tuple[str, ...]) -> dict[str, str]:
    """The installed version of each named distribution ("absent" if it is not installed)."""

    def version(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "absent"

    return {name: version(name) for name in names}


@cache
def library_versions() -> dict[str, str]:
    """The installed versions of the libraries whose output the figures depend on."""
    return installed_versions(LIBRARIES)


def _module_definitions(tree: ast.Module) -> dict[str, ast.AST]:
    """Top-level names bound by definitions, assignments and imports in a module."""
    names: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        names[name.id] = node
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names[(alias.asname or alias.name).split(".")[0]] = node
    return names


def _side_effects(tree: ast.Module) -> list[ast.AST]:
    """Top-level statements that run on import without binding a name (``rcParams.update``),
    except docstrings and ``job(...)`` registrations, whose parameters are keyed apart."""

    def registration_or_docstring(node: ast.AST) -> bool:
        if not isinstance(node, ast.Expr):
            return False
        call = node.value
        is_job = isinstance(call, ast.Call) and getattr(call.func, "id", None) == "job"
        return is_job or isinstance(call, ast.Constant)

    kinds = (ast.Expr, ast.If, ast.With, ast.For)
    return [n for n in tree.body if isinstance(n, kinds) and not registration_or_docstring(n)]


PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def _module_path(dotted: str) -> Path | None:
    """The source file of a local module, found on disk (nothing is imported)."""
    if not dotted.startswith(LOCAL_PACKAGE):
        return None
    base = PACKAGE_ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _import_target(node: ast.AST, name: str) -> tuple[str, str | None] | None:
    """What an import binds ``name`` to, if it is local: (module, attribute or None)."""
    for alias in node.names:
        bound = (alias.asname or alias.name).split(".")[0]
        if bound != name:
            continue
        if isinstance(node, ast.Import):
            return (alias.name, None) if alias.name.startswith(LOCAL_PACKAGE) else None
        module = node.module or ""
        if not module.startswith(LOCAL_PACKAGE):
            return None
        if _module_path(f"{module}.{alias.name}"):
            return (f"{module}.{alias.name}", None)  # `from package import module`
        return (module, alias.name)
    return None


def _references(node: ast.AST) -> tuple[set[str], dict[str, set[str]]]:
    """Names a node reads, and for each name the attributes read from it (``datasets.circles``)."""
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    attributes: dict[str, set[str]] = {}
    for n in ast.walk(node):
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name):
            attributes.setdefault(n.value.id, set()).add(n.attr)
    return names, attributes


class _Source:
    """A parsed local module: its text, its top-level definitions and side effects."""

    def __init__(self, dotted: str, path: Path):
        self.dotted = dotted
        self.text = path.read_text()
        self.tree = ast.parse(self.text)
        self.definitions = _module_definitions(self.tree)

    def segment(self, node: ast.AST) -> str:
        """The node's source, with the decorators of a function or class."""
        decorators = getattr(node, "decorator_list", [])
        text = "".join(f"@{ast.get_source_segment(self.text, d)}\n" for d in decorators)
        return text + (ast.get_source_segment(self.text, node) or ast.dump(node))


def source_closure(function: Any) -> str:
    """The source a function depends on: itself, and every module-level definition it uses,
    followed through the local modules it imports (``from figures_src import datasets`` then
    ``datasets.circles`` brings in ``circles`` and what *it* uses). Each local module
    visited also contributes its import-time side effects (``rcParams.update(...)``)."""
    modules: dict[str, _Source] = {}

    def source(dotted: str) -> _Source | None:
        if dotted not in modules:
            path = _module_path(dotted) or (
                Path(inspect.getsourcefile(sys.modules[dotted])) if dotted in sys.modules else None
            )
            if path is None:
                return None
            modules[dotted] = _Source(dotted, path)
            parts.extend(f"# {dotted} (import time)\n{modules[dotted].segment(n)}"
                         for n in _side_effects(modules[dotted].tree))  # fmt: skip
        return modules[dotted]

    parts: list[str] = []
    pending: list[tuple[str, str | None]] = [(function.__module__, function.__name__)]
    done: set[tuple[str, str | None]] = set()
    while pending:
        dotted, name = pending.pop()
        if (dotted, name) in done:
            continue
        done.add((dotted, name))
        module = source(dotted)
        if module is None:
            continue
        if name is None:  # a module used as a whole
            parts.append(f"# {dotted}\n{module.text}")
            continue
        node = module.definitions.get(name)
        if node is None:
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            target = _import_target(node, name)
            if target:
                pending.append(target)
            continue
        parts.append(f"# {dotted}.{name}\n{module.segment(node)}")
        names, attributes = _references(node)
        for used in sorted(names):
            bound = module.definitions.get(used)
            is_import = isinstance(bound, (ast.Import, ast.ImportFrom))
            target = _import_target(bound, used) if is_import else None
            if target and target[1] is None and used in attributes:
                # a local module: follow only the attributes read from it
                pending += [(target[0], attr) for attr in sorted(attributes[used])]
            else:
                pending.append((dotted, used))
    return "\n".join(sorted(set(parts)))


def source_digest(function: Any) -> str:
    """A sha256 of :func:`source_closure`."""
    return hashlib.sha256(source_closure(function).encode()).hexdigest()


def file_digest(files: dict[str, Path]) -> str:
    """A sha256 over files, each named by the caller (a path inside the package, never an
    absolute one) and taken in name order."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + files[name].read_bytes() + b"\0")
    return h.hexdigest()


def package_files(*names: str) -> dict[str, Path]:
    """Files of figures_src by their path inside it (all ``*.py`` when no name is given)."""
    package = PACKAGE_ROOT / LOCAL_PACKAGE
    paths = [package / n for n in names] or sorted(package.rglob("*.py"))
    return {p.relative_to(package).as_posix(): p for p in paths}


# What the render step's output depends on beyond its own source: how frames are drawn
# (figures_src.drawing, used through the engine's `animate`) and how they are encoded.
RENDER_FILES = ("drawing.py", "engine/media.py")


def train_key(job: Any, params: dict[str, Any], settings: Any) -> str:
    """The key of a job's train step: shared by every job that uses the same model."""
    source, versions = source_digest(job.train), library_versions()
    return digest([CACHE_FORMAT, "train", job.trained_by, source, params, settings.quick, versions])


def render_key(job: Any, trained_key: str) -> str:
    """The key of a job's render step: its model's train key, its source and its style."""
    source, media = source_digest(job.render), file_digest(package_files(*RENDER_FILES))
    return digest([CACHE_FORMAT, "render", trained_key, source, dict(job.style), media])


def stamp(settings: Any, only: str | None, registry: dict[str, Any] | None) -> str:
    """The key of a whole build: every source file, the settings and the library versions,
    computed without importing any chapter (a test's own ``registry`` adds its modules)."""
    files = package_files()
    files.update(
        {j.chapter: Path(sys.modules[j.chapter].__file__) for j in (registry or {}).values()}
    )
    jobs = {n: [j.params, j.style, j.quick] for n, j in (registry or {}).items()}
    build = [settings.quick, settings.overrides, only, library_versions(), jobs]
    return digest([CACHE_FORMAT, "stamp", file_digest(files), build])
