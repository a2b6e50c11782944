"""Time a cold, a warm and a plain `mkdocs build` in one run and print the ratios.

* cold:  an empty figure cache: every model is trained and every figure drawn;
* warm:  the same cache again, nothing changed: nothing may be retrained;
* plain: MkDocs with the gen-files plugin and the page-filling hook switched off (no figures
  at all), in both languages;
* clone: a copy of the checkout at another path, on the same cache: keys do not depend
  on where the checkout lives, so it must build warm too.

Then each job's seconds, each animation's median frame-drawing time, each GIF's size
and each page's weight (its HTML plus every image, script and style sheet it loads).

    python benchmarks/build.py [--quick] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.weight import page_weights  # noqa: E402


def timed_build(site: Path, config: Path, env: dict[str, str], cwd: Path = ROOT) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(config),
         "-d", str(site)],
        cwd=cwd, env=env, capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"mkdocs build failed:\n{done.stderr[-4000:]}")
    return seconds


def plain_config(tmp: Path) -> Path:
    """mkdocs.yml with the gen-files plugin removed: the pages build, without figures."""
    text = (ROOT / "mkdocs.yml").read_text()
    start = text.index("  - gen-files:")
    end = text.index("\n\n", start)
    text = text[:start] + text[end + 1 :]
    # ... and so is the hook that fills the pages from the figure build.
    text = "".join(line for line in text.splitlines(True) if "hooks/placeholders.py" not in line)
    # Paths in mkdocs.yml are relative to it; this copy lives elsewhere.
    text = text.replace("  - figures_src\n", f"  - {ROOT / 'figures_src'}\n")
    text = text.replace("custom_dir: overrides", f"custom_dir: {ROOT / 'overrides'}")
    text = text.replace("  - overrides/hooks/", f"  - {ROOT / 'overrides' / 'hooks'}/")
    config = tmp / "plain-mkdocs.yml"
    config.write_text(
        text + f"\ndocs_dir: {ROOT / 'docs'}\n"
        "validation:\n  links:\n    not_found: info\n    unrecognized_links: info\n"
    )
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="benchmark quick mode")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = dict(os.environ, FIGURES_CACHE_DIR=str(tmp / "cache"),
                   FIGURES_QUICK="1" if args.quick else "0", NO_MKDOCS_2_WARNING="1")  # fmt: skip
        config = ROOT / "mkdocs.yml"
        cold = timed_build(tmp / "site", config, env)
        report = json.loads((tmp / "cache" / "report.json").read_text())
        warm = timed_build(tmp / "site", config, env)
        warm_report = json.loads((tmp / "cache" / "report.json").read_text())
        plain = timed_build(tmp / "plain-site", plain_config(tmp), env)
        clone = copy_checkout(tmp / "elsewhere" / "clone")
        cloned = timed_build(tmp / "clone-site", clone / "mkdocs.yml", env, cwd=clone)
        clone_report = json.loads((tmp / "cache" / "report.json").read_text())
        print_results(args.quick, cold, warm, plain, report, warm_report, tmp / "site")
        rebuilt = [j["name"] for j in clone_report["jobs"] if j["status"] != "cached"]
        print(f"\nclone at another path, same cache: {cloned:.1f} s, "
              f"rebuilt: {', '.join(rebuilt) or 'nothing'}")  # fmt: skip


def copy_checkout(destination: Path) -> Path:
    """The files git tracks (and untracked ones it does not ignore), copied elsewhere."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)
    return destination


def print_results(quick, cold, warm, plain, report, warm_report, site) -> None:
    mode = "quick" if quick else "full"
    print(f"builds ({mode} settings, {os.cpu_count()} CPUs)")
    print(f"  cold  {cold:7.1f} s   cold/plain {cold / plain:6.1f}x   (target <= 75 s)")
    print(f"  warm  {warm:7.1f} s   warm/plain {warm / plain:6.2f}x   (target <= 1.5x)")
    print(f"  plain {plain:7.1f} s")
    retrained = [j["name"] for j in warm_report["jobs"] if j["status"] != "cached"]
    print(f"  warm build retrained: {', '.join(retrained) or 'nothing'}")
    print("\njobs (cold build)")
    for entry in sorted(report["jobs"], key=lambda j: -j["seconds"]):
        print(f"  {entry['name']:<26} {entry['seconds']:6.1f} s   {entry.get('steps', {})}")
    print("\nanimations")
    for entry in report["jobs"]:
        for output in entry["outputs"]:
            if output.endswith(".gif"):
                name, _, lang = Path(output).stem.partition(".")  # x.gif or x.ko.gif
                facts = entry.get("media", {}).get(name, {})
                facts = facts.get(lang, {}) if lang else facts
                name = f"{name}.{lang}" if lang else name
                size = Path(output if Path(output).is_absolute() else ROOT / output)
                print(f"  {entry['name'] + '/' + name:<36} {facts.get('frames', '?'):>4} frames"
                      f"  {facts.get('frame_ms_median', 0):6.1f} ms/frame median"
                      f"  {size.stat().st_size / 1e6:5.2f} MB")  # fmt: skip
    print("\npage weight (HTML + everything it loads)")
    for page, size in page_weights(site):
        print(f"  {page:<40} {size / 1e6:6.2f} MB")


if __name__ == "__main__":
    main()
