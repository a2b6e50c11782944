"""Filling the hand-written pages: measured numbers and figures go where the prose marks them.

Two kinds of placeholder appear in ``docs/*.md``:

``{{ circles.hidden.final_accuracy:.1% }}``
    a job's metric (or, failing that, its parameter), with an optional Python format spec;

``{{ figure circles.hidden/hidden`` then ``alt:`` and ``caption:`` lines, then ``}}``
    one of a job's outputs, as a captioned figure; an animation becomes a player.

``{{ source figures_src/chapters/circles.py }}``
    a link to that file: in the repository when ``repo_url`` is set in mkdocs.yml, otherwise
    to a copy that the site serves under ``source/``.

``{{ data circles.explorable/circles.json }}``
    the URL, relative to the page, of a data file a job made (for an explorable's script).

``{{ build_report }}`` and ``{{ library_versions }}`` describe the build itself;
``{{ repo_link }}`` names the repository the site is built from, linked when ``repo_url`` is set.
Any placeholder that names something the build did not make is an error.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from figures_src.languages import LANGUAGES

FIGURES_DIR = "figures"

METRIC = re.compile(
    r"\{\{\s*(?P<job>[a-z][\w]*(?:\.[a-z][\w]*)*)\.(?P<key>[a-z]\w*)"
    r"(?::(?P<spec>[^}\s]+))?\s*\}\}"
)
FIGURE = re.compile(
    r"^(?P<indent>[ \t]*)\{\{\s*figure\s+(?P<job>[\w.]+)/(?P<output>[\w.-]+)\s*\n"
    r"(?P<body>.*?)\}\}",
    re.DOTALL | re.MULTILINE,
)
SOURCE = re.compile(r"\{\{\s*source\s+(?P<path>[\w./-]+)\s*\}\}")
SPECIAL = re.compile(r"\{\{\s*(build_report|library_versions|repo_link)\s*\}\}")
DATA = re.compile(r"\{\{\s*data\s+(?P<job>[\w.]+)/(?P<file>[\w.-]+)\s*\}\}")
LEFTOVER = re.compile(r"\{\{.*?\}\}", re.DOTALL)


class PageError(ValueError):
    """A page names a job, metric or output that the build did not produce."""


def page_url_depth(src_path: str, use_directory_urls: bool = True) -> int:
    """How many directories deep a page's HTML lands (``index.md`` → 0, ``a/b.md`` → 2)."""
    path = PurePosixPath(src_path)
    parts = list(path.parent.parts)
    if use_directory_urls and path.stem not in ("index", "README"):
        parts.append(path.stem)
    return len(parts)


def format_value(value: Any, spec: str | None) -> str:
    """A metric as prose shows it: ``spec`` if given, else 3 significant digits.

    Korean pages show the same strings: Korean writes digits, the decimal point, comma
    thousands separators and a percent sign with no space exactly as English does
    (``95.1%``, ``60,000``). No placeholder makes a date or an ordinal; a page writes an
    ordinal's word around the number itself (``{{ x }}번째``, ``the {{ x }}th``)."""
    if spec:
        return format(value, spec)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.3g}"


def _lookup(results: Mapping[str, Any], job: str, key: str, where: str, lang: str = "en") -> Any:
    """A job's metric, else its parameter. On a page in another language a metric that is a
    word (a class name) has that language's version beside it, ``key_ko``: that one is read."""
    if job not in results:
        raise PageError(
            f"{where}: no figure job named {job!r}; the jobs are: {', '.join(sorted(results))}"
        )
    entry = results[job]
    for table in (entry.get("metrics", {}), entry.get("params", {})):
        if key in table:
            return table.get(f"{key}_{lang}", table[key])
    known = sorted({*entry.get("metrics", {}), *entry.get("params", {})})
    raise PageError(
        f"{where}: job {job} has no metric or parameter {key!r}; it has: {', '.join(known)}"
    )


PAGE_LINK = re.compile(r'href="(?P<page>[\w/-]+)\.md(?P<anchor>#[\w-]+)?"')


