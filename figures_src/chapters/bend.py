"""How layers bend space: small networks untangle two circles and a three-armed spiral.

Each layer is a linear map followed by a bend (ReLU or tanh). We keep a snapshot of the
network after every epoch and watch three things: the last hidden layer's representation,
the decision regions in the input plane, and a grid of the plane carried through the
layers one step at a time. Last, a width experiment after Chris Olah: layers only two
units wide are one-to-one maps of the plane, which cannot carry the inner ring out of the
region the outer ring encloses; layers three units wide can.
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
from figures_src.engine import animate, job
from figures_src.nn import accuracy, linear_probe_accuracy, tensor, train_epochs
from figures_src.plotting import (
    CLASS_COLORS,
    INK,
    MUTED,
    PROBABILITY_MAP,
    class_dots,
    class_legend,
    line_in_box,
    move_class_dots,
    new_figure,
    smooth_limits,
)

# %% [markdown]
# ## Shared by every network here: snapshots of the parameters, replayed later


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
# ## Circles: data, model, and a search for a seed whose bottleneck stays alive

# --8<-- [start:circles-model]
CIRCLE_NAMES = ("outer ring", "inner ring")


class BottleneckNet(nn.Module):
    """2 → Dense ``width`` ReLU → Dense ``bottleneck`` ReLU → Dense ``classes`` (softmax
    inside the loss). The circles use 16, 2, 2; the spiral 32, 3, 3."""

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


def first_healthy_seed(X, y, p):
    """A narrow ReLU bottleneck often collapses: its units go silent. So seeds are tried in
    order from ``p.seed``, and the first network that keeps every bottleneck unit alive
    (non-zero on at least ``p.alive_share`` of the points) and reaches ``p.target``
    accuracy is kept (the best one, if none does).
    Returns (seed, model, snapshots, bottleneck units alive per seed tried)."""
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
    return seed, model, states, [t[0] for t in tried if t[2] != seed]


# --8<-- [end:circles-model]

# %% [markdown]
# ## Circles: training with a snapshot per epoch


# --8<-- [start:circles-train]
def first_epoch_at(curve: np.ndarray, target: float) -> int:
    """The first snapshot (epoch) at which ``curve`` reaches ``target``; -1 if it never does."""
    reached = np.flatnonzero(curve >= target)
    return int(reached[0]) if len(reached) else -1


def train_circles(p):
    """The circles network, from the first seed whose 2-unit layer stays alive."""
    X, y = datasets.circles(p.n_samples, p.noise)
    X_t, y_t = tensor(X), tensor(y, torch.int64)
    loss_fn = nn.CrossEntropyLoss()
    seed, model, states, rejected = first_healthy_seed(X, y, p)

    grid = tensor(plane_grid(p.grid))
    hidden = replay(model, states, lambda m: m.hidden(X_t).numpy())
    logits = replay(model, states, lambda m: m(X_t).numpy())
    with torch.no_grad():  # the first layer's output, as the second layer's weights see it
        folded = model.layer2(torch.relu(model.layer1(X_t))) - model.layer2.bias
    arrays = {
        "X": X,
        "y": y,
        "hidden": hidden,
        "loss": np.array([loss_fn(torch.from_numpy(z), y_t).item() for z in logits]),
        "accuracy": np.array([accuracy(z, y) for z in logits]),
        "out_w": replay(model, states, lambda m: m.output.weight.numpy().copy()),
        "out_b": replay(model, states, lambda m: m.output.bias.numpy().copy()),
        "prob": replay(
            model, states, lambda m: torch.softmax(m(grid), 1)[:, 1].reshape(p.grid, p.grid)
        ).astype(np.float16),
        # The trained first two layers, for the grid-warp figure.
        "W1": model.layer1.weight.detach().numpy(),
        "b1": model.layer1.bias.detach().numpy(),
        "W2": model.layer2.weight.detach().numpy(),
        "b2": model.layer2.bias.detach().numpy(),
    }
    metrics = {
        "final_accuracy": float(arrays["accuracy"][-1]),
        "first_epoch_at_target": first_epoch_at(arrays["accuracy"], p.target),
        "hidden_linear_probe_accuracy": linear_probe_accuracy(hidden[-1], y),
        "input_linear_probe_accuracy": linear_probe_accuracy(X, y),
        "folded_linear_probe_accuracy": linear_probe_accuracy(folded.numpy(), y),
        "final_loss": float(arrays["loss"][-1]),
        "seed_used": seed,
        "alive_hidden_units": alive_units(hidden[-1], p.alive_share),
        "seeds_rejected": len(rejected),
        "seeds_both_dead": rejected.count(0),
        "seeds_one_unit": rejected.count(1),
    }
    return arrays, metrics


# --8<-- [end:circles-train]

# %% [markdown]
# ## Circles: the hidden layer, frame by frame


# --8<-- [start:circles-render]
def hidden_panel(ax, run):
    """The hidden-layer scatter with the output layer's line, updated by ``show(epoch)``.
    Hidden coordinates have no units worth reading, so the axes carry no ticks."""
    ax.set_xlabel("hidden unit 1 →")
    ax.set_ylabel("hidden unit 2 →")
    ax.set_xticks([])
    ax.set_yticks([])
    dots = class_dots(ax, run.hidden[0], run.y, size=3.2, alpha=0.75)
    (boundary,) = ax.plot([], [], color=INK, lw=1.4, ls="--")
    limits = smooth_limits(run.hidden)

    def show(epoch: int) -> None:
        (x0, x1), (y0, y1) = limits[epoch]
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        move_class_dots(dots, run.hidden[epoch], run.y)
        w, b = run.out_w[epoch], run.out_b[epoch]
        boundary.set_data(*line_in_box(w[1] - w[0], b[1] - b[0], (x0, x1), (y0, y1)))

    return show, [*dots, boundary]


def status_line(run, epoch: int) -> str:
    return f"epoch {epoch:>2}   loss {run.loss[epoch]:.3f}   accuracy {run.accuracy[epoch]:.1%}"


def render_hidden(run, style):
    """The 2-D hidden representation over the epochs, with the output layer's line."""
    fig = new_figure(6.4, 4.8)
    ax = fig.add_axes((0.12, 0.11, 0.84, 0.72))
    fig.text(0.12, 0.93, "Second hidden layer (2 ReLU units)", fontsize=13)
    status = fig.text(0.12, 0.875, "", fontsize=11)
    show, artists = hidden_panel(ax, run)
    class_legend(fig, CIRCLE_NAMES, loc="upper right", bbox_to_anchor=(0.98, 0.985))

    def update(epoch: int) -> str:
        show(epoch)
        status.set_text(status_line(run, epoch))
        return f"epoch {epoch}"

    frames = range(len(run.loss))
    return {"hidden": animate(fig, update, frames, style.fps, animated=[*artists, status])}


