"""Cache keys: what a step's output depends on, hashed.

A step depends on its function's source, the sources of the module-level names it
uses (followed transitively), the whole source of every local module it uses, its
parameters, and the versions of the libraries that compute and draw.
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
CACHE_FORMAT = 1
LIBRARIES = ("torch", "scikit-learn", "matplotlib", "pillow", "numpy", "scipy", "opentsne")
LOCAL_PACKAGE = "figures_src"


def digest(value: Any) -> str:
    """A hex sha256 of a JSON-serialisable value (keys sorted)."""
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@cache
def library_versions() -> dict[str, str]:
    """The installed versions of the libraries whose output the figures depend on."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


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


def _local_module(node: ast.AST, name: str) -> str | None:
    """The dotted local module that an import statement binds ``name`` to, if any."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if (alias.asname or alias.name).split(".")[0] == name:
                return alias.name if alias.name.startswith(LOCAL_PACKAGE) else None
    if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(LOCAL_PACKAGE):
        for alias in node.names:
            if (alias.asname or alias.name) == name:
                candidate = f"{node.module}.{alias.name}"
                return candidate if _module_path(candidate) else node.module
    return None


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


def _used_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _module_sources(dotted: str, seen: set[str]) -> list[str]:
    """The source of a local module and of the local modules it imports, transitively."""
    if dotted in seen:
        return []
    seen.add(dotted)
    path = _module_path(dotted)
    if path is None:
        return []
    text = path.read_text()
    sources = [f"# {dotted}\n{text}"]
    for node in ast.parse(text).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                local = _local_module(node, (alias.asname or alias.name).split(".")[0])
                if local:
                    sources += _module_sources(local, seen)
    return sources


def source_closure(function: Any) -> str:
    """The source a function depends on: itself, the module-level names it uses, local modules."""
    module = sys.modules[function.__module__]
    text = Path(inspect.getsourcefile(module)).read_text()
    tree = ast.parse(text)
    definitions = _module_definitions(tree)
    pending, included, parts, seen_modules = [function.__name__], set(), [], set()
    while pending:
        name = pending.pop()
        node = definitions.get(name)
        if name in included or node is None:
            continue
        included.add(name)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            local = _local_module(node, name)
            if local:
                parts += _module_sources(local, seen_modules)
            continue
        parts.append(ast.get_source_segment(text, node) or ast.dump(node))
        pending += sorted(_used_names(node) - included)
    return "\n".join(parts)


def source_digest(function: Any) -> str:
    """A sha256 of :func:`source_closure`."""
    return hashlib.sha256(source_closure(function).encode()).hexdigest()


def file_digest(paths: list[Path]) -> str:
    """A sha256 over the names and bytes of files, in the given order."""
    h = hashlib.sha256()
    for path in paths:
        h.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()
