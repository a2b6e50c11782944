"""Faults the build must survive, and promises about what it never does."""

from __future__ import annotations

import ast
import errno
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from figures_src.engine.cache import Cache, CacheError

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, cache: Path, **env: str) -> subprocess.Popen:
    environ = dict(os.environ, FIGURES_QUICK="1", FIGURES_CACHE_DIR=str(cache), **env)
    return subprocess.Popen(
        [sys.executable, "-m", "figures_src", *args], cwd=ROOT, env=environ,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def progress(text: str) -> dict[str, str]:
    """job name -> status, from the build's progress lines."""
    found = re.findall(r"figures: (\S+)\s+(built|cached|failed)", text)
    return dict(found)


def assert_cache_sound(cache: Path) -> None:
    """Every entry verifies against its checksums, and no temporary directory is left."""
    store = Cache(cache)
    entries = list((cache / "entries").glob("*/*-*"))
    assert entries, "the build stored nothing"
    for entry in entries:
        recorded = json.loads((entry / "manifest.json").read_text())
        assert store.read(entry.parent.name, recorded["step"], recorded["key"]) is not None
    tmp = cache / "tmp"
    assert not tmp.exists() or not any(tmp.iterdir()), "temporary files were left"


def test_sigkill_mid_build_then_rebuild_reuses_finished_jobs(tmp_path):
    cache = tmp_path / "cache"
    build = cli("build", "--only", "circles*", "--jobs", "1", cache=cache)
    finished, seen = None, ""
    deadline = time.monotonic() + 240
    while finished is None and time.monotonic() < deadline:
        line = build.stderr.readline()
        seen += line
        match = re.search(r"figures: (\S+)\s+built", line)
        if match:
            finished = match[1]
        assert line or build.poll() is None, f"build ended early:\n{seen}"
    assert finished, f"no job finished in time:\n{seen}"
    time.sleep(0.5)  # let the next job get going, so the kill lands mid-job
    os.killpg(build.pid, signal.SIGKILL)
    build.wait()

    again = cli("build", "--only", "circles*", "--jobs", "2", cache=cache)
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert "corrupt" not in err
    assert progress(err)[finished] == "cached"
    assert_cache_sound(cache)


def test_two_builds_at_once_share_the_work_and_tear_nothing(tmp_path):
    cache = tmp_path / "cache"
    first = cli("build", "--only", "circles.hidden", cache=cache)
    second = cli("build", "--only", "circles.hidden", cache=cache)
    outputs = [p.communicate(timeout=600)[1] for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    trainings = sum(len(re.findall(r"train \d+\.\d s", out)) for out in outputs)
    assert trainings == 1, f"the model was trained {trainings} times:\n{outputs}"
    assert len(list((cache / "entries" / "circles.hidden").glob("train-*"))) == 1
    assert_cache_sound(cache)


@pytest.mark.parametrize(
    "code, fix",
    [(errno.EROFS, "make it writable"), (errno.ENOSPC, "free some disk space")],
)
def test_unwritable_cache_is_a_clear_error(tmp_path, monkeypatch, code, fix):
    def refuse(self, data):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(Path, "write_bytes", refuse)
    with pytest.raises(CacheError) as caught:
        Cache(tmp_path / "cache").write("job.name", "train", "k" * 64, {"a.npz": b"x"}, {})
    message = str(caught.value)
    assert os.strerror(code) in message and fix in message and "FIGURES_CACHE_DIR" in message
    assert "\n" not in message
    assert not list((tmp_path / "cache" / "tmp").iterdir()), "a half-written entry was left"
    assert not (tmp_path / "cache" / "entries").exists()


def test_cache_under_a_file_fails_with_one_line(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    build = cli("build", "--only", "circles.hidden", cache=blocker / "cache")
    _, err = build.communicate(timeout=300)
    assert build.returncode == 1
    assert err.strip().splitlines()[-1].startswith("error: cannot write the figure cache")


def test_build_makes_no_network_call(tmp_path):
    """Every socket connection (in the build and its workers) raises; the build still works."""
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(
        textwrap.dedent("""
        import socket

        def refuse(self, address, *args):
            raise OSError(f"network call to {address!r} during the build")

        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
    """)
    )
    build = cli(  # digits and Fashion-MNIST, the one data set with a download fallback
        "build", "--only", "[df]*", cache=tmp_path / "cache",
        PYTHONPATH=f"{guard}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    )  # fmt: skip
    _, err = build.communicate(timeout=600)
    assert build.returncode == 0, err
    assert set(progress(err)) == {
        "digits.interpolation",
        "digits.latent_plane",
        "fashion.latent_map",
        "fashion.tsne_views",
        "fashion.tsne_live",
    }


def test_torch_load_only_with_weights_only():
    for path in [
        *ROOT.joinpath("figures_src").rglob("*.py"),
        *ROOT.joinpath("tests").rglob("*.py"),
    ]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "load":
                owner = getattr(node.func.value, "id", "")
                if owner == "torch":
                    keywords = {k.arg: k.value for k in node.keywords}
                    value = keywords.get("weights_only")
                    assert isinstance(value, ast.Constant) and value.value is True, (
                        f"{path}:{node.lineno}: torch.load without weights_only=True"
                    )


def test_pages_workflow_is_least_privilege_and_pinned():
    workflow = yaml.safe_load((ROOT / ".github/workflows/pages.yml").read_text())
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    uses = [
        step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step
    ]
    assert {u.split("@")[0] for u in uses} >= {
        "actions/upload-pages-artifact", "actions/deploy-pages", "actions/cache",
    }  # fmt: skip
    for use in uses:
        assert re.fullmatch(r"[\w-]+/[\w-]+@v\d+\.\d+\.\d+", use), (
            f"{use} is not pinned to a version"
        )
    text = (ROOT / ".github/workflows/pages.yml").read_text()
    assert "dataset-fashion-mnist" in text and "hashFiles('figures_src/**'" in text


def test_workflow_validates_against_its_schema():
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         str(ROOT / ".github/workflows/pages.yml")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_temporary_files_of_a_live_build_are_kept(tmp_path):
    """Liveness is a lock the owner holds (filelock), not a process id: another process's
    temporary directory stays while it runs and goes once it has been killed."""
    owner = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from figures_src.engine.cache import Cache; "
         "print(Cache(Path(sys.argv[1]))._tmpdir('job.train.'), flush=True); time.sleep(60)",
         str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    theirs = Path(owner.stdout.readline().strip())
    assert theirs.is_dir()
    Cache(tmp_path).remove_litter()
    assert theirs.is_dir()
    owner.kill()
    owner.wait()
    Cache(tmp_path).remove_litter()
    assert not theirs.exists()


def test_temporary_files_do_not_collide_across_builds():
    # The cache's temporary names carry the process id, so litter of a live build is kept.
    with tempfile.TemporaryDirectory() as tmp:
        store = Cache(Path(tmp))
        alive = store._tmpdir("job.train.")
        dead = Path(tmp) / "tmp" / "999999999-job.train.x"
        dead.mkdir()
        store.remove_litter()
        assert alive.exists() and not dead.exists()


def test_imports_match_the_declared_dependencies():
    """Every third-party module figures_src imports is declared in pyproject.toml, and every
    declared dependency is imported or named in mkdocs.yml; no POSIX-only locking."""
    import importlib.metadata
    import tomllib

    def canonical(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    imported = set()
    for path in ROOT.joinpath("figures_src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    assert "fcntl" not in imported, "use filelock: the engine must import on any OS"
    third_party = imported - set(sys.stdlib_module_names) - {"figures_src", "__future__"}
    owners = importlib.metadata.packages_distributions()
    used = {canonical(owners[module][0]) for module in third_party}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {canonical(re.match(r"[\w.-]+", d)[0]) for d in project["dependencies"]}
    assert used - declared == set(), "imported but not declared"
    mkdocs_yml = (ROOT / "mkdocs.yml").read_text()
    plugins = {"mkdocs-material": "name: material", "mkdocs-glightbox": "glightbox",
               "pymdown-extensions": "pymdownx.", "mkdocs-static-i18n": "- i18n:"}  # fmt: skip
    assert declared - used == set(plugins), "declared but neither imported nor used by MkDocs"
    for name, marker in plugins.items():
        assert marker in mkdocs_yml, f"{name} is declared but mkdocs.yml does not use it"


def test_missing_data_is_one_line_in_the_cli(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    build = cli("build", "--only", "fashion.latent_map", cache=tmp_path / "cache",
                FASHION_MNIST_DIR=str(empty), FASHION_MNIST_FALLBACKS="0")  # fmt: skip
    _, err = build.communicate(timeout=300)
    assert build.returncode == 1, err
    assert "Traceback" not in err
    (line,) = [line for line in err.splitlines() if line.startswith("error: ")]
    assert line.startswith("error: figure job fashion.latent_map: ") and str(empty) in line


def test_missing_data_is_one_line_in_mkdocs(quick_site, tmp_path):
    """The same in `mkdocs build`: one line naming the jobs and the fix, no traceback. (The
    quick site's cache holds every other figure; a changed setting makes the Fashion-MNIST
    model train again, so that it needs its data.)"""
    from conftest import mkdocs_build

    empty = tmp_path / "empty"
    empty.mkdir()
    config = tmp_path / "figures.toml"
    config.write_text('[tool.figures.jobs."fashion.latent_map"]\nn_map = 601\n')
    done = mkdocs_build(tmp_path / "site", quick_site.parent / "cache", FIGURES_CONFIG=str(config),
                        FASHION_MNIST_DIR=str(empty), FASHION_MNIST_FALLBACKS="0")  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1 and "fashion.latent_map" in errors[0] and str(empty) in errors[0]
