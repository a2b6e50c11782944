"""Running jobs: cache lookups, parallel workers, progress lines, failures and the report.

A build first looks for a *stamp*: a record that these exact sources, settings and
library versions were built before. If every entry it names still verifies, the build
is done without importing any chapter code (so without importing torch). Otherwise each
job's train and render keys are computed, cache hits are taken in this process, and the
misses go to spawned worker processes with one thread each.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from figures_src.engine import keys
from figures_src.engine.cache import Cache, CorruptEntry, Entry
from figures_src.engine.config import Settings, check_overrides
from figures_src.engine.jobs import Job, all_jobs, select

PACKAGE_DIR = Path(__file__).resolve().parents[1]
REPORT = "report.json"


class BuildError(RuntimeError):
    """One or more jobs failed; the message names them."""


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
    media: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def warn(message: str) -> None:
    print(f"WARNING -  figures: {message}", file=sys.stderr, flush=True)


def progress(result: JobResult) -> None:
    steps = ", ".join(f"{k} {v}" for k, v in result.steps.items())
    detail = f" ({steps})" if steps and result.status == "built" else ""
    print(
        f"INFO    -  figures: {result.name:<24} {result.status:<6} {result.seconds:6.1f} s{detail}",
        file=sys.stderr,
        flush=True,
    )


def _display_path(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


# --- keys -------------------------------------------------------------------------------------


def train_key(job: Job, params: dict[str, Any], settings: Settings) -> str:
    return keys.digest(
        {
            "format": keys.CACHE_FORMAT,
            "job": job.trained_by,
            "step": "train",
            "source": keys.source_digest(job.train),
            "params": params,
            "quick": settings.quick,
            "versions": keys.library_versions(),
        }
    )


def render_key(job: Job, trained_key: str) -> str:
    media = keys.file_digest([PACKAGE_DIR / "engine" / "media.py"])
    return keys.digest(
        {
            "format": keys.CACHE_FORMAT,
            "train": trained_key,
            "source": keys.source_digest(job.render),
            "style": dict(job.style),
            "media": media,
        }
    )


def _read(cache: Cache, job: str, step: str, key: str) -> Entry | None:
    """A verified entry or None; a corrupt one is reported, removed and treated as missing."""
    try:
        return cache.read(job, step, key)
    except CorruptEntry as error:
        warn(f"cache entry of job {job} ({step}) is corrupt and will be rebuilt: {error}")
        cache.discard(job, step, key)
        return None


def _result_from(
    name: str, status: str, seconds: float, entry: Entry, root: Path, steps: dict
) -> JobResult:
    meta = entry.meta
    outputs = [_display_path(path, root) for fname, path in sorted(entry.files.items())]
    return JobResult(
        name=name,
        status=status,
        seconds=round(seconds, 2),
        metrics=meta.get("metrics", {}),
        outputs=outputs,
        params=meta.get("params", {}),
        steps=steps,
        media=meta.get("media", {}),
    )


# --- one job, in a worker -------------------------------------------------------------------


THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def _worker_init(fashion_mnist_dir: str | None) -> None:
    """One compute thread per worker, set before any numerical library loads: the workers
    share the cores, and results don't depend on how many workers there are."""
    for variable in THREAD_VARIABLES:
        os.environ[variable] = "1"
    if fashion_mnist_dir:
        os.environ["FASHION_MNIST_DIR"] = fashion_mnist_dir


def _find_job(name: str, module: str) -> Job:
    import importlib

    from figures_src.engine.jobs import _REGISTRY

    importlib.import_module(module)
    return _REGISTRY[name]


@dataclass(frozen=True)
class Task:
    """A job as the worker receives it: where to find it and the keys the parent computed."""

    name: str
    module: str
    trained_by: str
    params: dict[str, Any]
    style: dict[str, Any]
    train_key: str
    render_key: str
    force_train: bool = False  # --force, for the job that owns the model


