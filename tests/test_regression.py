"""Chapter 3, nonlinear regression: the page's claims at the real settings, its Code tabs
and words, and the kink finder and data loader on cases small enough to check by hand."""

from __future__ import annotations

import ast
import math
import re

import numpy as np
import pytest
import torch

from figures_src import datasets
from figures_src.chapters.regression import kinks, network, slope_changes

PAGE = "docs/nonlinear-regression.md"
MODULE = "figures_src/chapters/regression.py"
MODULES = (MODULE, "figures_src/chapters/activations.py", "figures_src/chapters/losses.py")
SHARED = ("figures_src/datasets.py", "figures_src/nn.py")


@pytest.fixture(scope="module")
def real_report() -> dict[str, dict]:
    """This chapter's jobs at the real (published) settings, built into the project's cache."""
    from figures_src.engine.config import load_settings
    from figures_src.engine.report import report_entry
    from figures_src.engine.runner import build

    settings = load_settings()
    assert not settings.quick, "claim tests check the real settings; unset FIGURES_QUICK"
    return {r.name: report_entry(r) for r in build(settings, only="regression")}


# --- the claims, at the real settings ---------------------------------------------------------


def trained_arrays(name: str) -> dict[str, np.ndarray]:
    """The arrays a job's train step stored, from the entry the current settings point at."""
    from figures_src.engine.cache import Cache
    from figures_src.engine.config import load_settings
    from figures_src.engine.jobs import all_jobs
    from figures_src.engine.runner import train_key

    settings = load_settings()
    job = all_jobs()[name]
    params = job.resolve(settings.quick, settings.overrides.get(name))
    entry = Cache(settings.cache_dir).read(name, "train", train_key(job, params, settings))
    assert entry is not None, f"no train entry for {name}; the build should have made it"
    with np.load(entry.files["arrays.npz"]) as data:
        return {k: data[k] for k in data.files}


def test_fit_comes_within_a_few_percent_of_the_noise_floor(real_report):
    metrics = real_report["regression.fit"]["metrics"]
    params = real_report["regression.fit"]["params"]
    assert metrics["noise_floor_mae"] == pytest.approx(params["noise_std"] * math.sqrt(2 / math.pi))
    # The page: "within a few percent of the floor".
    assert metrics["val_mae"] <= 1.05 * metrics["noise_floor_mae"]
    # The page: the training MAE is only a little lower; the network has not memorised noise.
    assert metrics["train_mae"] < metrics["val_mae"] < metrics["train_mae"] + 1.0
    # The page says no model can beat the floor on fresh data; nor does the true function.
    assert metrics["true_function_val_mae"] == pytest.approx(metrics["noise_floor_mae"], rel=0.05)
    assert metrics["val_mae"] > metrics["true_function_val_mae"]


def test_early_train_loss_lies_above_the_validation_curve(real_report):
    """The page: in the first epochs the train loss (an average over the epoch, while the
    network improves) lies above the validation MAE (measured at the epoch's end)."""
    arrays = trained_arrays("regression.fit")
    train, val = arrays["train_loss"], arrays["val_mae"]
    epochs = real_report["regression.fit"]["params"]["epochs"]
    assert np.isnan(train[0])
    assert (train[1:11] > val[1:11]).all()  # "in the first epochs"
    assert (train[1 : epochs + 1] > val[1 : epochs + 1]).mean() >= 0.6  # "in most epochs"
    # "Once the learning rate drops and the fit settles, the curves lie on top of each other."
    settled = epochs + 10
    assert np.abs(train[settled:] - val[settled:]).max() <= 0.03 * val[-1]


def test_the_zoom_shows_single_pieces(real_report):
    """The zoomed panel holds few enough kinks that each straight piece can be seen."""
    metrics = real_report["regression.fit"]["metrics"]
    p = real_report["regression.fit"]["params"]
    assert 2 <= metrics["zoom_kinks"] <= 8
    assert -p["x_range"] < p["zoom_from"] < p["zoom_to"] < p["x_range"]
    where = trained_arrays("regression.fit")["kink_x"]
    assert metrics["zoom_kinks"] == ((where > p["zoom_from"]) & (where < p["zoom_to"])).sum()
    # The caption: many pieces are too short to see in the whole-range panel.
    assert metrics["short_pieces"] >= metrics["linear_pieces"] // 4


def test_relu_loses_many_units_and_fits_as_well_as_leaky_relu(real_report):
    metrics = real_report["regression.activations"]["metrics"]
    units = metrics["hidden_units"]
    for name in ("relu", "leaky_relu", "sigmoid", "tanh"):
        layers = [metrics[f"dead_units_{name}_layer{d}"] for d in (1, 2, 3)]
        assert sum(layers) == metrics[f"dead_units_{name}"]
    assert metrics["dead_units_leaky_relu"] < metrics["dead_units_relu"]
    # The page: ReLU loses many units, yet ends as close to the floor as LeakyReLU.
    assert metrics["dead_units_relu"] >= units // 4
    assert metrics["val_mae_relu"] <= 1.03 * metrics["val_mae_leaky_relu"]


