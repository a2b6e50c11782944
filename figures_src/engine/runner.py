"""Running a build: one worker task per trained model, and what happens when a job fails.

When a complete earlier build with the same stamp (:func:`keys.stamp`) left entries that all
still verify, a build imports no chapter code, so no torch. Otherwise the jobs are grouped
by the model they use; each group with a missing entry is one task for a spawned worker with
one compute thread, which trains the model once (unless cached) and draws the jobs that need it.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from figures_src.engine import keys, report
from figures_src.engine.cache import Cache, CacheError, CorruptEntry, Entry
from figures_src.engine.config import Settings, check_overrides
from figures_src.engine.jobs import ConfigError, Job, all_jobs, select
from figures_src.engine.keys import render_key, train_key
from figures_src.engine.report import BuildError, JobResult, log, progress, result_from
from figures_src.languages import LANGUAGES, localized


@dataclass(frozen=True)
class Task:
    """One trained model and the jobs to draw from it, each with its render key. A worker
    receives the jobs pickled, so it imports their chapter modules as it unpickles them."""

    model: Job  # a job that uses the model: its train step and its trained_by name
    params: dict[str, Any]
    train_key: str
    renders: tuple[tuple[Job, str], ...]
    retrain: bool = False  # --force


def _worker_init(fashion_mnist_dir: str | None, warm: bool) -> None:
    """One compute thread per worker, set before any numerical library loads: the workers
    share the cores, and results don't depend on how many workers there are. A warm worker
    imports the chapters (and torch) at once, while the parent is still planning."""
    os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    if fashion_mnist_dir:
        os.environ["FASHION_MNIST_DIR"] = fashion_mnist_dir
    if warm:
        all_jobs()


def _pool(settings: Settings, workers: int, warm: bool) -> ProcessPoolExecutor:
    """The worker pool; a warm one starts its workers now (a worker starts per task sent)."""
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_init,
        initargs=(settings.fashion_mnist_dir, warm),
    )
    for _ in range(workers if warm else 0):
        pool.submit(int)
    return pool


def _read(cache: Cache, job: str, step: str, key: str, warn: Callable) -> Entry | None:
    """A verified entry or None; a corrupt one is reported, removed and treated as missing."""
    try:
        return cache.read(job, step, key)
    except CorruptEntry as error:
        warn(f"figures: cache entry of job {job} ({step}) is corrupt and will be rebuilt: {error}")
        cache.discard(job, step, key)
        return None


def _failed(name: str, start: float, steps: dict[str, str], error: Exception) -> JobResult:
    """A failed job: a user's error keeps its one-line message, a bug its traceback."""
    from figures_src.datasets import DataError
    from figures_src.engine.media import MediaError

    user = isinstance(error, (DataError, ConfigError, CacheError, MediaError))
    message = str(error) if user else traceback.format_exc()
    seconds = round(time.perf_counter() - start, 2)
    return JobResult(name, "failed", seconds, steps=steps, error=message, user_error=user)


def _train(task: Task, cache: Cache, warn: Callable) -> tuple[Entry, str | None]:
    """The task's train entry, trained unless cached; and the training time, if it ran."""
    import numpy as np

    start, model = time.perf_counter(), task.model.trained_by
    with cache.lock(model):
        found = None if task.retrain else _read(cache, model, "train", task.train_key, warn)
        if found is not None:
            return found, None
        arrays, metrics = task.model.train(SimpleNamespace(**task.params))
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **{k: np.asarray(v) for k, v in arrays.items()})
        scalars = {k: v.item() if hasattr(v, "item") else v for k, v in metrics.items()}
        meta = {"metrics": scalars, "params": task.params}  # plain Python scalars: JSON
        entry = cache.write(model, "train", task.train_key, {"arrays.npz": buffer.getvalue()}, meta)
    return entry, f"{time.perf_counter() - start:.1f} s"


def _render(task: Task, job: Job, key: str, trained: Entry, cache: Cache) -> Entry:
    """Draw one job from a fresh copy of the trained arrays, in English and then, if the
    figures have words, in every other language (see figures_src.languages); store the
    encoded outputs of all of them, and the metrics (the render step may add to
    ``run.metrics`` what it measured in what it made), in one entry."""
    import numpy as np

    from figures_src.drawing import drew_words
    from figures_src.engine import media
    from figures_src.plotting import HANGUL_FONT_MISSING

    files, facts, metrics, languages, palettes = {}, {}, {}, [], {}
    for lang in LANGUAGES:
        with np.load(trained.files["arrays.npz"], allow_pickle=False) as data:
            run = SimpleNamespace(**{k: data[k] for k in data.files})
        run.metrics, run.params = dict(trained.meta["metrics"]), SimpleNamespace(**task.params)
        style = SimpleNamespace(**job.style, lang=lang)
        drew_words(reset=True)
        try:  # a still figure's text is drawn as it is encoded
            drawn, found = media.encode_outputs(job.render(run, style), palettes)
        except UserWarning as warning:  # figures_src.plotting makes a missing glyph an error
            if "missing from font" not in str(warning):
                raise
            raise media.MediaError(HANGUL_FONT_MISSING if lang == "ko" else str(warning)) from None
        files.update({localized(name, lang): data for name, data in drawn.items()})
        if languages:
            for output, facts_in_lang in found.items():
                facts[output][lang] = facts_in_lang
        else:
            facts, metrics = found, run.metrics
        languages.append(lang)
        if not drew_words():
            break  # no words in these figures: the English drawing serves every language
    meta = {"metrics": metrics, "params": task.params, "media": facts, "languages": languages}
    return cache.write(job.name, "render", key, files, meta)