def run_job(task: Task, settings: Settings, force: bool) -> JobResult:
    """Train (unless cached) and render (unless cached) one job; never raises."""
    import numpy as np

    from figures_src.engine import media

    start = time.perf_counter()
    cache = Cache(settings.cache_dir)
    steps: dict[str, str] = {}
    name, params, tkey, rkey = task.name, task.params, task.train_key, task.render_key
    try:
        job = _find_job(name, task.module)
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(1)
        with cache.lock(task.trained_by):
            trained = None if task.force_train else _read(cache, task.trained_by, "train", tkey)
            if trained is None:
                t0 = time.perf_counter()
                arrays, metrics = job.train(SimpleNamespace(**params))
                buffer = _npz_bytes(arrays)
                trained = cache.write(
                    task.trained_by,
                    "train",
                    tkey,
                    {"arrays.npz": buffer},
                    {"metrics": _plain(metrics), "params": params},
                )
                steps["train"] = f"{time.perf_counter() - t0:.1f} s"
            else:
                steps["train"] = "cached"
        with cache.lock(name):
            # A retrained model is always redrawn, even if an old drawing survived.
            retrained = steps["train"] != "cached"
            rendered = None if force or retrained else _read(cache, name, "render", rkey)
            if rendered is None:
                t0 = time.perf_counter()
                with np.load(trained.files["arrays.npz"]) as data:
                    run = SimpleNamespace(**{k: data[k] for k in data.files})
                run.metrics = trained.meta["metrics"]
                run.params = SimpleNamespace(**params)
                outputs = job.render(run, SimpleNamespace(**task.style))
                files, facts = media.encode_outputs(outputs)
                rendered = cache.write(
                    name,
                    "render",
                    rkey,
                    files,
                    {"metrics": trained.meta["metrics"], "params": params, "media": facts},
                )
                steps["render"] = f"{time.perf_counter() - t0:.1f} s"
            else:
                steps["render"] = "cached"
    except Exception:
        return JobResult(
            name=name,
            status="failed",
            seconds=round(time.perf_counter() - start, 2),
            steps=steps,
            error=traceback.format_exc(),
        )
    return _result_from(name, "built", time.perf_counter() - start, rendered, settings.root, steps)


def _npz_bytes(arrays: dict[str, Any]) -> bytes:
    import io

    import numpy as np

    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{k: np.asarray(v) for k, v in arrays.items()})
    return buffer.getvalue()


def _plain(metrics: dict[str, Any]) -> dict[str, Any]:
    """Metrics as JSON-friendly Python scalars."""
    plain = {}
    for key, value in metrics.items():
        if hasattr(value, "item"):
            value = value.item()
        plain[key] = value
    return plain


# --- a whole build -----------------------------------------------------------------------------


def _stamp(settings: Settings, only: str | None, registry: dict[str, Job] | None) -> str:
    sources = sorted(PACKAGE_DIR.rglob("*.py"))
    sources += sorted({Path(sys.modules[j.chapter].__file__) for j in (registry or {}).values()})
    return keys.digest(
        {
            "format": keys.CACHE_FORMAT,
            "sources": keys.file_digest(sources),
            "quick": settings.quick,
            "overrides": settings.overrides,
            "only": only,
            "versions": keys.library_versions(),
            "jobs": {n: [j.params, j.style, j.quick] for n, j in (registry or {}).items()},
        }
    )


def _from_stamp(cache: Cache, stamp: str, root: Path) -> list[JobResult] | None:
    """The results recorded under ``stamp`` if every entry they name still verifies."""
    import json

    path = cache.root / "stamps" / f"{stamp}.json"
    if not path.exists():
        return None
    start = time.perf_counter()
    try:
        recorded = json.loads(path.read_text())
        results = []
        for name, rkey, *_train in recorded["jobs"]:
            entry = cache.read(name, "render", rkey)
            if entry is None:
                return None
            results.append(
                _result_from(name, "cached", time.perf_counter() - start, entry, root, {})
            )
            start = time.perf_counter()
    except (CorruptEntry, ValueError, OSError, KeyError, TypeError):
        return None  # the full path below reports and repairs what is wrong
    return results


