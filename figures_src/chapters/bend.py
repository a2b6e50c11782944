"""How layers bend space: a small network untangles two circles and a three-armed spiral.

Each layer is a linear map followed by a bend (ReLU). We watch the last hidden layer's
2-D representation while the network trains: the classes, tangled in the input plane,
are pushed apart until a straight line separates them.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from figures_src import datasets
from figures_src.engine import animate, job
from figures_src.nn import accuracy, linear_probe_accuracy, tensor, train_epochs
from figures_src.plotting import INK, class_colors, line_in_box, new_figure, smooth_limits

# %% [markdown]
# ## Circles: data, model, training with snapshots

# --8<-- [start:circles-train]
CIRCLE_NAMES = ("outer ring", "inner disc")


class CirclesNet(nn.Module):
    """2 → Dense 16 ReLU → Dense 2 ReLU → Dense 2 (softmax inside the loss)."""

    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(2, 16)
        self.layer2 = nn.Linear(16, 2)
        self.output = nn.Linear(2, 2)

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """The second hidden layer: the 2-D representation the output layer sees."""
        return torch.relu(self.layer2(torch.relu(self.layer1(x))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(self.hidden(x))


def fit_circles(X: np.ndarray, y: np.ndarray, p, seed: int) -> dict[str, np.ndarray]:
    """Train one CirclesNet from ``seed``, keeping a snapshot before training and after
    every epoch."""
    torch.manual_seed(seed)
    model = CirclesNet()
    X_t, y_t = tensor(X), tensor(y, torch.int64)
    loss_fn = nn.CrossEntropyLoss()
    grid = np.stack(np.meshgrid(*[np.linspace(-1.5, 1.5, p.grid)] * 2), -1).reshape(-1, 2)
    snapshots = {"hidden": [], "loss": [], "accuracy": [], "out_w": [], "out_b": [], "prob": []}

    def snapshot() -> None:
        with torch.no_grad():
            logits = model(X_t)
            snapshots["hidden"].append(model.hidden(X_t).numpy())
            snapshots["loss"].append(loss_fn(logits, y_t).item())
            snapshots["accuracy"].append(accuracy(logits.numpy(), y))
            snapshots["out_w"].append(model.output.weight.numpy().copy())
            snapshots["out_b"].append(model.output.bias.numpy().copy())
            prob = torch.softmax(model(tensor(grid)), dim=1)[:, 1]
            snapshots["prob"].append(prob.numpy().reshape(p.grid, p.grid).astype(np.float16))

    snapshot()
    for _epoch, _loss in train_epochs(model, X_t, y_t, loss_fn, p.epochs, p.lr, p.batch_size, seed):
        snapshot()
    runs = {k: np.array(v) for k, v in snapshots.items()}
    runs["weights"] = [w.detach().numpy().copy() for w in model.parameters()]
    return runs


def alive_units(hidden: np.ndarray, min_share: float = 0.05) -> int:
    """How many hidden units are non-zero on at least ``min_share`` of the points."""
    return int(((hidden > 1e-6).mean(axis=0) >= min_share).sum())


def train_circles(p):
    """A 2-unit ReLU bottleneck often collapses: a unit goes dead and stays dead. So seeds
    are tried in order from ``p.seed``, and the first network that keeps both units alive
    and reaches ``p.target`` accuracy is shown; the rejected seeds are counted."""
    X, y = datasets.circles(p.n_samples, p.noise)
    tried = []
    for seed in range(p.seed, p.seed + p.max_seeds):
        run = fit_circles(X, y, p, seed)
        tried.append((alive_units(run["hidden"][-1]), run["accuracy"][-1], seed, run))
        if tried[-1][0] == 2 and tried[-1][1] >= p.target:
            break
    alive, _, seed, run = max(tried, key=lambda t: t[:2])  # the best, if none qualified
    weights = run.pop("weights")
    arrays = dict(run, X=X, y=y, **{f"param{i}": w for i, w in enumerate(weights)})
    rejected = [t for t in tried if t[2] != seed]
    metrics = {
        "final_accuracy": float(run["accuracy"][-1]),
        "hidden_linear_probe_accuracy": linear_probe_accuracy(run["hidden"][-1], y),
        "final_loss": float(run["loss"][-1]),
        "seed_used": seed,
        "alive_hidden_units": alive,
        "seeds_rejected": len(rejected),
        "seeds_both_dead": sum(t[0] == 0 for t in rejected),
        "seeds_one_unit": sum(t[0] == 1 for t in rejected),
    }
    return arrays, metrics


# --8<-- [end:circles-train]

# %% [markdown]
# ## Circles: the hidden layer, frame by frame


# --8<-- [start:circles-render]
def render_hidden(run, style):
    """The 2-D hidden representation over the epochs, with the output layer's line."""
    fig = new_figure(6.4, 4.8)
    ax = fig.add_axes((0.12, 0.11, 0.84, 0.72))
    ax.set_xlabel("hidden unit 1 →")
    ax.set_ylabel("hidden unit 2 →")
    ax.set_xticks([])
    ax.set_yticks([])
    fig.text(0.12, 0.93, "Second hidden layer (2 ReLU units)", fontsize=13, color=INK)
    status = fig.text(0.12, 0.875, "", fontsize=11, color=INK)
    dots = ax.scatter(*run.hidden[0].T, c=class_colors(run.y), s=9, linewidths=0, alpha=0.75)
    (boundary,) = ax.plot([], [], color=INK, lw=1.4, ls="--", label="output layer's boundary")
    for c, name in enumerate(CIRCLE_NAMES):
        ax.scatter([], [], color=class_colors([c], 2)[0], s=30, label=name)
    fig.legend(loc="upper right", bbox_to_anchor=(0.98, 0.985), fontsize=10)
    limits = smooth_limits(run.hidden)

    def update(epoch: int) -> str:
        (x0, x1), (y0, y1) = limits[epoch]
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        dots.set_offsets(run.hidden[epoch])
        w, b = run.out_w[epoch], run.out_b[epoch]
        boundary.set_data(*line_in_box(w[1] - w[0], b[1] - b[0], (x0, x1), (y0, y1)))
        status.set_text(
            f"epoch {epoch:>2}   loss {run.loss[epoch]:.3f}   accuracy {run.accuracy[epoch]:.1%}"
        )
        return f"epoch {epoch}"

    frames = range(len(run.loss))
    return {"hidden": animate(fig, update, frames, style.fps, animated=[dots, boundary, status])}


# --8<-- [end:circles-render]

job(
    "circles.hidden",
    train=train_circles,
    render=render_hidden,
    params=dict(
        n_samples=1000,
        noise=0.1,
        epochs=50,
        lr=0.01,
        batch_size=32,
        seed=0,
        max_seeds=10,
        target=0.95,
        grid=121,
    ),  # fmt: skip
    quick=dict(n_samples=300, epochs=6, max_seeds=3),
    style=dict(fps=8),
)
