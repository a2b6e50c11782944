"""The registry of figure jobs, and how a job's parameters are resolved.

A job is a *train* step that returns arrays and metrics, and a *render* step that
turns them into animations and still figures. Chapter modules declare jobs with
:func:`job`; the engine decides when each step runs.
"""

from __future__ import annotations

import fnmatch
import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

CHAPTERS_PACKAGE = "figures_src.chapters"


class ConfigError(ValueError):
    """A parameter, a configuration key or a job pattern is not valid."""


@dataclass(frozen=True)
class Job:
    """One figure: ``train(params) -> (arrays, metrics)``, ``render(run, style) -> outputs``."""

    name: str
    train: Callable[[SimpleNamespace], tuple[dict[str, Any], dict[str, Any]]]
    render: Callable[[SimpleNamespace, SimpleNamespace], dict[str, Any]]
    params: Mapping[str, Any] = field(default_factory=dict)
    style: Mapping[str, Any] = field(default_factory=dict)
    quick: Mapping[str, Any] = field(default_factory=dict)
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    bounds: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    chapter: str = ""
    trained_by: str = ""  # the job whose train step (and cache entry) this one uses

    def resolve(self, quick: bool, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The train parameters in effect: defaults, then quick mode, then overrides."""
        resolved = dict(self.params)
        if quick:
            resolved.update(self.quick)
        for key, value in (overrides or {}).items():
            resolved[key] = check_param(self, key, value)
        return resolved


_REGISTRY: dict[str, Job] = {}


def job(name: str, *, train: Callable | str, render: Callable, **options: Mapping) -> Job:
    """Register a figure job under a dotted name such as ``circles.hidden``; returns it.
    ``options`` are the job's ``params``, ``style``, ``quick`` parameters, the ``choices`` of
    its text parameters and the ``bounds`` of its numeric ones: every numeric parameter gets
    its allowed range, ``(low, high)`` inclusive, None for no limit, as in
    ``bounds=dict(epochs=(1, 2000), seed=(0, None))``.

    ``train`` may name an earlier job instead of giving a function: the new job then draws
    from that job's trained model (same parameters, same cache entry) without retraining,
    and takes only a ``style``.
    """
    if isinstance(train, str):
        if train not in _REGISTRY:
            raise ConfigError(f"job {name!r} shares training with unknown job {train!r}")
        style = dict(options.pop("style", {}))
        if options:
            raise ConfigError(f"job {name!r} shares {train!r}'s training: give it style= only")
        new = replace(_REGISTRY[train], name=name, render=render, style=style,
                      chapter=render.__module__)  # fmt: skip
    else:
        fields = {key: dict(value) for key, value in options.items()}  # the job's own copies
        new = Job(name, train, render, **fields, chapter=train.__module__, trained_by=name)
        _check_bounds(new)
        for key, value in new.quick.items():
            check_param(new, key, value)
    old = _REGISTRY.get(name)
    if old is not None and old.chapter != new.chapter:
        raise ConfigError(f"job {name!r} is declared twice: in {old.chapter} and {new.chapter}")
    _REGISTRY[name] = new
    return new


def check_param(owner: Job, key: str, value: Any) -> Any:
    """Returns ``value`` if it is a valid value for ``owner``'s parameter ``key``."""
    where = f"job {owner.name!r}"
    if key not in owner.params:
        allowed = ", ".join(sorted(owner.params))
        raise ConfigError(f"{where}: unknown key {key!r}; allowed keys: {allowed}")
    default = owner.params[key]
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {key} must be true or false, not {value!r}")
    elif _numeric(default):
        if not _numeric(value):
            raise ConfigError(f"{where}: {key} must be a number, not {value!r}")
        if isinstance(default, int) and not isinstance(value, int):
            raise ConfigError(f"{where}: {key} must be a whole number, not {value!r}")
        low, high = owner.bounds[key]
        if (low is not None and value < low) or (high is not None and value > high):
            raise ConfigError(
                f"{where}: {key} = {value!r} is out of range; {_range(key, low, high)}"
            )
    elif isinstance(default, str):
        allowed = owner.choices.get(key)
        if not isinstance(value, str) or (allowed and value not in allowed):
            raise ConfigError(
                f"{where}: {key} = {value!r} is not one of: {', '.join(allowed or ('a string',))}"
            )
    return value


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _range(key: str, low: float | None, high: float | None) -> str:
    if high is None:
        return f"allowed: {key} >= {low}"
    return f"allowed: {key} <= {high}" if low is None else f"allowed: {low} <= {key} <= {high}"


def _check_bounds(new: Job) -> None:
    """Every numeric parameter has bounds that hold its default; no bounds for anything else."""
    where = f"job {new.name!r} ({new.chapter})"
    for key, default in new.params.items():
        if _numeric(default) and key not in new.bounds:
            raise ConfigError(
                f"{where}: numeric parameter {key!r} has no bounds; add {key}=(LOW, HIGH) to "
                "the bounds=dict(...) of its job(...) call (inclusive; None for no limit)"
            )
    for key, pair in new.bounds.items():
        ok = isinstance(pair, tuple) and len(pair) == 2
        if key not in new.params or not _numeric(new.params[key]) or not ok:
            raise ConfigError(f"{where}: bounds[{key!r}] must be a (LOW, HIGH) pair for a "
                              "numeric parameter")  # fmt: skip
        check_param(new, key, new.params[key])


def all_jobs() -> dict[str, Job]:
    """Every registered job by name, importing the chapter modules (figures_src/chapters/)."""
    package = importlib.import_module(CHAPTERS_PACKAGE)
    for module in sorted(m.name for m in pkgutil.iter_modules(package.__path__)):
        if not module.startswith("_"):
            importlib.import_module(f"{CHAPTERS_PACKAGE}.{module}")
    return dict(_REGISTRY)


def select(jobs: Mapping[str, Job], pattern: str | None) -> list[Job]:
    """The jobs named by a glob ``pattern`` or a name prefix such as ``circles``."""
    if pattern is None:
        return list(jobs.values())
    prefix = pattern + "."  # "circles" names every job of the circles chapter
    chosen = [j for n, j in jobs.items() if fnmatch.fnmatchcase(n, pattern) or n.startswith(prefix)]
    if not chosen:
        names = ", ".join(sorted(jobs))
        raise ConfigError(f"--only {pattern!r} matches no job; the jobs are: {names}")
    return chosen
