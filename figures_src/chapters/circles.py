"""How layers bend space: a small ReLU network untangles two circles.

Each layer is a linear map followed by a bend (ReLU). We keep a snapshot of the network
after every epoch and watch two things: the last hidden layer's representation, and the
decision regions in the input plane beside it. The snapshots, the bottleneck network and its
seed search serve the rest of the chapter too: the grid carried through the layers
(grid_warp.py), the spiral (spiral.py) and the width experiment (widths.py).
"""

from __future__ import annotations

import numpy as np
import torch
from contourpy import contour_generator
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import BoundaryNorm
from torch import nn

from figures_src import datasets
from figures_src.drawing import animate, words
from figures_src.engine import job
from figures_src.nn import accuracy, linear_probe_accuracy, tensor, train_epochs
from figures_src.plotting import (
    INK,
    PROBABILITY_MAP,
    class_dots,
    class_legend,
    line_in_box,
    move_class_dots,
    new_figure,
    smooth_limits,
)

# %% [markdown]
# ## Circles: the model


# --8<-- [start:circles-model]
class BottleneckNet(nn.Module):
    """2 → Dense ``width`` ReLU → Dense ``bottleneck`` ReLU → Dense ``classes``
    (softmax inside the loss). The circles use 16, 2, 2; the spiral 32, 3, 3."""

    def __init__(self, width: int, bottleneck: int, classes: int):
        super().__init__()
        self.layer1 = nn.Linear(2, width)
        self.layer2 = nn.Linear(width, bottleneck)
        self.output = nn.Linear(bottleneck, classes)

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """The second hidden layer: the representation the output layer sees."""
        return torch.relu(self.layer2(torch.relu(self.layer1(x))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(self.hidden(x))


# --8<-- [end:circles-model]

# %% [markdown]
# ## Snapshots of the parameters after every epoch, replayed later (the whole chapter)


# --8<-- [start:snapshots]
def snapshot_states(model: nn.Module, train) -> list[dict[str, torch.Tensor]]:
    """The model's parameters before training and after every epoch of ``train``."""
    states = [{k: v.clone() for k, v in model.state_dict().items()}]
    for _epoch, _loss in train:
        states.append({k: v.clone() for k, v in model.state_dict().items()})
    return states


@torch.no_grad()
def replay(model: nn.Module, states, view) -> np.ndarray:
    """``view(model)`` at every snapshot, stacked: (snapshots, ...)."""
    out = []
    for state in states:
        model.load_state_dict(state)
        out.append(view(model))
    return np.stack(out)


def plane_grid(size: int, extent: float = 1.5) -> np.ndarray:
    """A size x size grid of points covering [-extent, extent]², as (size², 2)."""
    axis = np.linspace(-extent, extent, size, dtype=np.float32)
    return np.stack(np.meshgrid(axis, axis), -1).reshape(-1, 2)


def alive_units(hidden: np.ndarray, min_share: float) -> int:
    """How many hidden units are non-zero on at least ``min_share`` of the points."""
    return int(((hidden > 1e-6).mean(axis=0) >= min_share).sum())


# --8<-- [end:snapshots]

# %% [markdown]
# ## A search for a seed whose bottleneck stays alive


# --8<-- [start:seed-search]
def first_healthy_seed(X, y, p):
    """A narrow ReLU bottleneck often collapses: its units go silent. So seeds are
    tried in order from ``p.seed``, and the first network that keeps every bottleneck
    unit alive (non-zero on at least ``p.alive_share`` of the points) and reaches
    ``p.target`` accuracy is kept (the best one, if none does).
    Returns (seed, model, snapshots, (units alive, accuracy) of each other seed
    tried)."""
    X_t, y_t = tensor(X), tensor(y, torch.int64)
    tried = []
    for seed in range(p.seed, p.seed + p.max_seeds):
        torch.manual_seed(seed)
        model = BottleneckNet(p.width, p.bottleneck, int(y.max()) + 1)
        training = train_epochs(
            model, X_t, y_t, nn.CrossEntropyLoss(), p.epochs, p.lr, p.batch_size, seed
        )
        states = snapshot_states(model, training)
        with torch.no_grad():
            alive = alive_units(model.hidden(X_t).numpy(), p.alive_share)
            final_accuracy = accuracy(model(X_t).numpy(), y)
        tried.append((alive, final_accuracy, seed, model, states))
        if alive == p.bottleneck and final_accuracy >= p.target:
            break
    _, _, seed, model, states = max(tried, key=lambda t: t[:2])
    return seed, model, states, [t[:2] for t in tried if t[2] != seed]


# --8<-- [end:seed-search]

# %% [markdown]
# ## Circles: training with a snapshot per epoch


# --8<-- [start:circles-train]
def train_circles(p):
    """The circles network, from the first seed whose 2-unit layer stays alive."""
    X, y = datasets.circles(p.n_samples, p.noise)
    seed, model, states, rejected = first_healthy_seed(X, y, p)
    arrays = circles_record(model, states, X, y, p.grid)
    metrics = circles_metrics(arrays, p)
    metrics |= {
        "seed_used": seed,
        "seeds_rejected": len(rejected),
        "seeds_both_dead": sum(alive == 0 for alive, _ in rejected),
        # Rejected seeds that solved the task with one unit left alive.
        "seeds_one_unit": sum(a == 1 and acc >= p.target for a, acc in rejected),
    }
    return arrays, metrics


# --8<-- [end:circles-train]


# --8<-- [start:circles-record]
def circles_record(model, states, X, y, grid_size: int) -> dict[str, np.ndarray]:
    """What the figures draw, at every snapshot: the hidden layer, loss and accuracy,
    the output layer's line, and P(inner ring) over a grid of the input plane."""
    X_t, y_t = tensor(X), tensor(y, torch.int64)
    grid = tensor(plane_grid(grid_size))
    logits = replay(model, states, lambda m: m(X_t).numpy())
    loss_fn = nn.CrossEntropyLoss()
    return {
        "X": X,
        "y": y,
        "hidden": replay(model, states, lambda m: m.hidden(X_t).numpy()),
        "loss": np.array([loss_fn(torch.from_numpy(z), y_t).item() for z in logits]),
        "accuracy": np.array([accuracy(z, y) for z in logits]),
        "inner_share": np.array([(z.argmax(1) == 1).mean() for z in logits]),
        "out_w": replay(model, states, lambda m: m.output.weight.numpy().copy()),
        "out_b": replay(model, states, lambda m: m.output.bias.numpy().copy()),
        "prob": replay(
            model,
            states,
            lambda m: torch.softmax(m(grid), 1)[:, 1].reshape(grid_size, grid_size),
        ).astype(np.float16),
        # The trained first two layers, for the grid-warp figure.
        "W1": model.layer1.weight.detach().numpy(),
        "b1": model.layer1.bias.detach().numpy(),
        "W2": model.layer2.weight.detach().numpy(),
        "b2": model.layer2.bias.detach().numpy(),
        # The same layers before training (the output layer's are out_w[0] and out_b[0]),
        # so that the page can train this network again from the same start.
        "W1_start": states[0]["layer1.weight"].numpy(),
        "b1_start": states[0]["layer1.bias"].numpy(),
        "W2_start": states[0]["layer2.weight"].numpy(),
        "b2_start": states[0]["layer2.bias"].numpy(),
    }


def first_epoch_at(curve: np.ndarray, target: float) -> int:
    """The first snapshot (epoch) at which ``curve`` reaches ``target``; -1 if it
    never does."""
    reached = np.flatnonzero(curve >= target)
    return int(reached[0]) if len(reached) else -1


def line_shown(hidden, out_w, out_b) -> np.ndarray:
    """Per epoch: whether the output layer's line crosses the hidden-layer plot's
    view."""
    limits = smooth_limits(hidden)
    shown = []
    for (xlim, ylim), w, b in zip(limits, out_w, out_b, strict=True):
        shown.append(len(line_in_box(w[1] - w[0], b[1] - b[0], xlim, ylim)[0]) == 2)
    return np.array(shown)


def circles_metrics(a: dict, p) -> dict:
    """The numbers the page quotes, measured on the recorded snapshots."""
    hidden, y = a["hidden"], a["y"]
    share = (hidden > 1e-6).mean(axis=1)  # (epochs, units): share of points non-zero
    alive = (share >= p.alive_share).sum(axis=1)
    quiet = int(share[0].argmin())  # the unit that starts (nearly) silent
    other = 1 - quiet
    drops = np.flatnonzero(share[:, other] < p.alive_share)
    # The first layer's output, as the second layer's weights see it (before their
    # bias).
    folded = np.maximum(a["X"] @ a["W1"].T + a["b1"], 0) @ a["W2"].T
    in_plane, _ = np.linalg.qr(a["W1"])  # orthonormal basis of the plane W1 maps onto
    shown = line_shown(hidden, a["out_w"], a["out_b"])
    not_both = np.flatnonzero(alive < 2)
    return {
        "final_accuracy": float(a["accuracy"][-1]),
        "first_epoch_at_target": first_epoch_at(a["accuracy"], p.target),
        "hidden_linear_probe_accuracy": linear_probe_accuracy(hidden[-1], y),
        "input_linear_probe_accuracy": linear_probe_accuracy(a["X"], y),
        "folded_linear_probe_accuracy": linear_probe_accuracy(folded, y),
        "final_loss": float(a["loss"][-1]),
        "alive_hidden_units": int(alive[-1]),
        "start_quiet_unit": quiet + 1,
        "start_quiet_share": float(share[0, quiet]),
        "start_other_unit": other + 1,
        "start_inner_share": float(a["inner_share"][0]),
        "start_accuracy": float(a["accuracy"][0]),
        "swap_epoch": int(drops[0]) if len(drops) else -1,
        "swap_share": float(share[drops[0], other]) if len(drops) else -1.0,
        "both_alive_from": int(not_both[-1]) + 1 if len(not_both) else 0,
        "line_first_shown": int(np.argmax(shown)) if shown.any() else -1,
        "shift_length": float(np.linalg.norm(a["b1"])),
        "shift_in_view": float(np.linalg.norm(in_plane.T @ a["b1"])),
    }


# --8<-- [end:circles-record]

# %% [markdown]
# ## Circles: the hidden layer, frame by frame


# --8<-- [start:circles-render]
def circle_names(t) -> tuple[str, str]:
    """The two classes' names, in the figure's language ``t``."""
    return t("outer ring", "바깥 원"), t("inner ring", "안쪽 원")


def hidden_panel(ax, run, t):
    """The hidden-layer scatter with the output layer's line, updated by
    ``show(epoch)``. The view follows the points, so the tick values change from
    frame to frame."""
    ax.set_xlabel(t("hidden unit 1 →", "은닉 유닛 1 →"))
    ax.set_ylabel(t("hidden unit 2 →", "은닉 유닛 2 →"))
    dots = class_dots(ax, run.hidden[0], run.y, size=3.2, alpha=0.75)
    (boundary,) = ax.plot([], [], color=INK, lw=1.4, ls="--")
    outside = ax.text(0.98, 0.97, "", transform=ax.transAxes, ha="right", va="top")
    outside_note = t("dashed line: outside the view", "점선: 보이는 범위 밖")
    limits = smooth_limits(run.hidden)

    def show(epoch: int) -> None:
        (x0, x1), (y0, y1) = limits[epoch]
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        move_class_dots(dots, run.hidden[epoch], run.y)
        w, b = run.out_w[epoch], run.out_b[epoch]
        line = line_in_box(w[1] - w[0], b[1] - b[0], (x0, x1), (y0, y1))
        boundary.set_data(*line)
        outside.set_text("" if len(line[0]) else outside_note)

    # The axes' ticks are redrawn with the points, since the view moves.
    return show, [ax.xaxis, ax.yaxis, *dots, boundary, outside]


def status_line(run, epoch: int, t) -> str:
    loss, acc = run.loss[epoch], run.accuracy[epoch]
    line = t(
        "epoch {:>2}   loss {:.3f}   accuracy {:.1%}", "에포크 {:>2}   손실 {:.3f}   정확도 {:.1%}"
    )
    return line.format(epoch, loss, acc)


def render_hidden(run, style):
    """The 2-D hidden representation over the epochs, with the output layer's line."""
    t = words(style)
    fig = new_figure(6.4, 4.8)
    ax = fig.add_axes((0.12, 0.11, 0.84, 0.72))
    title = t("Second hidden layer (2 ReLU units)", "두 번째 은닉층 (ReLU 유닛 2개)")
    fig.text(0.12, 0.93, title, fontsize=13)
    status = fig.text(0.12, 0.875, "", fontsize=11)
    show, artists = hidden_panel(ax, run, t)
    class_legend(fig, circle_names(t), loc="upper right", bbox_to_anchor=(0.98, 0.985))

    def update(epoch: int) -> str:
        show(epoch)
        status.set_text(status_line(run, epoch, t))
        return t("epoch {}", "에포크 {}").format(epoch)

    frames = range(len(run.loss))
    moving = [*artists, status]
    return {"hidden": animate(fig, update, frames, style.fps, animated=moving)}


# --8<-- [end:circles-render]

# %% [markdown]
# ## Circles, two views: the decision regions in the input plane beside the hidden layer


# --8<-- [start:two-views]
PROBABILITY_LEVELS = BoundaryNorm(np.linspace(0, 1, 11), PROBABILITY_MAP.N)


def probability_panel(ax, prob, X, y, extent: float = 1.5):
    """P(inner ring) as filled bands over the input plane, with its 0.5 line; returns
    an updater ``show(frame)`` and the artists it changes."""
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    # Coloured once for all frames (RGBA bytes), so a frame only copies its pixels.
    bands = PROBABILITY_MAP(PROBABILITY_LEVELS(prob.astype(np.float32)), bytes=True)
    box = (-extent, extent, -extent, extent)
    image = ax.imshow(bands[0], extent=box, origin="lower", interpolation="nearest")
    # Blitting draws the moving artists over the static figure: the points must be among
    # them, after the image, or the image would cover them.
    # Hard-edged points: anti-aliased edges over the bands would add hundreds of blended
    # colours to every frame, and the GIF would grow to twice the size.
    dots = class_dots(ax, X, y, size=2.8, antialiased=False)
    line = LineCollection([], colors=INK, linewidths=1.6)
    ax.add_collection(line)
    axis = np.linspace(-extent, extent, prob.shape[-1])

    def show(frame: int) -> None:
        image.set_data(bands[frame])
        contours = contour_generator(axis, axis, prob[frame].astype(np.float32))
        line.set_segments(contours.lines(0.5))

    return show, [image, *dots, line]


def probability_colorbar(fig, rect, t) -> None:
    """The key to the bands: one colour per tenth of P(inner ring)."""
    key = ScalarMappable(PROBABILITY_LEVELS, PROBABILITY_MAP)
    bar = fig.colorbar(key, cax=fig.add_axes(rect))
    bar.set_ticks([0, 0.5, 1], labels=["0", "0.5", "1"])
    # Hangul sets thicker than Latin: at the bar's top, the Korean label clears the
    # y label of a panel to its right.
    bar.set_label(t("P(inner ring)", "P(안쪽 원)"), loc=t("center", "top"))
    bar.outline.set_visible(False)


def render_two_views(run, style):
    """Input plane (left) and hidden layer (right), frame for frame."""
    t = words(style)
    fig = new_figure(6.9, 4.3)
    left = fig.add_axes((0.12, 0.11, 0.33, 0.66))
    right = fig.add_axes((0.645, 0.11, 0.335, 0.66))
    left.set_title(t("Input plane: P(inner ring)", "입력 평면: P(안쪽 원)"), loc="left")
    right.set_title(t("Second hidden layer", "두 번째 은닉층"), loc="left")
    status = fig.text(0.02, 0.93, "", fontsize=12)
    show_input, input_artists = probability_panel(left, run.prob, run.X, run.y)
    probability_colorbar(fig, (0.455, 0.11, 0.012, 0.66), t)
    show_hidden, hidden_artists = hidden_panel(right, run, t)
    class_legend(fig, circle_names(t), loc="upper right", bbox_to_anchor=(1, 1), ncols=2)

    def update(epoch: int) -> str:
        show_input(epoch)
        show_hidden(epoch)
        status.set_text(status_line(run, epoch, t))
        return t("epoch {}", "에포크 {}").format(epoch)

    artists = [*input_artists, *hidden_artists, status]
    # Every epoch while the picture changes fast, then every other one (page weight).
    epochs = len(run.loss) - 1
    dense = range(min(style.dense_until, epochs) + 1)
    shown = sorted({*dense, *range(0, epochs + 1, 2), epochs})
    return {"two_views": animate(fig, update, shown, style.fps, animated=artists)}


# --8<-- [end:two-views]

# %% [markdown]
# ## The jobs

job("circles.hidden", train=train_circles, render=render_hidden,
    params=dict(
        n_samples=1000, noise=0.1, width=16, bottleneck=2, epochs=50, lr=0.001, batch_size=32,
        seed=0, max_seeds=10, target=0.95, alive_share=0.05, grid=101,
    ),
    quick=dict(n_samples=300, epochs=6, max_seeds=3),
    bounds=dict(
        n_samples=(50, 100_000), noise=(0.0, 1.0), width=(2, 1024), bottleneck=(2, 2),
        epochs=(1, 2000), lr=(1e-6, 1.0), batch_size=(1, 10_000), seed=(0, None),
        max_seeds=(1, 100), target=(0.0, 1.0), alive_share=(0.0, 1.0), grid=(11, 1001),
    ),
    style=dict(fps=8),
)  # fmt: skip
job("circles.two_views", train="circles.hidden", render=render_two_views,
    style=dict(fps=8, dense_until=12))  # fmt: skip
