"""Nonlinear regression with two losses: L1, which the fit uses, and mean squared error.

The network, data and training of regression.py, run once with each loss. We compare how
close to the noise floor each gets on held-out points, and how soon.
"""

from __future__ import annotations

import numpy as np

from figures_src import datasets
from figures_src.chapters.regression import (
    BOUNDS,
    LOSSES,
    PARAMS,
    QUICK,
    fit_curve,
    mae_axes,
)
from figures_src.engine import job
from figures_src.plotting import CLASS_COLORS, new_figure

# %% [markdown]
# ## The same network with L1 loss and with MSE


# --8<-- [start:losses-train]
def train_losses(p):
    """The same LeakyReLU network trained with L1 loss and with MSE."""
    arrays, metrics = {}, {"noise_floor_mae": datasets.noise_floor_mae(p.noise_std)}
    for name in LOSSES:
        run = fit_curve(p, loss=name)
        arrays[f"val_mae_{name}"] = run["val_mae"]
        metrics[f"val_mae_{name}"] = float(run["val_mae"][-1])
        # How fast it falls: the first epoch within 10 % of the noise floor.
        close = np.flatnonzero(run["val_mae"] <= 1.1 * metrics["noise_floor_mae"])
        metrics[f"epochs_within_10pct_{name}"] = int(close[0]) if len(close) else -1
    return arrays, metrics


# --8<-- [end:losses-train]


# --8<-- [start:losses-render]
def render_losses(run, style):
    """Validation MAE per epoch for L1 and MSE, against the noise floor."""
    p, m = run.params, run.metrics
    fig = new_figure(8, 4.2)
    ax = mae_axes(fig, p, m["noise_floor_mae"], "validation MAE")
    for name, color, label in (("l1", CLASS_COLORS[0], "L1 loss"), ("mse", CLASS_COLORS[2], "MSE")):
        values = getattr(run, f"val_mae_{name}")
        ax.plot(values, color=color, lw=1.6, label=f"trained with {label}: {values[-1]:.2f}")
    ax.legend(loc="upper right", fontsize=10)
    return {"losses": fig}


# --8<-- [end:losses-render]


# %% [markdown]
# ## The job

job("regression.losses", train=train_losses, render=render_losses,
    params=PARAMS, quick=QUICK, bounds=BOUNDS)  # fmt: skip
