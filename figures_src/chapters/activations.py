"""Nonlinear regression with four activations: ReLU, LeakyReLU, sigmoid and tanh.

The network, data and training of regression.py, run once with each activation in turn.
We compare the fits, count the hidden units that end off on every data point (and those
that came back after being off), and measure how far in from each end the fit goes flat,
and why: how fast each layer's output still moves with x there.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch
from torch import nn

from figures_src import datasets
from figures_src.chapters.regression import ACTIVATIONS, LEAKY_SLOPE, data_axes, fit_curve
from figures_src.chapters.regression_jobs import BOUNDS, PARAMS, QUICK
from figures_src.drawing import words
from figures_src.engine import job
from figures_src.nn import tensor
from figures_src.plotting import FIT, new_figure

# %% [markdown]
# ## Units that are off on every data point

# --8<-- [start:dead-units]
# Below this share of its steepest slope, a sigmoid or tanh unit is saturated.
SATURATED = 0.01


def off_units(model: nn.Sequential, x, x_range: float, activation: str):
    """A (depth, width) array, True for each hidden unit that is off on every
    point of ``x``: a ReLU-like unit whose input is never above zero (for ReLU,
    a dead unit: its output and gradient are 0), or a sigmoid or tanh unit that
    is saturated on every point."""
    off = []
    h = tensor(x[:, None] / x_range)
    with torch.no_grad():
        for layer, act in zip(model[:-1:2], model[1::2], strict=True):
            z = layer(h)
            h = act(z)
            if activation == "sigmoid":
                flat = h * (1 - h) / 0.25 < SATURATED  # slope / its peak
            elif activation == "tanh":
                flat = 1 - h**2 < SATURATED
            else:
                flat = z <= 0
            off.append(flat.numpy().all(axis=0))
    return np.stack(off)


# --8<-- [end:dead-units]


# %% [markdown]
# ## The same network with each activation


# --8<-- [start:activations-train]
def train_activations(p):
    """The same network, data and training with each activation in turn: the
    fit, which units end off (and which came back), and where the fit is flat."""
    arrays, metrics = {}, {"hidden_units": p.width * p.depth}
    for name in ACTIVATIONS:
        watch = partial(off_units, x_range=p.x_range, activation=name)
        run = fit_curve(p, activation=name, watch=watch)
        arrays[f"curve_{name}"] = run["curves"][-1]
        arrays[f"val_mae_{name}"] = run["val_mae"]
        metrics[f"val_mae_{name}"] = float(run["val_mae"][-1])
        metrics.update(off_counts(run["watched"], name))
        metrics.update(flat_end(run, name, p))
    for key in ("grid", "x_train", "y_train"):
        arrays[key] = run[key]
    return arrays, metrics


def off_counts(off: np.ndarray, name: str) -> dict:
    """Per layer, from ``off`` (snapshots, depth, width), epoch 0 first: the
    units off on every training point at the end, and those that came back
    (off after some epoch, on again at the end)."""
    end = off[-1].sum(axis=1)
    revived = (off[1:].any(axis=0) & ~off[-1]).sum(axis=1)
    counts = {
        f"dead_units_{name}": int(end.sum()),
        f"revived_{name}": int(revived.sum()),
    }
    for d in range(len(end)):
        counts[f"dead_units_{name}_layer{d + 1}"] = int(end[d])
        counts[f"revived_{name}_layer{d + 1}"] = int(revived[d])
    return counts


# --8<-- [end:activations-train]

# %% [markdown]
# ## Where a fit goes flat, and why


# --8<-- [start:flat-ends]
def flat_ends(grid: np.ndarray, curve: np.ndarray) -> tuple[float, float]:
    """How far in from the left and from the right end the curve stays flat:
    its slope under 1 % of its steepest."""
    slope = np.abs(np.gradient(curve.astype(np.float64), grid))
    steep = np.flatnonzero(slope >= 0.01 * slope.max())
    return float(grid[steep[0]] - grid[0]), float(grid[-1] - grid[steep[-1]])


def layer_slopes(model: nn.Sequential, x, x_range: float, y_scale: float):
    """At each x: how fast each hidden layer's output moves as x moves (the
    length of dh/dx over the layer's units), and the network's slope dŷ/dx."""

    def forward(u):
        outputs = []
        for module in model:
            u = module(u)
            outputs.append(u)
        return (*outputs[1::2], outputs[-1])  # each activation's output, then ŷ

    u = tensor(x[:, None] / x_range)
    _, moves = torch.func.jvp(forward, (u,), (torch.ones_like(u) / x_range,))
    *hidden, out = (move.detach().numpy() for move in moves)
    return [np.linalg.norm(h, axis=1) for h in hidden], out[:, 0] * y_scale


def flat_end(run: dict, name: str, p) -> dict:
    """How far in from each end the fit is flat; then, in the flat stretch at
    the left end against the rest of the range, how fast each layer's output
    and the network's output move with x, and how many units of each layer
    are off (saturated) on every training point of the stretch."""
    grid = run["grid"].astype(np.float64)
    left, right = flat_ends(grid, run["curves"][-1])
    facts = {f"flat_left_{name}": left, f"flat_right_{name}": right}
    stretch = grid <= grid[0] + left
    hidden, out = layer_slopes(run["model"], grid, p.x_range, p.y_scale)
    true = np.abs(np.gradient(datasets.regression_target(grid), grid))
    facts[f"out_slope_flat_{name}"] = float(np.abs(out[stretch]).mean())
    facts[f"out_slope_rest_{name}"] = float(np.abs(out[~stretch]).mean())
    facts[f"true_slope_flat_{name}"] = float(true[stretch].mean())
    x = run["x_train"]
    tail = x[x < -p.x_range + left]
    off = np.zeros_like(run["watched"][-1])
    if len(tail):
        off = off_units(run["model"], tail, p.x_range, name)
    facts[f"off_in_flat_left_{name}"] = int(off.sum())
    for d, h in enumerate(hidden, start=1):
        ratio = h[stretch].mean() / h[~stretch].mean()
        facts[f"layer_slope_ratio_{name}_layer{d}"] = float(ratio)
        facts[f"off_in_flat_left_{name}_layer{d}"] = int(off[d - 1].sum())
    return facts


# --8<-- [end:flat-ends]

# --8<-- [start:activations-render]
SHADE = dict(color="#e8e8e8", lw=0, zorder=0)  # behind the data
TITLES = {  # (English, Korean)
    "relu": ("ReLU", "ReLU"),
    "leaky_relu": (f"LeakyReLU({LEAKY_SLOPE:g})", f"LeakyReLU({LEAKY_SLOPE:g})"),
    "sigmoid": ("sigmoid", "시그모이드"),
    "tanh": ("tanh", "tanh"),
}


def render_activations(run, style):
    """Small multiples: each activation's final fit, validation MAE and off
    units; grey bands where a fit is flat up to an end of the range."""
    t, p, m = words(style), run.params, run.metrics
    flat = t("flat", "평탄")
    fig = new_figure(9, 6.2)
    for i, name in enumerate(ACTIVATIONS):
        row, col = divmod(i, 2)
        rect = (0.08 + 0.48 * col, 0.56 - 0.46 * row, 0.4, 0.34)
        ax = data_axes(fig, rect, run, p, 2000)
        ax.plot(run.grid, getattr(run, f"curve_{name}"), color=FIT, lw=1.6)
        left, right = m[f"flat_left_{name}"], m[f"flat_right_{name}"]
        top = ax.get_ylim()[1]
        if left > 0:
            ax.axvspan(-p.x_range, -p.x_range + left, **SHADE)
            ax.text(-p.x_range + 0.05, top, flat, ha="left", va="top")
        if right > 0:
            ax.axvspan(p.x_range - right, p.x_range, **SHADE)
            ax.text(p.x_range - 0.05, top, flat, ha="right", va="top")
        if name in ("sigmoid", "tanh"):
            units = t(
                "{off} of {total} units saturated on every point",
                "모든 점에서 포화된 유닛 {total}개 중 {off}개",
            )
        else:
            units = t(
                "{off} of {total} units off on every point",
                "모든 점에서 꺼진 유닛 {total}개 중 {off}개",
            )
        units = units.format(off=m[f"dead_units_{name}"], total=m["hidden_units"])
        mae = t("validation MAE {:.1f}", "검증 MAE {:.1f}")
        title = f"{t(*TITLES[name])}: {mae.format(m[f'val_mae_{name}'])}\n{units}"
        ax.set_title(title, fontsize=11, loc="left")
        if row == 0:
            ax.set_xlabel("")
        if col == 1:  # same y scale as the panel on its left
            ax.set_ylabel("")
            ax.tick_params(labelleft=False)
    return {"activations": fig}


# --8<-- [end:activations-render]


# %% [markdown]
# ## The job

job("regression.activations", train=train_activations, render=render_activations,
    params=PARAMS, quick=QUICK, bounds=BOUNDS)  # fmt: skip