# --8<-- [end:circles-render]

# %% [markdown]
# ## Circles, two views: the decision regions in the input plane beside the hidden layer


# --8<-- [start:two-views]
PROBABILITY_LEVELS = BoundaryNorm(np.linspace(0, 1, 11), PROBABILITY_MAP.N)


def probability_panel(ax, prob, X, y, extent: float = 1.5):
    """P(inner ring) as filled bands over the input plane, with its 0.5 line; returns an
    updater ``show(frame)`` and the artists it changes."""
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
        line.set_segments(contour_generator(axis, axis, prob[frame].astype(np.float32)).lines(0.5))

    return show, [image, *dots, line]


def probability_colorbar(fig, rect) -> None:
    """The key to the bands: one colour per tenth of P(inner ring)."""
    bar = fig.colorbar(ScalarMappable(PROBABILITY_LEVELS, PROBABILITY_MAP), cax=fig.add_axes(rect))
    bar.set_ticks([0, 0.5, 1], labels=["0", "0.5", "1"])
    bar.set_label("P(inner ring)")
    bar.outline.set_visible(False)


def render_two_views(run, style):
    """Input plane (left) and hidden layer (right), frame for frame."""
    fig = new_figure(9.2, 4.8)
    left = fig.add_axes((0.07, 0.11, 0.36, 0.70))
    right = fig.add_axes((0.62, 0.11, 0.35, 0.70))
    left.set_title("Input plane: P(inner ring)", loc="left")
    right.set_title("Second hidden layer", loc="left")
    status = fig.text(0.07, 0.93, "", fontsize=12)
    show_input, input_artists = probability_panel(left, run.prob, run.X, run.y)
    probability_colorbar(fig, (0.445, 0.11, 0.012, 0.70))
    show_hidden, hidden_artists = hidden_panel(right, run)
    class_legend(fig, CIRCLE_NAMES, loc="upper right", bbox_to_anchor=(0.98, 0.99), ncols=2)

    def update(epoch: int) -> str:
        show_input(epoch)
        show_hidden(epoch)
        status.set_text(status_line(run, epoch))
        return f"epoch {epoch}"

    artists = [*input_artists, *hidden_artists, status]
    # Every epoch while the picture changes fast, then every other one (page weight).
    epochs = len(run.loss) - 1
    shown = sorted({*range(min(style.dense_until, epochs) + 1), *range(0, epochs + 1, 2), epochs})
    return {"two_views": animate(fig, update, shown, style.fps, animated=artists)}


