"""The page's text paints before its scripts run.

Material puts its bundle, and ``extra_javascript`` (the player, the formulas), at the end of
the body as ordinary scripts, and mkdocs-glightbox puts its library in the head: each one holds
up the first paint while it downloads and runs (on a slow phone, seconds). This MkDocs hook
gives them ``defer``: they download in parallel and run, in the same order, once the page is
parsed. glightbox's library moves from the head to just before its set-up script, which now
waits for DOMContentLoaded (after deferred scripts have run) instead of running at once.
"""

from __future__ import annotations

import re

LIGHTBOX = re.compile(r'[ \t]*<script src="[^"]*glightbox\.min\.js"></script>\n?')
SETUP = re.compile(r'<script id="init-glightbox">(?P<code>.*?)</script>', re.DOTALL)
EXTERNAL = re.compile(r"<script src=(\"[^\"]*\")></script>")


def on_post_page(output, page, config, **kwargs):
    body = output.find("<body")
    lightbox = LIGHTBOX.search(output, 0, body)
    setup = SETUP.search(output, body)
    if lightbox and setup:
        tag = lightbox[0].strip()
        code = setup["code"].strip()
        wrapped = (
            f'{tag}<script id="init-glightbox">'
            f'document.addEventListener("DOMContentLoaded", () => {{\n{code}\n}});</script>'
        )
        output = output[: setup.start()] + wrapped + output[setup.end() :]
        output = output[: lightbox.start()] + output[lightbox.end() :]
        body = output.find("<body")
    tail = EXTERNAL.sub(r"<script src=\1 defer></script>", output[body:])
    return output[:body] + tail
