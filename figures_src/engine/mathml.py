"""Formulas as MathML, made while the page is built: no script, no CDN, nothing to re-run
after Material's instant navigation. Used by pymdownx.superfences (```math blocks) and
pymdownx.inlinehilite (`#!math x^2` inline); see mkdocs.yml."""

from __future__ import annotations

from latex2mathml.converter import convert


def math_block(source: str, language: str, css_class: str, options, md, **kwargs) -> str:
    """A displayed formula."""
    return f'<div class="mx-math">{convert(source.strip(), display="block")}</div>'


def math_inline(source: str, language: str, css_class: str, md) -> str:
    """A formula inside a sentence."""
    return convert(source.strip())
