"""``python -m figures_src``: build, list, clean and report the figure jobs without MkDocs."""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys

from figures_src.engine.config import load_settings
from figures_src.engine.report import USER_ERRORS


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"--jobs must be a whole number of at least 1, not {text!r}"
        )
    return value


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="python -m figures_src",
        description="Train the models and draw the figures of the manifold explainer.",
        epilog="FIGURES_QUICK=1 builds small, fast variants (their own cache entries).",
    )
    sub = cli.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="train and render every job that is not cached")
    build.add_argument("--only", metavar="PATTERN", help="glob or prefix of job names")
    build.add_argument("--force", action="store_true", help="ignore the cache and rebuild")
    build.add_argument(
        "--jobs", type=_positive, metavar="N", help="worker processes (default: CPUs)"
    )
    sub.add_parser("list", help="list the jobs and their parameters")
    clean = sub.add_parser("clean", help="delete the figure cache")
    clean.add_argument(
        "--stale",
        action="store_true",
        help="delete only what the newest complete full and quick builds did not use",
    )
    report = sub.add_parser("report", help="show the last build's jobs, times and metrics")
    report.add_argument("--json", action="store_true", help='print JSON: {"jobs": [...]}')
    return cli


def _log_to_stderr() -> None:
    """Progress lines and warnings as MkDocs shows them (``INFO    -  figures: ...``)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    logger = logging.getLogger("mkdocs.plugins.figures")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    _log_to_stderr()
    try:
        settings = load_settings()
        if args.command == "build":
            from figures_src.engine.runner import build

            build(settings, only=args.only, force=args.force, jobs=args.jobs)
        elif args.command == "list":
            from figures_src.engine.jobs import all_jobs

            for name, job in sorted(all_jobs().items()):
                params = job.resolve(settings.quick, settings.overrides.get(job.trained_by))
                shown = ", ".join(f"{k}={v}" for k, v in params.items())
                print(f"{name:<24} {shown}")
        elif args.command == "clean":
            from figures_src.engine.cache import Cache

            if args.stale:
                removed = Cache(settings.cache_dir).remove_stale()
                print(f"removed {len(removed)} stale entries and stamps from {settings.cache_dir}")
            else:
                shutil.rmtree(settings.cache_dir, ignore_errors=True)
                print(f"removed {settings.cache_dir}")
        elif args.command == "report":
            from figures_src.engine.report import load_report

            report = load_report(settings.cache_dir)
            if args.json:
                print(json.dumps({"jobs": report["jobs"]}, indent=1))
            else:
                for entry in report["jobs"]:
                    metrics = ", ".join(f"{k}={v}" for k, v in entry["metrics"].items())
                    status = f"{entry['status']:<6} {entry['seconds']:6.1f} s"
                    print(f"{entry['name']:<24} {status}  {metrics}")
    except USER_ERRORS as error:
        for line in str(error).splitlines():  # one line per failed job at most
            print(f"error: {line}", file=sys.stderr)
        return 1
    return 0