def test_dead_relu_units_come_back_only_after_the_first_layer(real_report):
    metrics = real_report["regression.activations"]["metrics"]
    for name in ("relu", "leaky_relu"):
        layers = [metrics[f"revived_{name}_layer{d}"] for d in (1, 2, 3)]
        assert sum(layers) == metrics[f"revived_{name}"]
    # The page: no first-layer dead unit came back; some later ones did.
    assert metrics["revived_relu_layer1"] == 0
    assert metrics["revived_relu"] >= 1
    # "LeakyReLU units come back far more often, first layer included."
    assert metrics["revived_leaky_relu"] >= 3 * metrics["revived_relu"]
    assert metrics["revived_leaky_relu_layer1"] >= 1


def test_the_sigmoid_fit_goes_flat_where_its_units_saturate(real_report):
    metrics = real_report["regression.activations"]["metrics"]
    others = [metrics[f"val_mae_{a}"] for a in ("relu", "leaky_relu", "tanh")]
    assert metrics["val_mae_sigmoid"] > max(others)
    # The page: a flat stretch at the sigmoid's left end, the longest flat end of any fit.
    flat = metrics["flat_left_sigmoid"]
    assert flat >= 0.5
    for name in ("relu", "leaky_relu", "sigmoid", "tanh"):
        for side in ("left", "right"):
            if (name, side) != ("sigmoid", "left"):
                assert metrics[f"flat_{side}_{name}"] <= flat / 3
    # "A level line straight through the wiggles": the network's slope there is a small
    # fraction of its slope elsewhere, and of the true function's there.
    there, rest = metrics["out_slope_flat_sigmoid"], metrics["out_slope_rest_sigmoid"]
    assert there <= 0.05 * rest
    assert metrics["true_slope_flat_sigmoid"] >= max(rest, 20 * there)


def test_no_single_sigmoid_layer_shuts_the_change_off_but_each_lets_less_through(real_report):
    metrics = real_report["regression.activations"]["metrics"]
    width = real_report["regression.activations"]["params"]["width"]
    ratios = [1.0] + [metrics[f"layer_slope_ratio_sigmoid_layer{d}"] for d in (1, 2, 3)]
    for before, after in zip(ratios[:-1], ratios[1:], strict=True):
        assert 0.1 <= after / before < 0.8  # each layer passes on less, none almost nothing
    # By the third layer, the change in x moves the layer's outputs a tenth as much or less.
    assert ratios[-1] <= 0.1
    # "In the second layer, many of its units are saturated on every point of the stretch;
    # over the whole range, only a few of the network's units are."
    per_layer = [metrics[f"off_in_flat_left_sigmoid_layer{d}"] for d in (1, 2, 3)]
    assert sum(per_layer) == metrics["off_in_flat_left_sigmoid"]
    assert per_layer[1] >= width // 2
    assert per_layer[1] >= 2 * metrics["dead_units_sigmoid"]


def test_tanh_ends_a_little_above_leaky_relu_and_flat_only_at_its_right_end(real_report):
    metrics = real_report["regression.activations"]["metrics"]
    leaky = metrics["val_mae_leaky_relu"]
    assert leaky < metrics["val_mae_tanh"] <= 1.1 * leaky
    assert metrics["flat_left_tanh"] == 0 < metrics["flat_right_tanh"]


def test_adam_steps_do_not_shrink_with_the_gradient():
    """The page: Adam divides each step by the recent size of the gradient, so a small
    gradient alone does not make the step small."""
    steps = []
    for scale in (1.0, 1e-3):
        weight = torch.zeros(1, requires_grad=True)
        optimizer = torch.optim.Adam([weight], lr=0.01)
        for _ in range(5):
            optimizer.zero_grad()
            (scale * weight.sum() - scale).backward()  # constant gradient: scale
            optimizer.step()
        steps.append(abs(weight.item()))
    assert steps[1] == pytest.approx(steps[0], rel=0.01)


def test_the_activation_runs_repeat_the_main_run(real_report):
    """The LeakyReLU small multiple and the L1 curve are the main run, trained again."""
    main = real_report["regression.fit"]["metrics"]
    assert real_report["regression.activations"]["metrics"]["val_mae_leaky_relu"] == main["val_mae"]
    assert real_report["regression.losses"]["metrics"]["val_mae_l1"] == main["val_mae"]


