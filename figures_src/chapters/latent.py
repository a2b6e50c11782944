"""Latent maps: a Fashion-MNIST autoencoder, and its latent vectors laid out by t-SNE.

An autoencoder squeezes each 28x28 image through a few numbers, its latent vector, and
learns to rebuild the image from them. t-SNE then draws the latent space in 2-D so that
images with nearby latent vectors land near each other, and we put each image's thumbnail
at its place. We measure what the 2-D map keeps (who is near whom) and show what it does
not keep (the sizes of clusters and the gaps between them).
"""

from __future__ import annotations

import time

import numpy as np
import torch
from matplotlib.colors import to_rgba_array
from torch import nn

from figures_src import datasets
from figures_src.engine import animate, job
from figures_src.nn import tensor, train_epochs
from figures_src.plotting import INK, MUTED, TEN_COLORS, class_colors, class_legend, new_figure

FASHION = datasets.FASHION_CLASSES

# %% [markdown]
# ## Data: which images we train on and which we map


def stratified_sample(y: np.ndarray, size: int, seed: int) -> np.ndarray:
    """``size`` indices into ``y``, in random order, with the classes in equal shares."""
    from sklearn.model_selection import train_test_split

    chosen, _ = train_test_split(np.arange(len(y)), train_size=size, stratify=y, random_state=seed)
    return chosen


def pixels(images: np.ndarray) -> torch.Tensor:
    """uint8 images (n, 28, 28) as float rows (n, 784) in [0, 1]."""
    return tensor(images.reshape(len(images), -1) / 255.0)


# %% [markdown]
# ## The autoencoder, trained once per job from the same seed


# --8<-- [start:autoencoder]
class Autoencoder(nn.Module):
    """784 → Dense hidden, ReLU → Dense latent (the code z) → Dense hidden, ReLU → 784, sigmoid."""

    def __init__(self, hidden: int, latent: int):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, latent))
        self.decoder = nn.Sequential(
            nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 784), nn.Sigmoid()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


def train_autoencoder(p) -> dict[str, np.ndarray | float]:
    """Train on ``p.n_train`` training images; returns the loss history (on 2,000 of the
    training images and all 10,000 test images), the reconstructions
    of one test image per class after every epoch, and the latent vectors of ``p.n_map``
    test images (``map_index`` says which). The same ``p`` gives the same numbers in every
    job, so jobs that need the latent vectors train the same network again."""
    data = datasets.fashion_mnist()
    start = time.perf_counter()
    torch.manual_seed(p.seed)
    x_train = pixels(data.x_train[stratified_sample(data.y_train, p.n_train, p.seed)])
    x_test = pixels(data.x_test)
    map_index = stratified_sample(data.y_test, p.n_map, p.seed)
    shown = np.array([map_index[data.y_test[map_index] == c][0] for c in range(10)])
    model = Autoencoder(p.hidden, p.latent)
    mse = nn.MSELoss()
    history = {"train_mse": [], "test_mse": [], "reconstructions": []}

    def snapshot() -> None:
        with torch.no_grad():  # the training images are in random order: [:2000] is a sample
            history["train_mse"].append(mse(model(x_train[:2000]), x_train[:2000]).item())
            history["test_mse"].append(mse(model(x_test), x_test).item())
            history["reconstructions"].append(model(x_test[shown]).numpy().reshape(-1, 28, 28))

    snapshot()
    for _epoch, _loss in train_epochs(
        model, x_train, x_train, mse, p.epochs, p.lr, p.batch_size, p.seed
    ):
        snapshot()
    with torch.no_grad():
        z_map = model.encoder(x_test[map_index]).numpy()
    return dict(
        {k: np.array(v, dtype=np.float32) for k, v in history.items()},
        shown=shown,
        originals=data.x_test[shown],
        map_index=map_index,
        images=data.x_test[map_index],
        y=data.y_test[map_index],
        z=z_map,
        seconds=time.perf_counter() - start,
    )


# --8<-- [end:autoencoder]

# %% [markdown]
# ## The latent map: t-SNE of 6,000 latent vectors, and what it keeps