def inline_markdown(text: str, prefix: str = "") -> str:
    """A caption's Markdown (emphasis, code, links) as HTML, without a paragraph around it.
    Done here, so the figure is plain HTML wherever it sits: in a tab or not. MkDocs does not
    rewrite links inside raw HTML, so a link to a page (``glossary.md#adam``) becomes that
    page's directory URL here, relative to the page the figure is on (``prefix``)."""
    import markdown

    def page_url(match: re.Match) -> str:
        page = match["page"].removesuffix("index")
        return f'href="{prefix}{page}{"/" if page else ""}{match["anchor"] or ""}"'

    rendered = markdown.markdown(text, output_format="html")
    return PAGE_LINK.sub(page_url, rendered.removeprefix("<p>").removesuffix("</p>"))


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height in pixels, read from its header (the IHDR chunk)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise PageError("not a PNG file")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _figure_html(
    results: Mapping[str, Any],
    match: re.Match,
    where: str,
    prefix: str,
    files: Mapping[str, bytes],
    href: Callable[[str], str],
) -> str:
    job, output = match["job"], match["output"]
    fields: dict[str, str] = {}
    for line in match["body"].strip().splitlines():
        key, sep, value = line.strip().partition(":")
        if not sep or key.strip() not in ("alt", "caption"):
            raise PageError(
                f"{where}: figure {job}/{output}: each line must be 'alt: ...' or "
                f"'caption: ...', not {line.strip()!r}"
            )
        fields[key.strip()] = value.strip()
    for required in ("alt", "caption"):
        if not fields.get(required):
            raise PageError(f"{where}: figure {job}/{output} needs an '{required}:' line")
    media = results.get(job, {}).get("media", {})
    if output not in media:
        raise PageError(
            f"{where}: job {job!r} made no output {output!r}; it made: "
            f"{', '.join(sorted(media)) or 'nothing'}"
        )
    base = f"{FIGURES_DIR}/{job}/{output}"
    alt = html.escape(fields["alt"], quote=True)
    anchor = f"fig-{job.replace('.', '-')}-{output}"
    if media[output]["kind"] == "animation":
        meta = json.loads(files[f"{FIGURES_DIR}/{job}/{output}.json"])
        size = f'width="{meta["width"]}" height="{meta["height"]}"'
        frames = html.escape(json.dumps(meta, separators=(",", ":")), quote=True)
        # With JavaScript, the player draws frames from the sprite sheet (the same frames as
        # the GIF); without it, the <noscript> GIF plays, or its last frame if the reader
        # asks for reduced motion. The empty canvas and controls hold the player's place
        # until the script builds it, so nothing below shifts (explainer.css).
        sheet, poster = href(f"{base}.frames.png"), href(f"{base}.poster.png")
        gif = href(f"{base}.gif")
        body = (
            f'<div class="mx-player" data-sheet="{sheet}" data-frames="{frames}" '
            f'data-alt="{alt}">'
            f'<canvas class="mx-canvas" {size} aria-hidden="true"></canvas>'
            '<div class="mx-controls" aria-hidden="true"></div>'
            f'<noscript><picture><source srcset="{poster}" '
            f'media="(prefers-reduced-motion: reduce)">'
            f'<img class="mx-no-zoom" src="{gif}" alt="{alt}" {size}>'
            "</picture></noscript></div>"
        )
        kind = "mx-animation"
    else:
        width, height = png_size(files[f"{FIGURES_DIR}/{job}/{output}.png"])
        body = (
            f'<img src="{href(base + ".png")}" alt="{alt}" width="{width}" height="{height}" '
            'loading="lazy" decoding="async">'
        )
        kind = "mx-still"
    block = (
        f'<figure class="mx-figure {kind}" id="{anchor}">\n{body}\n'
        f"<figcaption>{inline_markdown(fields['caption'], prefix)}</figcaption>\n</figure>"
    )
    return "\n".join(match["indent"] + line for line in block.splitlines())


def _models(results: Mapping[str, Any]) -> list[list[str]]:
    """The jobs grouped by the model they draw from. Jobs that share a model share its train
    entry and so carry the same metrics; a job with metrics of its own trained its own."""
    groups: dict[str, list[str]] = {}
    for name, entry in sorted(results.items()):
        metrics = entry.get("metrics", {})
        key = json.dumps(metrics, sort_keys=True, default=str) if metrics else f"job:{name}"
        groups.setdefault(key, []).append(name)
    return list(groups.values())


