"""Page weight: the bytes a reader's browser fetches for each page of a built site, if the reader
scrolls through all of it (players fetch their sprite sheets only as they come near the screen;
tests/test_browser.py holds what a phone fetches before scrolling to 1 MB)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse


class _Assets(HTMLParser):
    """Collects what a page loads: images, scripts, style sheets, and the player's files."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._noscript = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "noscript":
            self._noscript += 1
        elif tag == "img" and attrs.get("src") and not self._noscript:
            self.urls.append(attrs["src"])
        elif tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "link" and attrs.get("rel") == "stylesheet":
            self.urls.append(attrs["href"])
        elif "data-sheet" in attrs:  # the animation player's sprite sheet
            self.urls.append(attrs["data-sheet"])

    def handle_endtag(self, tag):
        if tag == "noscript":
            self._noscript -= 1


def _font_files(stylesheet: Path) -> list[Path]:
    """The WOFF2 fonts a local style sheet can load (KaTeX's). Browsers fetch only the faces a
    page uses, so counting them all is an upper bound."""
    text = stylesheet.read_text(encoding="utf-8", errors="replace")
    return [stylesheet.parent / url for url in re.findall(r"url\(([^)]+\.woff2)\)", text)]


def page_weights(site: Path) -> list[tuple[str, int]]:
    """(page path, bytes) for every HTML page of the site, largest first: the page, what it
    loads, and every font its style sheets can load."""
    weights = []
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site).as_posix()
        if rel.startswith(("assets/", "search/")) or rel == "404.html":
            continue
        parser = _Assets()
        html = page.read_text(encoding="utf-8")
        parser.feed(html)
        if 'class="arithmatex"' in html:  # formulas: KaTeX's style sheet (in the head)
            parser.urls.append("/assets/katex/katex.min.css")
        if re.search(r'class="arithmatex"(?! data-typeset)', html):
            # the build had no Node.js: assets/math.js loads KaTeX to typeset them
            parser.urls.append("/assets/katex/katex.min.js")
        total, seen = page.stat().st_size, set()
        for url in parser.urls:
            parsed = urlparse(url)
            if parsed.scheme or parsed.netloc:
                continue
            target = urljoin("/" + rel, unquote(parsed.path))
            path = site / target.lstrip("/")
            files = [path]
            if path.suffix == ".css" and path.is_file():
                files += _font_files(path)
            for file in files:
                if file.is_file() and file not in seen:
                    seen.add(file)
                    total += file.stat().st_size
        weights.append((re.sub(r"index\.html$", "", rel) or "/", total))
    return sorted(weights, key=lambda w: -w[1])
