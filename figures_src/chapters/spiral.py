"""How layers bend space: a three-armed spiral and a hidden layer of three ReLU units.

The circles' kind of network (circles.py: BottleneckNet and the search for a seed whose
bottleneck stays alive), wider and with three units in its last hidden layer, learns to tell
the arms of a spiral apart. We watch the regions it predicts in the input plane beside its
3-D hidden layer, seen as three pairwise projections, and measure which units fall silent
and come back.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.colors import to_rgb
from torch import nn

from figures_src import datasets
from figures_src.chapters.circles import alive_units, first_healthy_seed, plane_grid, replay
from figures_src.drawing import animate, words
from figures_src.engine import job
from figures_src.nn import accuracy, linear_probe_accuracy, tensor
from figures_src.plotting import (
    CLASS_COLORS,
    class_dots,
    class_legend,
    move_class_dots,
    new_figure,
    smooth_limits,
)

# %% [markdown]
# ## Spiral: three classes, a 3-unit hidden layer


# --8<-- [start:spiral-train]
def silent_units(hidden: np.ndarray, min_share: float) -> np.ndarray:
    """(snapshots, units): True where a unit is non-zero on fewer than ``min_share``
    of the points: the seed search's rule for a unit that is not alive."""
    return (hidden > 1e-6).mean(axis=1) < min_share


def units_revived(silent: np.ndarray) -> int:
    """How many units were silent at some snapshot and active again at a later one."""
    revived = 0
    for unit in silent.T:
        silent_at, active_at = np.flatnonzero(unit), np.flatnonzero(~unit)
        came_back = len(silent_at) and len(active_at) and silent_at[0] < active_at[-1]
        revived += bool(came_back)
    return revived


def longest_silence(silent: np.ndarray) -> tuple[int, int, int]:
    """(unit, first snapshot, last snapshot) of the longest silence a unit came back
    from; (-1, -1, -1) if no unit came back."""
    best = (0, -1, -1, -1)
    for unit, column in enumerate(silent.T):
        start = None
        for t, quiet in enumerate(column):
            if quiet and start is None:
                start = t
            elif not quiet and start is not None:
                best = max(best, (t - start, unit, start, t - 1))
                start = None
    return best[1:]


