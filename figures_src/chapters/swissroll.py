"""The manifold hypothesis, made concrete on a swiss roll: a sheet rolled up in 3-D.

High-dimensional data tend to lie near a low-dimensional sheet curled up inside the big
space. Here the sheet is scikit-learn's swiss roll. Four methods try to unroll it to 2-D,
and a straight 3-D segment between two turns of the roll is compared with the shortest path
that stays on the sheet. The digits' version of the same idea is in digits.py.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import shortest_path
from scipy.spatial import cKDTree
from scipy.stats import spearmanr
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE, Isomap, LocallyLinearEmbedding
from sklearn.neighbors import kneighbors_graph

from figures_src import datasets
from figures_src.drawing import animate, words
from figures_src.engine import job
from figures_src.plotting import FIT, MUTED, new_figure

ROLL_MAP = "viridis"  # position along the roll: dark purple at the centre, yellow outside
GEODESIC = "#0072B2"  # the path on the sheet; FIT (vermilion) is the straight segment

# %% [markdown]
# ## The swiss roll, unrolled by four methods


# --8<-- [start:unroll-methods]
def four_methods(p) -> dict:
    """The four ways to flatten the roll to 2-D; each has scikit-learn's fit_transform."""
    return {
        "Isomap": Isomap(n_neighbors=p.n_neighbors, n_components=2),
        "PCA": PCA(n_components=2),
        "LLE": LocallyLinearEmbedding(
            n_neighbors=p.n_neighbors, n_components=2, random_state=p.seed
        ),
        "t-SNE": TSNE(
            n_components=2,
            perplexity=p.perplexity,
            max_iter=p.tsne_iterations,
            init="pca",
            random_state=p.seed,
        ),
    }


def unroll_correlation(t: np.ndarray, embedding: np.ndarray) -> float:
    """|Spearman ρ| between the position along the roll and the embedding axis that
    follows it best: 1 when that axis orders the points exactly as the roll does."""
    return max(abs(float(spearmanr(t, axis).statistic)) for axis in embedding.T)


# --8<-- [end:unroll-methods]


# --8<-- [start:unroll-train]
def train_unroll(p):
    """The roll, and each method's 2-D embedding of it with its unroll correlation."""
    X, t = datasets.swiss_roll(p.n_samples, p.noise, p.seed)
    np.random.seed(p.seed)  # Isomap's eigensolver draws its start vector from NumPy's global RNG
    arrays, metrics = {"X": X, "t": t}, {}
    for name, method in four_methods(p).items():
        key = name.lower().replace("-", "")
        arrays[f"embedding_{key}"] = method.fit_transform(X)
        metrics[f"unroll_correlation_{key}"] = unroll_correlation(t, arrays[f"embedding_{key}"])
    return arrays, metrics


# --8<-- [end:unroll-train]

# %% [markdown]
# ## A camera for 3-D points, drawn on flat axes
#
# Turning the points ourselves, instead of turning matplotlib's 3-D axes, keeps the box,
# the axes and the text perfectly still while only the dots move.


# --8<-- [start:camera]
def camera(points: np.ndarray, azimuth: float, elevation: float):
    """Screen positions (n, 2) and depths (n,) of 3-D points seen by an orthographic camera
    that has walked ``azimuth`` degrees around the vertical z axis and looks down
    ``elevation`` degrees. Larger depth is farther away."""
    a, e = np.radians(azimuth), np.radians(elevation)
    walk = np.array([[np.cos(a), np.sin(a), 0], [-np.sin(a), np.cos(a), 0], [0, 0, 1]])
    tilt = np.array([[1, 0, 0], [0, np.cos(e), -np.sin(e)], [0, np.sin(e), np.cos(e)]])
    seen = points @ (tilt @ walk).T  # columns: across the screen, depth, up the screen
    return seen[:, [0, 2]], seen[:, 1]


def box_edges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The 12 edges of the box [lo, hi] as one polyline with NaN breaks, (36, 3)."""
    corners = np.array([[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)])
    edges = [
        (i, j) for i in range(8) for j in range(i + 1, 8) if abs(corners[i] - corners[j]).sum() == 1
    ]
    unit = np.array([[*corners[i], *corners[j]] for i, j in edges], dtype=float)
    segments = lo + unit.reshape(-1, 2, 3) * (hi - lo)
    return np.concatenate([segments, np.full((len(edges), 1, 3), np.nan)], axis=1).reshape(-1, 3)


def roll_view(fig, rect, X: np.ndarray, elevation: float):
    """Flat axes for camera views of ``X`` from ``elevation``, centred on its box, with
    limits that hold the box from every azimuth; returns (axes, centre, box polyline)."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    centre = (lo + hi) / 2
    across = np.linalg.norm(hi[:2] - lo[:2]) / 2  # the box's widest half-width seen from the side
    e = np.radians(elevation)
    up = (hi[2] - lo[2]) / 2 * np.cos(e) + across * np.sin(e)
    ax = fig.add_axes(rect)
    ax.set_xlim(-across * 1.02, across * 1.02)
    ax.set_ylim(-up * 1.02, up * 1.02)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax, centre, box_edges(lo, hi) - centre


