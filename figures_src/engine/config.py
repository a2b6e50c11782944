"""Build settings: the ``[tool.figures]`` table of pyproject.toml and the environment.

``FIGURES_QUICK=1`` turns on quick mode, ``FIGURES_CACHE_DIR`` moves the cache and
``FIGURES_CONFIG`` names another TOML file to read the table from.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from figures_src.engine.jobs import ConfigError

ROOT = Path(__file__).resolve().parents[2]
TOP_KEYS = ("cache_dir", "fashion_mnist_dir", "jobs")


@dataclass(frozen=True)
class Settings:
    """Everything a build reads from outside the chapter code."""

    root: Path
    cache_dir: Path
    quick: bool
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    fashion_mnist_dir: str | None = None
    source: str = "defaults"


def quick_mode() -> bool:
    """Whether ``FIGURES_QUICK`` asks for the small, fast settings."""
    value = os.environ.get("FIGURES_QUICK", "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise ConfigError(f"FIGURES_QUICK={value!r} is not valid; use 1 for quick mode or 0 for off")


def load_settings(path: Path | None = None) -> Settings:
    """The settings from ``path`` (default: pyproject.toml, or ``$FIGURES_CONFIG``)."""
    if path is None:
        path = Path(os.environ.get("FIGURES_CONFIG") or ROOT / "pyproject.toml")
    table: dict[str, Any] = {}
    if path.exists():
        try:
            table = tomllib.loads(path.read_text()).get("tool", {}).get("figures", {})
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: not valid TOML ({error}); fix the file") from None
    for key in table:
        if key not in TOP_KEYS:
            raise ConfigError(
                f"{path}: unknown key [tool.figures] {key!r}; allowed keys: {', '.join(TOP_KEYS)}"
            )
    jobs = table.get("jobs", {})
    if not isinstance(jobs, dict) or not all(isinstance(v, dict) for v in jobs.values()):
        raise ConfigError(f'{path}: [tool.figures.jobs] must hold tables like ["circles.hidden"]')
    cache_dir = os.environ.get("FIGURES_CACHE_DIR") or table.get("cache_dir", ".cache/figures")
    fashion_dir = os.environ.get("FASHION_MNIST_DIR") or table.get("fashion_mnist_dir")
    return Settings(
        root=ROOT,
        cache_dir=(ROOT / cache_dir).resolve(),
        quick=quick_mode(),
        overrides=jobs,
        fashion_mnist_dir=fashion_dir,
        source=str(path),
    )


def check_overrides(settings: Settings, trainers: dict[str, str]) -> None:
    """Fail with one line if an override names a job that does not exist, or one that
    uses another job's training (``trainers``: job name -> the job that trains it)."""
    for name in settings.overrides:
        if name not in trainers:
            raise ConfigError(
                f"{settings.source}: [tool.figures.jobs] names unknown job {name!r}; "
                f"the jobs are: {', '.join(sorted(trainers))}"
            )
        if trainers[name] != name:
            raise ConfigError(
                f"{settings.source}: job {name!r} uses the model trained by {trainers[name]!r}; "
                f'set its parameters under [tool.figures.jobs."{trainers[name]}"]'
            )
