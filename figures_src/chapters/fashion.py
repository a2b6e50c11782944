"""Latent maps: a Fashion-MNIST autoencoder, and its latent vectors laid out by t-SNE.

An autoencoder squeezes each 28x28 image through a few numbers, its latent vector, and
learns to rebuild the image from them. t-SNE then draws the latent space in 2-D so that
images with nearby latent vectors land near each other, and we put each image's thumbnail
at its place. One autoencoder is trained, once, for every figure of the chapter: the main
map's figures are here; the measures of what a map keeps, the other pictures of the same
vectors and their figures are in tsne.py.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from figures_src import datasets
from figures_src.chapters.tsne import (
    EXAGGERATION,
    EXAGGERATION_ITER,
    class_geometry,
    class_names,
    dot_colors,
    map_metrics,
    other_views,
    place_labels,
    render_tsne_views,
    trustworthiness,
    tsne,
    tsne_steps,
)
from figures_src.drawing import animate, words
from figures_src.engine import job
from figures_src.nn import Autoencoder, tensor, train_epochs
from figures_src.plotting import TEN_COLORS, new_figure

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
    """The loss of this chapter: the decoder's last layer gives one number per pixel (its
    logit), a sigmoid turns those into pixels in [0, 1], and the mean squared error compares
    them with the image's own pixels."""
    rebuilt = torch.sigmoid(logits)  # the redrawn image, pixels in [0, 1]
    return torch.nn.functional.mse_loss(rebuilt, images)


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
            rebuilt = torch.sigmoid(model(x_test[shown]))  # pixels in [0, 1]
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
    embedding, iterations = tsne(run["z"], p.perplexity, p)
    tsne_seconds = round(time.perf_counter() - start, 1)
    metrics = map_metrics(run, embedding, p.seed)
    metrics.update(iterations=iterations, exaggeration_iter=EXAGGERATION_ITER)
    metrics["exaggeration"] = EXAGGERATION
    metrics["tsne_seconds"] = tsne_seconds
    metrics["autoencoder_seconds"] = round(autoencoder_seconds, 1)
    geometry = {f"{k}_latent": v for k, v in class_geometry(run["z"], run["y"]).items()}
    geometry.update({f"{k}_map": v for k, v in class_geometry(embedding, run["y"]).items()})

    subset = stratified_sample(run["y"], p.n_points, p.seed)
    z, y = run["z"][subset], run["y"][subset]
    views, view_metrics = other_views(z, y, p)
    steps, steps_at, seconds = tsne_steps(z, p)
    view_metrics["trustworthiness_animated"] = trustworthiness(z, steps[-1])
    view_metrics["iterations_animated"] = int(steps_at[-1])
    view_metrics["opentsne_seconds"] = round(seconds, 1)
    arrays = dict(run, embedding=embedding, y_views=y, snapshots=steps, iterations=steps_at)
    return dict(arrays, **geometry, **views), dict(metrics, **view_metrics)


# --8<-- [end:train]

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
    t = words(style)
    fig = new_figure(9, 5.4)
    title = t(
        "Autoencoder: test images and what it rebuilds", "오토인코더: 테스트 이미지와 그 재구성"
    )
    fig.text(0.03, 0.955, title, fontsize=13)
    status = fig.text(0.97, 0.955, "", fontsize=11, ha="right")
    grid = dict(cmap="gray_r", vmin=0, vmax=1, interpolation="nearest", aspect="equal")
    top = fig.add_axes((0.18, 0.62, 0.8, 0.16))
    bottom = fig.add_axes((0.18, 0.44, 0.8, 0.16))
    top.imshow(strip(run.originals / 255.0), **grid)
    rebuilt = bottom.imshow(strip(run.reconstructions[0]), **grid)
    rows = (
        (top, t("original", "원본")),
        (bottom, t("rebuilt from\nits latent vector", "잠재 벡터에서\n재구성한 이미지")),
    )
    for ax, label in rows:
        ax.set_axis_off()
        ax.text(-6, 14, label, ha="right", va="center", fontsize=11)
    for c, name in enumerate(class_names(t)):  # two lines where a name is too wide for its image
        name = name.replace("/", "/\n").replace(" ", "\n") if len(name) > 6 else name
        top.text(c * 32 + 14, -4, name, ha="center", va="bottom", fontsize=11)

    curve = fig.add_axes((0.18, 0.1, 0.53, 0.26))
    epochs = np.arange(len(run.test_mse))
    train_label, test_label = t("training images", "학습 이미지"), t("test images", "테스트 이미지")
    curve.plot(epochs, run.train_mse, color=TEN_COLORS[0], lw=1.8, label=train_label)
    curve.plot(epochs, run.test_mse, color=TEN_COLORS[6], lw=1.8, ls="--", label=test_label)
    (marker,) = curve.plot([], [], "o", color=TEN_COLORS[6], ms=7)
    curve.set_yscale("log")
    curve.set_yticks([0.02, 0.05, 0.1], ["0.02", "0.05", "0.1"])
    curve.minorticks_off()
    curve.set_xticks(epochs)
    curve.set_xlabel(t("epoch", "에포크"))
    curve.set_ylabel(t("mean squared error", "평균 제곱 오차"))
    curve.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=11)

    progress = t("epoch {} of {}   test MSE {:.4f}", "에포크 {}/{}   테스트 MSE {:.4f}")

    def update(epoch: int) -> str:
        rebuilt.set_data(strip(run.reconstructions[epoch]))
        marker.set_data([epoch], [run.test_mse[epoch]])
        status.set_text(progress.format(epoch, len(epochs) - 1, run.test_mse[epoch]))
        return t("epoch {}", "에포크 {}").format(epoch)

    return animate(fig, update, epochs, style.fps, animated=[rebuilt, marker, status])