def run_task(task: Task, settings: Settings) -> tuple[list[JobResult], list[str]]:
    """Train the task's model (unless cached), then render its jobs; never raises.
    Returns each job's result, and warnings for the parent to log."""
    cache, notes, results, start = Cache(settings.cache_dir), [], [], time.perf_counter()
    try:
        trained, trained_in = _train(task, cache, notes.append)
    except Exception as error:  # every job of the model fails with it
        return [_failed(job.name, start, {}, error) for job, _ in task.renders], notes
    for i, (job, key) in enumerate(task.renders):
        start = start if i == 0 else time.perf_counter()  # the first job counts the training
        steps = {"train": (trained_in if i == 0 else "shared") if trained_in else "cached"}
        try:
            with cache.lock(job.name):
                # A retrained model is always redrawn, even if an old drawing survived.
                found = None if trained_in else _read(cache, job.name, "render", key, notes.append)
                drawing = time.perf_counter()
                entry = found or _render(task, job, key, trained, cache)
            steps["render"] = "cached" if found else f"{time.perf_counter() - drawing:.1f} s"
        except Exception as error:
            results.append(_failed(job.name, start, steps, error))
            continue
        seconds = time.perf_counter() - start
        results.append(result_from(job.name, "built", seconds, entry, settings.root, steps))
    return results, notes


def _plan(chosen: list[Job], settings: Settings, cache: Cache, force: bool):
    """Cached results, the tasks for what is missing, and the entries each job uses."""
    cached: dict[str, JobResult] = {}
    tasks: list[Task] = []
    used: dict[str, list[str]] = {}
    groups: dict[str, list[Job]] = {}
    for job in chosen:
        groups.setdefault(job.trained_by, []).append(job)
    for model, members in groups.items():
        params = members[0].resolve(settings.quick, settings.overrides.get(model))
        tkey = train_key(members[0], params, settings)
        rkeys = {j.name: render_key(j, tkey) for j in members}
        used.update({j.name: [j.name, rkeys[j.name], model, tkey] for j in members})
        trained = None if force else _read(cache, model, "train", tkey, log.warning)
        entries = {j.name: trained and _read(cache, j.name, "render", rkeys[j.name], log.warning)
                   for j in members}  # fmt: skip
        todo = tuple((j, rkeys[j.name]) for j in members if not entries[j.name])
        if todo:
            tasks.append(Task(members[0], params, tkey, todo, force))
        for name, entry in entries.items():
            if entry:
                cached[name] = result_from(name, "cached", 0.0, entry, settings.root, {})
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
        report.write_report(cache, results, settings.quick)
        return results

    pool = _pool(settings, jobs or os.cpu_count() or 1, warm=registry is None)
    try:
        registry = all_jobs() if registry is None else registry
        check_overrides(settings, {name: j.trained_by for name, j in registry.items()})
        chosen = select(registry, only)
        results, tasks, used = _plan(chosen, settings, cache, force)
        for result in results.values():
            progress(result)
        futures = [pool.submit(run_task, t, settings) for t in _longest_first(tasks, cache)]
        for future in as_completed(futures):
            done, notes = future.result()
            for note in notes:
                log.warning(note)
            for result in done:
                results[result.name] = result
                progress(result)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)

    ordered = [results[job.name] for job in chosen]
    report.write_report(cache, ordered, settings.quick)
    failed = [r for r in ordered if r.status == "failed"]
    if failed:
        raise _failure(failed)
    cache.write_stamp(stamp, settings.quick, only, [used[r.name] for r in ordered])
    return ordered


def _failure(failed: list[JobResult]) -> BuildError:
    """One line per distinct user error; each distinct traceback logged once."""
    by_error: dict[str, list[JobResult]] = {}
    for result in failed:
        by_error.setdefault(result.error, []).append(result)
    lines = []
    for error, group in by_error.items():
        names = ", ".join(r.name for r in group)
        jobs = f"figure job{'s' if len(group) > 1 else ''} {names}"
        if group[0].user_error:
            lines.append(f"{jobs}: {error}")
        else:
            log.error(f"figures: {jobs} failed:\n{error}")
            lines.append(f"{jobs} failed: {error.strip().splitlines()[-1]} (traceback above)")
    return BuildError("\n".join(lines))


def _longest_first(tasks: list[Task], cache: Cache) -> list[Task]:
    """Start the tasks that took longest last time first, so the pool finishes together;
    with no earlier build, those that draw the most jobs."""
    try:
        seconds = {j["name"]: j["seconds"] for j in report.load_report(cache.root)["jobs"]}
    except (BuildError, OSError, ValueError, KeyError, TypeError):
        seconds = {}
    return sorted(
        tasks, key=lambda t: (-sum(seconds.get(j.name, 0) for j, _ in t.renders), -len(t.renders))
    )
