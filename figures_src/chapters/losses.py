"""Nonlinear regression: the loss curves of the main run, and the same network trained
with two losses, L1 (which the main run uses) and mean squared error.

The network, data and training are those of regression.py. We compare how close to the
noise floor each loss gets on held-out points, and how soon.
"""

from __future__ import annotations

import numpy as np

from figures_src import datasets
from figures_src.chapters.regression import LOSSES, fit_curve
from figures_src.chapters.regression_jobs import BOUNDS, PARAMS, QUICK
from figures_src.drawing import words
from figures_src.engine import job
from figures_src.plotting import CLASS_COLORS, INK, MUTED, new_figure

# %% [markdown]
# ## The main run's loss curves

# --8<-- [start:loss-render]
# One colour per quantity, here and in the comparison of losses; Okabe-Ito
# orange, blue and reddish purple stay apart under colour-blindness.
TRAIN_COLOR = CLASS_COLORS[1]  # orange: the main run's training loss
VAL_COLOR = CLASS_COLORS[0]  # blue: the main run's validation MAE (L1 loss)
MSE_COLOR = CLASS_COLORS[3]  # reddish purple: validation MAE with MSE


def mae_axes(fig, p, noise_floor: float, ylabel: str, t):
    """Axes for MAE per epoch: the noise floor dashed, the drop of the
    learning rate dotted."""
    ax = fig.add_axes((0.1, 0.13, 0.86, 0.8))
    last = p.epochs + p.final_epochs
    ax.set_xlim(0, last)
    ax.set_ylim(noise_floor - 6, 60)
    ax.axhline(noise_floor, color=INK, ls="--", lw=1)
    floor = t("noise floor σ·√(2/π) = {:.2f}", "잡음 하한 σ·√(2/π) = {:.2f}")
    floor = floor.format(noise_floor)
    ax.text(last, noise_floor - 1.0, floor, ha="right", va="top")
    ax.axvline(p.epochs, color=MUTED, ls=":", lw=1)
    drop = t("lr {:g} → {:g}  ", "학습률 {:g} → {:g}  ").format(p.lr, p.final_lr)
    ax.text(p.epochs, 45, drop, color=MUTED, ha="right")
    ax.set_xlabel(t("epoch", "에포크"))
    ax.set_ylabel(ylabel)
    return ax


def render_loss(run, style):
    """Train loss and validation MAE per epoch, against the noise floor."""
    t = words(style)
    fig = new_figure(8, 4.2)
    floor = run.metrics["noise_floor_mae"]
    ylabel = t("mean absolute error", "평균 절대 오차")
    ax = mae_axes(fig, run.params, floor, ylabel, t)
    label = t(
        "train loss (L1: the MAE), mean over the epoch",
        "학습 손실 (L1, 곧 MAE), 에포크 평균",
    )
    ax.plot(run.train_loss, color=TRAIN_COLOR, lw=1.6, label=label)
    validation = t("validation MAE", "검증 MAE")
    ax.plot(run.val_mae, color=VAL_COLOR, lw=1.6, label=validation)
    ax.legend(loc="upper right")
    return {"loss": fig}


# --8<-- [end:loss-render]


# %% [markdown]
# ## The same network with L1 loss and with MSE


# --8<-- [start:losses-train]
def train_losses(p):
    """The same LeakyReLU network trained with L1 loss and with MSE."""
    floor = datasets.noise_floor_mae(p.noise_std)
    arrays, metrics = {}, {"noise_floor_mae": floor}
    for name in LOSSES:
        run = fit_curve(p, loss=name)
        arrays[f"val_mae_{name}"] = run["val_mae"]
        metrics[f"val_mae_{name}"] = float(run["val_mae"][-1])
        # How fast it falls: the first epoch within 10 % of the noise floor.
        close = np.flatnonzero(run["val_mae"] <= 1.1 * floor)
        first = int(close[0]) if len(close) else -1
        metrics[f"epochs_within_10pct_{name}"] = first
    return arrays, metrics


# --8<-- [end:losses-train]


# --8<-- [start:losses-render]
def render_losses(run, style):
    """Validation MAE per epoch for L1 and MSE, against the noise floor."""
    t = words(style)
    fig = new_figure(8, 4.2)
    floor = run.metrics["noise_floor_mae"]
    ax = mae_axes(fig, run.params, floor, t("validation MAE", "검증 MAE"), t)
    runs = (("l1", VAL_COLOR, t("L1 loss", "L1 손실")), ("mse", MSE_COLOR, "MSE"))
    trained = t("trained with {}: {:.2f}", "{}로 학습: {:.2f}")
    for name, color, label in runs:
        values = getattr(run, f"val_mae_{name}")
        text = trained.format(label, values[-1])
        ax.plot(values, color=color, lw=1.6, label=text)
    ax.legend(loc="upper right")
    return {"losses": fig}


# --8<-- [end:losses-render]


# %% [markdown]
# ## The jobs

job("regression.loss", train="regression.fit", render=render_loss)
job("regression.losses", train=train_losses, render=render_losses,
    params=PARAMS, quick=QUICK, bounds=BOUNDS)  # fmt: skip
