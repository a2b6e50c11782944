"""The engine's promises: hits, misses, split train/render keys, failures, corrupt entries,
each model trained once, and keys that do not depend on where the checkout lives."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from figures_src.engine import keys
from figures_src.engine.cache import Cache
from figures_src.engine.jobs import ConfigError, all_jobs
from figures_src.engine.report import BuildError
from figures_src.engine.runner import build
from figures_src.plotting import HANGUL_FONT_MISSING


def statuses(results):
    return {r.name.split(".")[1]: r.status for r in results}


def test_cache_hit_when_nothing_changed(toy):
    first = build(toy.settings, registry=toy.registry("ok"))
    assert statuses(first) == {"ok": "built"}
    second = build(toy.settings, registry=toy.registry("ok"))
    assert statuses(second) == {"ok": "cached"}
    assert toy.calls() == ["train", "render"]
    assert second[0].metrics == first[0].metrics == {"mean_y": pytest.approx(0.375), "points": 5}


def test_source_change_retrains(toy):
    build(toy.settings, registry=toy.registry("ok"))
    toy.edit("y = x**2", "y = x**3")
    again = build(toy.settings, registry=toy.registry("ok"))
    assert statuses(again) == {"ok": "built"}
    assert toy.calls() == ["train", "render", "train", "render"]
    assert again[0].metrics["mean_y"] == pytest.approx(0.3125)  # mean of x³ on 5 points


def test_parameter_change_retrains(toy):
    build(toy.settings, registry=toy.registry("ok"))
    changed = dataclasses.replace(toy.settings, overrides={f"{toy.name}.ok": {"points": 7}})
    again = build(changed, registry=toy.registry("ok"))
    assert statuses(again) == {"ok": "built"}
    assert again[0].metrics["points"] == 7


def test_quick_mode_has_its_own_entries(toy):
    build(toy.settings, registry=toy.registry("ok"))
    quick = dataclasses.replace(toy.settings, quick=True)
    assert statuses(build(quick, registry=toy.registry("ok"))) == {"ok": "built"}
    assert statuses(build(toy.settings, registry=toy.registry("ok"))) == {"ok": "cached"}


def test_library_version_change_retrains(toy, monkeypatch):
    build(toy.settings, registry=toy.registry("ok"))
    newer = dict(keys.library_versions(), torch="99.0")
    monkeypatch.setattr(keys, "library_versions", lambda: newer)
    assert statuses(build(toy.settings, registry=toy.registry("ok"))) == {"ok": "built"}
    assert toy.calls().count("train") == 2


def test_render_change_redraws_without_retraining(toy):
    build(toy.settings, registry=toy.registry("ok"))
    job = toy.jobs[f"{toy.name}.ok"]
    restyled = {job.name: dataclasses.replace(job, style={"color": "#E69F00"})}
    again = build(toy.settings, registry=restyled)
    assert again[0].status == "built"
    assert again[0].steps["train"] == "cached"
    assert toy.calls() == ["train", "render", "render"]


def test_editing_render_code_does_not_retrain(toy):
    build(toy.settings, registry=toy.registry("ok"))
    toy.edit('return f"step {i}"', 'return f"frame {i}"')
    again = build(toy.settings, registry=toy.registry("ok"))
    assert again[0].steps == {"train": "cached", "render": again[0].steps["render"]}
    assert toy.calls() == ["train", "render", "render"]


def test_failing_job_fails_the_build_and_leaves_no_entry(toy, caplog):
    with pytest.raises(BuildError, match=rf"{toy.name}\.boom.*exploded on purpose"):
        build(toy.settings, registry=toy.registry("ok", "boom"))
    assert "Traceback" in caplog.text  # a bug in chapter code shows where it is
    entries = toy.settings.cache_dir / "entries"
    assert not (entries / f"{toy.name}.boom").exists() or not any(
        (entries / f"{toy.name}.boom").iterdir()
    )
    assert not any((toy.settings.cache_dir / "tmp").iterdir())
    # The job that worked keeps its entries: the next build finds them.
    ok = build(toy.settings, registry=toy.registry("ok"))
    assert statuses(ok) == {"ok": "cached"}


def test_user_error_is_one_line_without_traceback(toy, caplog):
    with pytest.raises(BuildError) as caught:
        build(toy.settings, registry=toy.registry("ok", "nodata"))
    assert str(caught.value) == (
        f"figure job {toy.name}.nodata: /nowhere/toy.gz is missing; put the toy data there"
    )
    assert "Traceback" not in caplog.text
    assert statuses(build(toy.settings, registry=toy.registry("ok"))) == {"ok": "cached"}


def test_figures_with_words_are_drawn_in_each_language_from_one_training(toy):
    results = build(toy.settings, registry=toy.registry("ok", "worded"))
    assert sorted(toy.calls()) == ["render", "render-en", "render-ko", "train"]
    plain, worded = results
    assert plain.languages == ["en"] and not any(".ko." in p for p in plain.outputs)
    assert worded.languages == ["en", "ko"]
    names = sorted(os.path.basename(p) for p in worded.outputs)
    assert names == ["label.ko.png", "label.png"]
    assert worded.media["label"]["ko"]["min_text_px"] == worded.media["label"]["min_text_px"]
    english, korean = (toy.settings.root / p for p in sorted(worded.outputs, reverse=True))
    assert english.read_bytes() != korean.read_bytes()


def test_a_missing_hangul_font_is_one_line(toy, caplog):
    toy.edit(
        "    t = words(style)\n",
        """    import matplotlib
    matplotlib.rcParams["font.family"] = ["DejaVu Sans"]  # as if Nanum Gothic were absent
    t = words(style)\n""",
    )
    with pytest.raises(BuildError) as caught:
        build(toy.settings, registry=toy.registry("worded"))
    assert str(caught.value) == f"figure job {toy.name}.worded: {HANGUL_FONT_MISSING}"
    assert "Traceback" not in caplog.text
    assert not list((toy.settings.cache_dir / "entries").glob("*worded*/render-*"))


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete"])
def test_corrupt_entry_is_detected_and_rebuilt(toy, caplog, damage):
    first = build(toy.settings, registry=toy.registry("ok"))
    gif = next(toy.settings.root / p for p in first[0].outputs if p.endswith(".gif"))
    original = gif.read_bytes()
    if damage == "flip":
        gif.write_bytes(original[:100] + bytes([original[100] ^ 0xFF]) + original[101:])
    elif damage == "truncate":
        gif.write_bytes(original[: len(original) // 3])
    else:
        gif.unlink()
    caplog.clear()
    again = build(toy.settings, registry=toy.registry("ok"))
    assert f"cache entry of job {toy.name}.ok (render) is corrupt" in caplog.text
    assert statuses(again) == {"ok": "built"}
    assert again[0].steps["train"] == "cached"
    assert gif.read_bytes() == original  # rebuilt, byte for byte


def test_report_json_schema(toy):
    build(toy.settings, registry=toy.registry("ok"))
    env = dict(os.environ, FIGURES_CACHE_DIR=str(toy.settings.cache_dir))
    out = subprocess.run(
        [sys.executable, "-m", "figures_src", "report", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    report = json.loads(out)
    assert list(report) == ["jobs"]
    (entry,) = report["jobs"]
    assert {"name", "status", "seconds", "metrics", "outputs"} <= set(entry)
    assert entry["name"] == f"{toy.name}.ok"
    assert entry["status"] in ("built", "cached", "failed")
    assert isinstance(entry["seconds"], (int, float)) and entry["seconds"] >= 0
    assert entry["metrics"] == {"mean_y": pytest.approx(0.375), "points": 5}
    assert {os.path.basename(p) for p in entry["outputs"]} >= {"curve.gif", "still.png"}
    for path in entry["outputs"]:
        assert (toy.settings.root / path).exists() or os.path.exists(path)


def test_job_sharing_a_model_trains_it_once(toy):
    results = build(toy.settings, registry=toy.registry("ok", "shared"))
    assert statuses(results) == {"ok": "built", "shared": "built"}
    assert toy.calls() == ["train", "render", "render"]
    assert re.fullmatch(r"\d+\.\d s", results[0].steps["train"])
    assert results[1].steps["train"] == "shared"
    # A missing drawing of a cached model is drawn without training.
    shutil.rmtree(toy.settings.cache_dir / "entries" / results[1].name)
    again = build(toy.settings, registry=toy.registry("ok", "shared"))
    assert statuses(again) == {"ok": "cached", "shared": "built"}
    assert toy.calls() == ["train", "render", "render", "render"]
    bad = dataclasses.replace(toy.settings, overrides={f"{toy.name}.shared": {"points": 3}})
    with pytest.raises(ConfigError, match=rf"uses the model trained by '{toy.name}.ok'"):
        build(bad, registry=toy.registry("ok", "shared"))


def test_clean_stale_keeps_only_what_the_newest_builds_use(toy):
    build(toy.settings, registry=toy.registry("ok"))
    changed = dataclasses.replace(toy.settings, overrides={f"{toy.name}.ok": {"points": 9}})
    build(changed, registry=toy.registry("ok"))  # the newest full build
    quick = dataclasses.replace(toy.settings, quick=True)
    build(quick, registry=toy.registry("ok"))  # the newest quick build
    entries = toy.settings.cache_dir / "entries" / f"{toy.name}.ok"
    assert len(list(entries.iterdir())) == 6  # three train and three render entries
    removed = Cache(toy.settings.cache_dir).remove_stale()
    assert len([p for p in removed if p.parent == entries]) == 2
    assert len(list(entries.iterdir())) == 4
    assert statuses(build(changed, registry=toy.registry("ok"))) == {"ok": "cached"}
    assert statuses(build(quick, registry=toy.registry("ok"))) == {"ok": "cached"}


def test_force_retrains_a_shared_model_once(toy):
    build(toy.settings, registry=toy.registry("ok", "shared"))
    forced = build(toy.settings, force=True, registry=toy.registry("ok", "shared"))
    assert statuses(forced) == {"ok": "built", "shared": "built"}
    assert toy.calls() == ["train", "render", "render", "train", "render", "render"]
    # Forcing only the job that borrows the model retrains that model too.
    build(toy.settings, force=True, registry=toy.registry("shared"))
    assert toy.calls()[-2:] == ["train", "render"]


def test_stamp_needs_train_entries_too(toy):
    """The fast path and the full path agree: a lost train entry means a rebuild."""
    first = build(toy.settings, registry=toy.registry("ok"))
    shutil.rmtree(next((toy.settings.cache_dir / "entries" / first[0].name).glob("train-*")))
    again = build(toy.settings, registry=toy.registry("ok"))
    assert again[0].status == "built" and toy.calls().count("train") == 2


def test_pickled_arrays_are_never_loaded(toy, tmp_path):
    """What the code really loads: a train entry's arrays.npz, without pickle. An entry whose
    checksums are right but that holds a pickle fails its job and runs nothing."""
    marker = tmp_path / "unpickled"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    first = build(toy.settings, registry=toy.registry("ok"))
    entries = toy.settings.cache_dir / "entries" / first[0].name
    train = next(entries.glob("train-*"))
    with open(train / "arrays.npz", "wb") as handle:
        np.savez(handle, x=np.array([Payload()], dtype=object), y=np.zeros(3))
    manifest = json.loads((train / "manifest.json").read_text())
    manifest["files"]["arrays.npz"] = hashlib.sha256(
        (train / "arrays.npz").read_bytes()
    ).hexdigest()
    (train / "manifest.json").write_text(json.dumps(manifest))
    shutil.rmtree(next(entries.glob("render-*")))
    with pytest.raises(BuildError, match="allow_pickle"):
        build(toy.settings, registry=toy.registry("ok"))
    assert not marker.exists()


def test_every_model_of_the_site_is_trained_once(quick_site):
    """In the cold quick build of the real site, each distinct train step ran exactly once:
    one job per model reports a training time, every other job using it reports "shared"."""
    report = json.loads((quick_site.parent / "cold-report.json").read_text())
    models = {j.trained_by for j in all_jobs().values()}
    trained = [j["name"] for j in report["jobs"] if re.fullmatch(r"\d+\.\d s", j["steps"]["train"])]
    assert sorted(trained) == sorted(models)
    shared = {j["name"] for j in report["jobs"] if j["steps"]["train"] == "shared"}
    assert shared == {n for n, j in all_jobs().items() if j.trained_by != n}


def test_a_clone_at_another_path_builds_warm_from_a_shared_cache(quick_site, tmp_path):
    """Keys depend on sources, not on where the checkout lives: a second clone pointed at the
    first one's cache trains and renders nothing."""
    from benchmarks.build import copy_checkout

    clone = copy_checkout(tmp_path / "elsewhere" / "clone")
    cache = quick_site.parent / "cache"
    before = sorted((cache / "entries").glob("*/*"))
    env = dict(os.environ, FIGURES_CACHE_DIR=str(cache), FIGURES_QUICK="1")

    def mkdocs(*flags: str) -> str:
        done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", *flags, "-d",
                               str(tmp_path / "site")], cwd=clone, env=env, capture_output=True,
                              text=True)  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stderr

    err = mkdocs()
    report = json.loads((cache / "report.json").read_text())
    assert {j["status"] for j in report["jobs"]} == {"cached"}, err
    assert sorted((cache / "entries").glob("*/*")) == before
    # Progress goes through MkDocs' logging: shown by default, hidden by -q.
    assert re.search(r"INFO +- +figures: circles\.hidden +cached", err), err
    assert "figures:" not in mkdocs("-q")


def test_an_os_error_in_chapter_code_is_a_bug_not_a_cache_error(toy, caplog):
    """Training runs while the job's cache lock is held: an OSError raised by chapter code
    must show its traceback, not pass for "cannot write the figure cache"."""
    toy.edit('raise RuntimeError("toy job exploded on purpose")', 'open("/nowhere/weights.pt")')
    with pytest.raises(BuildError) as caught:
        build(toy.settings, registry=toy.registry("boom"))
    assert "figure cache" not in str(caught.value)
    assert "No such file or directory" in str(caught.value) and "Traceback" in caplog.text


def test_the_engine_and_each_chapter_stay_small():
    """The sizes issue 12 set: the engine apart from the chapters in at most 1,200 lines,
    and no chapter module over 450, so that each still reads top to bottom."""
    package = keys.ROOT / "figures_src"
    lines = {p.name: len(p.read_text().splitlines()) for p in (package / "engine").glob("*.py")}
    assert sum(lines.values()) <= 1200, lines
    chapters = {p.name: len(p.read_text().splitlines()) for p in package.glob("chapters/*.py")}
    assert max(chapters.values()) <= 450, chapters
