"""Screenshots of every page of a built site, in the light and the dark palette.

    python benchmarks/screenshots.py SITE_DIR OUT_DIR [--width 1280]

Serves SITE_DIR on 127.0.0.1 and drives Debian's Chromium through Playwright.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]  # fmt: skip


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def serve(site: Path, port: int = 0, handler_class: type = _QuietHandler) -> Iterator[str]:
    """Serve a directory on 127.0.0.1 (``port``, or a free one); yields the base URL."""
    handler = functools.partial(handler_class, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium browser (Playwright, Debian's binary)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def pages(site: Path) -> list[str]:
    """Every content page's URL path, relative to the site root."""
    found = []
    for page in sorted(site.rglob("index.html")):
        rel = page.parent.relative_to(site).as_posix()
        if rel.startswith(("assets", "search")):
            continue
        found.append("" if rel == "." else rel + "/")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with serve(args.site) as base, chromium() as browser:
        for scheme in ("light", "dark"):
            context = browser.new_context(
                viewport={"width": args.width, "height": 900}, color_scheme=scheme
            )
            page = context.new_page()
            for path in pages(args.site):
                page.goto(base + path, wait_until="networkidle")
                # A full-page shot never scrolls, so lazy images would stay blank, and the
                # players load their frames only when they come near the screen: scroll.
                page.evaluate("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
                page.evaluate(
                    "async () => { for (let y = 0; y < document.body.scrollHeight; "
                    "y += innerHeight / 2) { scrollTo(0, y); "
                    "await new Promise(r => setTimeout(r, 60)); } scrollTo(0, 0); }"
                )
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(400)
                name = (path.strip("/") or "home").replace("/", "_")
                page.screenshot(path=str(args.out / f"{name}-{scheme}.png"), full_page=True)
                print(args.out / f"{name}-{scheme}.png")
            context.close()


if __name__ == "__main__":
    main()