# The words of the build's own tables, in English and in Korean, side by side as figures
# have theirs (see figures_src.drawing.words); the numbers are the same in every language.
TABLE_WORDS = {
    "head": ("| Job | Status | Seconds | Train step | Render step |",
             "| 작업 | 상태 | 초 | 학습 단계 | 렌더링 단계 |"),
    "built": ("built", "새로 만듦"),
    "cached": ("cached", "캐시"),
    "failed": ("failed", "실패"),
    "shared": ("shared", "공유"),
    "shared with": ("shared with {}", "공유 (학습: {})"),
    "trained in": ("trained in {}", "학습 {}"),
    "drawn in": ("drawn in {}", "렌더링 {}"),
    "model": ("The model behind {jobs}: {count}", "모델 ({jobs}): {count}"),
    "count": (lambda n: f"{n} measurement{'s' if n != 1 else ''}", lambda n: f"측정값 {n}개"),
    "measurements": ("| Measurement | Value |", "| 측정값 | 값 |"),
    "versions": ("| Library | Version | Used for |", "| 라이브러리 | 버전 | 쓰임새 |"),
}  # fmt: skip


def table_words(lang: str) -> dict[str, Any]:
    """The words of the build's tables in ``lang``."""
    return {key: pair[LANGUAGES.index(lang)] for key, pair in TABLE_WORDS.items()}


def _seconds(done: str, lang: str) -> str:
    """A recorded duration (``"12.3 s"``) as the language writes it (Korean: ``12.3초``)."""
    return done.replace(" s", "초") if lang == "ko" and done.endswith(" s") else done


def _step(entry: Mapping[str, Any], step: str, group: list[str], results, lang="en") -> str:
    """What a build did for one step of a job, in words: from the job's recorded steps
    (``"12.3 s"``, ``"shared"``, ``"cached"``; none at all when the whole job was cached)."""
    words = table_words(lang)
    done = entry.get("steps", {}).get(step)
    if entry["status"] == "failed" and done is None:
        return words["failed"]
    if done is None or done == "cached":
        return words["cached"]
    if done == "shared":
        trainer = next(
            (n for n in group if results[n].get("steps", {}).get("train", "").endswith(" s")),
            None,
        )
        return words["shared with"].format(f"`{trainer}`") if trainer else words["shared"]
    verb = "trained in" if step == "train" else "drawn in"
    return words[verb].format(_seconds(done, lang))


def build_report_table(results: Mapping[str, Any], lang: str = "en") -> str:
    """The jobs of this build as Markdown: a table of what each job's steps did and how long
    the job took, then the metrics of each trained model once, in a collapsed block per model
    (jobs that draw from one model share its metrics); both in order of job name. The words
    are ``lang``'s; the numbers are the same in every language."""
    words = table_words(lang)
    models = _models(results)
    group_of = {name: group for group in models for name in group}
    rows = ['<div class="mx-jobs" markdown>', "", words["head"], "| --- | --- | ---: | --- | --- |"]
    for name, entry in sorted(results.items()):
        group = group_of[name]
        train, render = (_step(entry, s, group, results, lang) for s in ("train", "render"))
        status = words.get(entry["status"], entry["status"])
        rows.append(f"| `{name}` | {status} | {entry['seconds']:.1f} | {train} | {render} |")
    rows += ["", "</div>"]
    for group in models:
        metrics = results[group[0]].get("metrics", {})
        if not metrics:
            continue
        jobs = ", ".join(f"`{n}`" for n in group)
        title = words["model"].format(jobs=jobs, count=words["count"](len(metrics)))
        rows += ["", f'??? note "{title}"', ""]
        rows += [f"    {words['measurements']}", "    | --- | ---: |"]
        rows += [f"    | `{k}` | {format_value(v, None)} |" for k, v in sorted(metrics.items())]
    return "\n".join(rows)


def versions_table(versions: Mapping[str, Mapping[str, str]], lang: str = "en") -> str:
    """``versions`` maps what a library (or group of libraries) is for to {library: version}."""
    rows = [table_words(lang)["versions"], "| --- | --- | --- |"]
    for role, group in versions.items():
        rows += [f"| {name} | {version} | {role} |" for name, version in sorted(group.items())]
    return "\n".join(rows)


