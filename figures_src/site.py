"""What the site gets from a build: figure files and filled pages, as (path, bytes) pairs.

Paths are relative to ``docs/``; the gen-files script writes them as virtual files, so
nothing generated ever lands in ``docs/`` on disk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from figures_src.engine import keys
from figures_src.engine.config import Settings
from figures_src.engine.report import JobResult, report_entry
from figures_src.engine.runner import build
from figures_src.pages import (
    FIGURES_DIR,
    fill_page,
    page_url_depth,
    source_copy,
    source_paths,
)

SITE_LIBRARIES = (
    "mkdocs", "mkdocs-material", "mkdocs-gen-files", "mkdocs-glightbox", "pymdown-extensions",
)  # fmt: skip
KATEX = "assets/katex/katex.min.js"  # served with the site; see docs/assets/math.js
ROLES = {  # what each library does for this site, as the versions table says it
    "torch": "training the networks",
    "scikit-learn": "the circles and swiss roll data; PCA, t-SNE, Isomap and LLE; the scores",
    "matplotlib": "drawing every figure and animation frame",
    "pillow": "encoding the GIFs, sprite sheets and PNGs",
    "numpy": "arrays and maths",
    "scipy": "more maths: shortest paths, nearest neighbours, rank correlations",
    "opentsne": "the t-SNE run that chapter 4 animates, iteration by iteration",
    "mkdocs": "turning the pages into a site",
    "mkdocs-material": "the theme: layout, navigation, search, tabs, dark mode",
    "mkdocs-gen-files": "handing the figures and the filled pages to MkDocs",
    "mkdocs-glightbox": "enlarging a figure when you click it",
    "pymdown-extensions": "tabs, collapsible blocks, formulas and code snippets in the pages",
    "KaTeX": "typesetting the formulas, while the site builds (or in your browser)",
}


def versions(docs_dir: Path) -> dict[str, dict[str, str]]:
    """What made this site: each library's role, mapped to {library: version}. A library
    with no role in ROLES is listed under the group it belongs to."""
    katex = docs_dir / KATEX
    found = katex.is_file() and re.search(r'version:"([^"]+)"', katex.read_text(encoding="utf-8"))
    groups = {
        "training and drawing the figures": keys.library_versions(),
        "building the pages": keys.installed_versions(SITE_LIBRARIES),
        "typesetting the formulas": {"KaTeX": found[1] if found else "absent"},
    }
    made_with: dict[str, dict[str, str]] = {}
    for group, libraries in groups.items():
        for name, version in libraries.items():
            made_with.setdefault(ROLES.get(name, group), {})[name] = version
    return made_with


def figure_files(results: list[JobResult], root: Path) -> dict[str, bytes]:
    """Every output file of the build, keyed by its path under ``docs/``."""
    files = {}
    for result in results:
        for output in result.outputs:
            path = Path(output) if Path(output).is_absolute() else root / output
            if path.name == "manifest.json":
                continue
            files[f"{FIGURES_DIR}/{result.name}/{path.name}"] = path.read_bytes()
    return files


def generate(
    settings: Settings,
    docs_dir: Path,
    use_directory_urls: bool = True,
    repo_url: str | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Build the figures, then yield every figure file, every page that has placeholders and,
    without a ``repo_url`` to link to, a copy of each repository file the pages link."""
    results = build(settings)
    files = figure_files(results, settings.root)
    yield from files.items()
    by_name = {r.name: report_entry(r) for r in results}
    made_with = versions(docs_dir)
    linked: set[str] = set()
    for page in sorted(docs_dir.rglob("*.md")):
        rel = page.relative_to(docs_dir).as_posix()
        text = page.read_text(encoding="utf-8")
        if "{{" not in text:
            continue
        depth = page_url_depth(rel, use_directory_urls)
        where = f"docs/{rel}"
        filled = fill_page(text, where, by_name, files, depth, made_with, settings.root, repo_url)
        yield rel, filled.encode("utf-8")
        linked.update(source_paths(text))
    if not repo_url:
        for path in sorted(linked):
            yield source_copy(path), (settings.root / path).read_bytes()
