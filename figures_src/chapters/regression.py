"""Nonlinear regression: a small network fits a wiggly curve out of straight pieces.

The data are noisy samples of y = 0.5x³ − 0.5x² − 90·sin(x²) + 1. An MLP with LeakyReLU
units, trained with L1 loss and Adam, fits them down to the noise floor. Between the kinks
of its units the network is exactly linear, so its smooth-looking curve is a chain of
straight segments; we find every kink and count the pieces. The same network with other
activations is in activations.py, with another loss in losses.py.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.patches import ConnectionPatch, Rectangle
from torch import nn

from figures_src import datasets
from figures_src.engine import animate, job
from figures_src.nn import predict, tensor, train_epochs
from figures_src.plotting import CLASS_COLORS, FIT, INK, MUTED, new_figure

# %% [markdown]
# ## Data, model and training with snapshots

# --8<-- [start:fit-train]
LEAKY_SLOPE = 0.2
ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(LEAKY_SLOPE),
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
}
LOSSES = {"l1": nn.L1Loss, "mse": nn.MSELoss}


def curve_net(width: int, depth: int, activation: str) -> nn.Sequential:
    """1 → (Dense ``width``, activation) × ``depth`` → Dense 1."""
    layers, n_in = [], 1
    for _ in range(depth):
        layers += [nn.Linear(n_in, width), ACTIVATIONS[activation]()]
        n_in = width
    return nn.Sequential(*layers, nn.Linear(n_in, 1))


def split(p):
    """The data set, split at random into training and held-out validation points."""
    x, y = datasets.noisy_regression(p.n_samples, p.x_range, p.noise_std, p.seed)
    n_val = round(p.val_fraction * p.n_samples)  # the points come in random order
    return (x[n_val:], y[n_val:]), (x[:n_val], y[:n_val])


def fit_curve(p, activation: str = "leaky_relu", loss: str = "l1") -> dict:
    """Train one network; returns per epoch its validation MAE, its prediction on a grid,
    its training loss (the mean over the epoch's batches, in the data's units) and which
    hidden units are off on every training point (epoch 0 is before training); then the
    trained model and the data."""
    (x_train, y_train), (x_val, y_val) = split(p)
    grid = np.linspace(-p.x_range, p.x_range, p.grid, dtype=np.float32)

    # The network sees x / x_range and y / y_scale: numbers of about 1, which Adam's
    # default step sizes suit. Every MAE below is back in the data's units.
    def inputs(x):
        return tensor(x[:, None] / p.x_range)

    def outputs(model, x):
        return predict(model, inputs(x))[:, 0] * p.y_scale

    torch.manual_seed(p.seed)
    model = curve_net(p.width, p.depth, activation)
    history = {"val_mae": [], "curves": [], "off": [], "train_loss": [np.nan]}

    def snapshot():
        history["val_mae"].append(np.abs(outputs(model, x_val) - y_val).mean())
        history["curves"].append(outputs(model, grid))
        history["off"].append(off_units(model, x_train, p.x_range, activation))

    # Adam at lr for `epochs`, then a fresh Adam at the smaller final_lr to settle.
    snapshot()
    X, Y, loss_fn = inputs(x_train), tensor(y_train[:, None] / p.y_scale), LOSSES[loss]()
    unit = p.y_scale if loss == "l1" else p.y_scale**2
    for stage, (epochs, lr) in enumerate([(p.epochs, p.lr), (p.final_epochs, p.final_lr)]):
        for _, batch_loss in train_epochs(
            model, X, Y, loss_fn, epochs, lr, p.batch_size, p.seed + stage
        ):
            history["train_loss"].append(batch_loss * unit)
            snapshot()
    run = {k: np.array(v, dtype=np.float32) for k, v in history.items() if k != "off"}
    run["off"] = np.array(history["off"])  # (snapshots, depth, width), True where off
    run["train_mae"] = np.abs(outputs(model, x_train) - y_train).mean()
    return dict(
        run, grid=grid, model=model, x_train=x_train, y_train=y_train, x_val=x_val, y_val=y_val
    )


# Pieces shorter than this in x are too short to see in a figure of the whole range.
SHORT_PIECE = 0.01


def train_fit(p):
    """The main run: LeakyReLU(0.2), L1 loss, Adam; then its kinks and straight pieces."""
    run = fit_curve(p)
    model = run.pop("model")
    layers = layers_in_data_units(model, p.x_range, p.y_scale)
    where, layer, piece_slopes = kinks(layers, -p.x_range, p.x_range)
    x_val, y_val = run["x_val"], run["y_val"]
    arrays = dict(
        run,
        kink_x=where,
        kink_layer=layer,
        piece_slopes=piece_slopes,
        **{f"weight{i}": w for i, (w, _) in enumerate(layers)},
        **{f"bias{i}": b for i, (_, b) in enumerate(layers)},
    )
    true_val = datasets.regression_target(x_val.astype(np.float64))
    piece_lengths = np.diff([-p.x_range, *where, p.x_range])
    metrics = {
        "train_mae": float(run["train_mae"]),
        "val_mae": float(run["val_mae"][-1]),
        "noise_floor_mae": datasets.noise_floor_mae(p.noise_std),
        "true_function_val_mae": float(np.abs(true_val - y_val).mean()),
        "linear_pieces": len(piece_slopes),
        "short_pieces": int((piece_lengths < SHORT_PIECE).sum()),
        "short_piece": SHORT_PIECE,
        "kinks": len(where),
        **{f"kinks_layer{d}": int((layer == d).sum()) for d in range(1, p.depth + 1)},
        "zoom_kinks": int(((where > p.zoom_from) & (where < p.zoom_to)).sum()),
        "hidden_units": p.width * p.depth,
        "total_epochs": p.epochs + p.final_epochs,
        "n_train": len(run["x_train"]),
        "n_val": len(x_val),
    }
    return arrays, metrics


# --8<-- [end:fit-train]

# %% [markdown]
# ## Units that are off on every data point

# --8<-- [start:dead-units]
# Below this share of its steepest slope, a sigmoid or tanh unit is saturated: flat.
SATURATED = 0.01


def off_units(model: nn.Sequential, x: np.ndarray, x_range: float, activation: str):
    """A (depth, width) array, True for each hidden unit that is off on every point of
    ``x``: a ReLU-like unit whose input is never above zero, a sigmoid or tanh unit that is
    saturated on every point. For ReLU, such a unit is dead: its output and gradient are 0."""
    off = []
    h = tensor(x[:, None] / x_range)
    with torch.no_grad():
        for layer, act in zip(model[:-1:2], model[1::2], strict=True):
            z = layer(h)
            h = act(z)
            if activation == "sigmoid":
                flat = h * (1 - h) / 0.25 < SATURATED  # slope relative to its peak
            elif activation == "tanh":
                flat = 1 - h**2 < SATURATED
            else:
                flat = z <= 0
            off.append(flat.all(dim=0).numpy())
    return np.stack(off)


# --8<-- [end:dead-units]

# %% [markdown]
# ## The kinks: where the network's slope changes


# --8<-- [start:kinks]
def layers_in_data_units(model: nn.Sequential, x_range: float, y_scale: float):
    """The Linear layers' (weight, bias) in float64, with the input and output scaling
    folded in: the network as a function of x itself, returning y itself."""
    layers = []
    for m in model:
        if isinstance(m, nn.Linear):
            layers.append((m.weight.double().detach().numpy(), m.bias.double().detach().numpy()))
    (w, b), (w_out, b_out) = layers[0], layers[-1]
    layers[0], layers[-1] = (w / x_range, b), (w_out * y_scale, b_out * y_scale)
    return layers


def kinks(layers, lo: float, hi: float, rtol: float = 1e-9):
    """Where on (lo, hi) a LeakyReLU network's slope changes: positions, the hidden layer
    (1, 2, ...) whose unit bends there, and the slope of each of the linear pieces.

    Exact, layer by layer: on each interval between the kinks found so far, the next
    layer's inputs are linear in x, so each unit's input a·x + c crosses zero at most once,
    at x = −c/a. The first layer's kinks are therefore x = −b/w."""
    edges, origin = [lo, hi], [0, 0]
    maps = [(np.ones(1), np.zeros(1))]  # per interval: hidden values = a·x + c
    for depth, (w, b) in enumerate(layers[:-1], start=1):
        new_edges, new_origin, new_maps = [lo], [0], []
        for i, (a, c) in enumerate(maps):
            x0, x1 = edges[i], edges[i + 1]
            slope, offset = w @ a, w @ c + b
            with np.errstate(divide="ignore", invalid="ignore"):
                roots = np.unique(-offset / slope)  # sorted, each x once
            roots = roots[(roots > x0) & (roots < x1)]
            bounds = [x0, *roots, x1]
            for u0, u1 in zip(bounds[:-1], bounds[1:], strict=True):
                on = slope * (u0 + u1) / 2 + offset > 0
                gain = np.where(on, 1.0, LEAKY_SLOPE)
                new_maps.append((gain * slope, gain * offset))
            new_edges += [*roots, x1]
            new_origin += [depth] * len(roots) + [origin[i + 1]]
        edges, origin, maps = new_edges, new_origin, new_maps
    w_out = layers[-1][0][0]
    slopes = np.array([w_out @ a for a, _ in maps])
    # A kink whose bend the later layers happen to cancel is no kink: merge equal slopes.
    changes = ~np.isclose(slopes[1:], slopes[:-1], rtol=0, atol=rtol * np.abs(slopes).max())
    keep = np.concatenate([[True], changes])
    return np.array(edges[1:-1])[changes], np.array(origin[1:-1])[changes], slopes[keep]


