"""Latent maps in 2-D: t-SNE pictures of latent vectors, and what each picture keeps.

t-SNE lays latent vectors out in 2-D so that vectors near each other land near each other.
We measure what a picture keeps (who is near whom) and what it does not (the sizes of
clusters and the gaps between them), draw the same vectors with PCA and with t-SNE at
several perplexities, keep t-SNE's picture while it optimises, and name each class's island.
The vectors come from the Fashion-MNIST autoencoder of fashion.py, which also registers the
jobs that draw these figures.
"""

from __future__ import annotations

import time

import numpy as np
from matplotlib.colors import to_rgba_array

from figures_src import datasets
from figures_src.drawing import animate, words
from figures_src.plotting import MUTED, TEN_COLORS, new_figure

FASHION = datasets.FASHION_CLASSES
FASHION_KO = ("티셔츠/탑", "바지", "풀오버", "드레스", "코트",
              "샌들", "셔츠", "스니커즈", "가방", "앵클 부츠")  # fmt: skip
PERPLEXITIES = (5, 30, 100)
# The palette's ten colours, handed out so that classes sharing a border on the map differ
# the most for red-, green- and blue-blind eyes too (tests/test_latent.py simulates them).
# Colour alone still cannot tell ten classes apart, so every map also names its islands.
COLORS = tuple(TEN_COLORS[i] for i in (3, 6, 9, 0, 5, 4, 1, 7, 8, 2))

# %% [markdown]
# ## The map: t-SNE of latent vectors


# --8<-- [start:map]
# scikit-learn always starts with 250 iterations of early exaggeration, in which the pull
# between neighbours is multiplied by EXAGGERATION; its max_iter counts them too.
EXAGGERATION_ITER, EXAGGERATION = 250, 12.0


def tsne(z: np.ndarray, perplexity: float, p) -> tuple[np.ndarray, int]:
    """scikit-learn's t-SNE of ``z`` to 2-D: EXAGGERATION_ITER iterations of early
    exaggeration, then ``p.n_iter`` normal ones, started from the PCA layout, with the step
    size scikit-learn derives from the number of points. Returns the map and the number of
    iterations it ran (it may stop early once the map no longer changes)."""
    from sklearn.manifold import TSNE

    model = TSNE(
        n_components=2,
        perplexity=perplexity,
        init="pca",
        learning_rate="auto",
        early_exaggeration=EXAGGERATION,
        max_iter=EXAGGERATION_ITER + p.n_iter,
        angle=p.angle,
        random_state=p.seed,
    )
    flat = model.fit_transform(z)
    return flat, model.n_iter_ + 1  # n_iter_ is the last iteration's index, from 0


