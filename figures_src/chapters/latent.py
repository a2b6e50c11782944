"""Latent maps: a Fashion-MNIST autoencoder, and its latent vectors laid out by t-SNE.

An autoencoder squeezes each 28x28 image through a few numbers, its latent vector, and
learns to rebuild the image from them. t-SNE then draws the latent space in 2-D so that
images with nearby latent vectors land near each other, and we put each image's thumbnail
at its place. We measure what the 2-D map keeps (who is near whom) and show what it does
not keep (the sizes of clusters and the gaps between them). One autoencoder is trained,
once, for every figure of the chapter.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from matplotlib.colors import to_rgba_array

from figures_src import datasets
from figures_src.engine import animate, job
from figures_src.nn import Autoencoder, tensor, train_epochs
from figures_src.plotting import MUTED, TEN_COLORS, new_figure

FASHION = datasets.FASHION_CLASSES
PERPLEXITIES = (5, 30, 100)
# The palette's ten colours, handed out so that classes sharing a border on the map differ
# the most for red-, green- and blue-blind eyes too (tests/test_latent.py simulates them).
# Colour alone still cannot tell ten classes apart, so every map also names its islands.
COLORS = tuple(TEN_COLORS[i] for i in (3, 6, 9, 0, 5, 4, 1, 7, 8, 2))

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
# ## The autoencoder (figures_src/nn.py), trained on pixel-wise squared error


# --8<-- [start:autoencoder]
def pixel_mse(logits: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """Mean squared error between the images and the decoder's pixels (sigmoid of logits)."""
    return torch.nn.functional.mse_loss(torch.sigmoid(logits), images)


def train_autoencoder(p) -> dict[str, np.ndarray | float]:
    """Train on ``p.n_train`` training images; returns the error after every epoch (on 2,000
    of the training images and on all 10,000 test images), the reconstructions of one test
    image per class after every epoch, and the latent vectors of ``p.n_map`` test images."""
    data = datasets.fashion_mnist()
    start = time.perf_counter()
    torch.manual_seed(p.seed)
    x_train = pixels(data.x_train[stratified_sample(data.y_train, p.n_train, p.seed)])
    x_test = pixels(data.x_test)
    map_index = stratified_sample(data.y_test, p.n_map, p.seed)
    shown = np.array([map_index[data.y_test[map_index] == c][0] for c in range(10)])
    model = Autoencoder(p.latent, p.hidden)
    history = {"train_mse": [], "test_mse": [], "reconstructions": []}

    def snapshot() -> None:
        with torch.no_grad():  # the training images are in random order: [:2000] is a sample
            history["train_mse"].append(pixel_mse(model(x_train[:2000]), x_train[:2000]).item())
            history["test_mse"].append(pixel_mse(model(x_test), x_test).item())
            rebuilt = torch.sigmoid(model(x_test[shown]))
            history["reconstructions"].append(rebuilt.numpy().reshape(-1, 28, 28))

    snapshot()
    for _ in train_epochs(model, x_train, x_train, pixel_mse, p.epochs, p.lr, p.batch_size, p.seed):
        snapshot()
    return dict(
        {k: np.array(v, dtype=np.float32) for k, v in history.items()},
        originals=data.x_test[shown],
        images=data.x_test[map_index],
        y=data.y_test[map_index],
        z=model.encode(x_test[map_index].numpy()),
        seconds=time.perf_counter() - start,
    )


# --8<-- [end:autoencoder]

# %% [markdown]
# ## Training: the autoencoder once, then every 2-D picture of its latent vectors