# --8<-- [end:two-views]

# %% [markdown]
# ## Circles, layer by layer: a grid of the plane carried through the trained network


# --8<-- [start:grid-warp]
def flat_view(run) -> np.ndarray:
    """Two orthonormal directions (2 x 16) spanning the plane that W₁ maps the input onto:
    seen along them, layer 1's linear map shows its true stretch and shear."""
    directions, _, _ = np.linalg.svd(run.W1, full_matrices=False)
    return directions[:, :2].T


def layer2_view(run, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """W₂ split as R·Q. Q (2 x 16) has orthonormal rows spanning the two directions layer 2
    reads, turned within their plane to be as close to ``start`` as possible; R (2 x 2) is
    the linear map layer 2 then applies within that view."""
    q, r = np.linalg.qr(run.W2.T)  # W₂ᵀ = q·r, so W₂ = rᵀ·qᵀ
    u, _, vt = np.linalg.svd(start @ q)
    turn = u @ vt  # the rotation (or reflection) of q's plane closest to start
    return turn @ q.T, r.T @ turn.T


def camera_turn(points: np.ndarray, start: np.ndarray, end: np.ndarray):
    """A path from seeing ``points`` (n x 16) along ``start`` to seeing them along ``end``,
    through views whose two directions stay orthonormal: the points themselves never move."""

    def seen(t: float) -> np.ndarray:
        u, _, vt = np.linalg.svd((1 - t) * start + t * end, full_matrices=False)
        return points @ (u @ vt).T

    return seen


def glide(start: np.ndarray, end: np.ndarray):
    """The straight path from one picture to the next."""
    return lambda t: (1 - t) * start + t * end


def warp_steps(run, points: np.ndarray) -> list[tuple]:
    """The trained network's steps as (title, note, axis names, path); ``path(t)`` is the
    points' 2-D picture a fraction ``t`` of the way through the step."""
    flat = flat_view(run)
    view, inside = layer2_view(run, flat)
    moved = points @ run.W1.T
    shifted = moved + run.b1
    folded = np.maximum(shifted, 0) @ view.T
    read = folded @ inside.T  # = W₂·ReLU(W₁x + b₁)
    in_plane = ("layer 1's plane, direction 1", "direction 2")
    layer2 = ("layer 2's view, direction 1", "direction 2")
    inputs = ("hidden unit 1, before its ReLU", "hidden unit 2, before its ReLU")
    units = ("hidden unit 1", "hidden unit 2")
    separated = f"a straight line now separates {run.metrics['folded_linear_probe_accuracy']:.1%}"
    return [
        (
            "layer 1 · linear map W₁x",
            "the plane goes into 16-D; we look at it face on",
            in_plane,
            glide(points, moved @ flat.T),
        ),
        (
            "layer 1 · shift + b₁",
            "still flat: grid lines straight and parallel",
            in_plane,
            glide(moved @ flat.T, shifted @ flat.T),
        ),
        (
            "camera turn",
            "nothing moves: we turn to the two directions layer 2 reads",
            layer2,
            camera_turn(shifted, flat, view),
        ),
        ("layer 1 · bend: ReLU on 16 units", separated, layer2, glide(shifted @ view.T, folded)),
        ("layer 2 · linear map", "a 2 x 2 map within this view", inputs, glide(folded, read)),
        ("layer 2 · shift + b₂", "", inputs, glide(read, read + run.b2)),
        (
            "layer 2 · bend: ReLU",
            "negatives pressed onto the axes: the hidden layer",
            units,
            glide(read + run.b2, np.maximum(read + run.b2, 0)),
        ),
    ]


def warp_frames(steps, points: np.ndarray, per_step: int, hold: int) -> list[tuple]:
    """(title, note, axis names, picture) per frame: the input plane, then each step gliding
    in ``per_step`` eased frames and holding for ``hold``."""
    start = (f"0/{len(steps)} · the input plane", "a grid and a sample of the data")
    frames = [(*start, ("x₁", "x₂"), points)] * hold
    for k, (title, note, axes, path) in enumerate(steps, 1):
        for i in range(1, per_step + 1):
            t = i / per_step
            frames.append((f"{k}/{len(steps)} · {title}", note, axes, path(t * t * (3 - 2 * t))))
        frames += [frames[-1]] * hold
    return frames


def render_grid_warp(run, style):
    """A grid of the plane and the data, moved through the network one operation at a time."""
    lines_per_axis, samples = 13, 50
    ticks = np.linspace(-1.5, 1.5, lines_per_axis, dtype=np.float32)
    along = np.linspace(-1.5, 1.5, samples, dtype=np.float32)
    grid_lines = [np.c_[along, np.full_like(along, v)] for v in ticks]
    grid_lines += [np.c_[np.full_like(along, v), along] for v in ticks]
    grid_points = np.concatenate(grid_lines)
    every = max(1, len(run.X) // 400)
    data, labels = run.X[::every], run.y[::every]
    points = np.concatenate([grid_points, data])
    frames = warp_frames(warp_steps(run, points), points, style.steps, style.hold)

    fig = new_figure(5.6, 5.8)
    ax = fig.add_axes((0.15, 0.17, 0.81, 0.66))
    ax.tick_params(labelsize=10)
    title = fig.text(0.03, 0.945, "", fontsize=13)
    note = fig.text(0.03, 0.895, "", fontsize=11, color=MUTED)
    ax.axhline(0, color=MUTED, lw=0.8, zorder=0)
    ax.axvline(0, color=MUTED, lw=0.8, zorder=0)
    mesh = LineCollection([], colors=MUTED, linewidths=0.6, alpha=0.6)
    ax.add_collection(mesh)
    dots = class_dots(ax, data, labels, size=3.4, zorder=3)
    class_legend(fig, CIRCLE_NAMES, loc="lower right", bbox_to_anchor=(0.98, 0.0), ncols=2)
    aspect = ax.bbox.width / ax.bbox.height
    limits = smooth_limits([f[3] for f in frames], pad=0.04, smoothing=0.12, aspect=aspect)
    n_grid = len(grid_points)

    def update(frame: int) -> str:
        name, comment, (x_name, y_name), picture = frames[frame]
        (x0, x1), (y0, y1) = limits[frame]
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xlabel(x_name)
        ax.set_ylabel(y_name)
        mesh.set_segments(np.split(picture[:n_grid], len(grid_lines)))
        move_class_dots(dots, picture[n_grid:], labels)
        title.set_text(name)
        note.set_text(comment)
        return name

    # Every frame is drawn in full: the axes' ticks and names change with the step.
    return {"grid_warp": animate(fig, update, range(len(frames)), style.fps)}


# --8<-- [end:grid-warp]

# %% [markdown]
# ## Spiral: three classes, a 3-unit hidden layer


# --8<-- [start:spiral-train]
SPIRAL_NAMES = ("arm 1", "arm 2", "arm 3")


def silent_units(hidden: np.ndarray) -> np.ndarray:
    """(snapshots, units): True where a unit outputs zero on every point."""
    return (hidden <= 1e-6).all(axis=1)


def units_revived(silent: np.ndarray) -> int:
    """How many units were silent at some snapshot and active again at a later one."""
    revived = 0
    for unit in silent.T:
        silent_at, active_at = np.flatnonzero(unit), np.flatnonzero(~unit)
        revived += bool(len(silent_at) and len(active_at) and silent_at[0] < active_at[-1])
    return revived


def longest_silence(silent: np.ndarray) -> tuple[int, int, int]:
    """(unit, first snapshot, last snapshot) of the longest silence a unit came back from;
    (-1, -1, -1) if no unit came back."""
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
    """The spiral network, from the first seed whose 3-unit layer stays alive; snapshots
    every ``p.every`` epochs."""
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
            model, states, lambda m: torch.softmax(m(grid), 1).reshape(p.grid, p.grid, 3)
        ).astype(np.float16),
    }
    silent = silent_units(hidden)
    unit, silent_from, silent_to = longest_silence(silent)
    means = arm_means(hidden[-1], y)
    large = means >= means.max() / 4  # "large": at least a quarter of the table's largest
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
        "longest_silent_final_share": float((hidden[-1][:, unit] > 1e-6).mean()),
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
    """Each grid point tinted with its predicted class's colour, stronger where surer."""
    palette = np.array([[int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)] for c in CLASS_COLORS])
    winner = prob.argmax(-1)
    certainty = (prob.max(-1) - 1 / 3) * 1.5  # 0 when undecided, 1 when certain
    strength = (0.08 + 0.32 * certainty)[..., None]  # pale: the points on top keep their colour
    return (1 - strength) + strength * palette[winner]


