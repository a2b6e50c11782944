"""Formulas typeset while the site builds, by the KaTeX copy the site serves (docs/assets/katex).

pymdownx.arithmatex (generic mode) leaves each formula's TeX in an element of class
"arithmatex", as \\( … \\) inline or \\[ … \\] displayed. This MkDocs hook runs the vendored
katex.min.js once per page under Node.js, offline, and puts KaTeX's HTML (with its MathML, for
screen readers) in place of the TeX: the reader's browser has no typesetting to do, and pages
read well without JavaScript. A formula KaTeX cannot parse stops the build, naming the page.

Without Node.js (``node`` not on PATH), or with ``MATH_PRERENDER=0``, the TeX stays as it is and
assets/math.js typesets it in the browser, as before. Either way the page links KaTeX's style
sheet in its head, so the formulas are laid out once.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url

log = logging.getLogger("mkdocs.hooks.math")

KATEX_DIR = "assets/katex"
PRELOAD_FONTS = ("KaTeX_Main-Regular.woff2", "KaTeX_Math-Italic.woff2")
FORMULA = re.compile(r'<(?P<tag>span|div) class="arithmatex">(?P<tex>.*?)</(?P=tag)>', re.DOTALL)
RENDER = r"""
const katex = require(process.argv[1]);
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const out = JSON.parse(input).map(([tex, display]) => {
    try {
      return { html: katex.renderToString(tex, { displayMode: display, throwOnError: true }) };
    } catch (err) {
      return { error: err.message };
    }
  });
  process.stdout.write(JSON.stringify(out));
});
"""

_node: str | None = None
_katex: Path | None = None


def on_config(config, **kwargs):
    global _node, _katex
    _katex = Path(config["docs_dir"]) / KATEX_DIR / "katex.min.js"
    wanted = os.environ.get("MATH_PRERENDER", "1") != "0"
    _node = shutil.which("node") if wanted else None
    if wanted and _node is None:
        log.info("math: no Node.js on PATH; formulas will be typeset in the browser")
    return config


def _split(tex: str) -> tuple[str, bool]:
    tex = html.unescape(tex).strip()
    if tex.startswith("\\[") and tex.endswith("\\]"):
        return tex[2:-2], True
    if tex.startswith("\\(") and tex.endswith("\\)"):
        return tex[2:-2], False
    raise ValueError(f"not an arithmatex formula: {tex[:40]!r}")


def on_page_content(content, page, config, files, **kwargs):
    found = list(FORMULA.finditer(content))
    if not found or _node is None:
        return content
    formulas = [_split(m["tex"]) for m in found]
    done = subprocess.run(
        [_node, "-e", RENDER, str(_katex)],
        input=json.dumps(formulas),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    rendered = json.loads(done.stdout)
    for (tex, _), result in zip(formulas, rendered, strict=True):
        if "error" in result:
            where = page.file.src_uri
            raise PluginError(f"{where}: KaTeX cannot typeset {tex!r}: {result['error']}")
    pieces, last = [], 0
    for match, result in zip(found, rendered, strict=True):
        pieces.append(content[last : match.start()])
        tag = match["tag"]
        # A displayed formula scrolls sideways on a narrow screen: the keyboard can scroll it.
        focus = ' tabindex="0"' if tag == "div" else ""
        pieces.append(f'<{tag} class="arithmatex" data-typeset="1"{focus}>{result["html"]}</{tag}>')
        last = match.end()
    pieces.append(content[last:])
    return "".join(pieces)


def on_post_page(output, page, config, **kwargs):
    if 'class="arithmatex"' not in output:
        return output
    href = get_relative_url(f"{KATEX_DIR}/katex.min.css", page.url)
    links = [f'<link rel="stylesheet" href="{href}" data-katex>']
    # KaTeX's faces are font-display: block; fetch the two every formula uses with the page.
    for face in PRELOAD_FONTS:
        font = get_relative_url(f"{KATEX_DIR}/fonts/{face}", page.url)
        links.append(f'<link rel="preload" href="{font}" as="font" type="font/woff2" crossorigin>')
    return output.replace("</head>", "".join(f"  {link}\n" for link in links) + "</head>", 1)