# --8<-- [end:map]

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
        # The Korean page names them with these (figures_src.pages reads KEY_ko there).
        "largest_class_on_map_ko": FASHION_KO[int(flat["spread"].argmax())],
        "smallest_class_on_map_ko": FASHION_KO[int(flat["spread"].argmin())],
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
    metrics = {}
    for perplexity in PERPLEXITIES:
        views[f"perplexity_{perplexity}"], iterations = tsne(z, perplexity, p)
        metrics[f"iterations_perplexity_{perplexity}"] = iterations
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
    """openTSNE on ``z``, with the schedule of ``tsne`` (EXAGGERATION_ITER iterations of
    early exaggeration, then ``p.n_iter`` normal ones, Barnes-Hut at angle ``p.angle``, from
    the PCA layout), keeping the map every ``p.every`` iterations. Returns the snapshots,
    their iteration numbers and the seconds it took. (scikit-learn only returns the end.)"""
    from openTSNE import TSNE

    if EXAGGERATION_ITER % p.every or p.n_iter % p.every:  # each phase counts from 0
        raise ValueError(f"every={p.every} must divide {EXAGGERATION_ITER} and {p.n_iter}")
    snapshots = []

    def keep(iteration: int, error: float, embedding: np.ndarray) -> None:
        snapshots.append(np.array(embedding, dtype=np.float32))

    start = time.perf_counter()
    final = TSNE(
        perplexity=p.perplexity,
        early_exaggeration_iter=EXAGGERATION_ITER,
        early_exaggeration=EXAGGERATION,
        n_iter=p.n_iter,
        initialization="pca",
        negative_gradient_method="bh",
        theta=p.angle,
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


def class_names(t) -> list[str]:
    """The ten class names in a figure's language (``t = words(style)``)."""
    return [t(english, korean) for english, korean in zip(FASHION, FASHION_KO, strict=True)]


# --8<-- [start:labels]
def island_hearts(points: np.ndarray, y: np.ndarray, radius: float = 0.1) -> np.ndarray:
    """For each class, the index of its point with the most points of its own class within
    ``radius`` (a share of the map's width): the heart of the class's biggest island."""
    reach = radius * np.ptp(points, axis=0).max()
    hearts = []
    for c in range(10):
        own = np.flatnonzero(y == c)
        gaps = np.linalg.norm(points[own, None] - points[None, own], axis=2)
        hearts.append(own[(gaps < reach).sum(axis=1).argmax()])
    return np.array(hearts)


def label_islands(ax, points: np.ndarray, y: np.ndarray, names, fontsize: float = 11) -> list:
    """Each class's name at the heart of its island (for the animation, where the islands
    move): dark text on a white box framed in the class's colour."""
    labels = []
    for c, (x, y0) in enumerate(points[island_hearts(points, y)]):
        box = dict(boxstyle="round,pad=0.2", fc="white", ec=COLORS[c], lw=2.5, alpha=0.85)
        text = ax.text(x, y0, names[c], fontsize=fontsize, ha="center", va="center", bbox=box)
        labels.append(text)
    return labels


def place_labels(ax, points, y, names, fontsize: float = 11, avoid=()) -> list:
    """Each class's name beside its island, on the nearby spot that covers the fewest points
    and no other label, with a thin line in the class's colour to the island's heart.
    Spots are tried on rings around the heart, in the figure's pixels. Covering one of the
    boxes in ``avoid`` (x0, y0, x1, y1 in data units, such as thumbnails) costs 30 points."""
    ax.figure.draw_without_rendering()  # settles the axes' limits and aspect
    renderer = ax.figure.canvas.get_renderer()
    dots, frame = ax.transData.transform(points), ax.get_window_extent(renderer)
    hearts = island_hearts(points, y)
    em = fontsize * ax.figure.dpi / 72  # the font size, in pixels
    turns = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    rings = em * np.array([0.0, 1.0, 1.6, 2.3, 3.1, 4.0, 5.0, 6.2, 7.5])
    offsets = np.concatenate([r * np.c_[np.cos(turns), np.sin(turns)] for r in rings])
    taken = np.empty((0, 4))  # the boxes of the labels placed so far: x0, y0, x1, y1
    avoid = ax.transData.transform(np.reshape(avoid, (-1, 2))).reshape(-1, 4)
    labels = []
    for c in range(10):
        box = dict(boxstyle="round,pad=0.25", fc="white", ec=COLORS[c], lw=2, alpha=0.9)
        line = dict(arrowstyle="-", color=COLORS[c], lw=1.5, shrinkA=0, shrinkB=0)
        font = dict(fontsize=fontsize, ha="center", va="center", zorder=4)
        text = ax.annotate(names[c], points[hearts[c]], bbox=box, arrowprops=line, **font)
        half = text.get_window_extent(renderer).size / 2 + 0.45 * em  # the text in its frame
        centres = dots[hearts[c]] + offsets
        boxes = np.hstack([centres - half, centres + half])
        inside = ((boxes[:, :2] >= frame.p0) & (boxes[:, 2:] <= frame.p1)).all(axis=1)
        reach = np.abs(offsets).max(axis=0) + half + 1  # no spot reaches a dot farther away
        near = dots[(np.abs(dots - dots[hearts[c]]) < reach).all(axis=1)]
        under = (near[None] > boxes[:, None, :2]) & (near[None] < boxes[:, None, 2:])
        cost = under.all(axis=2).sum(axis=1) + np.linalg.norm(offsets, axis=1) / em
        cost += 30 * overlaps(boxes, avoid).sum(axis=1)
        cost[~inside | overlaps(boxes, taken).any(axis=1)] = np.inf
        best = int(cost.argmin())
        text.set_position(ax.transData.inverted().transform(centres[best]))
        taken = np.vstack([taken, boxes[best]])
        labels.append(text)
    return labels


def overlaps(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Which of ``boxes`` (n, 4) overlap which of ``others`` (m, 4), as an (n, m) array."""
    apart = (boxes[:, None, 2:] <= others[None, :, :2]) | (
        boxes[:, None, :2] >= others[None, :, 2:]
    )
    return ~apart.any(axis=2)


def unclutter(ax, labels: list, frames: np.ndarray) -> np.ndarray:
    """Label positions per frame (in data units), pushed apart, up and down on the screen,
    until no two labels overlap."""
    ax.figure.draw_without_rendering()  # settles the axes' limits and aspect
    renderer = ax.figure.canvas.get_renderer()
    boxes = [label.get_window_extent(renderer).expanded(1.1, 1.6) for label in labels]
    sizes = np.array([(box.width, box.height) for box in boxes])
    to_screen, to_data = ax.transData.transform, ax.transData.inverted().transform
    return np.array([to_data(apart(to_screen(spots), sizes)) for spots in frames])


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
# ## The figures of the other pictures: perplexities and t-SNE while it optimises


# --8<-- [start:perplexity]
def render_perplexity(run, style):
    """Four 2-D pictures of the same latent vectors, side by side, each island named."""
    t = words(style)
    fig = new_figure(9, 8.8)
    title = t(
        "The same {:,} latent vectors, four 2-D pictures",
        "같은 잠재 벡터 {:,}개를 2차원에 그린 네 가지 그림",
    )
    fig.text(0.03, 0.965, title.format(len(run.y_views)), fontsize=13)
    names = ["pca"] + [f"perplexity_{q}" for q in PERPLEXITIES]
    tsne_title = t("t-SNE, perplexity {}", "t-SNE, 퍼플렉서티 {}")
    titles = [t("PCA (a linear projection)", "PCA (선형 투영)")]
    titles += [tsne_title.format(q) for q in PERPLEXITIES]
    scores = t("trustworthiness {:.3f}, 5-NN accuracy {:.1%}", "신뢰도 {:.3f}, 5-NN 정확도 {:.1%}")
    m = run.metrics
    for k, (name, title) in enumerate(zip(names, titles, strict=True)):
        ax = fig.add_axes((0.02 + 0.5 * (k % 2), 0.5 - 0.47 * (k // 2), 0.46, 0.38))
        view = getattr(run, name)
        ax.scatter(*view.T, c=dot_colors(run.y_views), s=4, linewidths=0)
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_axis_off()
        ax.margins(0.08)
        place_labels(ax, view, run.y_views, class_names(t), fontsize=11)
        score = scores.format(m[f"trustworthiness_{name}"], m[f"knn_accuracy_{name}"])
        ax.set_title(f"{title}\n{score}", fontsize=11, loc="left")
    return fig


# --8<-- [end:perplexity]


# --8<-- [start:steps]
def render_tsne_steps(run, style):
    """The embedding over the iterations, rescaled to fill the frame each time. Every kept
    snapshot of the early phase is a frame; later, every ``style.later_every``-th and the
    last. Each class's name sits at the heart of its biggest island, gliding along."""
    t = words(style)
    centred = run.snapshots - run.snapshots.mean(axis=1, keepdims=True)
    extent = np.percentile(np.abs(centred), 99.5, axis=(1, 2))  # a stray point may leave
    scaled = centred / extent[:, None, None]
    early_until, last = EXAGGERATION_ITER, int(run.iterations[-1])
    later = (run.iterations - early_until) // run.params.every
    last_frame = len(extent) - 1  # the finished map is always shown
    frames = [k for k in range(last_frame) if later[k] <= 0 or later[k] % style.later_every == 0]
    frames.append(last_frame)
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
    title = t("t-SNE while it optimises", "최적화 중인 t-SNE")
    fig.text(0.03, 1 - 0.35 / height, title, fontsize=13)
    status = fig.text(0.03, 1 - 0.7 / height, "", fontsize=11)
    width = fig.text(0.97, 1 - 0.7 / height, "", fontsize=11, ha="right")
    width.set_color(MUTED)
    dots = ax.scatter(*scaled[0].T, c=dot_colors(run.y_views), s=5, linewidths=0)
    labels = label_islands(ax, spots[0], np.arange(10), class_names(t), fontsize=10)
    spots = unclutter(ax, labels, frames=spots)
    early = t("early exaggeration (pull ×{:g})", "초기 과장 (당기는 힘 ×{:g})").format(EXAGGERATION)
    normal = t("normal phase", "일반 단계")
    progress = t("iteration {} of {}: {}", "반복 {}/{}: {}")
    real_width = t("real width {:.3g} (rescaled to fit)", "실제 폭 {:.3g} (화면에 맞게 확대·축소)")

    def update(k: int) -> str:
        dots.set_offsets(scaled[k])
        for label, spot in zip(labels, spots[k], strict=True):
            label.set_position(spot)
        iteration = int(run.iterations[k])
        phase = early if iteration <= early_until else normal
        status.set_text(progress.format(iteration, last, phase))
        width.set_text(real_width.format(2 * extent[k]))
        return t("iteration {}", "반복 {}").format(iteration)

    return animate(fig, update, frames, style.fps, animated=[dots, status, width, *labels])


# --8<-- [end:steps]


# --8<-- [start:tsne-views-render]
def render_tsne_views(run, style):
    """The perplexity small multiples and the optimisation, from the same trained run."""
    return {"perplexity": render_perplexity(run, style), "steps": render_tsne_steps(run, style)}


# --8<-- [end:tsne-views-render]