def render_spiral(run, style):
    """Input-plane regions, and the 3-D hidden layer as its three pairwise projections."""
    fig = new_figure(7.2, 6.4)
    boxes = [(x, y, 0.40, 0.36) for y in (0.50, 0.05) for x in (0.06, 0.56)]
    regions, *projections = [fig.add_axes(box) for box in boxes]
    status = fig.text(0.06, 0.95, "", fontsize=12)
    regions.set_title("Input plane: predicted arm", fontsize=11, loc="left")
    first = region_colors(run.prob[0].astype(np.float32))
    box = (-1.1, 1.1, -1.1, 1.1)
    image = regions.imshow(first, origin="lower", extent=box, interpolation="nearest")
    data = class_dots(regions, run.X, run.y, size=1.8)
    regions.set_xticks([])
    regions.set_yticks([])
    pairs = [(0, 1), (0, 2), (1, 2)]
    dots, limits = [], []
    for ax, (i, j) in zip(projections, pairs, strict=True):
        ax.set_title(f"hidden units {i + 1} and {j + 1}", fontsize=11, loc="left")
        ax.set_xticks([])
        ax.set_yticks([])
        dots.append(class_dots(ax, run.hidden[0][:, [i, j]], run.y, size=2.0))
        limits.append(smooth_limits(run.hidden[:, :, [i, j]]))
    class_legend(
        fig,
        SPIRAL_NAMES,
        loc="upper right",
        bbox_to_anchor=(0.99, 0.995),
        ncols=3,
        columnspacing=0.9,
        handletextpad=0.1,
    )

    def update(frame: int) -> str:
        image.set_data(region_colors(run.prob[frame].astype(np.float32)))
        for ax, dot, limit, (i, j) in zip(projections, dots, limits, pairs, strict=True):
            (x0, x1), (y0, y1) = limit[frame]
            ax.set_xlim(x0, x1)
            ax.set_ylim(y0, y1)
            move_class_dots(dot, run.hidden[frame][:, [i, j]], run.y)
        epoch = int(run.epochs[frame])
        status.set_text(
            f"epoch {epoch:>3}   loss {run.loss[frame]:.3f}   accuracy {run.accuracy[frame]:.1%}"
        )
        return f"epoch {epoch}"

    frames = range(len(run.epochs))
    # The data after the image, or the image would hide them.
    moving = [image, *data, *[line for panel in dots for line in panel], status]
    return {"spiral": animate(fig, update, frames, style.fps, animated=moving)}


