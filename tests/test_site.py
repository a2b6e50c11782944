"""A quick-mode build of the real site: pages reference their figures, figures are complete."""

from __future__ import annotations

import json
import re
import subprocess

from PIL import Image, ImageSequence

from figures_src.engine.jobs import all_jobs


def test_chapter_page_shows_the_circles_animation(quick_site):
    html = (quick_site / "layers-bend-space" / "index.html").read_text()
    assert 'src="../figures/circles.hidden/hidden.gif"' in html
    assert "{{" not in html, "a placeholder was left unfilled"
    gif = Image.open(quick_site / "figures" / "circles.hidden" / "hidden.gif")
    frames = sum(1 for _ in ImageSequence.Iterator(gif))
    epochs = all_jobs()["circles.hidden"].quick["epochs"]
    assert frames == epochs + 1  # the untrained network, then one frame per epoch
    meta = json.loads((quick_site / "figures" / "circles.hidden" / "hidden.json").read_text())
    assert meta["labels"] == [f"epoch {e}" for e in range(epochs + 1)]


def test_measured_numbers_are_injected(quick_site):
    text = (quick_site / "layers-bend-space" / "index.html").read_text()
    caption = re.search(r"<figcaption>(.*?)</figcaption>", text, re.S)[1]
    assert re.search(r"<strong>\d+\.\d%</strong> accuracy", caption)


def test_every_formula_reaches_katex(quick_site):
    """Each $…$ and $$…$$ in the pages became an arithmatex element; a stray dollar in the
    prose means a formula the reader would see as raw TeX."""
    formulas = 0
    for page in ("nonlinear-regression", "latent-maps", "manifold-hypothesis"):
        html = (quick_site / page / "index.html").read_text()
        article = html[html.index("<article") : html.index("</article>")]
        formulas += len(re.findall(r'class="arithmatex"', article))
        prose = re.sub(r'<(span|div) class="arithmatex">.*?</\1>', "", article, flags=re.S)
        prose = re.sub(r"<(code|pre)\b.*?</\1>", "", prose, flags=re.S)
        assert "$" not in prose, f"{page}: a formula arithmatex did not pick up"
    assert formulas >= 30


def test_build_page_lists_every_job(quick_site):
    html = (quick_site / "how-this-site-is-built" / "index.html").read_text()
    for name in all_jobs():
        assert f"<code>{name}</code>" in html


def test_build_page_lists_the_versions_that_made_the_site(quick_site, repo_root):
    import importlib.metadata

    html = (quick_site / "how-this-site-is-built" / "index.html").read_text()
    katex = (repo_root / "docs" / "assets" / "katex" / "katex.min.js").read_text()
    served = re.search(r'version:"([^"]+)"', katex)[1]
    for library, version in [
        ("torch", importlib.metadata.version("torch")),
        ("mkdocs-material", importlib.metadata.version("mkdocs-material")),
        ("KaTeX", served),
    ]:
        assert re.search(rf"<td>{re.escape(library)}</td>\s*<td>{re.escape(version)}</td>", html)


def test_warm_build_loads_no_numerical_library(quick_site, tmp_path, repo_root):
    """A warm `mkdocs build` only checks its stamp and hands over cached files: it must not
    pay for importing torch, NumPy or matplotlib (the benchmark's warm/plain ratio)."""
    import os
    import sys

    env = dict(os.environ, FIGURES_QUICK="1", FIGURES_CACHE_DIR=str(quick_site.parent / "cache"))
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mkdocs", "build", "--strict",
         "-d", str(tmp_path / "site")],
        cwd=repo_root, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"figures: \S+ +cached", done.stderr)
    assert not re.search(r"figures: \S+ +built", done.stderr)
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert imported & {"torch", "numpy", "matplotlib", "PIL"} == set()


def test_nothing_generated_lands_in_docs(repo_root):
    untracked = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "docs"],
        cwd=repo_root,
        capture_output=True,
        text=True,
    ).stdout
    assert "figures" not in untracked, untracked


def test_no_broken_links_anchors_or_images(quick_site):
    from benchmarks.linkcheck import check_links

    broken, _external = check_links(quick_site)
    assert broken == []


def test_no_page_is_too_heavy(quick_site):
    from benchmarks.weight import page_weights

    heavy = [(page, size) for page, size in page_weights(quick_site) if size > 4_000_000]
    assert heavy == []
    gifs = [p for p in quick_site.rglob("*.gif") if p.stat().st_size > 1_500_000]
    assert gifs == []


def test_every_page_placeholder_names_a_real_metric(real_report, repo_root):
    """At the published settings, every number a page asks for exists (the quick build
    proves the same for quick mode by building at all)."""
    from figures_src.engine.pages import METRIC

    pages = sorted((repo_root / "docs").glob("*.md"))
    assert len(pages) >= 6
    for page in pages:
        for match in METRIC.finditer(page.read_text()):
            entry = real_report.get(match["job"])
            assert entry is not None, f"{page.name}: no job {match['job']}"
            known = {**entry["params"], **entry["metrics"]}
            assert match["key"] in known, f"{page.name}: {match['job']}.{match['key']}"


def test_failed_job_fails_mkdocs_and_leaves_no_site(tmp_path, repo_root):
    """With no Fashion-MNIST to be found, the build stops with the job's name and the fix,
    instead of publishing pages that silently lack their figures."""
    from conftest import mkdocs_build

    empty = tmp_path / "no-data"
    empty.mkdir()
    site = tmp_path / "site"
    done = mkdocs_build(
        site, tmp_path / "cache", FASHION_MNIST_DIR=str(empty), FASHION_MNIST_FALLBACKS="0"
    )
    assert done.returncode != 0
    assert "figure job fashion.latent_map" in done.stderr
    assert "Fashion-MNIST not found" in done.stderr and "dataset-fashion-mnist" in done.stderr
    assert not (site / "latent-maps" / "index.html").exists()
    assert not (site / "index.html").exists()


def test_real_pages_stay_under_4mb(real_report, repo_root):
    """At the published settings: the figures each page loads (the player's sprite sheets,
    the still PNGs), plus 0.6 MB for the theme's HTML, CSS, fonts and scripts, stay under
    4 MB per page; every GIF stays under 1.5 MB."""
    from pathlib import Path

    from figures_src.engine.pages import FIGURE

    def size(job: str, filename: str) -> int:
        outputs = [Path(p) for p in real_report[job]["outputs"] if p.endswith("/" + filename)]
        assert outputs, f"{job} made no {filename}"
        path = outputs[0] if outputs[0].is_absolute() else repo_root / outputs[0]
        return path.stat().st_size

    for page in sorted((repo_root / "docs").glob("*.md")):
        weight = 600_000
        for match in FIGURE.finditer(page.read_text()):
            job, output = match["job"], match["output"]
            kind = real_report[job]["media"][output]["kind"]
            weight += size(job, f"{output}.frames.png" if kind == "animation" else f"{output}.png")
            if kind == "animation":
                assert size(job, f"{output}.gif") <= 1_500_000
        assert weight <= 4_000_000, f"{page.name}: {weight / 1e6:.2f} MB"
