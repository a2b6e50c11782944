"""The Korean edition: its pages keep the English pages' placeholders and are written in
Korean; each language's figures, numbers, switcher and search (issue 15)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from figures_src.pages import DATA, FIGURE, METRIC, SOURCE, SPECIAL

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# Pages in the nav that may lack their Korean twin for now. It must be empty: a page listed
# here is served to Korean readers in English.
NOT_YET_TRANSLATED: list[str] = []


def nav_pages() -> list[str]:
    """Every page of mkdocs.yml's nav ("index.md", "glossary.md", ...)."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!ENV", lambda loader, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=Loader)
    pages = []
    for item in config["nav"]:
        ((_, page),) = item.items()
        pages.append(page)
    return pages


def korean(page: str) -> Path:
    return DOCS / page.replace(".md", ".ko.md")


# --- The same placeholders, snippets, anchors and links -----------------------------------

SNIPPET = re.compile(r'^\s*--8<-- "[^"]+"\s*$', re.M)
ANCHOR = re.compile(r"\{[^}\n]*#([\w-]+)[^}\n]*\}")
PAGE_LINK = re.compile(r"\]\(([\w./-]+\.md(?:#[\w-]+)?)\)|\]\(#([\w-]+)\)")
TAB = re.compile(r'^\s*=== "', re.M)


def structure(text: str) -> dict[str, object]:
    """What a Korean page must share with its English page: the figures, data files,
    snippet lines and anchors in order, the numbers and source links as many times each, the
    pages and anchors linked, and the number of tabs."""
    return {
        "figures": [f"{m['job']}/{m['output']}" for m in FIGURE.finditer(text)],
        "data": [f"{m['job']}/{m['file']}" for m in DATA.finditer(text)],
        "snippets": [line.strip() for line in SNIPPET.findall(text)],
        "anchors": ANCHOR.findall(text),
        "metrics": Counter(m[0].replace(" ", "") for m in METRIC.finditer(text)),
        "sources": Counter(m["path"] for m in SOURCE.finditer(text)),
        "build tables": Counter(m[1] for m in SPECIAL.finditer(text)),
        "links": {a or f"#{b}" for a, b in PAGE_LINK.findall(text)},
        "tabs": len(TAB.findall(text)),
    }


def differences(english: str, korean_text: str, sorted_entries: bool = False) -> list[str]:
    """Each way the Korean page's structure differs from the English page's. A page whose
    entries each language sorts its own way (the glossary, in 가나다 order in Korean) is
    compared by its set of anchors and its links to other pages."""
    ours, theirs = structure(english), structure(korean_text)
    if sorted_entries:
        for table in (ours, theirs):
            table["anchors"] = sorted(table["anchors"])
            table["links"] = {link for link in table["links"] if not link.startswith("#")}
    found = []
    for key, value in ours.items():
        if theirs[key] != value:
            if isinstance(value, Counter):
                missing, extra = value - theirs[key], theirs[key] - value
            elif isinstance(value, set):
                missing, extra = value - theirs[key], theirs[key] - value
            else:
                missing, extra = value, theirs[key]
            found.append(f"{key}: English has {missing}, Korean has {extra}")
    return found


def test_the_structure_check_catches_a_drifted_page():
    english = (
        "# T {#top}\n\nAccuracy {{ circles.hidden.final_accuracy:.1% }}, see "
        "[Adam](glossary.md#adam).\n\n{{ figure circles.hidden/hidden\nalt: A\ncaption: B\n}}\n"
        '\n=== "Code"\n\n    --8<-- "figures_src/chapters/circles.py:circles-train"\n'
    )
    same = (
        "# 제목 {#top}\n\n정확도 {{ circles.hidden.final_accuracy:.1% }}, "
        "[Adam](glossary.md#adam) 참고.\n\n"
        "{{ figure circles.hidden/hidden\nalt: 가\ncaption: 나\n}}\n"
        '\n=== "코드"\n\n    --8<-- "figures_src/chapters/circles.py:circles-train"\n'
    )
    assert differences(english, same) == []
    drifted = (
        same.replace(":.1%", ":.2%")
        .replace("#adam", "#sgd")
        .replace("{#top}", "{#jemok}")
        .replace("circles-train", "circles-data")
    )
    kinds = {d.split(":")[0] for d in differences(english, drifted)}
    assert kinds == {"metrics", "links", "anchors", "snippets"}