# --8<-- [start:train]
def train_latent_map(p):
    """The autoencoder; the main t-SNE map of its ``p.n_map`` test codes and how faithful it
    is; and, for ``p.n_points`` of those codes, PCA, t-SNE at each of PERPLEXITIES and
    openTSNE's map every ``p.every`` iterations. Every figure of the chapter draws on it."""
    run = train_autoencoder(p)
    autoencoder_seconds = run.pop("seconds")
    start = time.perf_counter()
    embedding = tsne(run["z"], p.perplexity, p)
    metrics = map_metrics(run, embedding, p.seed)
    metrics["tsne_seconds"] = round(time.perf_counter() - start, 1)
    metrics["autoencoder_seconds"] = round(autoencoder_seconds, 1)
    geometry = {f"{k}_latent": v for k, v in class_geometry(run["z"], run["y"]).items()}
    geometry.update({f"{k}_map": v for k, v in class_geometry(embedding, run["y"]).items()})

    subset = stratified_sample(run["y"], p.n_points, p.seed)
    z, y = run["z"][subset], run["y"][subset]
    views, view_metrics = other_views(z, y, p)
    steps, iterations, seconds = tsne_steps(z, p)
    view_metrics["trustworthiness_animated"] = trustworthiness(z, steps[-1])
    view_metrics["opentsne_seconds"] = round(seconds, 1)
    arrays = dict(run, embedding=embedding, y_views=y, snapshots=steps, iterations=iterations)
    return dict(arrays, **geometry, **views), dict(metrics, **view_metrics)


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


# --8<-- [end:train]

# %% [markdown]
# ## What the map keeps: neighbours, classes, sizes and gaps


# --8<-- [start:faithfulness]
def trustworthiness(z: np.ndarray, flat: np.ndarray) -> float:
    """scikit-learn's trustworthiness at k = 10: 1 when no map neighbour is a stranger."""
    from sklearn.manifold import trustworthiness as score

    return float(score(z, flat, n_neighbors=10))


def nearest(points: np.ndarray, k: int) -> np.ndarray:
    """Each point's ``k`` nearest other points, as indices (n, k), nearest first."""
    from sklearn.neighbors import NearestNeighbors

    return NearestNeighbors(n_neighbors=k).fit(points).kneighbors(return_distance=False)


def knn_overlap(z: np.ndarray, flat: np.ndarray, k: int = 10) -> float:
    """The mean share of each point's ``k`` nearest neighbours in ``z`` that are also among
    its ``k`` nearest in ``flat``: 1 if the map keeps every neighbourhood exactly."""
    before, after = nearest(z, k), nearest(flat, k)
    return float(
        np.mean([len(np.intersect1d(a, b)) / k for a, b in zip(before, after, strict=True)])
    )


