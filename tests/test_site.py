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
    # Both languages were built, and only the first run asked the engine: one line per job.
    assert "Building 'ko' documentation" in done.stderr
    jobs = re.findall(r"figures: (\S+) +\w+", done.stderr)
    assert sorted(jobs) == sorted(all_jobs())
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
    from figures_src.pages import METRIC

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
    # one line for the jobs that share the failed model: "figure jobs fashion.latent_map, ..."
    assert re.search(r"figure jobs? (?:[\w.]+, )*fashion\.latent_map\b", done.stderr)
    assert "Fashion-MNIST not found" in done.stderr and "dataset-fashion-mnist" in done.stderr
    assert not (site / "latent-maps" / "index.html").exists()
    assert not (site / "index.html").exists()


def test_real_pages_stay_under_4mb(real_report, repo_root):
    """At the published settings: the figures each page loads (the player's sprite sheets,
    the still PNGs), plus 0.6 MB for the theme's HTML, CSS, fonts and scripts, stay under
    4 MB per page; every GIF stays under 1.5 MB."""
    from pathlib import Path

    from figures_src.pages import FIGURE

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


# --- Every word, every Code tab and every credit (issue 11) --------------------------------

GLOSSARY_TERMS = (
    "dense-layer", "softmax", "cross-entropy", "adam", "epoch", "learning-rate", "random-seed",
    "relu", "leakyrelu", "tanh", "sigmoid", "activation-function", "hidden-layer", "bottleneck",
    "dead-unit", "decision-boundary", "loss", "mini-batch", "principal-components", "pca",
    "latent-code", "latent-space", "autoencoder", "perplexity", "geodesic", "manifold",
    "manifold-hypothesis", "interpolation", "t-sne", "isomap", "lle", "trustworthiness",
    "k-nearest-neighbours", "mae", "mse", "l1-loss", "overfitting", "validation-set",
    "linear-probe", "swiss-roll", "embedding", "spearman-correlation",
    "affine-map", "backpropagation", "barnes-hut-approximation", "cross-validation",
    "fashion-mnist", "latent-vector", "maximum-likelihood", "mnist", "noise-floor", "rms",
    "standard-deviation", "test-set", "kl-divergence",
)  # fmt: skip
CHAPTERS = ("layers-bend-space", "manifold-hypothesis", "nonlinear-regression", "latent-maps")
POST_TITLES = {  # which post each chapter follows (see docs/sources.md)
    "layers-bend-space": "Manifold와 뉴럴 네트워크 학습",
    "manifold-hypothesis": "Manifold와 뉴럴 네트워크 학습",
    "nonlinear-regression": "신경망을 이용한 비선형 모델의 회귀분석",
    "latent-maps": "신경망을 이용한 비선형 모델의 회귀분석",
}
ENGLISH_TITLES = {  # the agreed translations of the two titles
    "Manifold와 뉴럴 네트워크 학습": "Manifolds and neural network learning",
    "신경망을 이용한 비선형 모델의 회귀분석": "Regression of nonlinear models with neural networks",
}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


class Node:
    """An HTML element: its tag, attributes and children (Nodes and strings)."""

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs, self.children = tag, attrs, []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def text(self, skip=lambda node: False, sep: str = " ") -> str:
        """The text inside, with ``alt`` texts, leaving out every element ``skip`` accepts."""
        parts = [self.attrs.get("alt") or ""]
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif not skip(child):
                parts.append(child.text(skip, sep))
        return sep.join(p for p in parts if p)


def parse_html(text: str) -> Node:
    """A page as a tree of Nodes (enough of HTML for MkDocs' output)."""
    from html.parser import HTMLParser

    root = Node("document", {})
    stack = [root]

    class Builder(HTMLParser):
        def handle_starttag(self, tag, attrs):
            node = Node(tag, {k: v or "" for k, v in attrs})
            stack[-1].children.append(node)
            if tag not in VOID:
                stack.append(node)

        def handle_endtag(self, tag):
            for depth in range(len(stack) - 1, 0, -1):
                if stack[depth].tag == tag:
                    del stack[depth:]
                    return

        def handle_data(self, data):
            stack[-1].children.append(data)

    Builder(convert_charrefs=True).feed(text)
    return root


