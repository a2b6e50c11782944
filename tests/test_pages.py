"""Page placeholders that need no build: data-file URLs."""

from __future__ import annotations

import pytest

from figures_src.pages import PageError, fill_page

FILES = {"figures/circles.explorable/circles.json": b"{}"}


def fill(text: str, depth: int = 1) -> str:
    return fill_page(text, "docs/x.md", {}, FILES, depth, {})


def test_data_placeholder_becomes_a_page_relative_url():
    assert fill("{{ data circles.explorable/circles.json }}") == (
        "../figures/circles.explorable/circles.json"
    )
    assert fill("{{ data circles.explorable/circles.json }}", depth=0).startswith("figures/")


def test_data_placeholder_naming_a_missing_file_is_one_clear_error():
    with pytest.raises(PageError, match=r"docs/x\.md: .*made no such file; it made: circles\.json"):
        fill("{{ data circles.explorable/weights.bin }}")


def test_a_caption_links_a_page_by_its_url_from_the_figures_page():
    from figures_src.pages import inline_markdown

    html = inline_markdown("a [logistic regression](glossary.md#logistic-regression)", "../")
    assert 'href="../glossary/#logistic-regression"' in html
    assert 'href="../"' in inline_markdown("[home](index.md)", "../")


def test_a_word_metric_is_read_in_the_pages_language():
    results = {"fashion.latent_map": {"metrics": {"largest": "Shirt", "largest_ko": "셔츠"}}}
    text = "{{ fashion.latent_map.largest }}"
    assert fill_page(text, "docs/x.md", results, {}, 1, {}) == "Shirt"
    assert fill_page(text, "docs/x.ko.md", results, {}, 1, {}, lang="ko") == "셔츠"