def intruder_ranks(z: np.ndarray, flat: np.ndarray, k: int = 10) -> np.ndarray:
    """For each map neighbour of a point (its ``k`` nearest in ``flat``) that is not among
    its ``k`` nearest in ``z``: how far down the ranking in ``z`` it really is (1 = nearest)."""
    from sklearn.metrics import pairwise_distances

    after, ranks = nearest(flat, k), []
    for rows in np.array_split(np.arange(len(z)), max(1, len(z) // 500)):
        d = pairwise_distances(z[rows], z)
        d[np.arange(len(rows)), rows] = -1.0  # the point itself: closer than everyone
        to_neighbours = np.take_along_axis(d, after[rows], axis=1)
        rank = (d[:, None, :] < to_neighbours[:, :, None]).sum(axis=2)  # self counts as 1
        ranks.append(rank[rank > k])
    return np.concatenate(ranks)


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
    separation = distances.min(axis=1) / spread
    return {"spread": spread, "centre_distances": pdist(centres), "separation": separation}


def map_metrics(run: dict, embedding: np.ndarray, seed: int) -> dict[str, float | str]:
    """The numbers the page quotes about the main map, each against the latent space."""
    from scipy.stats import spearmanr

    z, y = run["z"], run["y"]
    latent, flat = class_geometry(z, y), class_geometry(embedding, y)

    def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
        return float(spearmanr(a, b).statistic)

    return {
        "reconstruction_mse": float(run["test_mse"][-1]),
        "train_mse": float(run["train_mse"][-1]),
        "trustworthiness": trustworthiness(z, embedding),
        "knn_overlap_10": knn_overlap(z, embedding, k=10),
        "intruder_median_rank": float(np.median(intruder_ranks(z, embedding, k=10))),
        "knn_accuracy_pixels": knn_accuracy(run["images"].reshape(len(y), -1) / 255.0, y, seed),
        "knn_accuracy_latent": knn_accuracy(z, y, seed),
        "knn_accuracy_2d": knn_accuracy(embedding, y, seed),
        "size_rank_correlation": rank_correlation(latent["spread"], flat["spread"]),
        "size_ratio_latent": float(latent["spread"].max() / latent["spread"].min()),
        "size_ratio_map": float(flat["spread"].max() / flat["spread"].min()),
        "size_vs_mixing_rank_correlation": rank_correlation(latent["separation"], flat["spread"]),
        "largest_class_on_map": FASHION[int(flat["spread"].argmax())],
        "smallest_class_on_map": FASHION[int(flat["spread"].argmin())],
        "centre_distance_rank_correlation": rank_correlation(
            latent["centre_distances"], flat["centre_distances"]
        ),
        "separation_latent": float(np.median(latent["separation"])),
        "separation_map": float(np.median(flat["separation"])),
    }


# --8<-- [end:faithfulness]

# %% [markdown]
# ## One set of latent vectors, several pictures


# --8<-- [start:views]
def other_views(z: np.ndarray, y: np.ndarray, p) -> tuple[dict, dict]:
    """PCA and scikit-learn's t-SNE at each of PERPLEXITIES, all of the same codes ``z``,
    with each picture's trustworthiness, 5-NN accuracy, size ratio and median gap."""
    from sklearn.decomposition import PCA

    views = {"pca": PCA(n_components=2, random_state=p.seed).fit_transform(z)}
    for perplexity in PERPLEXITIES:
        views[f"perplexity_{perplexity}"] = tsne(z, perplexity, p)
    metrics = {}
    for name, view in views.items():
        metrics[f"trustworthiness_{name}"] = trustworthiness(z, view)
        metrics[f"knn_accuracy_{name}"] = knn_accuracy(view, y, p.seed)
        geometry = class_geometry(view, y)
        metrics[f"size_ratio_{name}"] = float(geometry["spread"].max() / geometry["spread"].min())
        metrics[f"separation_{name}"] = float(np.median(geometry["separation"]))
    return views, metrics


# --8<-- [end:views]


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

# %% [markdown]
# ## Drawing: the islands named on the map, in colours told apart without full colour vision


def dot_colors(y: np.ndarray) -> np.ndarray:
    """Each point's class colour, as RGBA rows."""
    return to_rgba_array(COLORS)[y]


# --8<-- [start:labels]
def island_hearts(points: np.ndarray, y: np.ndarray, radius: float = 0.06) -> np.ndarray:
    """For each class, the index of its point with the most points of its own class within
    ``radius`` (a share of the map's width): the heart of the class's biggest island."""
    reach = radius * np.ptp(points, axis=0).max()
    hearts = []
    for c in range(10):
        own = np.flatnonzero(y == c)
        gaps = np.linalg.norm(points[own, None] - points[None, own], axis=2)
        hearts.append(own[(gaps < reach).sum(axis=1).argmax()])
    return np.array(hearts)


def label_islands(ax, points: np.ndarray, y: np.ndarray, fontsize: float = 11) -> list:
    """Each class's name at the heart of its island: dark text on a white box, which keeps
    it readable over the dots, framed in the class's colour."""
    labels = []
    for c, (x, y0) in enumerate(points[island_hearts(points, y)]):
        box = dict(boxstyle="round,pad=0.2", fc="white", ec=COLORS[c], lw=2.5, alpha=0.85)
        text = ax.text(x, y0, FASHION[c], fontsize=fontsize, ha="center", va="center", bbox=box)
        labels.append(text)
    return labels


def unclutter(ax, labels: list, frames: np.ndarray | None = None) -> np.ndarray | None:
    """Push overlapping labels apart, up and down on the screen, until none overlap. With
    ``frames`` (label positions per frame, in data units), returns them pushed apart."""
    ax.figure.canvas.draw()  # settles the axes' limits and aspect
    renderer = ax.figure.canvas.get_renderer()
    boxes = [label.get_window_extent(renderer).expanded(1.1, 1.6) for label in labels]
    sizes = np.array([(box.width, box.height) for box in boxes])
    to_screen, to_data = ax.transData.transform, ax.transData.inverted().transform
    if frames is not None:
        return np.array([to_data(apart(to_screen(spots), sizes)) for spots in frames])
    spots = [label.get_position() for label in labels]
    for label, spot in zip(labels, to_data(apart(to_screen(spots), sizes)), strict=True):
        label.set_position(spot)
    return None


def apart(centres: np.ndarray, sizes: np.ndarray, rounds: int = 300) -> np.ndarray:
    """Centres (n, 2) of boxes of ``sizes`` (n, 2), moved up and down 1 pixel at a time until
    no two boxes overlap."""
    centres = np.array(centres, dtype=float)
    for _ in range(rounds):
        gaps = np.abs(centres[:, None] - centres[None]) - (sizes[:, None] + sizes[None]) / 2
        clashes = np.argwhere(np.triu((gaps < 0).all(axis=2), k=1))
        if len(clashes) == 0:
            break
        for i, j in clashes:
            up = 1.0 if centres[i, 1] >= centres[j, 1] else -1.0
            centres[i, 1] += up
            centres[j, 1] -= up
    return centres


# --8<-- [end:labels]

# %% [markdown]
# ## The figures of the main map


# --8<-- [start:training]
def strip(images: np.ndarray, gap: int = 4) -> np.ndarray:
    """Images (n, 28, 28) side by side with blank gaps, as one (28, n*(28+gap)-gap) array."""
    n, h, w = images.shape
    out = np.zeros((h, n * (w + gap) - gap), dtype=np.float32)
    for i, image in enumerate(images):
        out[:, i * (w + gap) : i * (w + gap) + w] = image
    return out


def render_training(run, style):
    """Originals above their reconstructions, epoch by epoch, over the error curves."""
    fig = new_figure(9, 5.4)
    fig.text(0.03, 0.955, "Autoencoder: test images and what it rebuilds", fontsize=13)
    status = fig.text(0.97, 0.955, "", fontsize=11, ha="right")
    grid = dict(cmap="gray_r", vmin=0, vmax=1, interpolation="nearest", aspect="equal")
    top = fig.add_axes((0.18, 0.62, 0.8, 0.16))
    bottom = fig.add_axes((0.18, 0.44, 0.8, 0.16))
    top.imshow(strip(run.originals / 255.0), **grid)
    rebuilt = bottom.imshow(strip(run.reconstructions[0]), **grid)
    for ax, label in ((top, "original"), (bottom, "rebuilt from\nits latent vector")):
        ax.set_axis_off()
        ax.text(-6, 14, label, ha="right", va="center", fontsize=11)
    for c, name in enumerate(FASHION):  # two lines where a name is too wide for its image
        name = name.replace("/", "/\n").replace(" ", "\n")
        top.text(c * 32 + 14, -4, name, ha="center", va="bottom", fontsize=11)

    curve = fig.add_axes((0.18, 0.1, 0.53, 0.26))
    epochs = np.arange(len(run.test_mse))
    curve.plot(epochs, run.train_mse, color=TEN_COLORS[0], lw=1.8, label="training images")
    curve.plot(epochs, run.test_mse, color=TEN_COLORS[6], lw=1.8, ls="--", label="test images")
    (marker,) = curve.plot([], [], "o", color=TEN_COLORS[6], ms=7)
    curve.set_yscale("log")
    curve.set_yticks([0.02, 0.05, 0.1], ["0.02", "0.05", "0.1"])
    curve.minorticks_off()
    curve.set_xticks(epochs)
    curve.set_xlabel("epoch")
    curve.set_ylabel("mean squared error")
    curve.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=11)

    def update(epoch: int) -> str:
        rebuilt.set_data(strip(run.reconstructions[epoch]))
        marker.set_data([epoch], [run.test_mse[epoch]])
        status.set_text(f"epoch {epoch} of {len(epochs) - 1}   test MSE {run.test_mse[epoch]:.4f}")
        return f"epoch {epoch}"

    return animate(fig, update, epochs, style.fps, animated=[rebuilt, marker, status])


# --8<-- [end:training]


# --8<-- [start:scatter]
def render_scatter(run):
    """The t-SNE map as dots coloured by class, each island named where it is densest."""
    fig = new_figure(7.2, 6.6)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.88))
    ax.scatter(*run.embedding.T, c=dot_colors(run.y), s=5, linewidths=0, alpha=0.8)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_axis_off()
    unclutter(ax, label_islands(ax, run.embedding, run.y, fontsize=11))
    fig.text(0.03, 0.955, f"t-SNE of {len(run.y):,} test images' latent vectors", fontsize=13)
    return fig


