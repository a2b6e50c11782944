"""Chapter 3, nonlinear regression: the page's claims at the real settings, and the kink
finder and data loader on cases small enough to check by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from figures_src import datasets
from figures_src.chapters.regression import LEAKY_SLOPE, kinks

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


def test_fit_comes_within_15_percent_of_the_noise_floor(real_report):
    metrics = real_report["regression.fit"]["metrics"]
    params = real_report["regression.fit"]["params"]
    assert metrics["noise_floor_mae"] == pytest.approx(params["noise_std"] * math.sqrt(2 / math.pi))
    assert metrics["val_mae"] <= 1.15 * metrics["noise_floor_mae"]
    # The page: the training MAE is only a little lower; the network has not memorised noise.
    assert metrics["train_mae"] < metrics["val_mae"] < metrics["train_mae"] + 1.0
    # The page says no model can beat the floor on fresh data; nor does the true function.
    assert metrics["true_function_val_mae"] == pytest.approx(metrics["noise_floor_mae"], rel=0.05)
    assert metrics["val_mae"] > metrics["true_function_val_mae"]


def test_leaky_relu_has_fewer_dead_units_than_relu(real_report):
    metrics = real_report["regression.activations"]["metrics"]
    assert metrics["dead_units_leaky_relu"] < metrics["dead_units_relu"]
    # The page: ReLU loses many units yet fits about as well; sigmoid fits worst.
    assert metrics["dead_units_relu"] >= metrics["hidden_units"] // 4
    assert metrics["val_mae_relu"] <= 1.1 * metrics["val_mae_leaky_relu"]
    assert metrics["val_mae_tanh"] <= 1.1 * metrics["val_mae_leaky_relu"]
    others = [metrics[f"val_mae_{a}"] for a in ("relu", "leaky_relu", "tanh")]
    assert metrics["val_mae_sigmoid"] > max(others)


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


def network_slope(layers, x: np.ndarray) -> np.ndarray:
    """dy/dx of the LeakyReLU network at each x, carried forward layer by layer."""
    h, dh = x[:, None], np.ones((len(x), 1))
    for w, b in layers[:-1]:
        z, dz = h @ w.T + b, dh @ w.T
        gain = np.where(z > 0, 1.0, LEAKY_SLOPE)
        h, dh = gain * z, gain * dz
    return (dh @ layers[-1][0].T)[:, 0]


def count_slope_changes(layers, lo: float, hi: float, points: int, scale: float) -> int:
    """How many times the slope changes on [lo, hi]: sample it, then zoom into every
    interval where it changed until each holds one change or is narrower than 1e-11."""
    x = np.linspace(lo, hi, points)
    slope = network_slope(layers, x)
    changed = np.flatnonzero(~np.isclose(slope[1:], slope[:-1], rtol=0, atol=1e-9 * scale))
    if (hi - lo) / (points - 1) < 1e-11:
        return len(changed)
    return sum(count_slope_changes(layers, x[i], x[i + 1], 17, scale) for i in changed)


def test_linear_pieces_match_an_independent_count(real_report):
    metrics = real_report["regression.fit"]["metrics"]
    p = real_report["regression.fit"]["params"]
    arrays = trained_arrays("regression.fit")
    depth = p["depth"]
    layers = [(arrays[f"weight{i}"], arrays[f"bias{i}"]) for i in range(depth + 1)]
    r = p["x_range"]

    scale = np.abs(network_slope(layers, np.linspace(-r, r, 200_001))).max()
    changes = count_slope_changes(layers, -r, r, 200_001, scale)
    assert metrics["linear_pieces"] == changes + 1
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
    slope = network_slope(layers, x)
    jumps = x[1:][~np.isclose(slope[1:], slope[:-1])]
    assert len(where) == len(jumps) == len(slopes) - 1
    assert np.allclose(where, jumps, atol=1e-4)
    assert sorted(layer.tolist()) == [1, 1, 2]
    assert np.allclose(where, [-2.5, -2.0, 1.0])


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
