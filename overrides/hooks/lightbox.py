"""The lightbox's script loads after the page's text, not before it.

mkdocs-glightbox puts ``<script src=".../glightbox.min.js">`` in the page's head, where it
blocks the first paint (56 kB to fetch and run before any text shows on a slow phone). Its
set-up script sits at the end of the body, so this MkDocs hook moves the library to just
before it: the lightbox works as before, and the text paints without waiting for it.
"""

from __future__ import annotations

import re

LIBRARY = re.compile(r'[ \t]*<script src="[^"]*glightbox\.min\.js"></script>\n?')
SETUP = '<script id="init-glightbox">'


def on_post_page(output, page, config, **kwargs):
    head_end = output.find("</head>")
    found = LIBRARY.search(output, 0, head_end)
    if not found or SETUP not in output:
        return output
    tag = found[0].strip()
    output = output[: found.start()] + output[found.end() :]
    return output.replace(SETUP, tag + SETUP, 1)