def test_both_losses_reach_the_floor(real_report):
    metrics = real_report["regression.losses"]["metrics"]
    for loss in ("l1", "mse"):
        assert metrics[f"val_mae_{loss}"] <= 1.15 * metrics["noise_floor_mae"]
        assert metrics[f"epochs_within_10pct_{loss}"] > 0
    # The page: with Gaussian noise, MSE does at least as well as L1, and gets there sooner.
    assert metrics["val_mae_mse"] <= metrics["val_mae_l1"]
    assert metrics["epochs_within_10pct_mse"] < metrics["epochs_within_10pct_l1"]


def test_every_figure_has_text_of_at_least_11_css_px(real_report):
    for name, entry in real_report.items():
        for output, media in entry["media"].items():
            assert media["min_text_px"] >= 11, f"{name}/{output}: {media['min_text_px']} px"


def test_linear_pieces_match_an_independent_count(real_report):
    metrics = real_report["regression.fit"]["metrics"]
    p = real_report["regression.fit"]["params"]
    arrays = trained_arrays("regression.fit")
    depth = p["depth"]
    layers = [(arrays[f"weight{i}"], arrays[f"bias{i}"]) for i in range(depth + 1)]
    r = p["x_range"]

    # The page: a second count, by sampling the slope, finds the same number.
    changes = slope_changes(layers, -r, r)
    assert metrics["linear_pieces"] == changes + 1 == metrics["slope_changes"] + 1
    assert metrics["kinks"] == changes == len(arrays["kink_x"])

    # The first layer's kinks are x = −b/w exactly: every first-layer kink inside the range.
    w, b = layers[0][0][:, 0], layers[0][1]
    first = np.sort(-b / w)
    first = first[np.abs(first) < r]
    assert np.allclose(np.sort(arrays["kink_x"][arrays["kink_layer"] == 1]), first)
    assert metrics["kinks_layer1"] == len(first)


# --- the kink finder on a network small enough to solve by hand ---------------------------------


def test_kinks_of_a_tiny_network():
    # Hidden units relu-ish at x = 1 and x = −2; the second layer's one unit, fed by them,
    # crosses zero where h1 − h2 + 0.5 = 0.
    layers = [
        (np.array([[1.0], [2.0]]), np.array([-1.0, 4.0])),
        (np.array([[1.0, -1.0]]), np.array([0.5])),
        (np.array([[3.0]]), np.array([0.0])),
    ]
    where, layer, slopes = kinks(layers, -10.0, 10.0)
    # Brute force: kinks where the numerically sampled slope changes.
    x = np.linspace(-10, 10, 2_000_001)
    slope = network(layers, x)[1]
    jumps = x[1:][~np.isclose(slope[1:], slope[:-1])]
    assert len(where) == len(jumps) == len(slopes) - 1
    assert np.allclose(where, jumps, atol=1e-4)
    assert sorted(layer.tolist()) == [1, 1, 2]
    assert np.allclose(where, [-2.5, -2.0, 1.0])
    assert slope_changes(layers, -10.0, 10.0) == 3


def test_a_kink_the_next_layer_cancels_is_not_counted():
    # Two units bend at x = 0 in opposite directions with equal weight: the sum stays straight.
    layers = [
        (np.array([[1.0], [-1.0]]), np.array([0.0, 0.0])),
        (np.array([[1.0, -1.0]]), np.array([0.0])),
    ]
    where, _, slopes = kinks(layers, -1.0, 1.0)
    assert len(where) == 0 and len(slopes) == 1


# --- the data -------------------------------------------------------------------------------


def test_noisy_regression_is_seeded_and_inside_its_range():
    x, y = datasets.noisy_regression(2000, 4.0, 30.0, seed=3)
    again, _ = datasets.noisy_regression(2000, 4.0, 30.0, seed=3)
    assert x.dtype == y.dtype == np.float32 and x.shape == y.shape == (2000,)
    assert np.array_equal(x, again)
    assert np.abs(x).max() <= 4.0
    noise = y - datasets.regression_target(x.astype(np.float64))
    assert noise.std() == pytest.approx(30.0, rel=0.08)
    clean_x, clean_y = datasets.noisy_regression(50, 4.0, 0.0)
    assert np.allclose(clean_y, datasets.regression_target(clean_x), atol=1e-3)


# --- the page: Code tabs, credit and words --------------------------------------------------


def shown_section(source: str, name: str) -> str:
    """The lines between a section's start and end markers, other markers left out, as the
    site's snippet extension shows them."""
    lines, inside, found = [], False, False
    for line in source.splitlines():
        marker = re.match(r"\s*# --8<-- \[(start|end):([a-z][-_0-9a-z]*)\]", line)
        if marker and marker[2] == name:
            inside, found = marker[1] == "start", True
        elif marker is None and inside:
            lines.append(line)
    assert found, f"no section {name!r}"
    return "\n".join(lines)