# --8<-- [start:latent-map]
def tsne(z: np.ndarray, perplexity: float, p) -> np.ndarray:
    """scikit-learn's t-SNE of ``z`` to 2-D, started from PCA, step size chosen from n."""
    from sklearn.manifold import TSNE

    return TSNE(
        n_components=2,
        perplexity=perplexity,
        init="pca",
        learning_rate="auto",
        max_iter=p.max_iter,
        angle=p.angle,
        random_state=p.seed,
    ).fit_transform(z)


def knn_accuracy(features: np.ndarray, y: np.ndarray, seed: int) -> float:
    """5-fold cross-validated accuracy of a 5-nearest-neighbour classifier on ``features``."""
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    return float(cross_val_score(KNeighborsClassifier(n_neighbors=5), features, y, cv=folds).mean())


def class_geometry(points: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """How big each class is and how far it sits from the others, in units of the whole
    cloud's RMS radius: ``spread`` (each class's RMS distance to its centre),
    ``centre_distances`` (between every pair of class centres) and ``separation`` (each
    class's distance to the nearest other centre, over its own spread)."""
    from scipy.spatial.distance import pdist, squareform

    centred = points - points.mean(0)
    points = centred / np.sqrt((centred**2).sum(1).mean())
    centres = np.array([points[y == c].mean(0) for c in range(10)])
    spread = np.array(
        [np.sqrt(((points[y == c] - centres[c]) ** 2).sum(1).mean()) for c in range(10)]
    )
    distances = squareform(pdist(centres))
    np.fill_diagonal(distances, np.inf)
    return {
        "spread": spread,
        "centre_distances": pdist(centres),
        "separation": distances.min(axis=1) / spread,
    }


def train_latent_map(p):
    """The autoencoder, then the main t-SNE map and the numbers that say how faithful it is."""
    from scipy.stats import spearmanr
    from sklearn.manifold import trustworthiness

    run = train_autoencoder(p)
    start = time.perf_counter()
    embedding = tsne(run["z"], p.perplexity, p)
    tsne_seconds = time.perf_counter() - start
    y = run["y"]
    latent, on_map = class_geometry(run["z"], y), class_geometry(embedding, y)
    metrics = {
        "reconstruction_mse": float(run["test_mse"][-1]),
        "train_mse": float(run["train_mse"][-1]),
        "trustworthiness": float(trustworthiness(run["z"], embedding, n_neighbors=10)),
        "knn_accuracy_pixels": knn_accuracy(run["images"].reshape(len(y), -1) / 255.0, y, p.seed),
        "knn_accuracy_latent": knn_accuracy(run["z"], y, p.seed),
        "knn_accuracy_2d": knn_accuracy(embedding, y, p.seed),
        "tsne_seconds": round(tsne_seconds, 1),
        "autoencoder_seconds": round(float(run.pop("seconds")), 1),
        "size_rank_correlation": float(spearmanr(latent["spread"], on_map["spread"]).statistic),
        "size_ratio_latent": float(latent["spread"].max() / latent["spread"].min()),
        "size_ratio_map": float(on_map["spread"].max() / on_map["spread"].min()),
        "size_vs_mixing_rank_correlation": float(
            spearmanr(latent["separation"], on_map["spread"]).statistic
        ),
        "largest_class_on_map": datasets.FASHION_CLASSES[int(on_map["spread"].argmax())],
        "smallest_class_on_map": datasets.FASHION_CLASSES[int(on_map["spread"].argmin())],
        "centre_distance_rank_correlation": float(
            spearmanr(latent["centre_distances"], on_map["centre_distances"]).statistic
        ),
        "separation_latent": float(np.median(latent["separation"])),
        "separation_map": float(np.median(on_map["separation"])),
    }
    geometry = {f"{k}_latent": v for k, v in latent.items()}
    geometry.update({f"{k}_map": v for k, v in on_map.items()})
    return dict(run, embedding=embedding, **geometry), metrics


# --8<-- [end:latent-map]

# %% [markdown]
# ## The autoencoder learning, frame by frame


def strip(images: np.ndarray, gap: int = 4) -> np.ndarray:
    """Images (n, 28, 28) side by side with blank gaps, as one (28, n*(28+gap)-gap) array."""
    n, h, w = images.shape
    out = np.zeros((h, n * (w + gap) - gap), dtype=np.float32)
    for i, image in enumerate(images):
        out[:, i * (w + gap) : i * (w + gap) + w] = image
    return out


def render_training(run, style):
    """Originals above their reconstructions, epoch by epoch, over the loss curves."""
    fig = new_figure(9, 5.2)
    fig.text(0.03, 0.955, "Autoencoder: test images and what it rebuilds", fontsize=13, color=INK)
    status = fig.text(0.97, 0.955, "", fontsize=11, color=INK, ha="right")
    grid = dict(cmap="gray_r", vmin=0, vmax=1, interpolation="nearest", aspect="equal")
    top = fig.add_axes((0.15, 0.66, 0.83, 0.16))
    bottom = fig.add_axes((0.15, 0.48, 0.83, 0.16))
    top.imshow(strip(run.originals / 255.0), **grid)
    rebuilt = bottom.imshow(strip(run.reconstructions[0]), **grid)
    for ax, label in ((top, "original"), (bottom, "rebuilt from\nits latent vector")):
        ax.set_axis_off()
        ax.text(-6, 14, label, ha="right", va="center", fontsize=10, color=INK)
    for c, name in enumerate(datasets.FASHION_CLASSES):
        top.text(c * 32 + 14, -4, name, ha="center", va="bottom", fontsize=10, color=INK)

    curve = fig.add_axes((0.15, 0.1, 0.6, 0.3))
    epochs = np.arange(len(run.test_mse))
    curve.plot(epochs, run.train_mse, color=TEN_COLORS[0], lw=1.8, label="training images")
    curve.plot(epochs, run.test_mse, color=TEN_COLORS[6], lw=1.8, ls="--", label="test images")
    (marker,) = curve.plot([], [], "o", color=TEN_COLORS[6], ms=7)
    curve.set_yscale("log")
    curve.set_yticks([0.02, 0.05, 0.1], ["0.02", "0.05", "0.1"])
    curve.minorticks_off()
    curve.set_xlabel("epoch")
    curve.set_ylabel("mean squared error")
    curve.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=10)

    def update(epoch: int) -> str:
        rebuilt.set_data(strip(run.reconstructions[epoch]))
        marker.set_data([epoch], [run.test_mse[epoch]])
        status.set_text(f"epoch {epoch} of {len(epochs) - 1}   test MSE {run.test_mse[epoch]:.4f}")
        return f"epoch {epoch}"

    return animate(fig, update, epochs, style.fps, animated=[rebuilt, marker, status])


