"""The claims of "How layers bend space", at the published settings, and the helpers behind
its measured numbers."""

from __future__ import annotations

import ast
import re
from types import SimpleNamespace

import numpy as np
import pytest

from figures_src.chapters import circles, grid_warp, spiral
from figures_src.engine.jobs import all_jobs

CLASSIFIERS = ["circles.hidden", "circles.two_views", "circles.grid_warp", "spiral.hidden"]
BEND_JOBS = [*CLASSIFIERS, "circles.width"]
MODULES = ("circles", "grid_warp", "spiral", "widths")  # the chapter's code


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classifiers_separate_their_classes(real_report, name):
    metrics = real_report[name]["metrics"]
    assert metrics["final_accuracy"] >= 0.95
    assert metrics["hidden_linear_probe_accuracy"] >= 0.95


def test_figures_show_genuinely_multi_dimensional_hidden_layers(real_report):
    assert real_report["circles.hidden"]["metrics"]["alive_hidden_units"] == 2
    assert real_report["spiral.hidden"]["metrics"]["alive_hidden_units"] == 3


def test_circles_follow_the_post_and_spread_the_change_over_the_animation(real_report):
    """The page: Keras' default Adam rate, and accuracy reaches the target "not in the first
    few frames" (but does reach it)."""
    entry = real_report["circles.hidden"]
    assert entry["params"]["lr"] == 0.001
    assert entry["params"]["batch_size"] == 32 and entry["params"]["epochs"] == 50
    first = entry["metrics"]["first_epoch_at_target"]
    assert 5 <= first <= entry["params"]["epochs"]


def test_first_animation_frames_match_what_to_look_at(real_report):
    """ "What to look at": at epoch 0 one unit (unit 2: points on the horizontal axis) is
    almost silent and the output line is outside the view, calling every point inner ring;
    a few epochs later the other unit (unit 1: the vertical axis) is almost silent, and it
    comes back."""
    entry = real_report["circles.hidden"]
    metrics, alive_share = entry["metrics"], entry["params"]["alive_share"]
    assert metrics["start_quiet_unit"] == 2 and metrics["start_other_unit"] == 1
    assert metrics["start_quiet_share"] < alive_share
    assert metrics["start_inner_share"] == 1.0
    assert metrics["start_accuracy"] == pytest.approx(0.5, abs=0.02)
    assert metrics["line_first_shown"] >= 1  # not drawn at epoch 0
    assert 1 <= metrics["swap_epoch"] < metrics["first_epoch_at_target"]
    assert 0 <= metrics["swap_share"] < alive_share
    assert metrics["swap_epoch"] < metrics["both_alive_from"] < metrics["first_epoch_at_target"]


def test_seed_search_is_described_truly(real_report):
    """ "One seed was tried before it (seed 0): it solved the task with a single unit." and,
    for the spiral, "the two seeds before it did not"."""
    entry = real_report["circles.hidden"]
    metrics = entry["metrics"]
    assert metrics["seeds_rejected"] == 1 == metrics["seeds_one_unit"]
    assert metrics["seed_used"] == entry["params"]["seed"] + 1
    spiral_entry = real_report["spiral.hidden"]
    assert spiral_entry["metrics"]["seeds_rejected"] == 2
    assert spiral_entry["metrics"]["seed_used"] == spiral_entry["params"]["seed"] + 2


def test_settings_the_page_attributes_to_the_post_and_to_us(real_report):
    """The spiral's rate and batch differ from the post's (Keras' defaults, the circles')."""
    circles_params = real_report["circles.hidden"]["params"]
    spiral_params = real_report["spiral.hidden"]["params"]
    assert (spiral_params["lr"], spiral_params["batch_size"]) != (
        circles_params["lr"],
        circles_params["batch_size"],
    )
    assert spiral_params["epochs"] == 100 and spiral_params["every"] == 3
    assert spiral_params["points_per_class"] == 500


def test_the_shift_b1_mostly_points_out_of_the_viewed_plane(real_report):
    metrics = real_report["circles.hidden"]["metrics"]
    assert metrics["shift_in_view"] < 0.2 * metrics["shift_length"]


def test_the_first_bend_does_the_untangling(real_report):
    """Grid warp: no straight line separates the rings in the input plane; after the first
    ReLU, seen along the two directions layer 2 reads, one does."""
    metrics = real_report["circles.hidden"]["metrics"]
    assert metrics["input_linear_probe_accuracy"] <= 0.7
    assert metrics["folded_linear_probe_accuracy"] >= 0.95


