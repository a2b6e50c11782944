"""Check a built site's internal links, anchors and images.

    python benchmarks/linkcheck.py SITE_DIR

Every href/src on every page (and each animation player's sprite sheet) that stays on the
site must name a file that exists, and a #fragment must name an id on the target page.
Links that leave the site are listed, not fetched.
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for attribute in ("href", "src", "data-sheet"):
            if attrs.get(attribute) and not (tag == "link" and attrs.get("rel") == "canonical"):
                self.links.append(attrs[attribute])
        if attrs.get("srcset"):
            self.links += [part.split()[0] for part in attrs["srcset"].split(",")]


def _parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    return parser


def check_links(site: Path) -> tuple[list[str], list[str]]:
    """(broken links as "page -> link: why", external links) over every HTML page."""
    site = site.resolve()
    parsed = {page: _parse(page) for page in site.rglob("*.html")}
    broken, external = [], set()
    for page, links in parsed.items():
        base = "/" + page.relative_to(site).as_posix()
        for link in links.links:
            url = urlparse(link)
            if url.scheme in ("mailto", "data", "javascript"):
                continue
            if url.scheme or url.netloc:
                external.add(link)
                continue
            target_path = urljoin(base, unquote(url.path)) if url.path else base
            target = site / target_path.lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{base} -> {link}: no such file")
                continue
            if url.fragment and target.suffix == ".html":
                ids = parsed.get(target, _Links()).ids
                if url.fragment not in ids:
                    broken.append(f"{base} -> {link}: no element with id {url.fragment!r}")
    return sorted(broken), sorted(external)


def main() -> None:
    broken, external = check_links(Path(sys.argv[1]))
    for line in broken:
        print(f"BROKEN  {line}")
    print(f"{len(broken)} broken links; {len(external)} external links not fetched")
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