# %% [markdown]
# ## The scatter and the thumbnail map


def render_scatter(run):
    """The t-SNE map as dots coloured by class."""
    fig = new_figure(7.2, 6.6)
    ax = fig.add_axes((0.03, 0.03, 0.94, 0.8))
    ax.scatter(*run.embedding.T, c=class_colors(run.y, 10), s=5, linewidths=0, alpha=0.8)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_axis_off()
    fig.text(
        0.03,
        0.955,
        f"t-SNE of {len(run.y):,} test images' latent vectors",
        fontsize=13,
        color=INK,
    )
    class_legend(fig, FASHION, loc="upper center", bbox_to_anchor=(0.5, 0.935), ncols=5)
    return fig


# --8<-- [start:thumbnails]
def spaced_points(xy: np.ndarray, min_gap: float) -> list[int]:
    """Greedily, in order, the points at least ``min_gap`` away (along x or y) from every
    point already kept: the rule of scikit-learn's plot_lle_digits, for square thumbnails."""
    kept: list[int] = []
    for i, point in enumerate(xy):
        if not kept or np.abs(xy[kept] - point).max(axis=1).min() >= min_gap:
            kept.append(i)
    return kept


def render_thumbnails(run, style):
    """Each kept image drawn at its t-SNE position, pixel for pixel at ``style.zoom`` times its
    size, framed in its class colour; every image, kept or not, is a dot underneath."""
    tile = 28 * style.zoom + 4  # the image, zoomed, inside a 2-pixel frame
    margin, header = 16, round(1.2 * style.dpi)  # pixels
    lo, hi = run.embedding.min(0), run.embedding.max(0)
    scale = (style.map_inches * style.dpi - 2 * margin - tile) / (hi - lo).max()
    width, height = np.ceil((hi - lo) * scale).astype(int) + tile
    xy = tile / 2 + (run.embedding - lo) * scale  # pixels from the lower left corner
    canvas = np.zeros((height, width, 4))  # RGBA, transparent where no thumbnail lies
    frames = to_rgba_array(class_colors(run.y, 10))[:, :3]
    kept = spaced_points(xy, style.spacing * tile)
    for i in kept:
        x0, y0 = (xy[i] - tile / 2).round().astype(int)
        row0 = height - y0 - tile  # image rows run downwards
        image = 1.0 - np.kron(run.images[i] / 255.0, np.ones((style.zoom, style.zoom)))
        canvas[row0 : row0 + tile, x0 : x0 + tile, :3] = frames[i]
        canvas[row0 + 2 : row0 + tile - 2, x0 + 2 : x0 + tile - 2, :3] = image[..., None]
        canvas[row0 : row0 + tile, x0 : x0 + tile, 3] = 1.0

    fig_w, fig_h = width + 2 * margin, height + 2 * margin + header
    fig = new_figure(fig_w / style.dpi, fig_h / style.dpi, dpi=style.dpi)
    ax = fig.add_axes((margin / fig_w, margin / fig_h, width / fig_w, height / fig_h))
    ax.scatter(*xy.T, c=class_colors(run.y, 10), s=4, linewidths=0, alpha=0.6)
    ax.imshow(canvas, extent=(0, width, 0, height), interpolation="nearest", zorder=2)
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    fig.text(
        margin / fig_w,
        1 - 0.1 * style.dpi / fig_h,
        f"{len(kept)} of {len(run.y):,} test images at their t-SNE positions"
        " (the others are the dots)",
        fontsize=15,
        color=INK,
        va="top",
    )
    class_legend(
        fig,
        FASHION,
        marker="s",
        loc="upper center",
        ncols=5,
        fontsize=13,
        bbox_to_anchor=(0.5, 1 - 0.45 * style.dpi / fig_h),
    )
    return fig