def article(site, page: str) -> Node:
    path = site / ("index.html" if page == "index" else f"{page}/index.html")
    return next(n for n in parse_html(path.read_text()).iter() if n.tag == "article")


def built_pages(site) -> list[str]:
    """Every page of the site by name ("index", "glossary", ...), without the 404 page."""
    names = []
    for path in sorted(site.rglob("index.html")):
        rel = path.parent.relative_to(site).as_posix()
        if rel.split("/")[0] in ("assets", "figures", "search", "source"):
            continue
        names.append("index" if rel == "." else rel)
    return names


def code_tabs(node: Node) -> list[tuple[str, set[str]]]:
    """Each Code tab under ``node``: (its code, the figure ids in its sibling tabs)."""
    found = []
    for tabs in node.iter():
        if "tabbed-set" not in tabs.classes:
            continue
        labels = next(n for n in tabs.iter() if "tabbed-labels" in n.classes)
        names = [n.text().strip() for n in labels.iter() if n.tag == "label"]
        content = next(
            n for n in tabs.children if isinstance(n, Node) and "tabbed-content" in n.classes
        )
        blocks = [
            n for n in content.children if isinstance(n, Node) and "tabbed-block" in n.classes
        ]
        assert len(blocks) == len(names), names
        for name, block in zip(names, blocks, strict=True):
            if name not in CODE_TAB:
                continue
            code = "\n".join(
                n.text(sep="") for n in block.iter() if n.tag == "code" and _in_pre(block, n)
            )
            figures = {
                n.attrs["id"]
                for other in blocks
                if other is not block
                for n in other.iter()
                if n.tag == "figure" and n.attrs.get("id", "").startswith("fig-")
            }
            found.append((code, figures))
    return found


def _in_pre(block: Node, code: Node) -> bool:
    return any(code in pre.children for pre in block.iter() if pre.tag == "pre")


def figure_job(figure_id: str):
    """The job and output behind a figure id ``fig-<job, . as -><output>``."""
    jobs = all_jobs()
    for name in sorted(jobs, key=len, reverse=True):
        prefix = f"fig-{name.replace('.', '-')}-"
        if figure_id.startswith(prefix):
            return jobs[name], figure_id[len(prefix) :]
    raise AssertionError(f"{figure_id}: no job makes this figure")


def defined_functions(code: str) -> set[str]:
    import ast

    tree = ast.parse(code)
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    return {n.name for n in ast.walk(tree) if isinstance(n, functions)}


def code_tab_problems(site) -> list[str]:
    """What is wrong with the site's Code tabs: code that is not Python, or that does not
    define the render function of the figure beside it and the train function behind it."""
    problems = []
    tabs = 0
    for page in built_pages(site):
        for code, figures in code_tabs(article(site, page)):
            tabs += 1
            try:
                defined = defined_functions(code)
            except SyntaxError as error:
                problems.append(f"{page}: a Code tab is not Python ({error.msg}): {code[:80]!r}")
                continue
            assert figures, f"{page}: a Code tab with no figure beside it"
            for figure in sorted(figures):
                job, _output = figure_job(figure)
                trainer = all_jobs()[job.trained_by or job.name]
                for role, function in (("render", job.render), ("train", trainer.train)):
                    if function.__name__ not in defined:
                        problems.append(
                            f"{page}: the Code tab beside {figure} does not define its "
                            f"{role} function {function.__name__}"
                        )
    if not tabs:
        problems.append("no Code tab found")
    return problems


def test_code_tabs_show_the_code_behind_their_figures(quick_site):
    assert code_tab_problems(quick_site) == []