def test_nav_lists_every_page_and_nothing_waits_for_a_translation():
    pages = nav_pages()
    assert "index.md" in pages and "how-this-site-is-built.md" in pages
    assert set(NOT_YET_TRANSLATED) <= set(pages)
    assert NOT_YET_TRANSLATED == [], "every page needs its Korean twin"


@pytest.mark.parametrize("page", nav_pages())
def test_korean_page_has_the_english_pages_placeholders(page):
    if page in NOT_YET_TRANSLATED:
        pytest.skip(f"{page} is listed in NOT_YET_TRANSLATED")
    path = korean(page)
    assert path.is_file(), f"docs/{page} has no Korean twin docs/{path.name}"
    english = (DOCS / page).read_text(encoding="utf-8")
    glossary = page == "glossary.md"
    assert differences(english, path.read_text(encoding="utf-8"), sorted_entries=glossary) == []


# --- No English sentence left in a Korean page ---------------------------------------------

# Word runs that may stay in English: names of people, works and programs that have no
# Korean form. Keep it short; a sentence is never a name.
ENGLISH_ALLOWED = (
    "Laurens van der Maaten",
    "Stochastic Neighbor Embedding",
    "Christopher J. C. Burges",
    "Lecture Notes in Computer Science",
)
# Four or more words of Latin letters in a row, with only spaces between them: a list of
# names ("ReLU, tanh, sigmoid, LeakyReLU를") has commas, a term a particle ("t-SNE와").
WORD = r"(?<![\w'’.-])[A-Za-z][A-Za-z0-9'’.-]*(?![\w'’-])"
HANGUL = re.compile("[가-힣]")
ENGLISH_RUN = re.compile(rf"{WORD}(?: +{WORD}){{3,}}")


def latin_only(match: re.Match) -> str:
    """Nothing for a name or title with no Hangul in it; the match itself otherwise."""
    return match[0] if HANGUL.search(match[0]) else " "