# --8<-- [end:kinks]


# %% [markdown]
# ## Figures

# --8<-- [start:fit-render]
DATA_GREY = "#b4b4b4"


def data_axes(fig, rect, run, p, points: int | None = None):
    """Axes holding the training data in grey, with fixed limits; returns the axes."""
    ax = fig.add_axes(rect)
    ax.scatter(run.x_train[:points], run.y_train[:points], s=3, color=DATA_GREY, linewidths=0)
    ax.set_xlim(-p.x_range, p.x_range)
    ax.set_ylim(*np.percentile(run.y_train, [0.2, 99.8]) * 1.12)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    return ax


def true_curve(ax, grid, **kwargs):
    """The noiseless function as a thin black line; returns the line."""
    grid = np.asarray(grid, dtype=np.float64)
    return ax.plot(grid, datasets.regression_target(grid), color=INK, lw=1, **kwargs)


def mae_axes(fig, p, noise_floor: float, ylabel: str):
    """Axes for MAE per epoch: the noise floor dashed, the learning-rate drop dotted."""
    ax = fig.add_axes((0.1, 0.13, 0.86, 0.8))
    last = p.epochs + p.final_epochs
    ax.set_xlim(0, last)
    ax.set_ylim(noise_floor - 6, 60)
    ax.axhline(noise_floor, color=INK, ls="--", lw=1)
    floor_label = f"noise floor σ·√(2/π) = {noise_floor:.2f}"
    ax.text(last, noise_floor - 1.0, floor_label, ha="right", va="top", fontsize=10)
    ax.axvline(p.epochs, color=MUTED, ls=":", lw=1)
    ax.text(p.epochs, 45, f"lr {p.lr:g} → {p.final_lr:g}  ", fontsize=10, color=MUTED, ha="right")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    return ax


