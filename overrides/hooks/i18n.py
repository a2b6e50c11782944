"""The Korean edition's search index, 404 page and heading-link tooltips (mkdocs-static-i18n
builds one site per language, each with the same theme files; this hook sorts out what they
share).

Search: the plugin leaves one index of both languages at search/search_index.json. After the
last language is built, this hook splits it: the English pages' index stays there, the
Korean pages' goes to ko/search/search_index.json, with addresses from ko/ and its own
settings (SEARCH below), so a reader searches the pages of their own language only. A
Korean page's theme settings point the search there (overrides/main.html, block config).

404: each language's build writes 404.html at the site's root, the last one winning. This
hook keeps each language's: the English one (which also offers the Korean home) at the root,
which is the page GitHub Pages serves for any missing address, and the Korean one at ko/.
"""

from __future__ import annotations

import json
from pathlib import Path

from mkdocs.plugins import event_priority

# lunr's settings per language. The separator splits text and queries into words: spaces
# and hyphens, as Material has it; for Korean also the brackets and punctuation that sit
# against a word ("매니폴드(manifold)" gives "매니폴드" and "manifold"), the particles and
# copulas at the end of a Hangul word ("매니폴드는", "매니폴드에서", "곡면입니다" give
# "매니폴드" and "곡면"), and, after two syllables, the verb endings of 하다/되다
# ("보간하면", "변환된" give "보간", "변환"). The ending is part of the separator, so it is
# dropped, not kept as a word of its own: lunr's Korean stop words lack 은, 는, 도, 처럼 and
# most of these endings, and a query "오토인코더는" would otherwise also search for "는",
# which every page has (and the results would mark every 는). lunr has no Korean stemmer,
# so without these splits "매니폴드" would not find "매니폴드는". A word that merely ends in
# one of these syllables is cut too ("회귀로" and "도로" alike); search still finds it, among
# more results. Other endings ("보간했더니" works, "매니폴드인" does not) stay attached.
ENDINGS = (
    "입니다|이라는|이라고|에서|에게|으로|까지|부터|처럼|보다|마다|이나|이다|라는|와의|과의|"
    "[은는이가을를의에와과도로만]"
)
VERBS = "[하한할함했해되된될됩]"
SEARCH = {
    "en": {"lang": ["en"], "separator": r"[\s\-]+"},
    "ko": {
        "lang": ["ko", "en"],
        "separator": (
            r"[\s\-()\[\],.:;!?·'\"“”‘’]+"
            rf"|(?<=[가-힣A-Za-z0-9])(?:{ENDINGS})(?![가-힣])"
            rf"|(?<=[가-힣]{{2}}){VERBS}[가-힣]*(?![가-힣])"
        ),
    },
}

_not_found: dict[str, str] = {}  # each language's 404 page, as its build rendered it


# The heading links' tooltip, which the toc extension writes once for both languages.
PERMALINK = {"ko": 'title="이 절로 가는 링크"'}


def on_post_page(output, page, config, **kwargs):
    words = PERMALINK.get(config.theme["language"])
    return output.replace('title="Permanent link"', words) if words else output


def on_post_template(output_content, template_name, config, **kwargs):
    if template_name == "404.html":
        _not_found[config.theme["language"]] = output_content
    return output_content


@event_priority(-200)  # after mkdocs-static-i18n (-100) has built every language
def on_post_build(config, **kwargs):
    i18n = config.plugins.get("i18n")
    if i18n is None or i18n.building:  # the plugin is in its loop over the other languages
        return
    site = Path(config.site_dir)
    default = i18n.default_language
    for lang, page in _not_found.items():
        path = site / "404.html" if lang == default else site / lang / "404.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
    _not_found.clear()
    split_search_index(site, default, [lang for lang in i18n.build_languages if lang != default])


def split_search_index(site: Path, default: str, others: list[str]) -> None:
    """search/search_index.json (every language's pages) becomes one index per language."""
    path = site / "search" / "search_index.json"
    index = json.loads(path.read_text(encoding="utf-8"))
    docs: dict[str, list[dict]] = {lang: [] for lang in [default, *others]}
    for doc in index["docs"]:
        lang = next((x for x in others if doc["location"].startswith(f"{x}/")), default)
        if lang != default:
            doc = dict(doc, location=doc["location"][len(lang) + 1 :])
        docs[lang].append(doc)
    for lang, entries in docs.items():
        out = path if lang == default else site / lang / "search" / "search_index.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        data = {"config": {**index["config"], **SEARCH[lang]}, "docs": entries}
        out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