def test_no_snippet_line_survives_in_the_site(quick_site):
    import html as html_module

    for path in quick_site.rglob("*.html"):
        # without the tags (highlighting splits "--8<--" into spans), then unescaped
        text = html_module.unescape(re.sub(r"<[^>]*>", "", path.read_text()))
        assert not re.search(r"--\s*8\s*<", text), f"{path}: a snippet line was not included"


def test_code_tab_check_fails_on_a_broken_tab_and_passes_on_a_real_one(tmp_path):
    """The check above, on two one-page sites: the mangled snippet line of fdeb0ef, and a
    tab that shows the real train and render functions of circles.hidden."""
    import inspect

    job = all_jobs()["circles.hidden"]
    trainer = all_jobs()[job.trained_by or job.name]

    def site_with(code: str):
        import html as html_module

        site = tmp_path / f"site{len(list(tmp_path.iterdir()))}"
        (site / "page").mkdir(parents=True)
        (site / "page" / "index.html").write_text(
            '<html><body><article><div class="tabbed-set tabbed-alternate">'
            '<input id="a" type="radio"><input id="b" type="radio">'
            '<div class="tabbed-labels"><label for="a">Figure</label><label for="b">Code</label>'
            '</div><div class="tabbed-content"><div class="tabbed-block">'
            '<figure class="mx-figure" id="fig-circles-hidden-hidden"><img alt="x"></figure>'
            '</div><div class="tabbed-block"><div class="highlight"><pre><span></span><code>'
            f"{html_module.escape(code)}</code></pre></div></div></div></div></article></body></html>"
        )
        return site

    # the mangled line is valid Python (-(-8) < -(-"...")), but defines nothing
    mangled = site_with('--8 < --"figures_src/chapters/circles.py:circles-train"')
    assert len(code_tab_problems(mangled)) == 2
    assert any("not Python" in p for p in code_tab_problems(site_with("def f(:")))
    half = site_with(inspect.getsource(job.render))
    assert [p for p in code_tab_problems(half) if "train function" in p]
    whole = site_with(inspect.getsource(trainer.train) + "\n\n" + inspect.getsource(job.render))
    assert code_tab_problems(whole) == []


CODE_TAB = ("Code", "코드")  # a Code tab's label, in English and in Korean
TRY_IT = ("Try it", "직접 해 보기")  # a "Try it" box's or section's title starts so


def is_try_it(node: Node) -> bool:
    """A "Try it" box: an admonition or collapsible whose title starts with "Try it"."""
    if not ({"admonition"} & node.classes or node.tag == "details"):
        return False
    title = next(
        (n for n in node.iter() if n.tag == "summary" or "admonition-title" in n.classes), None
    )
    return title is not None and title.text().strip().startswith(TRY_IT)


def reader_text(site, page: str) -> str:
    """What a reader of ``page`` reads: its article's prose and alt texts, without the code
    blocks, the "Try it" boxes and the sections headed "Try it"."""
    body = article(site, page)
    kept: list[Node | str] = []
    skipping = None  # the heading level of a "Try it" section being left out
    for child in body.children:
        if isinstance(child, Node) and re.fullmatch(r"h[1-6]", child.tag):
            level = int(child.tag[1])
            if skipping and level <= skipping:
                skipping = None
            if child.text().strip().startswith(TRY_IT):
                skipping = level
        if not skipping:
            kept.append(child)
    holder = Node("div", {})
    holder.children = kept
    return holder.text(skip=lambda n: n.tag == "pre" or is_try_it(n) or "headerlink" in n.classes)


INTERNAL_NAMES = re.compile(r"\b(?:second )?seed (?:post|blog)|\boriginal post", re.I)
BUILD_WORDS = re.compile(r"\bjobs?\b|\bthis build\b|\bmax_seeds\b|tests/test_|SHA-256", re.I)