# --8<-- [end:training]


# --8<-- [start:scatter]
def render_scatter(run, style):
    """The t-SNE map as dots coloured by class, each island named where it is densest."""
    t = words(style)
    fig = new_figure(7.2, 6.6)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.88))
    ax.scatter(*run.embedding.T, c=dot_colors(run.y), s=5, linewidths=0, alpha=0.8)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_axis_off()
    ax.margins(0.05)
    place_labels(ax, run.embedding, run.y, class_names(t), fontsize=11)
    title = t(
        "t-SNE of {:,} test images' latent vectors",
        "테스트 이미지 {:,}장의 잠재 벡터를 t-SNE로 그린 지도",
    )
    fig.text(0.03, 0.955, title.format(len(run.y)), fontsize=13)
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
    t = words(style)
    title = t(
        "{} of {:,} test images at their t-SNE positions (the others are the dots)",
        "테스트 이미지 {1:,}장 중 {0}장을 t-SNE가 정한 자리에 그림 (나머지는 점)",
    )
    top = 1 - 0.1 * style.dpi / fig_h
    fig.text(margin / fig_w, top, title.format(len(kept), len(run.y)), fontsize=15, va="top")
    tiles = np.hstack([xy[kept] - tile / 2, xy[kept] + tile / 2])  # labels avoid these
    place_labels(ax, xy, run.y, class_names(t), fontsize=style.label_size, avoid=tiles)
    return fig


# --8<-- [end:thumbnails]


# --8<-- [start:sizes]
def render_sizes_and_gaps(run, style):
    """Each class's size, and its distance to the nearest other class, before and after t-SNE."""
    t = words(style)
    fig = new_figure(9, 5)
    title = t(
        "Each class in the latent space and on the t-SNE map",
        "잠재 공간과 t-SNE 지도에서 본 각 클래스",
    )
    fig.text(0.02, 0.94, title, fontsize=13)
    size = t(
        "size: RMS distance to the class centre\n(share of the whole cloud's)",
        "크기: 클래스 중심까지의 RMS 거리\n(전체 점 구름의 크기에 대한 비율)",
    )
    gap = t(
        "gap: distance to the nearest other\nclass centre ÷ the class's size",
        "간격: 가장 가까운 다른 클래스 중심까지의\n거리 ÷ 그 클래스의 크기",
    )
    panels = [("spread", size), ("separation", gap)]
    latent_label, map_label = t("latent space", "잠재 공간"), t("t-SNE map", "t-SNE 지도")
    rows = np.arange(10)
    for k, (name, title) in enumerate(panels):
        ax = fig.add_axes((0.17 + 0.42 * k, 0.1, 0.36, 0.68))
        before, after = getattr(run, f"{name}_latent"), getattr(run, f"{name}_map")
        ax.barh(rows - 0.2, before, height=0.4, color="#BBBBBB", label=latent_label)
        ax.barh(rows + 0.2, after, height=0.4, color=TEN_COLORS[0], label=map_label)
        ax.set_yticks(rows, class_names(t) if k == 0 else [])
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
        "scatter": render_scatter(run, style),
        "thumbnails": render_thumbnails(run, style),
        "sizes_and_gaps": render_sizes_and_gaps(run, style),
    }


# --8<-- [end:latent-map-render]

# %% [markdown]
# ## The jobs: one trained run, drawn by two (the second one's figures are in tsne.py)

job(
    "fashion.latent_map",
    train=train_latent_map,
    render=render_latent_map,
    params=dict(
        n_train=10000, epochs=8, hidden=256, latent=32, lr=0.001, batch_size=128, n_map=6000,
        seed=0, perplexity=30.0, n_iter=250, angle=0.8, n_points=1500, every=10,
    ),
    quick=dict(n_train=2000, epochs=2, n_map=600, n_points=300, n_iter=50),
    bounds=dict(
        n_train=(100, 60_000), epochs=(1, 200), hidden=(8, 4096), latent=(2, 256),
        lr=(1e-6, 1.0), batch_size=(1, 10_000), n_map=(100, 10_000), seed=(0, None),
        perplexity=(2.0, 100.0), n_iter=(10, 5000), angle=(0.0, 1.0),
        n_points=(100, 10_000), every=(1, 50),
    ),
    style=dict(fps=2, map_inches=10.0, dpi=160, zoom=2, spacing=0.8, label_size=14),
)  # fmt: skip
job("fashion.tsne_views", train="fashion.latent_map", render=render_tsne_views,
    style=dict(fps=8, later_every=2))  # fmt: skip