def frame_epochs(total: int, frames: int) -> list[int]:
    """About ``frames`` epochs from 0 to ``total``, denser early, when the fit moves fast."""
    t = np.linspace(0, 1, frames) ** 1.6
    return sorted(set(np.round(t * total).astype(int).tolist()))


def render_fit(run, style):
    """The data; the fit over training (animated); the loss curves; the network; the kinks."""
    p, m = run.params, run.metrics
    figures = {}

    fig = new_figure(8, 4.5)
    ax = data_axes(fig, (0.1, 0.12, 0.86, 0.8), run, p)
    true_curve(ax, run.grid, label="true function")
    ax.scatter([], [], s=12, color=DATA_GREY, label=f"{len(run.x_train):,} training points")
    ax.legend(loc="upper left", fontsize=10, markerscale=1.5)
    figures["data"] = fig

    fig = new_figure(8, 4.5)
    ax = data_axes(fig, (0.1, 0.12, 0.86, 0.76), run, p)
    (line,) = ax.plot(run.grid, run.curves[0], color=FIT, lw=2)
    status = fig.text(0.1, 0.92, "", fontsize=11)

    def update(epoch: int) -> str:
        line.set_ydata(run.curves[epoch])
        lr = p.lr if epoch <= p.epochs else p.final_lr
        train = "  —  " if epoch == 0 else f"{run.train_loss[epoch]:5.1f}"
        status.set_text(
            f"epoch {epoch:>3}   lr {lr:g}   "
            f"train loss {train}   validation loss {run.val_mae[epoch]:5.1f}"
        )
        return f"epoch {epoch}"

    epochs = frame_epochs(len(run.curves) - 1, style.frames)
    figures["fit"] = animate(fig, update, epochs, style.fps, animated=[line, status])

    fig = new_figure(8, 4.2)
    ax = mae_axes(fig, p, m["noise_floor_mae"], "mean absolute error")
    ax.plot(run.train_loss, color=CLASS_COLORS[0], lw=1.6, label="train loss (L1: the MAE)")
    ax.plot(run.val_mae, color=CLASS_COLORS[1], lw=1.6, label="validation MAE")
    ax.legend(loc="upper right", fontsize=10)
    figures["loss"] = fig

    figures["architecture"] = draw_architecture(p)
    figures["pieces"] = draw_pieces(run)
    return figures


# --8<-- [end:fit-render]