# --8<-- [end:camera]


# --8<-- [start:roll-render]
def draw_roll(run, style):
    """The roll under a camera that walks once around the vertical axis: an animation."""
    t = words(style)
    fig = new_figure(5.4, 4.4)
    ax, centre, box = roll_view(fig, (0.02, 0.02, 0.96, 0.84), run.X, style.elevation)
    title = t(
        "{:,} points on a swiss roll, in 3-D",
        "3차원 스위스 롤 위의 점 {:,}개",
    )
    fig.text(0.04, 0.93, title.format(len(run.X)), fontsize=13)
    angle = fig.text(0.04, 0.88, "", fontsize=11, color=MUTED)
    turn = t(
        "camera at {:.0f}° around the vertical axis",
        "수직축을 중심으로 카메라를 {:.0f}° 돌린 모습",
    )
    (edges,) = ax.plot([], [], color=MUTED, lw=0.8)
    dots = ax.scatter(*np.zeros((2, len(run.X))), c=run.t, cmap=ROLL_MAP, s=7, linewidths=0)

    def update(azimuth: float) -> str:
        screen, depth = camera(run.X - centre, azimuth, style.elevation)
        far_first = np.argsort(-depth)
        dots.set_offsets(screen[far_first])
        dots.set_array(run.t[far_first])
        edges.set_data(*camera(box, azimuth, style.elevation)[0].T)
        angle.set_text(turn.format(azimuth))
        return f"{azimuth:.0f}°"

    azimuths = np.linspace(0, 360, style.frames, endpoint=False)
    return animate(fig, update, azimuths, style.fps, animated=[dots, edges, angle])


# --8<-- [end:roll-render]


# --8<-- [start:unrolled-render]
UNROLL_METHODS = {"Isomap": "isomap", "PCA": "pca", "LLE": "lle", "t-SNE": "tsne"}


def draw_unrolled(run, t):
    """The four 2-D embeddings side by side, coloured by the true position along the roll."""
    fig = new_figure(8.0, 6.4)
    axes = fig.subplots(2, 2, gridspec_kw=dict(hspace=0.3, wspace=0.08))
    fig.subplots_adjust(left=0.02, right=0.98, top=0.9, bottom=0.03)
    title = t(
        "The same {:,} points, unrolled to 2-D",
        "같은 점 {:,}개를 2차원으로 펼친 결과",
    )
    fig.suptitle(title.format(len(run.X)), fontsize=13)
    for ax, (name, key) in zip(axes.flat, UNROLL_METHODS.items(), strict=True):
        rho = run.metrics[f"unroll_correlation_{key}"]
        ax.scatter(*getattr(run, f"embedding_{key}").T, c=run.t, cmap=ROLL_MAP, s=6, linewidths=0)
        ax.set_title(f"{name}: |ρ| = {rho:.3f}", fontsize=12)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.spines[["top", "right"]].set_visible(True)
    return fig


# --8<-- [end:unrolled-render]


# --8<-- [start:unroll-render]
def render_unroll(run, style):
    """The roll under a turning camera, and the four 2-D embeddings side by side."""
    t = words(style)
    return {"roll": draw_roll(run, style), "unrolled": draw_unrolled(run, t)}


# --8<-- [end:unroll-render]

# %% [markdown]
# ## A straight segment through space, and the shortest path on the sheet


# --8<-- [start:paths-train]
def arc_length(t: np.ndarray) -> np.ndarray:
    """Distance along the roll's spiral (t cos t, t sin t) from its centre to angle ``t``:
    with the position across the roll, the coordinates of the roll laid out flat."""
    return 0.5 * (t * np.sqrt(1 + t**2) + np.arcsinh(t))


def evenly_spaced(path: np.ndarray, count: int, *carried: np.ndarray) -> list[np.ndarray]:
    """``count`` points spaced evenly by length along the 3-D polyline ``path``, and the
    matching points of each polyline in ``carried`` (the same vertices in other coordinates)."""
    along = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))]
    targets = np.linspace(0.0, along[-1], count)
    return [
        np.column_stack([np.interp(targets, along, column) for column in line.T])
        for line in (path, *carried)
    ]