# --8<-- [end:scatter]


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
    margin, header = 16, round(0.5 * style.dpi)  # pixels
    lo, hi = run.embedding.min(0), run.embedding.max(0)
    scale = (style.map_inches * style.dpi - 2 * margin - tile) / (hi - lo).max()
    width, height = np.ceil((hi - lo) * scale).astype(int) + tile
    xy = tile / 2 + (run.embedding - lo) * scale  # pixels from the lower left corner
    canvas = np.zeros((height, width, 4))  # RGBA, transparent where no thumbnail lies
    frames = dot_colors(run.y)[:, :3]
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
    ax.scatter(*xy.T, c=dot_colors(run.y), s=4, linewidths=0, alpha=0.6)
    ax.imshow(canvas, extent=(0, width, 0, height), interpolation="nearest", zorder=2)
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    labels = label_islands(ax, xy, run.y, fontsize=style.label_size)
    for label in labels:
        label.set_zorder(3)
    title = f"{len(kept)} of {len(run.y):,} test images at their t-SNE positions (the others"
    top = 1 - 0.1 * style.dpi / fig_h
    fig.text(margin / fig_w, top, title + " are the dots)", fontsize=15, va="top")
    unclutter(ax, labels)
    return fig


# --8<-- [end:thumbnails]


# --8<-- [start:sizes]
def render_sizes_and_gaps(run):
    """Each class's size, and its distance to the nearest other class, before and after t-SNE."""
    fig = new_figure(9, 5)
    fig.text(0.02, 0.94, "Each class in the latent space and on the t-SNE map", fontsize=13)
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
        ax.set_yticks(rows, FASHION if k == 0 else [])
        ax.invert_yaxis()
        ax.set_title(title, fontsize=11, loc="left")
        ax.tick_params(axis="y", length=0)
    handles, names = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="upper right", bbox_to_anchor=(0.99, 0.99), ncols=2)
    return fig