# --8<-- [start:architecture-render]
def draw_architecture(p):
    """The network as columns of units: a few drawn per hidden layer, the rest elided."""
    fig = new_figure(8, 3.4)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-0.6, p.depth + 1.6)
    ax.set_ylim(-2.3, 9.2)
    ax.axis("off")
    sizes = " → ".join(["1", *[str(p.width)] * p.depth, "1"])
    title = f"{sizes}   (6 of the {p.width} units of each hidden layer drawn)"
    ax.text(-0.5, 8.9, title, fontsize=11, va="top")
    columns = [[3.75]] + [[0.5, 1.5, 2.5, 5.0, 6.0, 7.0]] * p.depth + [[3.75]]
    for i, (left, right) in enumerate(zip(columns[:-1], columns[1:], strict=True)):
        for y0 in left:
            for y1 in right:
                ax.plot([i, i + 1], [y0, y1], color="#cfcfcf", lw=0.6, zorder=1)
    for i, ys in enumerate(columns):
        hidden = 0 < i <= p.depth
        color = CLASS_COLORS[0] if hidden else INK
        ax.scatter([i] * len(ys), ys, s=170, color="white", edgecolors=color, lw=1.6, zorder=2)
        if hidden:
            ax.text(i, 3.75, "⋮", ha="center", va="center", fontsize=16, color=color)
            label = f"Dense {p.width}\nLeakyReLU({LEAKY_SLOPE:g})"
        else:
            label = f"input\nx ÷ {p.x_range:g}" if i == 0 else f"output\n× {p.y_scale:g} = ŷ"
        ax.text(i, -0.3, label, ha="center", va="top", fontsize=10)
    return fig


# --8<-- [end:architecture-render]


# --8<-- [start:pieces-render]
# Kinks are coloured by the layer that makes them, in colours far from the fit's vermilion.
KINK_COLORS = (CLASS_COLORS[0], CLASS_COLORS[2], CLASS_COLORS[3], CLASS_COLORS[4])


def draw_pieces(run):
    """Left: the whole fit with the zoom window boxed. Right: the window, where the
    vermilion curve is drawn through its kinks only, and each kink is marked by its layer."""
    p, m = run.params, run.metrics
    fig = new_figure(8, 4.5)
    left = data_axes(fig, (0.1, 0.13, 0.34, 0.72), run, p, points=1500)
    left.plot(run.grid, run.curves[-1], color=FIT, lw=1.5)
    left.set_title("the whole fit", fontsize=11, loc="left")

    x0, x1 = p.zoom_from, p.zoom_to
    shown = (run.kink_x > x0) & (run.kink_x < x1)
    xs = np.concatenate([[x0], run.kink_x[shown], [x1]])
    ys = network(run, xs)
    pad = max(0.35 * (ys.max() - ys.min()), 5.0)  # some room even for a single piece
    y0, y1 = ys.min() - pad, ys.max() + pad
    left.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec=INK, lw=1.2))

    ax = fig.add_axes((0.55, 0.13, 0.42, 0.72))
    inside = (run.x_train >= x0) & (run.x_train <= x1)
    ax.scatter(run.x_train[inside], run.y_train[inside], s=8, color=DATA_GREY, linewidths=0)
    true_curve(ax, np.linspace(x0, x1, 200), alpha=0.6)
    ax.plot(xs, ys, color=FIT, lw=2)
    for d in range(1, p.depth + 1):
        mine = shown & (run.kink_layer == d)
        ax.scatter(
            run.kink_x[mine],
            network(run, run.kink_x[mine]),
            s=40,
            zorder=3,
            color=KINK_COLORS[(d - 1) % len(KINK_COLORS)],
            edgecolors="white",
            linewidths=0.6,
            label=f"kink from layer {d} ({mine.sum()})",
        )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x")
    ax.legend(loc="lower left", fontsize=10, handletextpad=0.2)
    ax.set_title(f"zoom: x from {x0:g} to {x1:g}", fontsize=11, loc="left")
    # Lines from the box to the zoomed panel, so the eye can follow the zoom.
    for y_box, y_axes in ((y1, 1), (y0, 0)):
        fig.add_artist(
            ConnectionPatch(
                xyA=(x1, y_box),
                coordsA="data",
                axesA=left,
                xyB=(0, y_axes),
                coordsB="axes fraction",
                axesB=ax,
                color=MUTED,
                lw=0.8,
            )
        )
    whole = f"{m['linear_pieces']} straight pieces on [−{p.x_range:g}, {p.x_range:g}]"
    fig.text(0.1, 0.93, whole, fontsize=13)
    return fig


def network(run, x) -> np.ndarray:
    """The trained network at ``x`` (float64), from its stored layers."""
    h = np.asarray(x, dtype=np.float64)[:, None]
    for i in range(run.params.depth):
        z = h @ getattr(run, f"weight{i}").T + getattr(run, f"bias{i}")
        h = np.where(z > 0, z, LEAKY_SLOPE * z)
    last = run.params.depth
    return (h @ getattr(run, f"weight{last}").T + getattr(run, f"bias{last}"))[:, 0]


# --8<-- [end:pieces-render]


# %% [markdown]
# ## Jobs (activations.py and losses.py train with the same parameters)

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