def test_spiral_units_come_back_after_a_silence(real_report):
    metrics = real_report["spiral.hidden"]["metrics"]
    every = real_report["spiral.hidden"]["params"]["every"]
    alive_share = real_report["spiral.hidden"]["params"]["alive_share"]
    assert metrics["units_revived"] >= 1
    assert metrics["longest_silent_unit"] in (1, 2, 3)
    start, end = metrics["longest_silent_from_epoch"], metrics["longest_silent_to_epoch"]
    # A stretch of several saved epochs, not one unlucky snapshot.
    assert end - start >= 3 * every
    # "Exactly zero on every point up to epoch e; then a few points creep above zero."
    assert start <= metrics["longest_silent_exact_to_epoch"] < end
    assert 0 < metrics["longest_silent_peak_share"] < alive_share
    # "At epoch b it is non-zero on s of the points": the next saved epoch, alive again.
    assert metrics["longest_silent_back_epoch"] == end + every
    assert metrics["longest_silent_back_share"] >= 4 * alive_share
    assert metrics["longest_silent_final_share"] >= alive_share


def test_spiral_arms_are_told_apart_by_patterns_not_single_units(real_report):
    metrics = real_report["spiral.hidden"]["metrics"]
    means = np.array([[metrics[f"arm{a}_unit{u}_mean"] for u in (1, 2, 3)] for a in (1, 2, 3)])
    large = means >= means.max() / 4
    # "No arm is marked by one large unit of its own."
    assert metrics["arms_large_on_one_unit"] == 0 == int((large.sum(axis=1) == 1).sum())
    # "Arm q sits in the corner where all three units are close to zero."
    quiet = metrics["quiet_arm"] - 1
    assert metrics["quiet_arm_peak_share"] < 0.1
    assert not large[quiet].any()
    # "Each of the other two is large on two units at once, and they differ in which two."
    loud = [large[a] for a in range(3) if a != quiet]
    assert metrics["arms_large_on_two_units"] == 2
    assert all(row.sum() == 2 for row in loud) and not np.array_equal(*loud)


def test_width_matters(real_report):
    metrics = real_report["circles.width"]["metrics"]
    assert metrics["wide_accuracy"] - metrics["narrow_accuracy"] >= 0.05
    # Not luck: even the best narrow network stays below the wide networks' mean.
    assert metrics["narrow_best_accuracy"] < metrics["wide_accuracy"]
    assert real_report["circles.width"]["params"]["seeds"] >= 3
    # "The wide network does not always find the solution."
    assert metrics["wide_worst_accuracy"] < metrics["wide_accuracy"]


def test_two_views_and_grid_warp_share_the_circles_model(real_report):
    hidden = real_report["circles.hidden"]["metrics"]
    assert real_report["circles.two_views"]["metrics"] == hidden
    assert real_report["circles.grid_warp"]["metrics"] == hidden


@pytest.mark.parametrize("name", BEND_JOBS)
def test_figure_text_is_readable_on_the_page(real_report, name):
    for output, facts in real_report[name]["media"].items():
        assert facts["min_text_px"] >= 11, f"{name}/{output}: text at {facts['min_text_px']} px"


# --- the helpers behind the numbers ---------------------------------------------------------


def test_units_revived_counts_units_silent_then_active():
    silent = np.array(
        [
            # unit 1 silent at 1-2, back at 3; unit 2 dies for good; unit 3 never silent;
            # unit 4 silent at the start only.
            [False, False, False, True],
            [True, False, False, False],
            [True, True, False, False],
            [False, True, False, False],
        ]
    )
    assert spiral.units_revived(silent) == 2
    assert spiral.longest_silence(silent) == (0, 1, 2)
    assert spiral.units_revived(np.zeros((3, 2), bool)) == 0
    assert spiral.longest_silence(np.ones((3, 2), bool)) == (-1, -1, -1)


def test_silent_units_means_non_zero_on_too_few_points():
    hidden = np.zeros((2, 5, 2))
    hidden[0, 3, 0] = 0.5  # unit 1 non-zero on one point of five at snapshot 0
    assert spiral.silent_units(hidden, 0.1).tolist() == [[False, True], [True, True]]
    assert spiral.silent_units(hidden, 0.3).tolist() == [[True, True], [True, True]]


def test_line_shown_tells_whether_the_output_line_crosses_the_view():
    hidden = np.array([[[0.0, 0.0], [1.0, 1.0]]] * 2)  # the view: about [0, 1]²
    out_w = np.array([[[0.0, 0.0], [1.0, 0.0]]] * 2)  # boundary: x = -offset
    out_b = np.array([[0.0, -0.5], [0.0, 5.0]])  # x = 0.5 (inside), x = -5 (outside)
    assert circles.line_shown(hidden, out_w, out_b).tolist() == [True, False]


