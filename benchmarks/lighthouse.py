"""Lighthouse on every page of a built site: the four scores, LCP, TBT and CLS, median of N runs.

    python benchmarks/lighthouse.py SITE_DIR [--runs 3] [--preset mobile|desktop|both]
                                    [--lighthouse PATH/cli/index.js] [--only PAGE]

The site is served on 127.0.0.1 with gzip, as GitHub Pages serves it (plain http.server does
not compress, which costs about 15 performance points on the mobile preset). Lighthouse is the
npm package: `npm install --prefix /tmp/lh lighthouse` and pass
`--lighthouse /tmp/lh/node_modules/lighthouse/cli/index.js` (or set LIGHTHOUSE). It drives
Debian's Chromium (CHROME_PATH, default /usr/bin/chromium) with its default settings: the
mobile preset throttles the CPU 4x and simulates a slow 4G network.

Scores vary from run to run, more so on a busy machine: run it on a quiet one.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.screenshots import pages, serve  # noqa: E402

COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
AUDITS = {
    "LCP s": ("largest-contentful-paint", 1000),
    "TBT ms": ("total-blocking-time", 1),
    "CLS": ("cumulative-layout-shift", None),
}


class GzipHandler(SimpleHTTPRequestHandler):
    """Static files, gzip-compressed when they are text and the client accepts it."""

    def log_message(self, *args) -> None:
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the redirect to the URL ending in a slash
            path = path / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.suffix in COMPRESSIBLE and path.is_file()):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def serve_gzip(site: Path):
    """Serve a directory on 127.0.0.1 with gzip, as GitHub Pages does; yields the base URL."""
    return serve(site, handler_class=GzipHandler)


def lighthouse_once(cli: str, url: str, preset: str) -> dict:
    """One Lighthouse run; returns the scores (0-100) and the three metrics."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        command = [
            "node", cli, url, "--quiet", "--output=json", f"--output-path={out}",
            "--chrome-flags=--headless=new --no-sandbox",
            f"--only-categories={','.join(CATEGORIES)}",
        ]  # fmt: skip
        if preset == "desktop":
            command.append("--preset=desktop")
        env = dict(os.environ, CHROME_PATH=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
        subprocess.run(command, check=True, env=env, capture_output=True, timeout=300)
        report = json.loads(out.read_text())
    row = {c: round(100 * (report["categories"][c]["score"] or 0)) for c in CATEGORIES}
    for name, (audit, scale) in AUDITS.items():
        value = report["audits"][audit]["numericValue"]
        row[name] = value / scale if scale else value
    return row


def median_row(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--preset", choices=("mobile", "desktop", "both"), default="both")
    parser.add_argument(
        "--lighthouse",
        default=os.environ.get("LIGHTHOUSE", "node_modules/lighthouse/cli/index.js"),
        help="path to lighthouse's cli/index.js",
    )
    parser.add_argument("--only", help="one page path, e.g. latent-maps/")
    args = parser.parse_args()
    if not Path(args.lighthouse).is_file():
        sys.exit(f"no Lighthouse at {args.lighthouse}: npm install --prefix DIR lighthouse")
    presets = ("mobile", "desktop") if args.preset == "both" else (args.preset,)
    targets = [args.only] if args.only is not None else pages(args.site)
    header = f"{'page':<28}{'preset':<9}{'perf':>5}{'a11y':>5}{'bp':>5}{'seo':>5}"
    header += f"{'LCP s':>7}{'TBT ms':>8}{'CLS':>7}"
    print(f"median of {args.runs} runs per page")
    print(header)
    with serve_gzip(args.site) as base:
        for path in targets:
            for preset in presets:
                runs = [lighthouse_once(args.lighthouse, base + path, preset)]
                runs += [
                    lighthouse_once(args.lighthouse, base + path, preset)
                    for _ in range(args.runs - 1)
                ]
                row = median_row(runs)
                print(
                    f"{path or '/':<28}{preset:<9}"
                    + "".join(f"{row[c]:>5.0f}" for c in CATEGORIES)
                    + f"{row['LCP s']:>7.2f}{row['TBT ms']:>8.0f}{row['CLS']:>7.3f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