# --8<-- [end:sizes]


# --8<-- [start:latent-map-render]
def render_latent_map(run, style):
    """Every figure of the main map: the training, the scatter, the thumbnails, the sizes."""
    return {
        "training": render_training(run, style),
        "scatter": render_scatter(run),
        "thumbnails": render_thumbnails(run, style),
        "sizes_and_gaps": render_sizes_and_gaps(run),
    }


# --8<-- [end:latent-map-render]

# %% [markdown]
# ## The figures of the other pictures: perplexities and t-SNE while it optimises


# --8<-- [start:perplexity]
def render_perplexity(run):
    """Four 2-D pictures of the same latent vectors, side by side, each island named."""
    fig = new_figure(9, 8.8)
    title = f"The same {len(run.y_views):,} latent vectors, four 2-D pictures"
    fig.text(0.03, 0.965, title, fontsize=13)
    names = ["pca"] + [f"perplexity_{q}" for q in PERPLEXITIES]
    titles = ["PCA (a linear projection)"] + [f"t-SNE, perplexity {q}" for q in PERPLEXITIES]
    m = run.metrics
    for k, (name, title) in enumerate(zip(names, titles, strict=True)):
        ax = fig.add_axes((0.02 + 0.5 * (k % 2), 0.5 - 0.47 * (k // 2), 0.46, 0.38))
        view = getattr(run, name)
        ax.scatter(*view.T, c=dot_colors(run.y_views), s=4, linewidths=0)
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_axis_off()
        unclutter(ax, label_islands(ax, view, run.y_views, fontsize=11))
        scores = f"trustworthiness {m[f'trustworthiness_{name}']:.3f}, "
        scores += f"5-NN accuracy {m[f'knn_accuracy_{name}']:.1%}"
        ax.set_title(f"{title}\n{scores}", fontsize=11, loc="left")
    return fig


# --8<-- [end:perplexity]


# --8<-- [start:steps]
def render_tsne_steps(run, style):
    """The embedding over the iterations, rescaled to fill the frame each time. Every kept
    snapshot of the early phase is a frame; later, every ``style.later_every``-th. Each
    class's name sits at the heart of its biggest island, gliding from frame to frame."""
    centred = run.snapshots - run.snapshots.mean(axis=1, keepdims=True)
    extent = np.percentile(np.abs(centred), 99.5, axis=(1, 2))  # a stray point may leave
    scaled = centred / extent[:, None, None]
    early_until, last = run.params.exaggeration_iter, int(run.iterations[-1])
    later = (run.iterations - early_until) // run.params.every
    frames = [k for k in range(len(extent)) if later[k] <= 0 or later[k] % style.later_every == 0]
    spots = np.array([frame[island_hearts(frame, run.y_views)] for frame in scaled])
    for k in range(1, len(spots)):  # glide: each frame moves a third of the way to the new spot
        spots[k] = spots[k - 1] + (spots[k] - spots[k - 1]) / 3

    top = np.percentile(np.abs(scaled[frames, :, 1]), 99.5, axis=1).max() + 0.1  # half height
    map_w, map_h = 6.9, 6.9 * top / 1.1  # inches
    fig = new_figure(7.2, map_h + 1.0)
    height = fig.get_figheight()
    ax = fig.add_axes((0.15 / 7.2, 0.1 / height, map_w / 7.2, map_h / height))
    ax.set_xlim(-1.1, 1.1)
    ax.set_ylim(-top, top)
    ax.set_aspect("equal")
    ax.set_axis_off()
    fig.text(0.03, 1 - 0.35 / height, "t-SNE while it optimises", fontsize=13)
    status = fig.text(0.03, 1 - 0.7 / height, "", fontsize=11)
    width = fig.text(0.97, 1 - 0.7 / height, "", fontsize=11, ha="right")
    width.set_color(MUTED)
    dots = ax.scatter(*scaled[0].T, c=dot_colors(run.y_views), s=5, linewidths=0)
    labels = label_islands(ax, spots[0], np.arange(10), fontsize=10)
    spots = unclutter(ax, labels, frames=spots)

    def update(k: int) -> str:
        dots.set_offsets(scaled[k])
        for label, spot in zip(labels, spots[k], strict=True):
            label.set_position(spot)
        iteration = int(run.iterations[k])
        phase = "early exaggeration (pull ×12)" if iteration <= early_until else "normal phase"
        status.set_text(f"iteration {iteration} of {last}: {phase}")
        width.set_text(f"real width {2 * extent[k]:.3g} (rescaled to fit)")
        return f"iteration {iteration}"

    return animate(fig, update, frames, style.fps, animated=[dots, status, width, *labels])


# --8<-- [end:steps]


# --8<-- [start:tsne-views-render]
def render_tsne_views(run, style):
    """The perplexity small multiples and the optimisation, from the same trained run."""
    return {"perplexity": render_perplexity(run), "steps": render_tsne_steps(run, style)}


# --8<-- [end:tsne-views-render]

# %% [markdown]
# ## The jobs: one trained run, drawn by two

job(
    "fashion.latent_map",
    train=train_latent_map,
    render=render_latent_map,
    params=dict(
        n_train=10000, epochs=8, hidden=256, latent=32, lr=0.001, batch_size=128, n_map=6000,
        seed=0, perplexity=30.0, max_iter=500, angle=0.8,
        n_points=1500, exaggeration_iter=250, n_iter=400, every=10,
    ),
    quick=dict(n_train=2000, epochs=2, n_map=600, max_iter=250,
               n_points=300, exaggeration_iter=50, n_iter=50),
    bounds=dict(
        n_train=(100, 60_000), epochs=(1, 200), hidden=(8, 4096), latent=(2, 256),
        lr=(1e-6, 1.0), batch_size=(1, 10_000), n_map=(100, 10_000), seed=(0, None),
        perplexity=(2.0, 100.0), max_iter=(250, 5000), angle=(0.0, 1.0),
        n_points=(100, 10_000), exaggeration_iter=(0, 2000), n_iter=(1, 5000), every=(1, 100),
    ),
    style=dict(fps=2, map_inches=10.0, dpi=160, zoom=2, spacing=0.8, label_size=14),
)  # fmt: skip
job(
    "fashion.tsne_views",
    train="fashion.latent_map",
    render=render_tsne_views,
    style=dict(fps=8, later_every=2),
)  # fmt: skip
