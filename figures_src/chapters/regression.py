"""Nonlinear regression: a small network fits a wiggly curve out of straight pieces.

Noisy samples of y = 0.5x³ − 0.5x² − 90·sin(x²) + 1; an MLP with LeakyReLU units, trained
with L1 loss and Adam, fits them down to the noise floor. Between kinks the network is
linear: we find every kink and count the straight pieces. Other activations: activations.py;
other losses, and the loss curves: losses.py; the parameters every run shares, and the job
that trains and draws this one: regression_jobs.py.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.patches import ConnectionPatch, Rectangle
from torch import nn

from figures_src import datasets
from figures_src.drawing import animate, words
from figures_src.nn import predict, tensor, train_epochs
from figures_src.plotting import CLASS_COLORS, FIT, INK, MUTED, new_figure

# %% [markdown]
# ## The model: a stack of Dense layers with one activation

# --8<-- [start:model]
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


# --8<-- [end:model]

# %% [markdown]
# ## Training, with a snapshot after every epoch


# --8<-- [start:fit-curve]
def split(p):
    """The data, split at random into training and held-out validation points."""
    args = p.n_samples, p.x_range, p.noise_std, p.seed
    x, y = datasets.noisy_regression(*args)
    n_val = round(p.val_fraction * p.n_samples)  # the points are in random order
    return (x[n_val:], y[n_val:]), (x[:n_val], y[:n_val])


def fit_curve(p, activation="leaky_relu", loss="l1", watch=None) -> dict:
    """Train one network. Per epoch (epoch 0 is before training) it keeps the
    validation MAE, the prediction on a grid of x, the training loss (the mean
    over the epoch's batches) and, if given, watch(model, x_train); then the
    trained model and the data."""
    (x_train, y_train), (x_val, y_val) = split(p)
    grid = np.linspace(-p.x_range, p.x_range, p.grid, dtype=np.float32)

    # The network sees x / x_range and y / y_scale: numbers of about 1, which
    # suit Adam's step sizes. Every MAE is back in the data's units.
    def inputs(x):
        return tensor(x[:, None] / p.x_range)

    def outputs(model, x):
        return predict(model, inputs(x))[:, 0] * p.y_scale

    torch.manual_seed(p.seed)
    model = curve_net(p.width, p.depth, activation)
    history = {"val_mae": [], "curves": [], "train_loss": [np.nan], "watched": []}

    def snapshot():
        history["val_mae"].append(np.abs(outputs(model, x_val) - y_val).mean())
        history["curves"].append(outputs(model, grid))
        if watch:
            history["watched"].append(watch(model, x_train))

    snapshot()
    X, Y = inputs(x_train), tensor(y_train[:, None] / p.y_scale)
    loss_fn, unit = LOSSES[loss](), p.y_scale if loss == "l1" else p.y_scale**2
    # Adam at lr for `epochs`, then a fresh Adam at the smaller final_lr.
    stages = [(p.epochs, p.lr), (p.final_epochs, p.final_lr)]
    for stage, (epochs, lr) in enumerate(stages):
        for _, batch_loss in train_epochs(
            model, X, Y, loss_fn, epochs, lr, p.batch_size, p.seed + stage
        ):
            history["train_loss"].append(batch_loss * unit)
            snapshot()
    watched = np.array(history.pop("watched"))
    run = {k: np.array(v, np.float32) for k, v in history.items()}
    run["train_mae"] = np.abs(outputs(model, x_train) - y_train).mean()
    data = dict(x_train=x_train, y_train=y_train, x_val=x_val, y_val=y_val)
    return dict(run, watched=watched, grid=grid, model=model, **data)


# --8<-- [end:fit-curve]


# --8<-- [start:fit-train]
def train_fit(p):
    """The main run: LeakyReLU(0.2), L1 loss, Adam (fit_curve is shown beside
    the animation of the fit); then its kinks and straight pieces
    (straight_pieces is shown beside the zoom into the fit)."""
    run = fit_curve(p)
    pieces, metrics = straight_pieces(run.pop("model"), p)
    x_val, y_val = run["x_val"], run["y_val"]
    true_val = datasets.regression_target(x_val.astype(np.float64))
    metrics.update(
        train_mae=float(run["train_mae"]),
        val_mae=float(run["val_mae"][-1]),
        noise_floor_mae=datasets.noise_floor_mae(p.noise_std),
        true_function_val_mae=float(np.abs(true_val - y_val).mean()),
        hidden_units=p.width * p.depth,
        total_epochs=p.epochs + p.final_epochs,
        n_train=len(run["x_train"]),
        n_val=len(x_val),
    )
    return dict(run, **pieces), metrics


# --8<-- [end:fit-train]

# %% [markdown]
# ## The kinks: where the network's slope changes


# --8<-- [start:kinks]
# Pieces shorter than this in x are too short to see in a figure of the range.
SHORT_PIECE = 0.01


def straight_pieces(model: nn.Sequential, p):
    """The trained network's weights in the data's units, its kinks (found
    exactly, and counted again by sampling its slope) and its straight pieces."""
    layers = layers_in_data_units(model, p.x_range, p.y_scale)
    where, layer, piece_slopes = kinks(layers, -p.x_range, p.x_range)
    lengths = np.diff([-p.x_range, *where, p.x_range])
    arrays = dict(kink_x=where, kink_layer=layer, piece_slopes=piece_slopes)
    for i, (w, b) in enumerate(layers):
        arrays[f"weight{i}"], arrays[f"bias{i}"] = w, b
    inside = (where > p.zoom_from) & (where < p.zoom_to)
    metrics = {
        "kinks": len(where),
        "slope_changes": slope_changes(layers, -p.x_range, p.x_range),
        "linear_pieces": len(piece_slopes),
        "short_pieces": int((lengths < SHORT_PIECE).sum()),
        "short_piece": SHORT_PIECE,
        "zoom_kinks": int(inside.sum()),
    }
    for d in range(1, p.depth + 1):
        metrics[f"kinks_layer{d}"] = int((layer == d).sum())
    return arrays, metrics


def layers_in_data_units(model: nn.Sequential, x_range: float, y_scale: float):
    """The Linear layers' (weight, bias) in float64, with the input and output
    scaling folded in: the network as a function of x itself, giving y."""
    layers = [
        (m.weight.double().detach().numpy(), m.bias.double().detach().numpy())
        for m in model
        if isinstance(m, nn.Linear)
    ]
    (w, b), (w_out, b_out) = layers[0], layers[-1]
    layers[0], layers[-1] = (w / x_range, b), (w_out * y_scale, b_out * y_scale)
    return layers


def kinks(layers, lo: float, hi: float, rtol: float = 1e-9):
    """Where on (lo, hi) a LeakyReLU network's slope changes: positions, the
    hidden layer (1, 2, ...) whose unit bends there, and the slope of each of
    the linear pieces.

    Exact, layer by layer: on each interval between the kinks found so far, the
    next layer's inputs are linear in x, so each unit's input a·x + c crosses
    zero at most once, at x = −c/a. The first layer's kinks are x = −b/w."""
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
    slopes = np.array([layers[-1][0][0] @ a for a, _ in maps])
    # A bend that later layers happen to cancel is no kink: merge equal slopes.
    atol = rtol * np.abs(slopes).max()
    changes = ~np.isclose(slopes[1:], slopes[:-1], rtol=0, atol=atol)
    keep = np.concatenate([[True], changes])
    edges, origin = np.array(edges[1:-1]), np.array(origin[1:-1])
    return edges[changes], origin[changes], slopes[keep]


def network(layers, x) -> tuple[np.ndarray, np.ndarray]:
    """The LeakyReLU network's output ŷ and its slope dŷ/dx at each x, carried
    forward layer by layer."""
    h = np.asarray(x, dtype=np.float64)[:, None]
    dh = np.ones_like(h)
    for w, b in layers[:-1]:
        z, dz = h @ w.T + b, dh @ w.T
        gain = np.where(z > 0, 1.0, LEAKY_SLOPE)
        h, dh = gain * z, gain * dz
    w, b = layers[-1]
    return (h @ w.T + b)[:, 0], (dh @ w.T)[:, 0]


def slope_changes(layers, lo, hi, points=200_001, scale=None) -> int:
    """A second count of the kinks, by sampling: where the slope differs between
    neighbouring samples, sample that interval again, finer, until each holds
    one change or is narrower than 1e-11."""
    x = np.linspace(lo, hi, points)
    slope = network(layers, x)[1]
    scale = np.abs(slope).max() if scale is None else scale
    changed = ~np.isclose(slope[1:], slope[:-1], rtol=0, atol=1e-9 * scale)
    if (hi - lo) / (points - 1) < 1e-11:
        return int(changed.sum())
    inside = np.flatnonzero(changed)
    return sum(slope_changes(layers, x[i], x[i + 1], 17, scale) for i in inside)


# --8<-- [end:kinks]


# %% [markdown]
# ## Figures


# --8<-- [start:fit-render]
def render_fit(run, style):
    """Four of the main run's figures, each drawn by its own function (the
    fifth, its loss curves, is drawn in losses.py)."""
    t = words(style)
    return {
        "data": draw_data(run, t),
        "architecture": draw_architecture(run.params, t),
        "fit": draw_fit(run, style),
        "pieces": draw_pieces(run, t),
    }


# --8<-- [end:fit-render]


# --8<-- [start:data-render]
DATA_GREY = "#b4b4b4"


def data_axes(fig, rect, run, p, points: int | None = None):
    """Axes holding the training data in grey, with fixed limits."""
    ax = fig.add_axes(rect)
    x, y = run.x_train[:points], run.y_train[:points]
    ax.scatter(x, y, s=3, color=DATA_GREY, linewidths=0)
    ax.set_xlim(-p.x_range, p.x_range)
    ax.set_ylim(*np.percentile(run.y_train, [0.2, 99.8]) * 1.12)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    return ax


def true_curve(ax, grid, t, **kwargs):
    """The noiseless function as a thin black line."""
    grid = np.asarray(grid, dtype=np.float64)
    y = datasets.regression_target(grid)
    label = t("true function", "실제 함수")
    return ax.plot(grid, y, color=INK, lw=1, label=label, **kwargs)


def draw_data(run, t):
    """The training points and the true function."""
    fig = new_figure(8, 4.5)
    ax = data_axes(fig, (0.1, 0.12, 0.86, 0.8), run, run.params)
    true_curve(ax, run.grid, t)
    n = len(run.x_train)
    points = t("{:,} training points", "학습 데이터 {:,}개").format(n)
    ax.scatter([], [], s=12, color=DATA_GREY, label=points)
    ax.legend(loc="upper left", markerscale=1.5)
    return fig


# --8<-- [end:data-render]


# --8<-- [start:fit-animation]
def frame_epochs(total: int, frames: int) -> list[int]:
    """About ``frames`` epochs from 0 to ``total``, denser early, when the fit
    moves fast."""
    t = np.linspace(0, 1, frames) ** 1.6
    return sorted(set(np.round(t * total).astype(int).tolist()))


def draw_fit(run, style):
    """The prediction over the data, one frame per chosen epoch."""
    t = words(style)
    p = run.params
    fig = new_figure(8, 4.5)
    ax = data_axes(fig, (0.1, 0.12, 0.86, 0.76), run, p)
    (line,) = ax.plot(run.grid, run.curves[0], color=FIT, lw=2)
    status = fig.text(0.1, 0.92, "", fontsize=12)
    losses = t(
        "epoch {}   lr {:g}   train loss {}   validation loss {:.1f}",
        "에포크 {}   학습률 {:g}   학습 손실 {}   검증 손실 {:.1f}",
    )
    epoch_label = t("epoch {}", "에포크 {}")

    def update(epoch: int) -> str:
        line.set_ydata(run.curves[epoch])
        lr = p.lr if epoch <= p.epochs else p.final_lr
        train = "—" if epoch == 0 else f"{run.train_loss[epoch]:.1f}"
        status.set_text(losses.format(epoch, lr, train, run.val_mae[epoch]))
        return epoch_label.format(epoch)

    epochs = frame_epochs(len(run.curves) - 1, style.frames)
    return animate(fig, update, epochs, style.fps, animated=[line, status])


# --8<-- [end:fit-animation]


# --8<-- [start:architecture-render]
def draw_architecture(p, t):
    """The network as columns of units: six drawn per hidden layer."""
    fig = new_figure(8, 3.6)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-0.6, p.depth + 1.6)
    ax.set_ylim(-2.6, 9.2)
    ax.axis("off")
    sizes = " → ".join(["1", *[str(p.width)] * p.depth, "1"])
    drawn = t(
        "{}   (6 of the {} units of each hidden layer drawn)",
        "{}   (은닉층마다 유닛 {}개 중 6개만 그림)",
    )
    title = drawn.format(sizes, p.width)
    ax.text(-0.5, 8.9, title, va="top")
    columns = [[3.75]] + [[0.5, 1.5, 2.5, 5.0, 6.0, 7.0]] * p.depth + [[3.75]]
    for i in range(len(columns) - 1):
        for y0 in columns[i]:
            for y1 in columns[i + 1]:
                ax.plot([i, i + 1], [y0, y1], color="#cfcfcf", lw=0.6, zorder=1)
    for i, ys in enumerate(columns):
        xs = [i] * len(ys)
        ax.scatter(xs, ys, s=170, color="white", edgecolors=INK, lw=1.6, zorder=2)
        if 0 < i <= p.depth:
            ax.text(i, 3.75, "⋮", ha="center", va="center", fontsize=16)
            label = f"Dense {p.width}\nLeakyReLU({LEAKY_SLOPE:g})"
        elif i == 0:
            label = t("input", "입력") + f"\nx ÷ {p.x_range:g}"
        else:
            label = t("output", "출력") + f"\n× {p.y_scale:g} = ŷ"
        ax.text(i, -0.3, label, ha="center", va="top", fontsize=12)
    return fig