def build(
    settings: Settings,
    only: str | None = None,
    force: bool = False,
    jobs: int | None = None,
    registry: dict[str, Job] | None = None,
) -> list[JobResult]:
    """Bring every selected job's entries up to date; returns their results in job order.

    Raises BuildError naming each failed job (with its traceback) after the other jobs
    have finished and stored their entries.
    """
    cache = Cache(settings.cache_dir)
    cache.remove_litter()
    stamp = _stamp(settings, only, registry)
    if not force:
        results = _from_stamp(cache, stamp, settings.root)
        if results is not None:
            for result in results:
                progress(result)
            _write_report(cache, results, settings)
            return results

    registry = all_jobs() if registry is None else registry
    check_overrides(settings, {name: j.trained_by for name, j in registry.items()})
    chosen = select(registry, only)
    results: dict[str, JobResult] = {}
    render_keys: dict[str, str] = {}
    train_keys: dict[str, tuple[str, str]] = {}
    pending: list[Task] = []
    for job in chosen:
        start = time.perf_counter()
        params = job.resolve(settings.quick, settings.overrides.get(job.trained_by))
        tkey = train_key(job, params, settings)
        render_keys[job.name] = rkey = render_key(job, tkey)
        train_keys[job.name] = (job.trained_by, tkey)
        entry = None if force else _read(cache, job.name, "render", rkey)
        if entry is not None and _read(cache, job.trained_by, "train", tkey) is None:
            entry = None  # keep train and render entries together
        if entry is None:
            # Under --force the model is retrained once, by the job that owns it (or by
            # its first user if the owner is not in this build); the others reuse it.
            owner_here = any(j.name == job.trained_by for j in chosen)
            force_train = force and (job.trained_by == job.name or not owner_here)
            task = Task(job.name, job.chapter, job.trained_by, params, dict(job.style), tkey, rkey)
            pending.append(replace(task, force_train=force_train))
        else:
            results[job.name] = _result_from(
                job.name, "cached", time.perf_counter() - start, entry, settings.root, {}
            )
            progress(results[job.name])

    workers = max(1, min(jobs or os.cpu_count() or 1, len(pending) or 1))
    if pending:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_worker_init,
            initargs=(settings.fashion_mnist_dir,),
        ) as pool:
            for result in _run_pending(pool, _longest_first(pending, cache), settings, force):
                results[result.name] = result
                progress(result)

    ordered = [results[job.name] for job in chosen]
    _write_report(cache, ordered, settings)
    failed = [r for r in ordered if r.status == "failed"]
    if failed:
        for result in failed:
            print(f"ERROR   -  figures: job {result.name} failed:\n{result.error}", file=sys.stderr)
        names = ", ".join(r.name for r in failed)
        last = failed[0].error.strip().splitlines()[-1] if failed[0].error else ""
        raise BuildError(f"figure job {names} failed: {last} (traceback above)")
    used = [[r.name, render_keys[r.name], *train_keys[r.name]] for r in ordered]
    cache.write_json(f"stamps/{stamp}.json", {"quick": settings.quick, "only": only, "jobs": used})
    return ordered


def remove_stale(settings: Settings) -> list[Path]:
    """Delete every cache entry that the newest complete build of each mode (full, quick)
    did not use, and the older stamps; returns what was removed."""
    import json
    import shutil

    stamps = sorted((settings.cache_dir / "stamps").glob("*.json"), key=lambda p: p.stat().st_mtime)
    newest: dict[bool, Path] = {}
    for path in stamps:
        try:
            recorded = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(recorded, dict) and recorded.get("only") is None:
            newest[bool(recorded.get("quick"))] = path
    keep: set[Path] = set()
    cache = Cache(settings.cache_dir)
    for path in newest.values():
        for name, rkey, trained_by, tkey in json.loads(path.read_text())["jobs"]:
            keep.add(cache.entry_path(name, "render", rkey))
            keep.add(cache.entry_path(trained_by, "train", tkey))
    removed = []
    for entry in sorted((settings.cache_dir / "entries").glob("*/*-*")):
        if entry not in keep:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    for path in stamps:
        if path not in newest.values():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _run_pending(pool, pending: list[Task], settings: Settings, force: bool):
    """Run the tasks, yielding results as they finish. A task that draws from another
    pending task's model is submitted once that task is done, so it never holds a worker
    while waiting for the training lock."""
    trainers = {t.name for t in pending if t.trained_by == t.name}
    waiting = [t for t in pending if t.trained_by != t.name and t.trained_by in trainers]
    running = {pool.submit(run_job, t, settings, force): t for t in pending if t not in waiting}
    while running:
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            task = running.pop(future)
            for child in [t for t in waiting if t.trained_by == task.name]:
                waiting.remove(child)
                running[pool.submit(run_job, child, settings, force)] = child
            yield future.result()


def _longest_first(pending: list[Task], cache: Cache) -> list[Task]:
    """Start the jobs that took longest last time first, so the pool finishes together."""
    import json

    try:
        last = json.loads((cache.root / REPORT).read_text())
        seconds = {j["name"]: j["seconds"] for j in last["jobs"]}
    except (OSError, ValueError, KeyError, TypeError):
        seconds = {}
    return sorted(pending, key=lambda task: -seconds.get(task.name, 0.0))


def _write_report(cache: Cache, results: list[JobResult], settings: Settings) -> None:
    cache.write_json(
        REPORT,
        {
            "quick": settings.quick,
            "versions": keys.library_versions(),
            "jobs": [report_entry(r) for r in results],
        },
    )


def report_entry(result: JobResult) -> dict[str, Any]:
    """One job as it appears in ``report --json``."""
    entry = asdict(result)
    if entry["error"] is None:
        del entry["error"]
    return entry


def load_report(settings: Settings) -> dict[str, Any]:
    """The report of the last build, or a BuildError saying there was none."""
    import json

    path = settings.cache_dir / REPORT
    if not path.exists():
        raise BuildError(f"no report at {path}; run `python -m figures_src build` first")
    return json.loads(path.read_text())