def prose(markdown: str) -> str:
    """What a reader reads as prose: without code, formulas, placeholders (a figure's alt
    and caption are kept), HTML tags, link targets, attribute lists, quoted titles and
    terms in parentheses with no Hangul."""
    text = re.sub(r"^(\s*)(`{3,}|~{3,}).*?^\1\2", "", markdown, flags=re.M | re.S)
    text = SNIPPET.sub("", text)
    text = re.sub(r"^\s*\{\{\s*figure [^\n]*$|^\s*\}\}\s*$", "", text, flags=re.M)
    text = re.sub(r"^\s*(alt|caption):", "", text, flags=re.M)
    # The English titles of works, and their venues, are names: a linked title, a title in
    # quotes (which may wrap onto the next line) or a venue in italics, with no Hangul.
    text = re.sub(r"\[([^\]\n]+)\]\(https?://[^)\s]*\)", latin_only, text)
    text = re.sub(r"(?<!\*)\*([^*\n]+)\*(?!\*)", latin_only, text)
    text = re.sub(r'"[^"\n]*(?:\n[^"\n]*)?"', latin_only, text)
    text = re.sub(r"\{\{.*?\}\}", " 0 ", text, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$", " ", text, flags=re.S)
    text = re.sub(r"`[^`\n]+`", " ", text)
    text = re.sub(r"<[^>\n]+>", " ", text)
    text = re.sub(r"\]\([^)\s]*\)|\]\[[^\]]*\]|^\[[^\]]+\]:.*$", "] ", text, flags=re.M)
    text = re.sub(r"https?://\S+|www\.\S+", " ", text)
    text = re.sub(r"\{[^}\n]*\}", " ", text)
    text = re.sub(r'"[^"\n]*"|“[^”\n]*”|‘[^’\n]*’', " ", text)
    text = re.sub(r"\(([^()\n]*)\)", lambda m: m[0] if HANGUL.search(m[1]) else " ", text)
    for allowed in ENGLISH_ALLOWED:
        text = text.replace(allowed, " ")
    return text


def english_runs(markdown: str) -> list[str]:
    """Runs of four or more English words in the prose of a page."""
    return [m[0] for m in ENGLISH_RUN.finditer(prose(markdown))]


def test_english_run_check_finds_sentences_and_passes_terms():
    good = (
        "매니폴드(manifold)는 고차원 공간 속 곡면입니다. `model.train()`을 부르고, "
        "t-SNE와 PCA를 비교합니다. 논문 “Visualizing Data using t-SNE”를 보세요.\n\n"
        "```python\nfor x in range(3): print(x)\n```\n"
        "{{ figure circles.hidden/hidden\nalt: 두 원\n"
        "caption: 정확도 {{ circles.hidden.acc:.1% }}\n}}\n"
        "[활성화 함수](glossary.md#activation-function), $f(x) = \\max(0, x)$ {#relu}"
    )
    assert english_runs(good) == []
    bad = good + "\n\nThe network bends the plane until the classes separate."
    assert english_runs(bad) == ["The network bends the plane until the classes separate."]
    assert english_runs("caption: 정확도는 Measured on held out data") != []
    titles = "[How to Use t-SNE Effectively](https://distill.pub/x) 그리고 *Journal of Machine\n"
    titles += 'Learning Research*, "A Global Geometric Framework for\nNonlinear"'
    assert english_runs(titles) == []
    assert english_runs("*이것은 기울임 and this is a sentence in English*") != []
    assert english_runs("ReLU, tanh, sigmoid, LeakyReLU를 비교하고 t-SNE와 PCA, LLE를 봅니다") == []
    assert len(ENGLISH_ALLOWED) <= 10


@pytest.mark.parametrize("page", nav_pages())
def test_no_english_sentence_is_left_in_a_korean_page(page):
    path = korean(page)
    if not path.is_file():
        pytest.skip(f"no docs/{path.name} yet (the placeholder test fails for it)")
    assert english_runs(path.read_text(encoding="utf-8")) == []


# --- Files, numbers and the build's own tables, per language --------------------------------


def test_localized_names_put_the_language_before_the_last_suffix():
    from figures_src.languages import is_localized, localized
    from figures_src.site import files_for

    assert localized("figures/a.b/two_views.frames.png", "ko") == (
        "figures/a.b/two_views.frames.ko.png"
    )
    assert localized("figures/a.b/two_views.json", "ko") == "figures/a.b/two_views.ko.json"
    assert localized("figures/a.b/x.gif", "en") == "figures/a.b/x.gif"
    assert is_localized("figures/a.b/x.poster.ko.png") and not is_localized("figures/a.b/x.png")
    files = {
        "figures/a.b/x.png": b"en",
        "figures/a.b/x.ko.png": b"ko",
        "figures/a.b/plain.png": b"both",
    }
    shown, served = files_for(files, "ko")
    assert shown == {"figures/a.b/x.png": b"ko", "figures/a.b/plain.png": b"both"}
    # generated files are served once, at the site's root, one folder above ko/
    assert served == {
        "figures/a.b/x.png": "../figures/a.b/x.ko.png",
        "figures/a.b/plain.png": "../figures/a.b/plain.png",
    }
    assert files_for(files, "en") == (files, {})


def test_a_korean_page_shows_the_korean_figure_at_the_right_address():
    import json

    from figures_src.pages import fill_page

    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (40).to_bytes(4, "big") + (30).to_bytes(4, "big")
    wide = png[:16] + (80).to_bytes(4, "big") + (60).to_bytes(4, "big")
    meta = {"width": 10, "height": 10, "frames": 2, "labels": ["epoch 0", "epoch 1"]}
    meta_ko = dict(meta, labels=["에포크 0", "에포크 1"])
    results = {
        "a.b": {
            "metrics": {"acc": 0.9512},
            "media": {"still": {"kind": "figure"}, "anim": {"kind": "animation"}},
        }
    }
    files = {
        "figures/a.b/still.png": png,
        "figures/a.b/still.ko.png": wide,
        "figures/a.b/anim.json": json.dumps(meta).encode(),
        "figures/a.b/anim.ko.json": json.dumps(meta_ko).encode(),
        "figures/a.b/anim.frames.png": png,
        "figures/a.b/anim.gif": b"GIF89a",
        "figures/a.b/anim.ko.gif": b"GIF89a",
    }
    from figures_src.site import files_for

    page = (
        "{{ a.b.acc:.1% }}\n\n{{ figure a.b/still\nalt: 그림\ncaption: 설명\n}}\n\n"
        "{{ figure a.b/anim\nalt: 움직이는 그림\ncaption: 설명\n}}\n"
    )
    shown, served = files_for(files, "ko")
    html = fill_page(page, "docs/x.ko.md", results, shown, 1, {}, lang="ko", served=served)
    assert html.startswith("95.1%")
    assert 'src="../../figures/a.b/still.ko.png"' in html and 'width="80"' in html
    assert 'data-sheet="../../figures/a.b/anim.frames.png"' in html  # no Korean sheet made
    assert 'src="../../figures/a.b/anim.ko.gif"' in html
    assert json.dumps("에포크 1")[1:-1] in html  # the Korean frame labels
    english = fill_page(page, "docs/x.md", results, files, 1, {})
    assert 'src="../figures/a.b/still.png"' in english and 'width="40"' in english


def test_build_tables_come_in_the_pages_language():
    from figures_src.pages import build_report_table, repo_link, versions_table

    results = {
        "b.one": {"status": "built", "seconds": 12.3, "metrics": {"acc": 0.5},
                  "steps": {"train": "10.1 s", "render": "2.2 s"}},
    }  # fmt: skip
    table = build_report_table(results, "ko")
    assert "| `b.one` | 새로 만듦 | 12.3 | 학습 10.1초 | 렌더링 2.2초 |" in table
    assert '??? note "모델 (`b.one`): 측정값 1개"' in table
    assert versions_table({"신경망 학습": {"torch": "2.13"}}, "ko").startswith("| 라이브러리 |")
    assert "저장소" in repo_link(None, "ko") and "저장소" in repo_link("https://x.org/r", "ko")


def test_each_library_has_a_korean_role(repo_root):
    from figures_src.site import ROLES, ROLES_KO, versions

    assert set(ROLES_KO) == set(ROLES)
    made_with = versions(repo_root / "docs", "ko")
    assert all(re.search("[가-힣]", role) for role in made_with), made_with


# --- The built site: both languages from one build -----------------------------------------


def test_both_languages_are_built_with_every_page(quick_site):
    for page in nav_pages():
        name = page.removesuffix(".md")
        folder = "" if name == "index" else f"{name}/"
        english = (quick_site / folder / "index.html").read_text()
        korean_page = (quick_site / "ko" / folder / "index.html").read_text()
        assert '<html lang="en"' in english and '<html lang="ko"' in korean_page
        assert "{{" not in korean_page, f"ko/{folder}: a placeholder was left unfilled"
    for path, lang in (("404.html", "en"), ("ko/404.html", "ko")):
        html = (quick_site / path).read_text()
        assert f'<html lang="{lang}"' in html
        # its language menu leads to each edition's home, not to the page built last
        menu = re.findall(r'href="([^"]*)" hreflang="(\w+)" class="md-select__link"', html)
        assert menu == [("/", "en"), ("/ko/", "ko")], menu


def test_korean_nav_titles_and_theme_words(quick_site):
    html = (quick_site / "ko" / "index.html").read_text()
    titles = ["1. 층은 공간을 어떻게 휘는가", "2. 매니폴드 가설", "3. 비선형 회귀"]
    titles += ["4. 잠재 공간 지도", "용어집", "출처와 더 읽을거리", "이 사이트를 만드는 방법"]
    for title in titles:
        assert title in html, title
    assert "신경망은 매니폴드를 어떻게 학습하는가" in html and "라이선스" in html
    assert "어두운 모드로 전환" in html


def test_switcher_links_lead_to_the_same_page(quick_site):
    """In the HTML; tests/test_browser.py follows them in a browser."""
    from test_site import parse_html

    for page in ("layers-bend-space", "glossary"):
        for lang, prefix, other in (("en", "", "../ko/"), ("ko", "ko/", "../../")):
            html = parse_html((quick_site / prefix / page / "index.html").read_text())
            links = {
                n.attrs["hreflang"]: n.attrs["href"]
                for n in html.iter()
                if "md-select__link" in n.classes
            }
            target = "ko" if lang == "en" else "en"
            assert links[target] == f"{other}{page}/", (lang, page, links)


def test_korean_figures_are_served_from_the_one_figures_folder(quick_site):
    """Generated files are served once, at the site's root: Korean pages point there, at a
    .ko file where the build drew one; nothing is copied under ko/figures."""
    assert not (quick_site / "ko" / "figures").exists()
    html = (quick_site / "ko" / "layers-bend-space" / "index.html").read_text()
    sources = re.findall(r'(?:src|data-sheet|srcset)="([^"]*figures/[^"]+)"', html)
    assert sources
    for source in sources:
        assert source.startswith("../../figures/"), source
        assert (quick_site / "ko" / "layers-bend-space" / source).resolve().is_file(), source


def test_each_language_has_its_own_search_index(quick_site):
    import json

    english = json.loads((quick_site / "search" / "search_index.json").read_text())
    korean_index = json.loads((quick_site / "ko" / "search" / "search_index.json").read_text())
    assert english["docs"] and korean_index["docs"]
    assert not any(d["location"].startswith("ko/") for d in english["docs"])
    assert all((quick_site / "ko" / d["location"].split("#")[0]).exists()
               for d in korean_index["docs"])  # fmt: skip
    assert korean_index["config"]["lang"][0] == "ko"
    html = (quick_site / "ko" / "glossary" / "index.html").read_text()
    assert '"base": "../../ko/"' in html


def test_the_korean_run_trains_and_draws_nothing(quick_site):
    """mkdocs-static-i18n runs the gen-files script once per language: only the first run
    asks the engine for the figures, so the build's report is the cold run's, not a second,
    all-cached one. (tests/test_site.py's warm build checks one progress line per job.)"""
    import json

    cold = json.loads((quick_site.parent / "cold-report.json").read_text())
    assert {job["status"] for job in cold["jobs"]} == {"built"}


@pytest.mark.parametrize("page", nav_pages())
def test_korean_headings_keep_the_english_ids(quick_site, page):
    """Links into a page (glossary.md#dense-layer, sources.md#post-2) work in both languages:
    a Korean heading carries the id its English heading gets, written as {#id} when the
    Korean words would give another."""
    from test_site import parse_html

    name = page.removesuffix(".md")
    folder = "" if name == "index" else f"{name}/"

    def ids(path: Path) -> list[str]:
        html = parse_html(path.read_text())
        heading = re.compile(r"h[1-6]")
        return [n.attrs.get("id", "") for n in html.iter() if heading.fullmatch(n.tag)]

    def entries(path: Path) -> list[str]:  # the glossary's: each language sorts its own way
        heading = re.compile(r"h[13]")
        html = parse_html(path.read_text())
        return sorted(n.attrs.get("id", "") for n in html.iter() if heading.fullmatch(n.tag))

    assert korean(page).is_file(), f"docs/{page} has no Korean twin"
    read = entries if page == "glossary.md" else ids
    english = read(quick_site / folder / "index.html")
    assert read(quick_site / "ko" / folder / "index.html") == english


def test_korean_heading_links_are_titled_in_korean(quick_site):
    page = (quick_site / "ko" / "latent-maps" / "index.html").read_text(encoding="utf-8")
    assert 'class="headerlink"' in page and "Permanent link" not in page
    english = (quick_site / "latent-maps" / "index.html").read_text(encoding="utf-8")
    assert 'title="Permanent link"' in english
