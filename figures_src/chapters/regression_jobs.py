"""Nonlinear regression: the parameters every run of the chapter shares, and the main run's job.

regression.py trains the main run (LeakyReLU, L1 loss) and draws its figures; activations.py
and losses.py train the same network, with these same parameters, once per activation and
once per loss.
"""

from __future__ import annotations

from figures_src.chapters.regression import render_fit, train_fit
from figures_src.engine import job

PARAMS = dict(
    n_samples=5000, x_range=4.0, noise_std=30.0, val_fraction=0.2, width=64, depth=3,
    y_scale=100.0, epochs=160, lr=0.01, final_epochs=80, final_lr=0.001, batch_size=500,
    grid=801, seed=0,
)  # fmt: skip
QUICK = dict(epochs=8, final_epochs=4, n_samples=1500)
BOUNDS = dict(
    n_samples=(100, 100_000), x_range=(0.1, 100.0), noise_std=(0.0, 1000.0),
    val_fraction=(0.01, 0.9), width=(1, 1024), depth=(1, 10), y_scale=(0.001, 1e6),
    epochs=(1, 5000), lr=(1e-6, 1.0), final_epochs=(0, 5000), final_lr=(1e-6, 1.0),
    batch_size=(1, 100_000), grid=(11, 10_001), seed=(0, None),
)  # fmt: skip

job(
    "regression.fit",
    train=train_fit,
    render=render_fit,
    params=dict(PARAMS, zoom_from=2.15, zoom_to=2.33),
    quick=QUICK,
    bounds=dict(BOUNDS, zoom_from=(-10.0, 10.0), zoom_to=(-10.0, 10.0)),
    style=dict(fps=8, frames=60),
)