def path_length(path: np.ndarray) -> float:
    return float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum())


def train_paths(p):
    """Two points A and B on neighbouring turns; the straight segment between them and the
    shortest path on the k-nearest-neighbour graph, with each path's gap to the data."""
    X, t = datasets.swiss_roll(p.n_samples, p.noise, p.seed)
    sheet = np.column_stack([arc_length(t), X[:, 1]])  # the roll laid flat: (along, across)
    graph = kneighbors_graph(X, p.n_neighbors, mode="distance")
    on_sheet, previous = shortest_path(graph, directed=False, return_predecessors=True)
    if not np.isfinite(on_sheet).all():
        raise ValueError("the neighbour graph falls apart into pieces; raise n_neighbors")
    through_space = np.linalg.norm(X[:, None] - X[None], axis=-1)
    # A and B: of the points in the middle band across the roll (its axis is y), the pair
    # whose path on the sheet is longest compared with the straight line between them.
    across = X[:, 1]
    middle = np.abs(across - np.median(across)) <= p.middle_band * np.ptp(across) / 2
    detour = on_sheet / np.where(through_space > 0, through_space, np.inf)
    detour[~middle] = 0
    detour[:, ~middle] = 0
    a, b = np.unravel_index(np.argmax(detour), detour.shape)
    hops = [b]
    while hops[-1] != a:
        hops.append(previous[a, hops[-1]])
    hops = hops[::-1]

    geodesic, geodesic_sheet = evenly_spaced(X[hops], p.path_points, sheet[hops])
    segment = np.linspace(X[a], X[b], p.path_points)
    data = cKDTree(X)
    straight_gap, nearest = data.query(segment)
    geodesic_gap, _ = data.query(geodesic)
    spacing, _ = data.query(X, k=[2])  # each point's nearest other point
    arrays = dict(
        X=X,
        t=t,
        sheet=sheet,
        ends=np.array([a, b]),
        segment=segment,
        straight_sheet=sheet[nearest],
        straight_gap=straight_gap,
        geodesic=geodesic,
        geodesic_sheet=geodesic_sheet,
        geodesic_gap=geodesic_gap,
    )
    metrics = {
        "straight_path_mean_gap": float(straight_gap.mean()),
        "straight_path_max_gap": float(straight_gap.max()),
        "geodesic_path_mean_gap": float(geodesic_gap.mean()),
        "geodesic_path_max_gap": float(geodesic_gap.max()),
        "straight_nearest_is_an_end": float(np.isin(nearest, [a, b]).mean()),
        "data_mean_spacing": float(spacing.mean()),
        "straight_path_length": path_length(segment),
        "geodesic_path_length": path_length(geodesic),
        "flat_distance": float(np.linalg.norm(sheet[a] - sheet[b])),
    }
    metrics["detour_ratio"] = metrics["geodesic_path_length"] / metrics["straight_path_length"]
    metrics["geodesic_excess"] = metrics["geodesic_path_length"] / metrics["flat_distance"] - 1
    return arrays, metrics


# --8<-- [end:paths-train]