def test_no_page_uses_internal_names_for_the_posts(quick_site):
    for page in built_pages(quick_site):
        text = article(quick_site, page).text()
        assert not INTERNAL_NAMES.findall(text), f"{page}: {INTERNAL_NAMES.findall(text)}"


def test_build_vocabulary_stays_off_the_readers_path(quick_site):
    """ "job", "this build", max_seeds, test files and SHA-256 belong to the people who rebuild
    the site: the "Try it" parts and the page on how the site is built."""
    found = {}
    for page in built_pages(quick_site):
        if page in ("how-this-site-is-built", "ko/how-this-site-is-built"):
            continue
        text = reader_text(quick_site, page)
        hits = [text[max(m.start() - 30, 0) : m.end() + 30] for m in BUILD_WORDS.finditer(text)]
        if hits:
            found[page] = hits
    assert found == {}


def test_reader_text_leaves_out_try_it_and_code_only(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "index.html").write_text(
        "<article><h1>T</h1><p>Prose about a job.</p><pre><code>job = 1</code></pre>"
        '<div class="admonition example"><p class="admonition-title">Try it</p>'
        "<p>Set max_seeds=1 in the job.</p></div>"
        '<h2 id="try-it">Try it</h2><p>this build: tests/test_x.py</p><h2>Next</h2>'
        "<p>SHA-256</p></article>"
    )
    text = reader_text(tmp_path, "p")
    assert BUILD_WORDS.findall(text) == ["job", "SHA-256"]


def test_glossary_has_every_term_in_order(quick_site):
    glossary = article(quick_site, "glossary")
    terms = [n for n in glossary.iter() if n.tag == "h3"]
    ids = [n.attrs.get("id") for n in terms]
    assert set(GLOSSARY_TERMS) <= set(ids), set(GLOSSARY_TERMS) - set(ids)
    names = [n.text(skip=lambda c: "headerlink" in c.classes).strip().casefold() for n in terms]
    assert names == sorted(names)
    for term in terms:  # each entry says something
        following = glossary.children[glossary.children.index(term) + 1]
        assert isinstance(following, str) or following.tag == "p"


def test_pages_link_the_glossary_and_the_sources(quick_site):
    """The home page and every chapter credit their post by title (in the chapter's opening,
    before its first section) and link Sources and the glossary; the links into the glossary
    resolve (the link check holds every #fragment to an id)."""
    home = parse_html((quick_site / "index.html").read_text())
    hrefs = {n.attrs.get("href", "") for n in home.iter() if n.tag == "a"}
    assert "sources/" in hrefs and "glossary/" in hrefs
    assert any(h.startswith("glossary/#") for h in hrefs)
    for chapter, title in POST_TITLES.items():
        body = article(quick_site, chapter)
        blocks = [n for n in body.children if isinstance(n, Node)]
        h2 = next((i for i, n in enumerate(blocks) if n.tag == "h2"), len(blocks))
        # the chapter's opening, before its sections; a line break in the source is a space
        first = " ".join(" ".join(n.text() for n in blocks[:h2]).split())
        assert title in first, f"{chapter}: its first lines do not name {title}"
        english = ENGLISH_TITLES[title]
        assert english in first, f"{chapter}: its first lines do not translate it as {english}"
        hrefs = {n.attrs.get("href", "") for n in body.iter() if n.tag == "a"}
        assert "../sources/" in {h.split("#")[0] for h in hrefs}, f"{chapter}: no Sources link"
        assert any(h.startswith("../glossary/#") for h in hrefs), f"{chapter}: no glossary link"
    sources = article(quick_site, "sources").text()
    credits = ["devson", "van der Maaten", "Tenenbaum", "Roweis", "Venna", "LeCun", "Xiao"]
    credits += ["Olah", "Wattenberg", "PyTorch", "scikit-learn", "openTSNE", "Matplotlib"]
    credits += ["Kobak", "Linderman", "Scott Rome", "plot_lle_digits"]
    credits += ['"Manifolds and neural network learning"']  # the agreed translations
    credits += ['"Regression of nonlinear models with neural networks"', "GIS Developer"]
    assert [c for c in credits if c not in sources] == []


