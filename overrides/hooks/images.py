"""Every image of a page has its width and height, so nothing shifts while it loads.

The figure engine writes both for the figures it makes. An image written by hand in a page
(``![alt](assets/x.svg){ width="760" }``) may give one or neither: this MkDocs hook reads the
file's own size (a PNG's header, an SVG's width, height or viewBox) and fills in what is
missing, keeping the aspect ratio when one side is given.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

IMG = re.compile(r"<img\b[^>]*>")
ATTR = re.compile(r'\b(src|width|height)="([^"]*)"')
NUMBER = r"([0-9.]+)(?:px)?"


def intrinsic_size(path: Path) -> tuple[float, float] | None:
    data = path.read_bytes()
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if path.suffix == ".svg":
        head = data[:2000].decode("utf-8", "replace")
        root = re.search(r"<svg\b[^>]*>", head)
        if not root:
            return None
        width = re.search(rf'\swidth="{NUMBER}"', root[0])
        height = re.search(rf'\sheight="{NUMBER}"', root[0])
        if width and height:
            return float(width[1]), float(height[1])
        box = re.search(r'viewBox="[-0-9.]+[ ,]+[-0-9.]+[ ,]+([0-9.]+)[ ,]+([0-9.]+)"', root[0])
        if box:
            return float(box[1]), float(box[2])
    return None


def on_page_content(content, page, config, files, **kwargs):
    docs = Path(config["docs_dir"])

    def sized(match: re.Match) -> str:
        tag = match[0]
        attrs = dict(ATTR.findall(tag))
        if "width" in attrs and "height" in attrs or "src" not in attrs:
            return tag
        src = urlparse(html.unescape(attrs["src"]))
        if src.scheme or src.netloc:
            return tag
        target = urljoin(page.url, unquote(src.path))  # links are relative to the URL by now
        # By its path in docs/, or by its URL: a Korean page's assets/x.svg is x.ko.svg.
        file = files.get_file_from_path(target) or next((f for f in files if f.url == target), None)
        path = Path(file.abs_src_path) if file and file.abs_src_path else docs / target
        size = intrinsic_size(path) if path.is_file() else None
        if not size:
            return tag
        w, h = size
        if "width" in attrs:
            extra = f' height="{round(float(attrs["width"]) * h / w)}"'
        elif "height" in attrs:
            extra = f' width="{round(float(attrs["height"]) * w / h)}"'
        else:
            extra = f' width="{round(w)}" height="{round(h)}"'
        return tag[:-1].rstrip("/ ") + extra + ">"

    return IMG.sub(sized, content)
