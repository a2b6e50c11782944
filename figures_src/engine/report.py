"""What a build tells: one progress line per job, and the report of the last build.

Lines go through the logger ``mkdocs.plugins.figures``, so ``mkdocs build -q`` and ``-v``
(and ProperDocs, which adopts the ``mkdocs`` loggers) apply; the command line sets up its
own handler. ``report.json`` at the cache root records the last build's jobs.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from figures_src.engine import keys
from figures_src.engine.cache import CacheError, Entry
from figures_src.engine.jobs import ConfigError

log = logging.getLogger("mkdocs.plugins.figures")
REPORT = "report.json"


class BuildError(RuntimeError):
    """One or more jobs failed; the message names them."""


# The errors a maintainer can cause and fix: each is shown as its one-line message. (Errors
# inside a job, such as missing data, arrive as that job's line of a BuildError.)
USER_ERRORS = (BuildError, CacheError, ConfigError)


@dataclass
class JobResult:
    """What happened to one job in one build."""

    name: str
    status: str  # built | cached | failed
    seconds: float
    metrics: dict[str, Any] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, str] = field(default_factory=dict)
    media: dict[str, Any] = field(default_factory=dict)  # facts per output; ["ko"]: its Korean
    languages: list[str] = field(default_factory=lambda: ["en"])  # the languages it was drawn in
    error: str | None = None
    user_error: bool = False  # a one-line message for the maintainer, not a traceback


def result_from(name: str, status: str, seconds: float, entry: Entry, root: Path, steps: dict):
    """A job's result from its verified render entry (whose meta holds metrics, params, media)."""
    paths = [path for _, path in sorted(entry.files.items())]
    outputs = [str(p.relative_to(root)) if p.is_relative_to(root) else str(p) for p in paths]
    return JobResult(name, status, round(seconds, 2), outputs=outputs, steps=steps, **entry.meta)


def progress(result: JobResult) -> None:
    """Log a job's progress line."""
    steps = ", ".join(f"{k} {v}" for k, v in result.steps.items())
    detail = f" ({steps})" if steps and result.status == "built" else ""
    log.info(f"figures: {result.name:<24} {result.status:<6} {result.seconds:6.1f} s{detail}")


def report_entry(result: JobResult) -> dict[str, Any]:
    """One job as it appears in ``report --json``."""
    found = asdict(result)
    return {k: v for k, v in found.items() if k != "user_error" and (k, v) != ("error", None)}


def write_report(cache: Any, results: list[JobResult], quick: bool) -> None:
    """Record the build's results as the last build's report."""
    jobs = [report_entry(r) for r in results]
    cache.write_json(REPORT, {"quick": quick, "versions": keys.library_versions(), "jobs": jobs})


def load_report(cache_dir: Path) -> dict[str, Any]:
    """The report of the last build, or a BuildError saying there was none."""
    path = cache_dir / REPORT
    if not path.exists():
        raise BuildError(f"no report at {path}; run `python -m figures_src build` first")
    return json.loads(path.read_text())