def test_snippet_lines_name_real_sections(repo_root):
    """A Markdown formatter once turned every snippet line into '--8 < --"…"' (fdeb0ef):
    each line of the pages that looks like a snippet must be one, naming a real section."""
    line_rule = re.compile(r'\s*--8<-- "(?P<path>[^":]+):(?P<section>[\w-]+)"')
    for page in sorted((repo_root / "docs").glob("*.md")):
        for number, line in enumerate(page.read_text().splitlines(), 1):
            if not re.search(r"8\s*<", line):
                continue
            where = f"{page.name}:{number}: {line.strip()}"
            match = line_rule.fullmatch(line)
            assert match, where
            source = repo_root / match["path"]
            assert source.is_file(), where
            text = source.read_text()
            for marker in ("start", "end"):
                assert f"# --8<-- [{marker}:{match['section']}]" in text, where


def test_every_figure_is_readable_at_the_width_the_page_shows_it(real_report):
    """No text in any output smaller than 11 CSS px (points × dpi / 72, scaled to 690 px)."""
    small = {
        f"{name}/{output}": facts["min_text_px"]
        for name, entry in real_report.items()
        for output, facts in entry["media"].items()
        if facts.get("min_text_px") is not None and facts["min_text_px"] < 11
    }
    assert small == {}


def test_smallest_text_is_measured_as_the_page_shows_it():
    """Through the engine's own path (encode_outputs draws the figure, then measures it):
    tick labels count, and a figure wider than the 690 px column is scaled down."""
    from figures_src.engine.media import encode_outputs
    from figures_src.plotting import new_figure

    def measured(width_in: float, tick_pt: float) -> float:
        fig = new_figure(width_in, 3, dpi=100)
        ax = fig.add_axes((0.15, 0.15, 0.8, 0.7))
        ax.tick_params(labelsize=tick_pt)
        ax.set_title("A title", fontsize=14)
        return encode_outputs({"still": fig}, {})[1]["still"]["min_text_px"]

    assert measured(4, 6) < 11  # 6 pt at 100 dpi: 8.3 px
    assert measured(4, 9) == 12.5  # 9 pt: 12.5 px in a 400 px figure
    assert measured(13.8, 9) == 6.25  # 1,380 px wide: the page halves it


def test_whole_chapter_links_reach_the_file(quick_site, repo_root):
    from figures_src.pages import source_link

    html = (quick_site / "layers-bend-space" / "index.html").read_text()
    assert 'The whole chapter: <a href="../source/figures_src/chapters/circles.py"' in html
    copy = quick_site / "source" / "figures_src" / "chapters" / "circles.py"
    assert copy.read_bytes() == (repo_root / "figures_src" / "chapters" / "circles.py").read_bytes()
    path = "figures_src/chapters/circles.py"
    assert source_link(path, "docs/a.md", repo_root, None) == f"[`{path}`](source/{path})"
    assert source_link(path, "docs/x/a.md", repo_root, None) == f"[`{path}`](../source/{path})"
    assert (
        source_link(path, "docs/a.md", repo_root, "https://github.com/o/r/")
        == f"[`{path}`](https://github.com/o/r/blob/main/{path})"
    )