def test_best_line_separates_separable_points():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(200, 2))
    labels = (points[:, 0] + 2 * points[:, 1] > 0.3).astype(int)
    normal, offset = grid_warp.best_line(points, labels)
    assert (((points @ normal + offset) > 0) == labels).mean() >= 0.97


def test_first_epoch_at_target():
    assert circles.first_epoch_at(np.array([0.5, 0.8, 0.96, 0.94, 0.99]), 0.95) == 2
    assert circles.first_epoch_at(np.array([0.5, 0.6]), 0.95) == -1


def test_layer2_view_splits_w2_into_a_turn_and_a_2x2_map():
    rng = np.random.default_rng(0)
    run = SimpleNamespace(W1=rng.normal(size=(16, 2)), W2=rng.normal(size=(2, 16)))
    flat = grid_warp.flat_view(run)
    view, inside = grid_warp.layer2_view(run, flat)
    assert np.allclose(flat @ flat.T, np.eye(2)) and np.allclose(view @ view.T, np.eye(2))
    assert np.allclose(inside @ view, run.W2)
    points = rng.normal(size=(7, 16))
    turn = grid_warp.camera_turn(points, flat, view)
    assert np.allclose(turn(0.0), points @ flat.T) and np.allclose(turn(1.0), points @ view.T)


# --- the page -------------------------------------------------------------------------------


def code_tabs(page: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each Code tab of the page: (figure it sits beside, (module, section) it shows)."""
    tabs = []
    for block in re.split(r'^=== "Figure"', page, flags=re.M)[1:]:
        figure = re.search(r"\{\{ figure (\S+)", block)[1]
        code = block.split('=== "Code"', 1)[1]
        sections = re.findall(r'--8<-- "figures_src/chapters/(\w+)\.py:([\w-]+)"', code)
        tabs.append((figure, sections))
    return tabs


def section_source(module: str, name: str) -> str:
    match = re.search(
        rf"# --8<-- \[start:{name}\]\n(.*?)# --8<-- \[end:{name}\]", module, flags=re.S
    )
    assert match, f"no section {name!r}"
    return match[1]


def chapter_source(repo_root, module: str) -> str:
    return (repo_root / "figures_src" / "chapters" / f"{module}.py").read_text()


def test_each_code_tab_defines_its_figures_train_and_render_functions(repo_root):
    page = (repo_root / "docs" / "layers-bend-space.md").read_text()
    jobs = all_jobs()
    tabs = code_tabs(page)
    assert len(tabs) == 5
    for figure, sections in tabs:
        assert sections and {module for module, _ in sections} <= set(MODULES), figure
        job = jobs[figure.split("/")[0]]
        source = "\n".join(
            section_source(chapter_source(repo_root, module), name) for module, name in sections
        )
        assert "fmt: skip" not in source and "noqa" not in source, figure
        defined = {
            node.name
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.FunctionDef | ast.ClassDef)
        }
        trainer = jobs[job.trained_by].train
        assert {job.render.__name__, trainer.__name__} <= defined, figure


def test_page_names_the_data_and_the_claims_truly(repo_root):
    page = (repo_root / "docs" / "layers-bend-space.md").read_text()
    prose = page.split("## Try it")[0]
    assert "disc" not in page, "the inner class of make_circles is a ring"
    assert "never recovers" not in page
    assert "one unit is large" not in page
    assert "one-to-one" in prose and "one-to-one" in page.split("## Try it")[1]
    for word in ("this build", "max_seeds", "seed post", "original post", " job"):
        assert word not in prose, word
    assert "[Sources and further reading](sources.md)" in page.split("## Two circles")[0]
    # Try it comes before the summary, which is last, and links the rebuild instructions.
    assert page.index("## Try it") < page.index("## Summary")
    assert "## " not in page.split("## Summary")[1]
    assert "how-this-site-is-built.md#rebuild-it-yourself" in page.split("## Try it")[1]
    # Counts never read like seed numbers.
    assert "Seeds tried before it" not in page and "seeds tried before it:" not in page
    # Step 2 of the grid warp is a shift, not a linear map.
    assert "Steps 1 and 2 are linear" not in page
    # Every setting the figures depend on is stated.
    for name in ("spiral.hidden.lr", "spiral.hidden.batch_size", "circles.width.lr"):
        assert "{{ " + name + " }}" in prose, name
    assert "{{ circles.width.batch_size }}" in prose and "{{ circles.width.epochs }}" in prose
    assert "devson" in page.split("## Two circles")[0]
    # Text is INK by the shared style; only lines name it.
    for module in MODULES:
        source = chapter_source(repo_root, module)
        assert not re.search(r"(text|set_title|set_label)\([^()]*color=INK", source), module
