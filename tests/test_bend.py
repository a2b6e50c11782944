"""The claims of "How layers bend space", at the published settings."""

from __future__ import annotations

import pytest

CLASSIFIERS = ["circles.hidden", "circles.two_views", "circles.grid_warp", "spiral.hidden"]


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classifiers_separate_their_classes(real_report, name):
    metrics = real_report[name]["metrics"]
    assert metrics["final_accuracy"] >= 0.95
    assert metrics["hidden_linear_probe_accuracy"] >= 0.95


def test_figures_show_genuinely_multi_dimensional_hidden_layers(real_report):
    assert real_report["circles.hidden"]["metrics"]["alive_hidden_units"] == 2
    assert real_report["spiral.hidden"]["metrics"]["alive_hidden_units"] == 3


def test_width_matters(real_report):
    metrics = real_report["circles.width"]["metrics"]
    assert metrics["wide_accuracy"] - metrics["narrow_accuracy"] >= 0.05
    # Not luck: even the best narrow network stays below the wide networks' mean.
    assert metrics["narrow_best_accuracy"] < metrics["wide_accuracy"]
    assert real_report["circles.width"]["params"]["seeds"] >= 3


def test_two_views_and_grid_warp_share_the_circles_model(real_report):
    hidden = real_report["circles.hidden"]["metrics"]
    assert real_report["circles.two_views"]["metrics"] == hidden
    assert real_report["circles.grid_warp"]["metrics"] == hidden