def test_a_local_build_claims_no_address(quick_site, repo_root, tmp_path):
    """Without SITE_URL no canonical link or sitemap entry points at a local server; the
    published build (.github/workflows/pages.yml) sets SITE_URL, and mkdocs.yml uses it."""
    from conftest import TEST_SITE_URL, mkdocs_build

    local = tmp_path / "site"
    done = mkdocs_build(local, quick_site.parent / "cache")  # warm: the quick site's cache
    assert done.returncode == 0, done.stderr[-3000:]
    for path in [*local.rglob("*.html"), local / "sitemap.xml"]:
        text = path.read_text()
        assert "127.0.0.1" not in text and "localhost" not in text, path
        assert 'rel="canonical"' not in text, path
    # With SITE_URL, the pages and the sitemap name the published address.
    chapter = (quick_site / "layers-bend-space" / "index.html").read_text()
    assert f'<link rel="canonical" href="{TEST_SITE_URL}layers-bend-space/">' in chapter
    assert f"<loc>{TEST_SITE_URL}glossary/</loc>" in (quick_site / "sitemap.xml").read_text()
    workflow = (repo_root / ".github" / "workflows" / "pages.yml").read_text()
    assert re.search(r"SITE_URL: \$\{\{ steps\.pages\.outputs\.base_url \}\}/", workflow)


def test_link_check_holds_glossary_anchors(tmp_path):
    from benchmarks.linkcheck import check_links

    (tmp_path / "glossary").mkdir()
    (tmp_path / "glossary" / "index.html").write_text('<h3 id="dense-layer">Dense layer</h3>')
    (tmp_path / "index.html").write_text(
        '<a href="glossary/#dense-layer">ok</a><a href="glossary/#dense-layers">typo</a>'
    )
    broken, _ = check_links(tmp_path)
    assert broken == ["/index.html -> glossary/#dense-layers: no element with id 'dense-layers'"]


def home_chapter_item(repo_root, number: int) -> str:
    """The Markdown of item ``number`` of the home page's list of chapters."""
    text = (repo_root / "docs" / "index.md").read_text()
    match = re.search(rf"^{number}\. .*?(?=^\d+\. |^\S|\Z)", text, re.M | re.S)
    assert match, f"docs/index.md has no item {number}."
    return match[0]


def test_home_page_summary_of_chapter_3_holds(real_report, repo_root):
    """The home page says that ReLU fits as well as LeakyReLU, and that on this Gaussian noise
    an MSE loss gives a slightly better fit than an L1 loss (and neither beats the noise
    floor), quoting only those two errors."""
    from figures_src.pages import METRIC

    activations = real_report["regression.activations"]["metrics"]
    losses = real_report["regression.losses"]["metrics"]
    gap = abs(activations["val_mae_relu"] - activations["val_mae_leaky_relu"])
    assert gap <= 0.02 * activations["val_mae_leaky_relu"]
    assert losses["noise_floor_mae"] < losses["val_mae_mse"] < losses["val_mae_l1"]
    assert losses["val_mae_l1"] - losses["val_mae_mse"] < 0.1 * losses["val_mae_l1"]  # slightly
    quoted = [f"{m['job']}.{m['key']}" for m in METRIC.finditer(home_chapter_item(repo_root, 3))]
    assert quoted == ["regression.losses.val_mae_mse", "regression.losses.val_mae_l1"]


def test_home_chapter_item_finds_each_item_alone(repo_root):
    items = [home_chapter_item(repo_root, n) for n in (1, 2, 3, 4)]
    assert items[2].startswith("3. [**Nonlinear regression**]")
    assert "Latent maps" not in items[2] and "Latent maps" in items[3]


# --- Rebuilding the site, the jobs table, the versions, the footer (fix round) ---------------


def try_it_parts(site, page: str) -> list[Node]:
    """The "Try it" boxes of a page, and its sections headed "Try it" (heading and body)."""
    body = article(site, page)
    parts = [n for n in body.iter() if is_try_it(n)]
    children = [c for c in body.children if isinstance(c, Node)]
    for i, child in enumerate(children):
        if re.fullmatch(r"h[1-6]", child.tag) and child.text().strip().startswith(TRY_IT):
            section = Node("section", {})
            for sibling in children[i + 1 :]:
                if re.fullmatch(r"h[1-6]", sibling.tag) and sibling.tag <= child.tag:
                    break
                section.children.append(sibling)
            parts.append(section)
    return parts


