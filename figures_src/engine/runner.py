"""Running a build: one worker task per trained model, and what happens when a job fails.

A build first looks for its stamp (:func:`keys.stamp`): when a complete earlier build of
the same sources, settings and library versions recorded entries that all still verify,
the build is done without importing any chapter code, so without importing torch.
Otherwise every job's keys are computed and the jobs are grouped by the model they use.
A group whose entries are all cached is taken in this process; every other group is one
task for a spawned worker process with one compute thread, which trains the model once
(unless its entry is cached) and then renders each of the group's jobs that needs it.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from figures_src.engine import keys, report
from figures_src.engine.cache import Cache, CorruptEntry, Entry
from figures_src.engine.config import Settings, check_overrides
from figures_src.engine.jobs import Job, all_jobs, select
from figures_src.engine.keys import render_key, train_key
from figures_src.engine.report import BuildError, JobResult, log, progress, result_from

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


@dataclass(frozen=True)
class Render:
    """One job of a task: the job to draw, where its code lives and its render key."""

    name: str
    module: str
    style: dict[str, Any]
    key: str


@dataclass(frozen=True)
class Task:
    """One trained model and the jobs to draw from it, as a worker receives them."""

    model: str  # the job whose train step this is
    module: str
    params: dict[str, Any]
    train_key: str
    renders: tuple[Render, ...]
    retrain: bool = False  # --force


def _worker_init(fashion_mnist_dir: str | None) -> None:
    """One compute thread per worker, set before any numerical library loads: the workers
    share the cores, and results don't depend on how many workers there are."""
    for variable in THREAD_VARIABLES:
        os.environ[variable] = "1"
    if fashion_mnist_dir:
        os.environ["FASHION_MNIST_DIR"] = fashion_mnist_dir


def _read(cache: Cache, job: str, step: str, key: str, notes: list[str]) -> Entry | None:
    """A verified entry or None; a corrupt one is noted, removed and treated as missing."""
    try:
        return cache.read(job, step, key)
    except CorruptEntry as error:
        notes.append(
            f"figures: cache entry of job {job} ({step}) is corrupt and will be rebuilt: {error}"
        )
        cache.discard(job, step, key)
        return None


def _failed(name: str, start: float, steps: dict[str, str], error: Exception) -> JobResult:
    """A failed job: a user's error keeps its one-line message, a bug its traceback."""
    from figures_src.datasets import DataError
    from figures_src.engine.cache import CacheError
    from figures_src.engine.jobs import ConfigError
    from figures_src.engine.media import MediaError

    user = isinstance(error, (DataError, ConfigError, CacheError, MediaError))
    message = str(error) if user else traceback.format_exc()
    seconds = round(time.perf_counter() - start, 2)
    return JobResult(name, "failed", seconds, steps=steps, error=message, user_error=user)


def _train(task: Task, cache: Cache, notes: list[str]) -> tuple[Entry, str | None]:
    """The task's train entry, trained unless cached; and the training time, if it ran."""
    from figures_src.engine.jobs import _REGISTRY

    start = time.perf_counter()
    with cache.lock(task.model):
        found = None if task.retrain else _read(cache, task.model, "train", task.train_key, notes)
        if found is not None:
            return found, None
        arrays, metrics = _REGISTRY[task.model].train(SimpleNamespace(**task.params))
        meta = {"metrics": _plain(metrics), "params": task.params}
        files = {"arrays.npz": _npz_bytes(arrays)}
        entry = cache.write(task.model, "train", task.train_key, files, meta)
    return entry, f"{time.perf_counter() - start:.1f} s"


def _render(task: Task, render: Render, trained: Entry, cache: Cache) -> Entry:
    """Draw one job from the trained arrays and store its encoded outputs."""
    import numpy as np

    from figures_src.engine import media
    from figures_src.engine.jobs import _REGISTRY

    with np.load(trained.files["arrays.npz"], allow_pickle=False) as data:
        run = SimpleNamespace(**{k: data[k] for k in data.files})
    run.metrics, run.params = trained.meta["metrics"], SimpleNamespace(**task.params)
    outputs = _REGISTRY[render.name].render(run, SimpleNamespace(**render.style))
    files, facts = media.encode_outputs(outputs)
    meta = {"metrics": run.metrics, "params": task.params, "media": facts}
    return cache.write(render.name, "render", render.key, files, meta)


def run_task(task: Task, settings: Settings) -> tuple[list[JobResult], list[str]]:
    """Train the task's model (unless cached), then render its jobs; never raises.
    Returns each job's result, and warnings for the parent to log."""
    import importlib

    cache, notes, results, start = Cache(settings.cache_dir), [], [], time.perf_counter()
    try:
        for module in {task.module, *(r.module for r in task.renders)}:
            importlib.import_module(module)
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(1)
        trained, trained_in = _train(task, cache, notes)
    except Exception as error:  # every job of the model fails with it
        return [_failed(r.name, start, {}, error) for r in task.renders], notes
    for i, render in enumerate(task.renders):
        start = start if i == 0 else time.perf_counter()  # the first job counts the training
        steps = {"train": (trained_in if i == 0 else "shared") if trained_in else "cached"}
        try:
            with cache.lock(render.name):
                # A retrained model is always redrawn, even if an old drawing survived.
                found = (
                    None if trained_in else _read(cache, render.name, "render", render.key, notes)
                )
                drawing = time.perf_counter()
                entry = found or _render(task, render, trained, cache)
            steps["render"] = "cached" if found else f"{time.perf_counter() - drawing:.1f} s"
        except Exception as error:
            results.append(_failed(render.name, start, steps, error))
            continue
        seconds = time.perf_counter() - start
        results.append(result_from(render.name, "built", seconds, entry, settings.root, steps))
    return results, notes


