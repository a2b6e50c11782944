"""Nonlinear regression with four activations: ReLU, LeakyReLU, sigmoid and tanh.

The network, data and training of regression.py, run once with each activation in turn.
We compare the fits, count the hidden units that end off on every data point (and those
that came back after being off), and measure how far in from each end the fit goes flat.
"""

from __future__ import annotations

import numpy as np

from figures_src.chapters.regression import (
    ACTIVATIONS,
    BOUNDS,
    LEAKY_SLOPE,
    PARAMS,
    QUICK,
    data_axes,
    fit_curve,
    off_units,
)
from figures_src.engine import job
from figures_src.plotting import FIT, new_figure

# %% [markdown]
# ## The same network with each activation: units that end off, and flat ends


# --8<-- [start:activations-train]
def revived_units(off: np.ndarray) -> np.ndarray:
    """Per hidden layer, the units that were off on every training point after some epoch
    and are on again at the end; ``off`` is (snapshots, depth, width), epoch 0 first."""
    return (off[1:].any(axis=0) & ~off[-1]).sum(axis=1)


def flat_ends(grid: np.ndarray, curve: np.ndarray) -> tuple[float, float]:
    """How far in from the left and from the right end the curve stays flat: its slope
    under 1 % of its steepest."""
    slope = np.abs(np.gradient(curve.astype(np.float64), grid))
    steep = np.flatnonzero(slope >= 0.01 * slope.max())
    return float(grid[steep[0]] - grid[0]), float(grid[-1] - grid[steep[-1]])


def train_activations(p):
    """The same network, data and training with each activation in turn: the fit, which
    units end off (and which came back), and how far in from each end the fit is flat."""
    arrays, metrics = {}, {"hidden_units": p.width * p.depth}
    for name in ACTIVATIONS:
        run = fit_curve(p, activation=name)
        arrays[f"curve_{name}"] = run["curves"][-1]
        arrays[f"val_mae_{name}"] = run["val_mae"]
        metrics[f"val_mae_{name}"] = float(run["val_mae"][-1])
        off_at_end, revived = run["off"][-1], revived_units(run["off"])
        metrics[f"dead_units_{name}"] = int(off_at_end.sum())
        metrics[f"revived_{name}"] = int(revived.sum())
        for d in range(1, p.depth + 1):
            metrics[f"dead_units_{name}_layer{d}"] = int(off_at_end[d - 1].sum())
            metrics[f"revived_{name}_layer{d}"] = int(revived[d - 1])
        left, right = flat_ends(run["grid"], run["curves"][-1])
        metrics[f"flat_left_{name}"], metrics[f"flat_right_{name}"] = left, right
        # The units that are off (saturated) on every training point of the flat left end.
        tail = run["x_train"] < -p.x_range + left
        off_in_tail = off_units(run["model"], run["x_train"][tail], p.x_range, name)
        metrics[f"off_in_flat_left_{name}"] = int(off_in_tail.sum()) if tail.any() else 0
    arrays.update(grid=run["grid"], x_train=run["x_train"], y_train=run["y_train"])
    return arrays, metrics


# --8<-- [end:activations-train]

# --8<-- [start:activations-render]
FLAT_SHADE = "#e8e8e8"


def render_activations(run, style):
    """Small multiples: each activation's final fit, validation MAE and off units."""
    p, m = run.params, run.metrics
    fig = new_figure(9, 6.2)
    titles = {
        "relu": "ReLU",
        "leaky_relu": f"LeakyReLU({LEAKY_SLOPE:g})",
        "sigmoid": "sigmoid",
        "tanh": "tanh",
    }
    for i, name in enumerate(ACTIVATIONS):
        row, col = divmod(i, 2)
        ax = data_axes(fig, (0.08 + 0.47 * col, 0.56 - 0.46 * row, 0.42, 0.34), run, p, 2000)
        ax.plot(run.grid, getattr(run, f"curve_{name}"), color=FIT, lw=1.6)
        # Shade where the fit is flat at either end of the range.
        left, right = m[f"flat_left_{name}"], m[f"flat_right_{name}"]
        top = ax.get_ylim()[1]
        if left > 0:
            ax.axvspan(-p.x_range, -p.x_range + left, color=FLAT_SHADE, lw=0, zorder=0)
            ax.text(-p.x_range + 0.05, top, "flat", ha="left", va="top")
        if right > 0:
            ax.axvspan(p.x_range - right, p.x_range, color=FLAT_SHADE, lw=0, zorder=0)
            ax.text(p.x_range - 0.05, top, "flat", ha="right", va="top")
        off = "saturated" if name in ("sigmoid", "tanh") else "off"
        ax.set_title(
            f"{titles[name]}: validation MAE {m[f'val_mae_{name}']:.1f}\n"
            f"{m[f'dead_units_{name}']} of {m['hidden_units']} units {off} on every point",
            fontsize=11,
            loc="left",
        )
        if row == 0:
            ax.set_xlabel("")
        if col == 1:
            ax.set_ylabel("")
    return {"activations": fig}


# --8<-- [end:activations-render]


# %% [markdown]
# ## The job

job("regression.activations", train=train_activations, render=render_activations,
    params=PARAMS, quick=QUICK, bounds=BOUNDS)  # fmt: skip