def repo_link(repo_url: str | None, lang: str = "en") -> str:
    """The repository the site is built from, as prose: a link when its address is known."""
    if not repo_url:
        if lang == "ko":
            return "소스 저장소(이 사본은 저장소 주소 없이 빌드되었습니다)"
        return "its source repository (this copy of the site was built without its address)"
    url = repo_url.rstrip("/")
    shown = url.split("://", 1)[-1]
    if lang == "ko":
        return f"[{shown}]({url}) 저장소"
    return f"the repository at [{shown}]({url})"


SOURCE_DIR = "source"  # where the site serves its copies of repository files


def source_copy(path: str) -> str:
    """Where the site serves its own copy of repository file ``path``, under ``docs/``."""
    return f"{SOURCE_DIR}/{path}"


def source_link(path: str, where: str, root: Path, repo_url: str | None) -> str:
    """A Markdown link to a file of the repository: the file on ``repo_url`` when one is set,
    otherwise the copy the site serves (see :func:`source_copy`), relative to the page
    ``where`` (``docs/<page>.md``) so that MkDocs checks it and rewrites it for the page's URL."""
    if not (root / path).is_file():
        raise PageError(f"{where}: {{{{ source {path} }}}} names no file of the repository")
    if repo_url:
        return f"[`{path}`]({repo_url.rstrip('/')}/blob/main/{path})"
    folders = len(PurePosixPath(where).parts) - 2  # docs/a/b.md sits one folder down
    return f"[`{path}`]({'../' * max(folders, 0)}{source_copy(path)})"


def source_paths(text: str) -> list[str]:
    """The repository files a page links with ``{{ source path }}``."""
    return [m["path"] for m in SOURCE.finditer(text)]


def data_url(
    job: str, name: str, where: str, href: Callable[[str], str], files: Mapping[str, bytes]
) -> str:
    """The page-relative URL of a data file that ``job`` made; PageError if it made none."""
    path = f"{FIGURES_DIR}/{job}/{name}"
    if path not in files:
        made = sorted(f.rsplit("/", 1)[1] for f in files if f.startswith(f"{FIGURES_DIR}/{job}/"))
        raise PageError(
            f"{where}: {{{{ data {job}/{name} }}}}: job {job!r} made no such file; "
            f"it made: {', '.join(made) or 'nothing'}"
        )
    return href(path)


def fill_page(
    text: str,
    where: str,
    results: Mapping[str, Any],
    files: Mapping[str, bytes],
    depth: int,
    versions: Mapping[str, Mapping[str, str]],
    root: Path | None = None,
    repo_url: str | None = None,
    lang: str = "en",
    served: Mapping[str, str] | None = None,
) -> str:
    """The page with every placeholder replaced; raises PageError naming the first bad one.
    ``lang`` is the page's language: it words the build's tables; ``files`` are the figure
    files as that language's pages see them (see figures_src.site.files_for). Numbers read
    the same in both languages (see :func:`format_value`). ``served`` maps a figure file's
    path to where the site serves it, from the root of the page's language, when that is
    elsewhere (a Korean page's ``x.png`` is ``../figures/.../x.ko.png``)."""
    prefix = "../" * depth

    def href(path: str) -> str:
        return prefix + (served or {}).get(path, path)

    def metric(match: re.Match) -> str:
        value = _lookup(results, match["job"], match["key"], where, lang)
        try:
            return html.escape(format_value(value, match["spec"]), quote=False)
        except (ValueError, TypeError):
            raise PageError(
                f"{where}: format {match['spec']!r} does not suit "
                f"{match['job']}.{match['key']} = {value!r}"
            ) from None

    def special(match: re.Match) -> str:
        if match[1] == "build_report":
            return build_report_table(results, lang)
        if match[1] == "repo_link":
            return repo_link(repo_url, lang)
        return versions_table(versions, lang)

    text = METRIC.sub(metric, text)
    text = SPECIAL.sub(special, text)
    text = FIGURE.sub(lambda m: _figure_html(results, m, where, prefix, files, href), text)
    text = DATA.sub(lambda m: data_url(m["job"], m["file"], where, href, files), text)
    if root is not None:
        text = SOURCE.sub(lambda m: source_link(m["path"], where, root, repo_url), text)
    leftover = LEFTOVER.search(text)
    if leftover:
        raise PageError(
            f"{where}: placeholder {leftover[0][:60]!r} is not understood; "
            "see README 'Adding a figure'"
        )
    return text