# --8<-- [end:thumbnails]


def render_sizes_and_gaps(run):
    """Each class's size, and its distance to the nearest other class, before and after t-SNE."""
    fig = new_figure(9, 5)
    fig.text(0.02, 0.94, "Each class in the latent space and on the t-SNE map", fontsize=13,
             color=INK)  # fmt: skip
    panels = [
        ("spread", "size: RMS distance to the class centre\n(share of the whole cloud's)"),
        ("separation", "gap: distance to the nearest other\nclass centre ÷ the class's size"),
    ]
    rows = np.arange(10)
    for k, (name, title) in enumerate(panels):
        ax = fig.add_axes((0.17 + 0.42 * k, 0.1, 0.36, 0.68))
        before, after = getattr(run, f"{name}_latent"), getattr(run, f"{name}_map")
        ax.barh(rows - 0.2, before, height=0.4, color="#BBBBBB", label="latent space")
        ax.barh(rows + 0.2, after, height=0.4, color=TEN_COLORS[0], label="t-SNE map")
        ax.set_yticks(rows, datasets.FASHION_CLASSES if k == 0 else [])
        ax.invert_yaxis()
        ax.set_title(title, fontsize=11, loc="left")
        ax.tick_params(axis="y", length=0)
    fig.legend(*fig.axes[0].get_legend_handles_labels(), loc="upper right",
               bbox_to_anchor=(0.99, 0.99), ncols=2, fontsize=10)  # fmt: skip
    return fig


def render_latent_map(run, style):
    """Every figure of the main job: the training, the scatter, the thumbnails, the sizes."""
    return {
        "training": render_training(run, style),
        "scatter": render_scatter(run),
        "thumbnails": render_thumbnails(run, style),
        "sizes_and_gaps": render_sizes_and_gaps(run),
    }


# %% [markdown]
# ## Reading t-SNE honestly: one set of latent vectors, several pictures
#
# One job draws them all: PCA, t-SNE at three perplexities, and t-SNE while it optimises,
# all of the same ``p.n_points`` latent vectors, so the autoencoder is retrained only once.