def arm_means(hidden: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each arm's mean activation of each hidden unit: (arms, units)."""
    return np.stack([hidden[y == arm].mean(axis=0) for arm in range(int(y.max()) + 1)])


def train_spiral(p):
    """The spiral network, from the first seed whose 3-unit layer stays alive;
    snapshots every ``p.every`` epochs."""
    X, y = datasets.spiral(p.points_per_class, seed=p.data_seed)
    X_t, y_t = tensor(X), tensor(y, torch.int64)
    loss_fn = nn.CrossEntropyLoss()
    seed, model, states, rejected = first_healthy_seed(X, y, p)
    states = states[:: p.every] + ([states[-1]] if (len(states) - 1) % p.every else [])

    grid = tensor(plane_grid(p.grid, extent=1.1))
    logits = replay(model, states, lambda m: m(X_t).numpy())
    hidden = replay(model, states, lambda m: m.hidden(X_t).numpy())
    epochs = np.minimum(np.arange(len(states)) * p.every, p.epochs)
    arrays = {
        "X": X,
        "y": y,
        "epochs": epochs,
        "hidden": hidden,
        "loss": np.array([loss_fn(torch.from_numpy(z), y_t).item() for z in logits]),
        "accuracy": np.array([accuracy(z, y) for z in logits]),
        "prob": replay(
            model,
            states,
            lambda m: torch.softmax(m(grid), 1).reshape(p.grid, p.grid, 3),
        ).astype(np.float16),
    }
    silent = silent_units(hidden, p.alive_share)
    unit, silent_from, silent_to = longest_silence(silent)
    # That unit's non-zero share at each saved epoch.
    share = (hidden[:, :, unit] > 1e-6).mean(axis=1)
    quiet = share[silent_from : silent_to + 1] if unit >= 0 else np.zeros(0)
    exact = np.flatnonzero(quiet == 0)
    means = arm_means(hidden[-1], y)
    # "Large": at least a quarter of the table's largest.
    large = means >= means.max() / 4
    metrics = {
        "final_accuracy": float(arrays["accuracy"][-1]),
        "hidden_linear_probe_accuracy": linear_probe_accuracy(hidden[-1], y),
        "seed_used": seed,
        "seeds_rejected": len(rejected),
        "alive_hidden_units": alive_units(hidden[-1], p.alive_share),
        "units_revived": units_revived(silent),
        "longest_silent_unit": unit + 1,
        "longest_silent_from_epoch": int(epochs[silent_from]) if unit >= 0 else -1,
        "longest_silent_to_epoch": int(epochs[silent_to]) if unit >= 0 else -1,
        "longest_silent_peak_share": float(quiet.max()) if unit >= 0 else -1.0,
        "longest_silent_exact_to_epoch": (
            int(epochs[silent_from + exact[-1]]) if len(exact) else -1
        ),
        "longest_silent_back_epoch": int(epochs[silent_to + 1]) if unit >= 0 else -1,
        "longest_silent_back_share": float(share[silent_to + 1]) if unit >= 0 else -1.0,
        "longest_silent_final_share": float(share[-1]),
        "quiet_arm": int(means.max(axis=1).argmin()) + 1,
        "quiet_arm_peak_share": float(means.max(axis=1).min() / means.max()),
        "arms_large_on_one_unit": int((large.sum(axis=1) == 1).sum()),
        "arms_large_on_two_units": int((large.sum(axis=1) == 2).sum()),
    }
    for arm, row in enumerate(means, 1):
        for unit_number, mean in enumerate(row, 1):
            metrics[f"arm{arm}_unit{unit_number}_mean"] = float(mean)
    return arrays, metrics


# --8<-- [end:spiral-train]


# --8<-- [start:spiral-render]
def region_colors(prob: np.ndarray) -> np.ndarray:
    """Each grid point tinted with its predicted class's colour, stronger where
    surer."""
    palette = np.array([to_rgb(c) for c in CLASS_COLORS])
    winner = prob.argmax(-1)
    certainty = (prob.max(-1) - 1 / 3) * 1.5  # 0 when undecided, 1 when certain
    # Pale, so that the points on top keep their colour.
    strength = (0.08 + 0.32 * certainty)[..., None]
    return (1 - strength) + strength * palette[winner]


def render_spiral(run, style):
    """Input-plane regions, and the 3-D hidden layer as its three pairwise
    projections."""
    t = words(style)
    fig = new_figure(6.9, 6.6)
    boxes = [(x, y, 0.36, 0.33) for y in (0.52, 0.08) for x in (0.11, 0.61)]
    regions, *projections = [fig.add_axes(box) for box in boxes]
    status = fig.text(0.02, 0.955, "", fontsize=12)
    progress = t(
        "epoch {:>3}   loss {:.3f}   accuracy {:.1%}", "에포크 {:>3}   손실 {:.3f}   정확도 {:.1%}"
    )
    regions.set_title(
        t("Input plane: predicted arm", "입력 평면: 예측한 나선팔"), fontsize=11, loc="left"
    )
    first = region_colors(run.prob[0].astype(np.float32))
    box = (-1.1, 1.1, -1.1, 1.1)
    image = regions.imshow(first, origin="lower", extent=box, interpolation="nearest")
    data = class_dots(regions, run.X, run.y, size=1.8)
    regions.set_xlabel("x₁")
    regions.set_ylabel("x₂")
    pairs = [(0, 1), (0, 2), (1, 2)]
    dots, limits = [], []
    for ax, (i, j) in zip(projections, pairs, strict=True):
        pair = t("hidden units {} and {}", "은닉 유닛 {}, {}").format(i + 1, j + 1)
        ax.set_title(pair, fontsize=11, loc="left")
        ax.set_xlabel(t("unit {} →", "유닛 {} →").format(i + 1))
        ax.set_ylabel(t("unit {} →", "유닛 {} →").format(j + 1))
        dots.append(class_dots(ax, run.hidden[0][:, [i, j]], run.y, size=2.0))
        limits.append(smooth_limits(run.hidden[:, :, [i, j]]))
    class_legend(
        fig,
        [t("arm {}", "나선팔 {}").format(arm) for arm in (1, 2, 3)],
        loc="upper right",
        bbox_to_anchor=(0.99, 0.995),
        ncols=3,
        columnspacing=0.9,
        handletextpad=0.1,
    )

    def update(frame: int) -> str:
        image.set_data(region_colors(run.prob[frame].astype(np.float32)))
        panels = zip(projections, dots, limits, pairs, strict=True)
        for ax, dot, limit, (i, j) in panels:
            (x0, x1), (y0, y1) = limit[frame]
            ax.set_xlim(x0, x1)
            ax.set_ylim(y0, y1)
            move_class_dots(dot, run.hidden[frame][:, [i, j]], run.y)
        epoch = int(run.epochs[frame])
        loss, acc = run.loss[frame], run.accuracy[frame]
        status.set_text(progress.format(epoch, loss, acc))
        return t("epoch {}", "에포크 {}").format(epoch)

    frames = range(len(run.epochs))
    # The data after the image, or the image would hide them.
    # The view of each projection follows its points: its ticks are redrawn every frame.
    axes = [axis for ax in projections for axis in (ax.xaxis, ax.yaxis)]
    moving = [image, *data, *[line for panel in dots for line in panel], *axes, status]
    return {"spiral": animate(fig, update, frames, style.fps, animated=moving)}


# --8<-- [end:spiral-render]

# %% [markdown]
# ## The job

job("spiral.hidden", train=train_spiral, render=render_spiral,
    params=dict(
        points_per_class=500, data_seed=0, width=32, bottleneck=3, epochs=100, lr=0.01,
        batch_size=64, every=3, seed=0, max_seeds=8, target=0.95, alive_share=0.05, grid=121,
    ),
    quick=dict(points_per_class=100, epochs=6, max_seeds=2),
    bounds=dict(
        points_per_class=(20, 50_000), data_seed=(0, None), width=(3, 1024), bottleneck=(3, 3),
        epochs=(1, 2000), lr=(1e-6, 1.0), batch_size=(1, 10_000), every=(1, 100),
        seed=(0, None), max_seeds=(1, 100), target=(0.0, 1.0), alive_share=(0.0, 1.0),
        grid=(11, 1001),
    ),
    style=dict(fps=10),
)  # fmt: skip