REBUILD = "how-this-site-is-built/#rebuild-it-yourself"


def test_every_try_it_links_the_rebuild_section(quick_site):
    """Each chapter's Try it is for readers who rebuild the site: it links the section that
    says how, and that section exists. (The home page links it too.)"""
    built = parse_html((quick_site / "how-this-site-is-built" / "index.html").read_text())
    assert any(n.attrs.get("id") == "rebuild-it-yourself" for n in built.iter())
    home = {n.attrs.get("href") for n in article(quick_site, "index").iter() if n.tag == "a"}
    assert REBUILD in home
    missing = []
    for chapter in CHAPTERS:
        parts = try_it_parts(quick_site, chapter)
        assert parts, f"{chapter} has no Try it"
        hrefs = {n.attrs.get("href", "") for part in parts for n in part.iter() if n.tag == "a"}
        if f"../{REBUILD}" not in hrefs:
            missing.append(chapter)
    assert missing == []


def test_rebuild_section_gives_the_readmes_commands_and_a_valid_parameter(repo_root):
    """The commands on the page are the README's quick start, word for word, and the
    pyproject.toml example sets parameters that its job has, within their bounds."""
    import tomllib

    from figures_src.engine.jobs import check_param

    page = (repo_root / "docs" / "how-this-site-is-built.md").read_text()
    section = page[page.index("## Rebuild it yourself {#rebuild-it-yourself}") :]
    section = section[: section.index("\n## ")]
    blocks = dict(re.findall(r"```(sh|toml)\n(.*?)```", textwrap_dedent(section), re.S))
    readme = (repo_root / "README.md").read_text()
    quick_start = re.search(r"## Quick start\s+```sh\n(.*?)```", readme, re.S)[1]
    assert blocks["sh"] == quick_start
    example = tomllib.loads(blocks["toml"])["tool"]["figures"]["jobs"]
    assert example
    jobs = all_jobs()
    for name, params in example.items():
        assert jobs[name].trained_by in ("", name), f"{name} does not train its own model"
        for key, value in params.items():
            assert check_param(jobs[name], key, value) == value
            assert value != jobs[name].params[key], f"{name}.{key}: the example changes nothing"


def textwrap_dedent(text: str) -> str:
    """Code blocks inside list items are indented: take the indent off each line."""
    return "\n".join(line[4:] if line.startswith("    ") else line for line in text.splitlines())


def test_repo_link_links_the_repository_only_when_known():
    from figures_src.pages import fill_page, repo_link

    assert repo_link("https://github.com/o/r/") == (
        "the repository at [github.com/o/r](https://github.com/o/r)"
    )
    assert "](" not in repo_link(None) and "repository" in repo_link(None)
    page = "Built from {{ repo_link }}."
    filled = fill_page(page, "docs/a.md", {}, {}, 0, {}, repo_url="https://example.org/x")
    assert filled == "Built from the repository at [example.org/x](https://example.org/x)."


def test_jobs_table_lists_each_models_measurements_once():
    from figures_src.pages import build_report_table

    shared = {"accuracy": 0.975, "tsne_seconds": 1.5}
    results = {
        "b.two": {"status": "built", "seconds": 2.04, "metrics": shared,
                  "steps": {"train": "shared", "render": "2.0 s"}},
        "b.one": {"status": "built", "seconds": 12.3, "metrics": shared,
                  "steps": {"train": "10.1 s", "render": "2.2 s"}},
        "a.solo": {"status": "cached", "seconds": 0.04, "metrics": {"loss": 0.25}, "steps": {}},
    }  # fmt: skip
    table = build_report_table(results)
    assert table.count("`accuracy`") == 1 and table.count("`loss`") == 1
    assert table.startswith('<div class="mx-jobs" markdown>')
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert rows == [
        "| `a.solo` | cached | 0.0 | cached | cached |",
        "| `b.one` | built | 12.3 | trained in 10.1 s | drawn in 2.2 s |",
        "| `b.two` | built | 2.0 | shared with `b.one` | drawn in 2.0 s |",
    ]
    assert '??? note "The model behind `b.one`, `b.two`: 2 measurements"' in table