# --8<-- [start:paths-render]
def render_paths(run, style):
    """A point travels both paths at once: in 3-D, on the roll laid flat, and in its gap."""
    t = words(style)
    fig = new_figure(8.0, 4.8)
    title = t(
        "From A to B: straight through space, or along the sheet",
        "A에서 B까지: 공간을 가로지르는 직선, 또는 면을 따라가는 길",
    )
    fig.text(0.02, 0.93, title, fontsize=13)
    ax, centre, box = roll_view(fig, (0.0, 0.0, 0.48, 0.84), run.X, style.elevation)
    screen, depth = camera(run.X - centre, style.azimuth, style.elevation)
    far_first = np.argsort(-depth)
    ax.scatter(
        *screen[far_first].T, c=run.t[far_first], cmap=ROLL_MAP, s=6, linewidths=0, alpha=0.3
    )
    ax.plot(*camera(box, style.azimuth, style.elevation)[0].T, color=MUTED, lw=0.8)
    view = {}
    for name in ("segment", "geodesic"):
        view[name] = camera(getattr(run, name) - centre, style.azimuth, style.elevation)[0]
    middle = screen.mean(axis=0)
    for label, point in (("A", view["segment"][0]), ("B", view["segment"][-1])):
        away = 14 * (point - middle) / np.linalg.norm(point - middle)  # out from the roll
        ax.annotate(
            label,
            point,
            xytext=away,
            textcoords="offset points",
            ha="center",
            va="center",
            fontsize=12,
            fontweight="bold",
        )

    flat = fig.add_axes((0.57, 0.5, 0.41, 0.36))
    flat.set_aspect("equal")  # so that straight on the sheet looks straight
    flat.scatter(*run.sheet.T, c=run.t, cmap=ROLL_MAP, s=4, linewidths=0, alpha=0.3)
    laid_flat = t("the roll laid flat", "평평하게 펼친 롤")
    flat.set_title(laid_flat, fontsize=11, loc="left")
    flat.set_xlabel(t("distance along the roll", "롤을 따라간 거리"))
    flat.set_ylabel(t("across the roll", "폭 방향"))

    gaps = fig.add_axes((0.57, 0.12, 0.41, 0.26))
    fraction = np.linspace(0, 1, len(run.segment))
    way = t("fraction of the way from A to B", "A에서 B까지 나아간 비율")
    gaps.set_xlabel(way)
    gaps.set_ylabel(t("gap to data", "데이터까지 거리"))
    gaps.set_ylim(0, run.straight_gap.max() * 1.3)
    spacing = run.metrics["data_mean_spacing"]
    typical = t("typical spacing of the data", "점 사이 보통 간격")
    gaps.axhline(spacing, color=MUTED, lw=1, ls=":", label=typical)
    gaps.legend(loc="upper left", fontsize=11, handlelength=1.5)

    # The straight segment leaves the sheet, so the flat view can only show where its
    # nearest data point lies: dots, not a line.
    dots, line = dict(ls="none", marker=".", ms=4), dict(lw=2)
    moving = []
    straight = t("straight segment", "직선 선분")
    on_sheet = t("path on the sheet (geodesic)", "면 위의 경로 (측지선)")
    for name, color, path, where, flat_style, gap in (
        (straight, FIT, view["segment"], run.straight_sheet, dots, run.straight_gap),
        (on_sheet, GEODESIC, view["geodesic"], run.geodesic_sheet, line, run.geodesic_gap),
    ):
        ax.plot(*path.T, color=color, lw=2.2, label=name)
        flat.plot(*where.T, color=color, **flat_style)
        gaps.plot(fraction, gap, color=color, lw=1.3)
        marker = dict(marker="o", ms=8, color=color, mec="white", mew=1.2, ls="none")
        moving.append((ax.plot([], [], **marker)[0], path))
        moving.append((flat.plot([], [], **marker)[0], where))
        moving.append((gaps.plot([], [], **marker)[0], np.column_stack([fraction, gap])))
    fig.legend(
        *ax.get_legend_handles_labels(),
        loc="upper left",
        bbox_to_anchor=(0.02, 0.9),
        ncols=2,
        fontsize=11,
    )

    def update(i: int) -> str:
        for marker, path in moving:
            marker.set_data(path[i : i + 1, 0], path[i : i + 1, 1])
        return t("{:.0%} of the way", "{:.0%} 지점").format(fraction[i])

    steps = np.linspace(0, len(fraction) - 1, style.frames).round().astype(int)
    return {"paths": animate(fig, update, steps, style.fps, animated=[m for m, _ in moving])}


# --8<-- [end:paths-render]

# %% [markdown]
# ## The jobs

job("swissroll.unroll", train=train_unroll, render=render_unroll,
    params=dict(
        n_samples=1500, noise=0.2, seed=0, n_neighbors=10, perplexity=30, tsne_iterations=500
    ),
    quick=dict(n_samples=500, tsne_iterations=250),
    bounds=dict(
        n_samples=(100, 20_000), noise=(0.0, 5.0), seed=(0, None), n_neighbors=(2, 100),
        perplexity=(2, 100), tsne_iterations=(250, 5000),
    ),
    style=dict(frames=28, fps=7, elevation=20.0),
)  # fmt: skip

job("swissroll.paths", train=train_paths, render=render_paths,
    params=dict(
        n_samples=1500, noise=0.2, seed=0, n_neighbors=10, middle_band=0.2, path_points=121
    ),
    quick=dict(n_samples=500),
    bounds=dict(
        n_samples=(100, 20_000), noise=(0.0, 5.0), seed=(0, None), n_neighbors=(2, 100),
        middle_band=(0.01, 1.0), path_points=(2, 1000),
    ),
    style=dict(frames=31, fps=8, azimuth=10.0, elevation=15.0),
)  # fmt: skip