# --8<-- [end:spiral-render]

# %% [markdown]
# ## Width matters: 2-unit tanh layers are one-to-one maps of the plane; 3-unit layers have
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
    """Every seed at width 2 and width 3; the best seed of each is replayed for the figure."""
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
    fig = new_figure(9.2, 5.2)
    panels = [fig.add_axes((0.07, 0.10, 0.36, 0.63)), fig.add_axes((0.54, 0.10, 0.36, 0.63))]
    shows, artists, titles = [], [], []
    for ax, label, width in zip(panels, ("narrow", "wide"), (2, 3), strict=True):
        show, moving = probability_panel(ax, getattr(run, f"{label}_prob"), run.X, run.y)
        mean = run.metrics[f"{label}_accuracy"]
        ax.set_title(f"{width} units per layer · mean of seeds {mean:.1%}", loc="left")
        titles.append(fig.text(ax.get_position().x0, 0.80, "", fontsize=12))
        shows.append(show)
        artists += moving
    probability_colorbar(fig, (0.925, 0.10, 0.012, 0.63))
    heading = f"{run.params.depth} tanh layers; the best of {run.params.seeds} seeds at each width"
    fig.text(0.07, 0.93, heading, fontsize=12)
    clock = fig.text(0.07, 0.87, "", fontsize=12)
    class_legend(fig, CIRCLE_NAMES, loc="upper right", bbox_to_anchor=(0.98, 0.99), ncols=2)

    def update(frame: int) -> str:
        for show, title, label in zip(shows, titles, ("narrow", "wide"), strict=True):
            show(frame)
            curve = getattr(run, f"{label}_accuracy")
            title.set_text(f"best seed: accuracy {curve[frame]:.1%}")
        clock.set_text(f"epoch {int(run.epochs[frame]):>3}")
        return f"epoch {int(run.epochs[frame])}"

    frames = range(len(run.epochs))
    moving = [*artists, *titles, clock]
    return {"widths": animate(fig, update, frames, style.fps, animated=moving)}


# --8<-- [end:width-render]

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
job(
    "circles.two_views",
    train="circles.hidden",
    render=render_two_views,
    style=dict(fps=8, dense_until=12),
)
job("circles.grid_warp", train="circles.hidden", render=render_grid_warp,
    style=dict(fps=8, steps=6, hold=6))  # fmt: skip
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
