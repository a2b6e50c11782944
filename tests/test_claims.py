"""The claims the pages make, checked at the real settings the published site uses."""

from __future__ import annotations


def test_circles_network_separates_the_classes(real_report):
    metrics = real_report["circles.hidden"]["metrics"]
    assert metrics["final_accuracy"] >= 0.95
    assert metrics["hidden_linear_probe_accuracy"] >= 0.95
    assert metrics["alive_hidden_units"] == 2  # the page shows a genuinely 2-D layer
