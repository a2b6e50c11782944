"""Build the figures twice, in two clean clones with empty caches, and compare the outputs.

    python benchmarks/determinism.py [--quick]

Prints each GIF and PNG that differs and each metric that differs; exits non-zero if any do.
Timings (metrics named ``*_seconds``) are left out: they measure the machine, not the result.
The clones are made from the committed HEAD, so commit before running it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_clone(destination: Path, quick: bool) -> dict:
    """Clone HEAD into ``destination``, build every figure there; returns the report."""
    subprocess.run(["git", "clone", "-q", str(ROOT), str(destination)], check=True)
    cache = destination / ".cache" / "figures"
    env = dict(os.environ, FIGURES_QUICK="1" if quick else "0", FIGURES_CACHE_DIR=str(cache))
    env.pop("FIGURES_CONFIG", None)
    subprocess.run([sys.executable, "-m", "figures_src", "build"], cwd=destination, env=env,
                   check=True, capture_output=True)  # fmt: skip
    return json.loads((cache / "report.json").read_text())


def fingerprints(report: dict, clone: Path) -> dict[str, str]:
    """job/file -> sha256 of every GIF and PNG the build made."""
    prints = {}
    for job in report["jobs"]:
        for output in job["outputs"]:
            path = Path(output) if Path(output).is_absolute() else clone / output
            if path.suffix in (".gif", ".png"):
                prints[f"{job['name']}/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return prints


def results_only(metrics: dict) -> dict:
    """The metrics without timings (names ending in ``_seconds``), which measure the machine
    rather than the result and so differ between any two runs."""
    return {k: v for k, v in metrics.items() if not k.endswith("_seconds")}


def compare(quick: bool) -> list[str]:
    """The differences between two clean builds (empty when they are identical)."""
    with tempfile.TemporaryDirectory(prefix="determinism-") as tmp:
        a, b = Path(tmp) / "a", Path(tmp) / "b"
        report_a, report_b = build_clone(a, quick), build_clone(b, quick)
        files_a, files_b = fingerprints(report_a, a), fingerprints(report_b, b)
    differences = [f"file {name}" for name in sorted(files_a.keys() | files_b.keys())
                   if files_a.get(name) != files_b.get(name)]  # fmt: skip
    metrics_a = {j["name"]: results_only(j["metrics"]) for j in report_a["jobs"]}
    metrics_b = {j["name"]: results_only(j["metrics"]) for j in report_b["jobs"]}
    for name in sorted(metrics_a.keys() | metrics_b.keys()):
        if metrics_a.get(name) != metrics_b.get(name):
            differences.append(f"metrics of {name}")
    if not files_a:
        differences.append("no files were built")
    return differences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    differences = compare(parser.parse_args().quick)
    for line in differences:
        print(f"DIFFERS  {line}")
    print("identical" if not differences else f"{len(differences)} differences")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