def _npz_bytes(arrays: dict[str, Any]) -> bytes:
    import io

    import numpy as np

    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{k: np.asarray(v) for k, v in arrays.items()})
    return buffer.getvalue()


def _plain(metrics: dict[str, Any]) -> dict[str, Any]:
    """Metrics as JSON-friendly Python scalars."""
    return {k: v.item() if hasattr(v, "item") else v for k, v in metrics.items()}


def _plan(chosen: list[Job], settings: Settings, cache: Cache, force: bool):
    """Cached results, the tasks for what is missing, and the entries each job uses."""
    cached: dict[str, JobResult] = {}
    tasks: list[Task] = []
    used: dict[str, list[str]] = {}
    notes: list[str] = []
    groups: dict[str, list[Job]] = {}
    for job in chosen:
        groups.setdefault(job.trained_by, []).append(job)
    for model, members in groups.items():
        start = time.perf_counter()
        params = members[0].resolve(settings.quick, settings.overrides.get(model))
        tkey = train_key(members[0], params, settings)
        rkeys = {j.name: render_key(j, tkey) for j in members}
        used.update({j.name: [j.name, rkeys[j.name], model, tkey] for j in members})
        trained = None if force else _read(cache, model, "train", tkey, notes)
        entries = {j.name: trained and _read(cache, j.name, "render", rkeys[j.name], notes)
                   for j in members}  # fmt: skip
        missing = [j for j in members if not entries[j.name]]
        todo = tuple(Render(j.name, j.chapter, dict(j.style), rkeys[j.name]) for j in missing)
        if todo:
            tasks.append(Task(model, members[0].train.__module__, params, tkey, todo, force))
        seconds = (time.perf_counter() - start) / len(members)
        for name, entry in entries.items():
            if entry:
                cached[name] = result_from(name, "cached", seconds, entry, settings.root, {})
    for note in notes:
        log.warning(note)
    return cached, tasks, used


def build(
    settings: Settings,
    only: str | None = None,
    force: bool = False,
    jobs: int | None = None,
    registry: dict[str, Job] | None = None,
) -> list[JobResult]:
    """Bring every selected job's entries up to date; returns their results in job order.

    Raises BuildError naming each failed job after the other jobs have finished and stored
    their entries: one line for a user's error (missing data, a bad setting), and the
    traceback, logged, for a bug.
    """
    cache = Cache(settings.cache_dir)
    cache.remove_litter()
    stamp = keys.stamp(settings, only, registry)
    found = None if force else cache.read_stamp(stamp)
    if found is not None:
        results = [result_from(n, "cached", 0.0, e, settings.root, {}) for n, e in found]
        for result in results:
            progress(result)
        report.write_report(cache, results, settings.quick, keys.library_versions())
        return results

    registry = all_jobs() if registry is None else registry
    check_overrides(settings, {name: j.trained_by for name, j in registry.items()})
    chosen = select(registry, only)
    results, tasks, used = _plan(chosen, settings, cache, force)
    for result in results.values():
        progress(result)
    if tasks:
        with ProcessPoolExecutor(
            max_workers=max(1, min(jobs or os.cpu_count() or 1, len(tasks))),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_init,
            initargs=(settings.fashion_mnist_dir,),
        ) as pool:
            futures = [pool.submit(run_task, t, settings) for t in _longest_first(tasks, cache)]
            for future in as_completed(futures):
                done, notes = future.result()
                for note in notes:
                    log.warning(note)
                for result in done:
                    results[result.name] = result
                    progress(result)

    ordered = [results[job.name] for job in chosen]
    report.write_report(cache, ordered, settings.quick, keys.library_versions())
    failed = [r for r in ordered if r.status == "failed"]
    if failed:
        raise _failure(failed)
    cache.write_stamp(stamp, settings.quick, only, [used[r.name] for r in ordered])
    return ordered


def _failure(failed: list[JobResult]) -> BuildError:
    """One line per distinct user error; each distinct traceback logged once."""
    by_error: dict[str, list[JobResult]] = {}
    for result in failed:
        by_error.setdefault(result.error or "", []).append(result)
    lines = []
    for error, group in by_error.items():
        names = ", ".join(r.name for r in group)
        jobs = f"figure job{'s' if len(group) > 1 else ''} {names}"
        if group[0].user_error:
            lines.append(f"{jobs}: {error}")
        else:
            log.error(f"figures: {jobs} failed:\n{error}")
            last = error.strip().splitlines()[-1] if error.strip() else ""
            lines.append(f"{jobs} failed: {last} (traceback above)")
    return BuildError("\n".join(lines))


def _longest_first(tasks: list[Task], cache: Cache) -> list[Task]:
    """Start the tasks that took longest last time first, so the pool finishes together;
    with no earlier build, those that draw the most jobs."""
    try:
        seconds = {j["name"]: j["seconds"] for j in report.load_report(cache.root)["jobs"]}
    except (BuildError, OSError, ValueError, KeyError, TypeError):
        seconds = {}
    return sorted(
        tasks, key=lambda t: (-sum(seconds.get(r.name, 0) for r in t.renders), -len(t.renders))
    )
