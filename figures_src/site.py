"""What the site gets from a build: figure files and filled pages, as (path, bytes) pairs.

Paths are relative to ``docs/``; the gen-files script writes them as virtual files, so
nothing generated ever lands in ``docs/`` on disk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from figures_src.engine import keys
from figures_src.engine.config import Settings
from figures_src.engine.report import JobResult, report_entry
from figures_src.engine.runner import build
from figures_src.languages import LANGUAGES, is_localized, localized
from figures_src.pages import (
    FIGURES_DIR,
    PageError,
    fill_page,
    page_url_depth,
    source_copy,
    source_paths,
)

SITE_LIBRARIES = (
    "mkdocs", "mkdocs-material", "mkdocs-gen-files", "mkdocs-glightbox", "pymdown-extensions",
    "mkdocs-static-i18n",
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
    "mkdocs-static-i18n": "the Korean edition: one site per language, with a switcher",
}
ROLES_KO = {  # the same roles, for the Korean edition's versions table
    "torch": "신경망 학습",
    "scikit-learn": "두 원과 스위스 롤 데이터, PCA·t-SNE·Isomap·LLE, 점수 계산",
    "matplotlib": "모든 그림과 애니메이션 프레임 그리기",
    "pillow": "GIF, 스프라이트 시트, PNG 인코딩",
    "numpy": "배열과 수학 계산",
    "scipy": "그 밖의 수학: 최단 경로, 최근접 이웃, 순위 상관",
    "opentsne": "4장이 반복마다 애니메이션으로 보여 주는 t-SNE 실행",
    "mkdocs": "페이지를 사이트로 만들기",
    "mkdocs-material": "테마: 레이아웃, 내비게이션, 검색, 탭, 다크 모드",
    "mkdocs-gen-files": "그림 파일을 MkDocs에 넘기기",
    "mkdocs-glightbox": "그림을 클릭하면 크게 보여 주기",
    "pymdown-extensions": "페이지 속 탭, 접는 블록, 수식, 코드 조각",
    "KaTeX": "수식 조판(사이트를 빌드하는 동안, 또는 브라우저에서)",
    "mkdocs-static-i18n": "한국어판: 언어마다 한 벌의 사이트와 언어 전환기",
}
GROUPS_KO = {
    "training and drawing the figures": "그림의 학습과 그리기",
    "building the pages": "페이지 빌드",
    "typesetting the formulas": "수식 조판",
}


def versions(docs_dir: Path, lang: str = "en") -> dict[str, dict[str, str]]:
    """What made this site: each library's role, mapped to {library: version}, in ``lang``'s
    words. A library with no role in ROLES is listed under the group it belongs to."""
    roles = ROLES_KO if lang == "ko" else ROLES
    katex = docs_dir / KATEX
    found = katex.is_file() and re.search(r'version:"([^"]+)"', katex.read_text(encoding="utf-8"))
    groups = {
        "training and drawing the figures": keys.library_versions(),
        "building the pages": keys.library_versions(SITE_LIBRARIES),
        "typesetting the formulas": {"KaTeX": found[1] if found else "absent"},
    }
    made_with: dict[str, dict[str, str]] = {}
    for group, libraries in groups.items():
        shown = GROUPS_KO[group] if lang == "ko" else group
        for name, version in libraries.items():
            made_with.setdefault(roles.get(name, shown), {})[name] = version
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


def files_for(files: Mapping[str, bytes], lang: str) -> tuple[dict[str, bytes], dict[str, str]]:
    """The figure files as a ``lang`` page sees them, and where each is served from the root
    of that language's pages. Generated files are not pages of docs/, so mkdocs-static-i18n
    serves each of them once, at the site's root: a Korean page (under ``ko/``) shows the
    Korean version ``x.ko.png`` of a figure where the build drew one, else the one file both
    languages share, one folder up."""
    if lang == LANGUAGES[0]:
        return dict(files), {}
    seen, served = {}, {}
    for path in files:
        if is_localized(path):
            continue
        shown = localized(path, lang) if localized(path, lang) in files else path
        seen[path] = files[shown]
        served[path] = f"../{shown}"
    return seen, served


@dataclass
class SiteBuild:
    """What one `mkdocs build` made, for the pages of every language: each job's report
    entry, every figure file (all languages) and what made the site."""

    results: dict[str, dict]
    files: dict[str, bytes]
    made_with: dict[str, dict[str, dict[str, str]]]  # per language: see versions()
    root: Path
    repo_url: str | None
    use_directory_urls: bool


_LAST: SiteBuild | None = None  # the build the pages are filled from (set by generate)


def last_build() -> SiteBuild:
    if _LAST is None:
        raise PageError(
            "the pages are filled from the figure build, but none ran: "
            "is figures_src/gen_pages.py listed under gen-files in mkdocs.yml?"
        )
    return _LAST


def generate(
    settings: Settings,
    docs_dir: Path,
    use_directory_urls: bool = True,
    repo_url: str | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Build the figures, remember them for the pages (:func:`fill_markdown`), then yield every
    figure file (each language's) and, without a ``repo_url`` to link to, a copy of each
    repository file the pages link."""
    global _LAST
    results = build(settings)
    files = figure_files(results, settings.root)
    by_name = {r.name: report_entry(r) for r in results}
    made_with = {lang: versions(docs_dir, lang) for lang in LANGUAGES}
    _LAST = SiteBuild(by_name, files, made_with, settings.root, repo_url, use_directory_urls)
    yield from site_files(_LAST, docs_dir)


def site_files(site: SiteBuild, docs_dir: Path) -> Iterator[tuple[str, bytes]]:
    """The files the build hands MkDocs: the figures and, without a repository address, the
    copies of the repository files that the pages (of any language) link. mkdocs-static-i18n
    serves generated files once, at the site's root, to every language."""
    yield from site.files.items()
    if not site.repo_url:
        linked = set()
        for page in sorted(docs_dir.rglob("*.md")):
            linked.update(source_paths(page.read_text(encoding="utf-8")))
        for path in sorted(linked):
            yield source_copy(path), (site.root / path).read_bytes()


def fill_markdown(text: str, src_uri: str, lang: str) -> str:
    """A page's Markdown with its placeholders filled, for a page of language ``lang``:
    ``src_uri`` is its path under ``docs/`` (``glossary.ko.md``)."""
    if "{{" not in text:
        return text
    site = last_build()
    plain = src_uri.replace(f".{lang}.md", ".md") if lang != LANGUAGES[0] else src_uri
    depth = page_url_depth(plain, site.use_directory_urls)
    files, served = files_for(site.files, lang)
    return fill_page(
        text, f"docs/{src_uri}", site.results, files, depth, site.made_with[lang],
        site.root, site.repo_url, lang=lang, served=served,
    )  # fmt: skip