def figure_code_tabs(page: str) -> list[tuple[str, str]]:
    """(job name, the Python its Code tab shows) for every figure on the page."""
    tabs = []
    for figure in re.finditer(r'=== "Figure"\n\n    \{\{ figure ([\w.]+)/', page):
        code = page[figure.end() :].split('=== "Code"', 1)[1].split("The whole chapter:", 1)[0]
        sections = re.findall(r'^    --8<-- "([\w/]+\.py):([\w-]+)"$', code, re.M)
        assert sections, f"the Code tab beside {figure[1]} shows no section"
        assert {path for path, _ in sections} <= set(MODULES + SHARED), figure[1]
        tabs.append((figure[1], sections))
    return tabs


def shown_code(sections) -> str:
    return "\n\n".join(shown_section(open(path).read(), name) for path, name in sections)


def test_every_code_tab_defines_its_figures_train_and_render_functions(repo_root):
    from figures_src.engine.jobs import all_jobs

    page = (repo_root / PAGE).read_text()
    tabs = figure_code_tabs(page)
    assert len(tabs) == page.count('=== "Figure"') == page.count('=== "Code"') == 7
    jobs = all_jobs()
    for name, sections in tabs:
        code = shown_code(sections)
        defined = {n.name for n in ast.walk(ast.parse(code)) if isinstance(n, ast.FunctionDef)}
        job = jobs[name]
        trainer = jobs[job.trained_by].train
        assert {trainer.__name__, job.render.__name__} <= defined, name
        assert "fmt: skip" not in code and "noqa" not in code, name
    assert page.count("The whole chapter: {{ source " + MODULE + " }}") == len(tabs)
    # Every file a tab shows code from can be opened from its "The whole chapter" line.
    for line in re.findall(r"The whole chapter:(?:.*\n){1,4}?.*\.py \}\}\.", page):
        for path in MODULES + SHARED:
            assert "{{ source " + path + " }}" in line


def test_code_tabs_are_short_readable_and_do_not_repeat_big_blocks(repo_root):
    """Only the main run's train function and its short dispatching render function appear
    in more than one tab; no tab is a wall of code; no shown line of ours is cut off in the
    page's column (about 82 characters of code fit)."""
    page = (repo_root / PAGE).read_text()
    tabs = figure_code_tabs(page)
    seen: dict[tuple[str, str], int] = {}
    for name, sections in tabs:
        for section in sections:
            seen[section] = seen.get(section, 0) + 1
        lines = shown_code(sections).splitlines()
        assert len(lines) <= 200, f"{name}: {len(lines)} lines"
        for path, section in sections:
            if path in SHARED and section != "regression":
                continue  # shared code of other chapters
            for line in shown_section(open(path).read(), section).splitlines():
                assert len(line) <= 82, f"{path}:{section}: {line}"
    repeated = {section for section, n in seen.items() if n > 1}
    assert repeated == {(MODULE, "fit-train"), (MODULE, "fit-render")}
    for section in repeated:
        assert len(shown_section(open(section[0]).read(), section[1]).splitlines()) <= 25
    # The data figure's tab shows how the data are made.
    assert ("figures_src/datasets.py", "regression") in tabs[0][1]


def test_the_page_credits_the_post_and_keeps_build_words_in_the_try_it_box(repo_root):
    page = (repo_root / PAGE).read_text()
    opening = page.split("\n## ", 1)[0]
    assert "신경망을 이용한 비선형 모델의 회귀분석" in opening and "(sources.md#post-2)" in opening
    assert "Regression of nonlinear\nmodels with neural networks" in opening
    assert "GIS Developer blog" in opening and "http://www.gisdeveloper.co.kr/?p=8395" in opening
    assert "names no author" in opening
    try_it = page.split("\n## Try it {#try-it}\n", 1)[1].split("\n## ", 1)[0]
    reader_text = page.replace(try_it, "")
    # Try it is for readers who rebuild the site; it names no test file.
    assert try_it.rstrip().endswith("(how-this-site-is-built.md#rebuild-it-yourself)")
    assert "tests/" not in try_it and "test_" not in try_it
    for word in (
        "seed post",
        "original post",
        "this build",
        "job",
        "tests/",
        "test_",
        "does not name",
        "does not say",
    ):
        assert word not in reader_text.lower(), word
    # The fit is drawn in the palette's vermilion; no colour word may call it red.
    assert not re.search(r"\bred\b", page)
    # It ends with a summary of three to five points.
    summary = page.split("\n## ")[-1]
    assert summary.startswith("Summary {#summary}\n")
    assert 3 <= len(re.findall(r"^- ", summary, re.M)) <= 5