PERPLEXITIES = (5, 30, 100)


# --8<-- [start:perplexity]
def train_tsne_views(p):
    """PCA, scikit-learn's t-SNE at each of PERPLEXITIES, and one openTSNE run whose
    embedding is kept every ``p.every`` iterations, all of the same ``p.n_points`` latent
    vectors."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import trustworthiness

    run = train_autoencoder(p)
    subset = stratified_sample(run["y"], p.n_points, p.seed)
    z, y = run["z"][subset], run["y"][subset]
    views = {"pca": PCA(n_components=2, random_state=p.seed).fit_transform(z)}
    for perplexity in PERPLEXITIES:
        views[f"perplexity_{perplexity}"] = tsne(z, perplexity, p)
    metrics = {"n_points": len(y)}
    for name, view in views.items():
        metrics[f"trustworthiness_{name}"] = float(trustworthiness(z, view, n_neighbors=10))
        metrics[f"knn_accuracy_{name}"] = knn_accuracy(view, y, p.seed)
        geometry = class_geometry(view, y)
        metrics[f"size_ratio_{name}"] = float(geometry["spread"].max() / geometry["spread"].min())
        metrics[f"separation_{name}"] = float(np.median(geometry["separation"]))
    steps, iterations, seconds = tsne_steps(z, p)
    metrics["trustworthiness_animated"] = float(trustworthiness(z, steps[-1], n_neighbors=10))
    metrics["opentsne_seconds"] = round(seconds, 1)
    return dict(views, y=y, snapshots=steps, iterations=iterations), metrics


# --8<-- [end:perplexity]


def render_perplexity(run):
    """Four 2-D pictures of the same latent vectors, side by side."""
    fig = new_figure(9, 9)
    fig.text(
        0.03,
        0.965,
        f"The same {len(run.y):,} latent vectors, four 2-D pictures",
        fontsize=13,
        color=INK,
    )
    names = ["pca"] + [f"perplexity_{q}" for q in PERPLEXITIES]
    titles = ["PCA (a linear projection)"] + [f"t-SNE, perplexity {q}" for q in PERPLEXITIES]
    for k, (name, title) in enumerate(zip(names, titles, strict=True)):
        ax = fig.add_axes((0.03 + 0.49 * (k % 2), 0.48 - 0.44 * (k // 2), 0.45, 0.36))
        ax.scatter(*getattr(run, name).T, c=class_colors(run.y, 10), s=4, linewidths=0)
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.spines[["left", "bottom"]].set_visible(False)
        m = run.metrics
        ax.set_title(
            f"{title}\ntrustworthiness {m[f'trustworthiness_{name}']:.3f}, "
            f"5-NN accuracy {m[f'knn_accuracy_{name}']:.1%}",
            fontsize=11,
            loc="left",
        )
    class_legend(fig, FASHION, loc="upper center", bbox_to_anchor=(0.5, 0.95), ncols=5)
    return fig


# %% [markdown]
# ## t-SNE while it optimises


# --8<-- [start:tsne-steps]
def tsne_steps(z: np.ndarray, p) -> tuple[np.ndarray, np.ndarray, float]:
    """openTSNE on ``z``, keeping the embedding every ``p.every`` iterations: first the
    early-exaggeration phase, then the normal one. Returns the snapshots, their iteration
    numbers and the seconds it took. (scikit-learn's TSNE only returns the end result.)"""
    from openTSNE import TSNE

    snapshots = []

    def keep(iteration: int, error: float, embedding: np.ndarray) -> None:
        snapshots.append(np.array(embedding, dtype=np.float32))

    start = time.perf_counter()
    final = TSNE(
        perplexity=p.perplexity,
        early_exaggeration_iter=p.exaggeration_iter,
        n_iter=p.n_iter,
        callbacks=keep,
        callbacks_every_iters=p.every,
        n_jobs=1,
        random_state=p.seed,
    ).fit(z)
    seconds = time.perf_counter() - start
    snapshots[-1] = np.array(final, dtype=np.float32)  # a callback sees the step before last
    return np.array(snapshots), p.every * np.arange(1, len(snapshots) + 1), seconds


# --8<-- [end:tsne-steps]


def render_tsne_steps(run, style):
    """The embedding over the iterations, rescaled to fill the frame each time. Every kept
    snapshot of the early phase is a frame; later, every ``style.later_every``-th."""
    fig = new_figure(8, 5.6)
    ax = fig.add_axes((0.02, 0.03, 0.62, 0.84))
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(-1.05, 1.05)
    ax.set_aspect("equal")
    ax.set_axis_off()
    fig.text(0.02, 0.94, "t-SNE while it optimises", fontsize=13, color=INK)
    status = fig.text(0.02, 0.895, "", fontsize=11, color=INK)
    width = fig.text(0.66, 0.15, "", fontsize=10, color=MUTED)
    fig.text(0.66, 0.12, "(rescaled to fit each frame)", fontsize=10, color=MUTED)
    dots = ax.scatter(*run.snapshots[0].T, c=class_colors(run.y, 10), s=5, linewidths=0)
    class_legend(fig, FASHION, loc="center left", bbox_to_anchor=(0.66, 0.55))
    centred = run.snapshots - run.snapshots.mean(axis=1, keepdims=True)
    extent = np.percentile(np.abs(centred), 99.5, axis=(1, 2))  # a stray point may leave
    early_until, last = run.params.exaggeration_iter, int(run.iterations[-1])
    later = (run.iterations - early_until) // run.params.every
    frames = [k for k in range(len(extent)) if later[k] <= 0 or later[k] % style.later_every == 0]

    def update(k: int) -> str:
        dots.set_offsets(centred[k] / extent[k])
        iteration = int(run.iterations[k])
        phase = "early exaggeration (pull ×12)" if iteration <= early_until else "normal phase"
        status.set_text(f"iteration {iteration} of {last}: {phase}")
        width.set_text(f"map width: {2 * extent[k]:.3g}")
        return f"iteration {iteration}"

    return animate(fig, update, frames, style.fps, animated=[dots, status, width])


def render_tsne_views(run, style):
    """The perplexity small multiples and the optimisation, from the same run."""
    return {"perplexity": render_perplexity(run), "steps": render_tsne_steps(run, style)}


# %% [markdown]
# ## The jobs

AUTOENCODER = dict(
    n_train=10000, epochs=8, hidden=256, latent=32, lr=0.001, batch_size=128,
    n_map=6000, seed=0,
)  # fmt: skip
AUTOENCODER_QUICK = dict(n_train=2000, epochs=2, n_map=600)
AUTOENCODER_BOUNDS = dict(
    n_train=(100, 60_000), epochs=(1, 200), hidden=(8, 4096), latent=(2, 256),
    lr=(1e-6, 1.0), batch_size=(1, 10_000), n_map=(100, 10_000), seed=(0, None),
)  # fmt: skip
TSNE_BOUNDS = dict(perplexity=(2.0, 100.0), max_iter=(250, 5000), angle=(0.0, 1.0))

job(
    "fashion.latent_map",
    train=train_latent_map,
    render=render_latent_map,
    params=dict(AUTOENCODER, perplexity=30.0, max_iter=500, angle=0.8),
    quick=dict(AUTOENCODER_QUICK, max_iter=250),
    bounds=dict(AUTOENCODER_BOUNDS, **TSNE_BOUNDS),
    style=dict(fps=2, map_inches=10.0, dpi=160, zoom=2, spacing=0.8),
)
job("fashion.tsne_views", train=train_tsne_views, render=render_tsne_views,
    params=dict(
        AUTOENCODER,
        n_points=1500,
        max_iter=500,
        angle=0.8,
        perplexity=30.0,
        exaggeration_iter=250,
        n_iter=400,
        every=10,
    ),
    quick=dict(AUTOENCODER_QUICK, n_points=300, max_iter=250, exaggeration_iter=50, n_iter=50),
    bounds=dict(
        AUTOENCODER_BOUNDS, **TSNE_BOUNDS,
        n_points=(100, 10_000), exaggeration_iter=(0, 2000), n_iter=(1, 5000), every=(1, 100),
    ),
    style=dict(fps=8, later_every=2),
)  # fmt: skip