# --8<-- [end:architecture-render]


# --8<-- [start:pieces-render]
# Kinks by the layer that makes them: colours and shapes far from the fit.
KINK_STYLES = ((CLASS_COLORS[4], "o"), (CLASS_COLORS[2], "s"), (INK, "^"))


def draw_pieces(run, t):
    """Left: the whole fit, the zoom window boxed. Right: the window, with the
    network's output sampled finely and, on top, its kinks joined by straight
    lines; each kink marked by its layer."""
    p, m = run.params, run.metrics
    weights = (getattr(run, f"weight{i}") for i in range(p.depth + 1))
    biases = (getattr(run, f"bias{i}") for i in range(p.depth + 1))
    layers = list(zip(weights, biases, strict=True))
    fig = new_figure(8, 5.4)
    left = data_axes(fig, (0.1, 0.3, 0.34, 0.58), run, p, points=1500)
    left.plot(run.grid, run.curves[-1], color=FIT, lw=1.5)
    left.set_title(t("the whole fit", "전체 근사 곡선"), fontsize=11, loc="left")

    x0, x1 = p.zoom_from, p.zoom_to
    shown = (run.kink_x > x0) & (run.kink_x < x1)
    xs = np.concatenate([[x0], run.kink_x[shown], [x1]])
    ys = network(layers, xs)[0]
    pad = max(0.35 * (ys.max() - ys.min()), 5.0)  # room even for a single piece
    y0, y1 = ys.min() - pad, ys.max() + pad
    box = Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec=INK, lw=1.2)
    left.add_patch(box)

    ax = fig.add_axes((0.55, 0.3, 0.42, 0.58))
    inside = (run.x_train >= x0) & (run.x_train <= x1)
    x, y = run.x_train[inside], run.y_train[inside]
    data = t("training data", "학습 데이터")
    ax.scatter(x, y, s=8, color=DATA_GREY, linewidths=0, label=data)
    true_curve(ax, np.linspace(x0, x1, 200), t)
    fine = np.linspace(x0, x1, 400)
    sampled = t("the network's output at 400 values of x", "x의 400곳에서 계산한 신경망 출력")
    fine_y = network(layers, fine)[0]
    ax.plot(fine, fine_y, color=FIT, lw=7, alpha=0.3, label=sampled)
    joined = t("its kinks joined by straight lines", "꺾인 점을 이은 직선")
    ax.plot(xs, ys, color=FIT, lw=1.6, label=joined)
    from_layer = t("kink from layer {} ({})", "은닉층 {}의 꺾인 점 ({}개)")
    for d in range(1, p.depth + 1):
        mine = shown & (run.kink_layer == d)
        color, marker = KINK_STYLES[(d - 1) % len(KINK_STYLES)]
        kink_y = network(layers, run.kink_x[mine])[0]
        label = from_layer.format(d, mine.sum())
        style = dict(s=45, color=color, marker=marker, edgecolors="white")
        ax.scatter(run.kink_x[mine], kink_y, label=label, zorder=3, **style)
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x")
    zoom = t("zoom: x from {:g} to {:g}", "확대: x = {:g} ~ {:g}")
    ax.set_title(zoom.format(x0, x1), fontsize=11, loc="left")
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, markerscale=1.2)
    # Lines from the box to the zoomed panel, so the eye can follow the zoom.
    for y_box, y_axes in ((y1, 1), (y0, 0)):
        ends = (x1, y_box), (0, y_axes), "data", "axes fraction"
        line = ConnectionPatch(*ends, axesA=left, axesB=ax, color=MUTED, lw=0.8)
        fig.add_artist(line)
    span = f"[−{p.x_range:g}, {p.x_range:g}]"
    pieces = t("{} straight pieces on {}", "{1}에서 직선 조각 {0}개")
    whole = pieces.format(m["linear_pieces"], span)
    fig.text(0.1, 0.94, whole, fontsize=13)
    return fig


# --8<-- [end:pieces-render]