def test_jobs_table_keeps_job_names_whole(quick_site):
    html = (quick_site / "how-this-site-is-built" / "index.html").read_text()
    assert '<div class="mx-jobs">' in html
    css = (quick_site / "assets" / "explainer.css").read_text()
    rule = re.search(r"\.mx-jobs td:first-child code \{([^}]*)\}", css)
    assert rule and "white-space: nowrap" in rule[1]


def test_each_library_has_its_own_role(repo_root):
    from figures_src.engine import keys
    from figures_src.site import SITE_LIBRARIES, versions

    made_with = versions(repo_root / "docs")
    listed = [name for group in made_with.values() for name in group]
    assert sorted(listed) == sorted([*keys.LIBRARIES, *SITE_LIBRARIES, "KaTeX"])
    assert all(len(group) == 1 for group in made_with.values()), made_with


def test_footer_speaks_to_readers(quick_site):
    home = parse_html((quick_site / "index.html").read_text())
    footer = next(n for n in home.iter() if "md-copyright__highlight" in n.classes).text()
    assert "licence" in footer
    assert not BUILD_WORDS.search(footer) and "figures_src" not in footer and "build" not in footer


def relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_pipeline_diagram_is_readable(repo_root):
    """Every text of the pipeline diagram is at least 11 CSS px at the size the page shows it
    (never wider than the 690 px column), and has 4.5:1 contrast on every fill it sits on."""
    svg = (repo_root / "docs" / "assets" / "pipeline.svg").read_text()
    page = (repo_root / "docs" / "how-this-site-is-built.md").read_text()
    shown = min(int(re.search(r'pipeline\.svg\)\{ width="(\d+)" \}', page)[1]), 690)
    view_width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg)[1])
    scale = shown / view_width
    root_size = float(re.search(r'<svg[^>]*font-size="([\d.]+)"', svg)[1])
    rules = dict(re.findall(r"\.(\w+) \{([^}]*)\}", svg))
    shapes = ("box", "cache")  # the filled boxes texts sit on; the page behind is white
    fills = ["#ffffff", *(re.search(r"fill: (#[0-9a-f]{6})", rules[c])[1] for c in shapes)]
    texts = re.findall(r'<text class="(\w+)"', svg)
    assert len(texts) >= 10
    for cls in set(texts):
        size = re.search(r"font-size: ([\d.]+)px", rules[cls])
        assert (float(size[1]) if size else root_size) * scale >= 11, cls
        colour = re.search(r"fill: (#[0-9a-f]{6})", rules[cls])[1]
        assert min(contrast(colour, f) for f in fills) >= 4.5, cls


def test_contrast_matches_the_wcag_examples():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54


def test_report_json_carries_the_pages_new_measurements(real_report, repo_root):
    """The measurements issue 11 added reach `python -m figures_src report --json`."""
    import os
    import sys

    run = [sys.executable, "-m", "figures_src"]
    env = {k: v for k, v in os.environ.items() if k != "FIGURES_QUICK"}
    built = subprocess.run([*run, "build"], cwd=repo_root, env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]  # warm: real_report built everything
    shown = subprocess.run(
        [*run, "report", "--json"], cwd=repo_root, env=env, capture_output=True, text=True
    )
    jobs = {job["name"]: job["metrics"] for job in json.loads(shown.stdout)["jobs"]}
    assert jobs["spiral.hidden"]["units_revived"] >= 1
    assert 0 < jobs["fashion.latent_map"]["knn_overlap_10"] < 1
    assert jobs["digits.interpolation"]["reconstruction_nn_distance"] > 0
