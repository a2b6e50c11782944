"""Width matters: tanh layers two units wide cannot untangle the circles; three units can.

After Chris Olah: a layer only two units wide is a one-to-one map of the plane, which
cannot carry the inner ring out of the region the outer ring encloses; a layer three units
wide has a third dimension to lift it through. Networks of each width are trained from
several seeds, and the best of each is replayed epoch by epoch (circles.py's snapshots and
probability panel).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from figures_src import datasets
from figures_src.chapters.circles import (
    circle_names,
    plane_grid,
    probability_colorbar,
    probability_panel,
    replay,
    snapshot_states,
)
from figures_src.drawing import animate, words
from figures_src.engine import job
from figures_src.nn import accuracy, tensor, train_epochs
from figures_src.plotting import class_legend, new_figure

# %% [markdown]
# ## Width matters: 2-unit tanh layers are one-to-one maps of the plane; 3-unit layers
# have
# a third dimension to lift the inner ring through


# --8<-- [start:width-train]
def tanh_net(width: int, depth: int) -> nn.Sequential:
    """2 → (Dense ``width`` tanh) × ``depth`` → Dense 2."""
    layers, fan_in = [], 2
    for _ in range(depth):
        layers += [nn.Linear(fan_in, width), nn.Tanh()]
        fan_in = width
    return nn.Sequential(*layers, nn.Linear(width, 2))


def train_widths(p):
    """Every seed at width 2 and width 3; the best seed of each is replayed for the
    figure."""
    X, y = datasets.circles(p.n_samples, p.noise)
    X_t, y_t = tensor(X), tensor(y, torch.int64)
    grid = tensor(plane_grid(p.grid))
    arrays, metrics = {"X": X, "y": y}, {}
    for label, width in (("narrow", 2), ("wide", 3)):
        runs = []
        for seed in range(p.seeds):
            torch.manual_seed(seed)
            model = tanh_net(width, p.depth)
            training = train_epochs(
                model, X_t, y_t, nn.CrossEntropyLoss(), p.epochs, p.lr, p.batch_size, seed
            )
            states = snapshot_states(model, training)[:: p.every]
            curve = replay(model, states, lambda m: accuracy(m(X_t).numpy(), y))
            runs.append((curve[-1], seed, model, states, curve))
        best_accuracy, best_seed, model, states, curve = max(runs, key=lambda r: r[0])
        arrays[f"{label}_accuracy"] = curve
        arrays[f"{label}_prob"] = replay(
            model, states, lambda m: torch.softmax(m(grid), 1)[:, 1].reshape(p.grid, p.grid)
        ).astype(np.float16)
        metrics[f"{label}_accuracy"] = float(np.mean([r[0] for r in runs]))
        metrics[f"{label}_best_accuracy"] = float(best_accuracy)
        metrics[f"{label}_worst_accuracy"] = float(min(r[0] for r in runs))
        metrics[f"{label}_best_seed"] = best_seed
    arrays["epochs"] = np.arange(len(arrays["wide_accuracy"])) * p.every
    metrics["accuracy_gap"] = metrics["wide_accuracy"] - metrics["narrow_accuracy"]
    return arrays, metrics


# --8<-- [end:width-train]


# --8<-- [start:width-render]
def render_widths(run, style):
    """The best narrow and the best wide network's decision regions, side by side."""
    t = words(style)
    fig = new_figure(6.9, 5.0)
    panels = [fig.add_axes((x, 0.08, 0.33, 0.55)) for x in (0.1, 0.55)]
    shows, artists, now = [], [], []
    seeds = run.params.seeds
    for ax, label, width in zip(panels, ("narrow", "wide"), (2, 3), strict=True):
        prob = getattr(run, f"{label}_prob")
        show, moving = probability_panel(ax, prob, run.X, run.y)
        left = ax.get_position().x0 - 0.06
        final_mean = run.metrics[f"{label}_accuracy"]
        fig.text(left, 0.76, t("{} units per layer", "층마다 유닛 {}개").format(width), fontsize=12)
        mean_line = t("final mean of {} seeds: {:.1%}", "시드 {}개의 최종 평균 정확도: {:.1%}")
        fig.text(left, 0.715, mean_line.format(seeds, final_mean))
        now.append(fig.text(left, 0.67, ""))
        shows.append(show)
        artists += moving
    probability_colorbar(fig, (0.895, 0.08, 0.012, 0.55), t)
    heading = t(
        "{} tanh layers; the best of {} seeds at each width",
        "tanh 층 {}개, 너비별로 시드 {}개 중 최고 성능",
    ).format(run.params.depth, seeds)
    fig.text(0.04, 0.94, heading, fontsize=12)
    clock = fig.text(0.04, 0.885, "", fontsize=12)
    class_legend(fig, circle_names(t), loc="upper right", bbox_to_anchor=(1, 0.9), ncols=2)
    now_line = t("best seed, this epoch: {:.1%}", "최고 시드의 현재 정확도: {:.1%}")

    def update(frame: int) -> str:
        for show, text, label in zip(shows, now, ("narrow", "wide"), strict=True):
            show(frame)
            curve = getattr(run, f"{label}_accuracy")
            text.set_text(now_line.format(curve[frame]))
        clock.set_text(t("epoch {:>3}", "에포크 {:>3}").format(int(run.epochs[frame])))
        return t("epoch {}", "에포크 {}").format(int(run.epochs[frame]))

    frames = range(len(run.epochs))
    moving = [*artists, *now, clock]
    return {"widths": animate(fig, update, frames, style.fps, animated=moving)}


# --8<-- [end:width-render]

# %% [markdown]
# ## The job

job("circles.width", train=train_widths, render=render_widths,
    params=dict(
        n_samples=1000, noise=0.1, depth=3, epochs=100, lr=0.02, batch_size=100, seeds=5, every=4,
        grid=81,
    ),
    quick=dict(n_samples=300, epochs=6, seeds=3),
    bounds=dict(
        n_samples=(50, 100_000), noise=(0.0, 1.0), depth=(1, 10), epochs=(1, 2000),
        lr=(1e-6, 1.0), batch_size=(1, 10_000), seeds=(1, 20), every=(1, 100), grid=(11, 1001),
    ),
    style=dict(fps=10),
)  # fmt: skip
