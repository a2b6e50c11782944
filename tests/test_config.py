"""Bad input gets one line that names the key or file and what would be right."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from figures_src.engine.config import load_settings
from figures_src.engine.jobs import ConfigError, all_jobs, select


@pytest.fixture(scope="module")
def circles():
    return all_jobs()["circles.hidden"]


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("epochs", 0, r"circles.hidden.*epochs = 0 is out of range; allowed: 1 <= epochs <= 2000"),
        ("epochs", -3, r"epochs = -3 is out of range"),
        ("epochs", "fifty", "epochs must be a number, not 'fifty'"),
        ("epochs", 2.5, "epochs must be a whole number"),
        ("lr", True, "lr must be a number"),
        ("epoch", 10, "unknown key 'epoch'; allowed keys: .*epochs"),
        ("noise", -0.1, r"noise = -0.1 is out of range; allowed: 0.0 <= noise <= 1.0"),
        ("seed", -1, r"seed = -1 is out of range; allowed: seed >= 0"),
    ],
)
def test_bad_parameter_is_named(circles, key, value, message):
    with pytest.raises(ConfigError, match=message):
        circles.resolve(quick=False, overrides={key: value})


def test_every_default_written_back_passes(tmp_path):
    """Each job's own defaults, as a configuration file, are valid: bounds fit the defaults
    (`spiral.hidden` with data_seed = 0 once failed with "must be greater than zero")."""
    import tomllib

    from figures_src.engine.config import check_overrides

    owners = {n: j for n, j in all_jobs().items() if j.trained_by == n}
    text = "".join(
        f'[tool.figures.jobs."{name}"]\n'
        + "".join(
            f"{key} = {value!r}\n".replace("True", "true")
            .replace("False", "false")
            .replace("'", '"')
            for key, value in job.params.items()
        )  # fmt: skip
        for name, job in owners.items()
    )
    settings = load_settings(write(tmp_path, text))
    assert tomllib.loads(text)["tool"]["figures"]["jobs"] == {
        n: dict(j.params) for n, j in owners.items()
    }
    check_overrides(settings, {n: j.trained_by for n, j in all_jobs().items()})
    for name, job in owners.items():
        assert job.resolve(False, settings.overrides[name]) == dict(job.params)
    assert owners["spiral.hidden"].resolve(False, {"data_seed": 0})["data_seed"] == 0


def test_every_numeric_parameter_has_bounds(tmp_path, monkeypatch):
    from figures_src.engine.jobs import _REGISTRY, job

    def train(p):
        return {}, {}

    with pytest.raises(ConfigError) as caught:
        job("toy.unbounded", train=train, render=train, params=dict(epochs=5, lr=0.1),
            bounds=dict(epochs=(1, 10)))  # fmt: skip
    assert str(caught.value) == (
        f"job 'toy.unbounded' ({__name__}): numeric parameter 'lr' has no bounds; add "
        "lr=(LOW, HIGH) to the bounds=dict(...) of its job(...) call (inclusive; None for no limit)"
    )
    with pytest.raises(ConfigError, match=r"epochs = 5 is out of range; allowed: epochs >= 6"):
        job("toy.default_out", train=train, render=train, params=dict(epochs=5),
            bounds=dict(epochs=(6, None)))  # fmt: skip
    assert "toy.unbounded" not in _REGISTRY and "toy.default_out" not in _REGISTRY


def test_good_override_applies(circles):
    assert circles.resolve(quick=False, overrides={"epochs": 7})["epochs"] == 7
    assert circles.resolve(quick=True)["epochs"] == circles.quick["epochs"]


def write(tmp_path, text):
    path = tmp_path / "figures.toml"
    path.write_text(text)
    return path


def test_unknown_top_level_key(tmp_path):
    path = write(tmp_path, "[tool.figures]\ncache = '.x'\n")
    with pytest.raises(ConfigError, match=r"unknown key \[tool.figures\] 'cache'.*cache_dir"):
        load_settings(path)


def test_invalid_toml_names_file(tmp_path):
    path = write(tmp_path, "[tool.figures\n")
    with pytest.raises(ConfigError, match="figures.toml: not valid TOML"):
        load_settings(path)


def test_only_pattern_that_matches_nothing():
    with pytest.raises(
        ConfigError, match=r"--only 'nope\*' matches no job; the jobs are: .*circles"
    ):
        select(all_jobs(), "nope*")
    chosen = {j.name for j in select(all_jobs(), "circles")}
    assert chosen == {
        "circles.hidden", "circles.two_views", "circles.grid_warp", "circles.width", "circles.live"
    }  # fmt: skip
    assert [j.name for j in select(all_jobs(), "spiral.*")] == ["spiral.hidden"]


def run_cli(tmp_path, config_text, *args):
    env = dict(
        os.environ,
        FIGURES_CONFIG=str(write(tmp_path, config_text)),
        FIGURES_CACHE_DIR=str(tmp_path / "cache"),
    )
    return subprocess.run(
        [sys.executable, "-m", "figures_src", *args], capture_output=True, text=True, env=env
    )


@pytest.mark.parametrize(
    "config, expected",
    [
        ('[tool.figures.jobs."circles.hidden"]\nepochs = 0\n', "allowed: 1 <= epochs <= 2000"),
        ('[tool.figures.jobs."regression.fit"]\nval_fraction = 5.0\n', "val_fraction = 5.0 is out"),
        ('[tool.figures.jobs."circles.hidden"]\nepochs = "many"\n', "epochs must be a number"),
        ('[tool.figures.jobs."circles.hidden"]\nlayers = 3\n', "unknown key 'layers'"),
        ('[tool.figures.jobs."circle.hidden"]\nepochs = 3\n', "names unknown job 'circle.hidden'"),
        ("[tool.figures]\ncolour = 1\n", "unknown key [tool.figures] 'colour'"),
    ],
)
def test_cli_reports_bad_config_in_one_line(tmp_path, config, expected):
    done = run_cli(tmp_path, config, "build")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ") and expected in lines[0]
    assert not (tmp_path / "cache" / "entries").exists()


def test_cli_only_without_match(tmp_path):
    done = run_cli(tmp_path, "", "build", "--only", "spirals.*")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"error: --only 'spirals.*' matches no job; the jobs are: {', '.join(sorted(all_jobs()))}"
    )


def test_cli_help_for_every_subcommand():
    for command in ("build", "list", "clean", "report"):
        done = subprocess.run(
            [sys.executable, "-m", "figures_src", command, "--help"], capture_output=True, text=True
        )
        assert done.returncode == 0 and "usage:" in done.stdout
