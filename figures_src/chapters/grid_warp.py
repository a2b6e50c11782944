"""How layers bend space, layer by layer: a grid of the plane carried through the network.

The trained circles network (circles.py) is taken apart into its operations: for each of
its two layers a linear map, a shift and a bend (ReLU). A grid of the plane and a sample of
the data are moved through them one operation at a time, each picture gliding into the next,
with a turn of the camera to the two directions the second layer reads.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection

from figures_src import plotting

# circles.py registers circles.hidden, whose trained network this figure draws.
from figures_src.chapters.circles import circle_names
from figures_src.drawing import animate, words
from figures_src.engine import job
from figures_src.plotting import INK, MUTED

# %% [markdown]
# ## Circles, layer by layer: a grid of the plane carried through the trained network


# --8<-- [start:grid-warp]
def flat_view(run) -> np.ndarray:
    """Two orthonormal directions (2 x 16) spanning the plane that W₁ maps the input
    onto: seen along them, layer 1's linear map shows its true stretch and shear."""
    directions, _, _ = np.linalg.svd(run.W1, full_matrices=False)
    return directions[:, :2].T


def layer2_view(run, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """W₂ split as R·Q. Q (2 x 16) has orthonormal rows spanning the two directions
    layer 2 reads, turned within their plane to be as close to ``start`` as possible;
    R (2 x 2) is the linear map layer 2 then applies within that view."""
    q, r = np.linalg.qr(run.W2.T)  # W₂ᵀ = q·r, so W₂ = rᵀ·qᵀ
    u, _, vt = np.linalg.svd(start @ q)
    turn = u @ vt  # the rotation (or reflection) of q's plane closest to start
    return turn @ q.T, r.T @ turn.T


def camera_turn(points: np.ndarray, start: np.ndarray, end: np.ndarray):
    """A path from seeing ``points`` (n x 16) along ``start`` to seeing them along
    ``end``, through views whose two directions stay orthonormal: the points
    themselves never move."""

    def seen(t: float) -> np.ndarray:
        u, _, vt = np.linalg.svd((1 - t) * start + t * end, full_matrices=False)
        return points @ (u @ vt).T

    return seen


def glide(start: np.ndarray, end: np.ndarray):
    """The straight path from one picture to the next."""
    return lambda t: (1 - t) * start + t * end


def best_line(features: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """The linear probe's line ``normal · p + offset = 0``: the logistic regression
    whose accuracy the page quotes, fitted the same way."""
    from sklearn.linear_model import LogisticRegression

    probe = LogisticRegression(max_iter=2000).fit(features, y)
    return probe.coef_[0], float(probe.intercept_[0])


def warp_steps(run, points: np.ndarray, t) -> list[tuple]:
    """The trained network's steps as (title, note, axis names, path, line), in the
    figure's language ``t``;
    ``path(t)`` is the points' 2-D picture a fraction ``t`` of the way through the
    step, and ``line`` a straight line (normal, offset) drawn once the step is done,
    or None."""
    flat = flat_view(run)
    view, inside = layer2_view(run, flat)
    moved = points @ run.W1.T
    shifted = moved + run.b1
    folded = np.maximum(shifted, 0) @ view.T
    read = folded @ inside.T  # = W₂·ReLU(W₁x + b₁)
    # The probe is fitted on W₂·ReLU(W₁x + b₁) for every data point; in this
    # view's coordinates v, that is inside·v, so its normal becomes insideᵀ·normal.
    layer1_out = np.maximum(run.X @ run.W1.T + run.b1, 0)
    normal, offset = best_line(layer1_out @ run.W2.T, run.y)
    probe_line = (inside.T @ normal, offset)
    direction_2 = t("direction 2", "방향 2")
    in_plane = (t("layer 1's plane, direction 1", "층 1의 평면, 방향 1"), direction_2)
    layer2 = (t("layer 2's view, direction 1", "층 2의 시점, 방향 1"), direction_2)
    inputs = [
        t("hidden unit {}, before its ReLU", "은닉 유닛 {} (ReLU 전)").format(k) for k in (1, 2)
    ]
    units = [t("hidden unit {}", "은닉 유닛 {}").format(k) for k in (1, 2)]
    probe = run.metrics["folded_linear_probe_accuracy"]
    return [
        (
            t("layer 1 · linear map W₁x", "층 1 · 선형 변환 W₁x"),
            t(
                "the plane goes into 16 dimensions; we look at it face on",
                "평면이 16차원 공간으로 옮겨진다. 그 평면을 정면에서 본다",
            ),
            in_plane,
            glide(points, moved @ flat.T),
            None,
        ),
        (
            t("layer 1 · shift + b₁", "층 1 · 평행 이동 + b₁"),
            t(
                "most of b₁ points out of this plane: little moves here",
                "b₁은 대부분 이 평면 밖을 향한다. 여기서는 거의 움직이지 않는다",
            ),
            in_plane,
            glide(moved @ flat.T, shifted @ flat.T),
            None,
        ),
        (
            t("camera turn", "카메라 회전"),
            t(
                "nothing moves: we turn to the two directions layer 2 reads",
                "점은 움직이지 않는다. 층 2가 읽는 두 방향으로 시점만 돌린다",
            ),
            layer2,
            camera_turn(shifted, flat, view),
            None,
        ),
        (
            t("layer 1 · bend: ReLU on 16 units", "층 1 · 휘기: 유닛 16개에 ReLU 적용"),
            t(
                "dashed: a straight line that now separates {:.1%}",
                "점선: 이제 {:.1%}를 가르는 직선",
            ).format(probe),
            layer2,
            glide(shifted @ view.T, folded),
            probe_line,
        ),
        (
            t("layer 2 · linear map", "층 2 · 선형 변환"),
            t("a 2 x 2 map within this view", "이 시점 안에서 일어나는 2 x 2 변환"),
            inputs,
            glide(folded, read),
            None,
        ),
        (
            t("layer 2 · shift + b₂", "층 2 · 평행 이동 + b₂"),
            "",
            inputs,
            glide(read, read + run.b2),
            None,
        ),
        (
            t("layer 2 · bend: ReLU", "층 2 · 휘기: ReLU"),
            t(
                "negatives pressed onto the axes: the hidden layer",
                "음수 값은 축으로 눌린다. 이것이 은닉층이다",
            ),
            units,
            glide(read + run.b2, np.maximum(read + run.b2, 0)),
            None,
        ),
    ]


def warp_frames(steps, points: np.ndarray, per_step: int, hold: int, t) -> list[tuple]:
    """(title, note, axis names, picture, line) per frame: the input plane, then each
    step gliding in ``per_step`` eased frames and holding for ``hold`` (with its
    line, if any)."""
    start = (
        t("0/{} · the input plane", "0/{} · 입력 평면").format(len(steps)),
        t("a grid and a sample of the data", "격자와 데이터 표본"),
    )
    frames = [(*start, ("x₁", "x₂"), points, None)] * hold
    for k, (title, note, axes, path, line) in enumerate(steps, 1):
        name = f"{k}/{len(steps)} · {title}"
        for i in range(1, per_step + 1):
            t = i / per_step
            frames.append((name, note, axes, path(t * t * (3 - 2 * t)), None))
        frames += [(name, note, axes, path(1.0), line)] * hold
    return frames


def render_grid_warp(run, style):
    """A grid of the plane and the data, moved through the network one operation at a
    time."""
    lines_per_axis, samples = 13, 50
    ticks = np.linspace(-1.5, 1.5, lines_per_axis, dtype=np.float32)
    along = np.linspace(-1.5, 1.5, samples, dtype=np.float32)
    grid_lines = [np.c_[along, np.full_like(along, v)] for v in ticks]
    grid_lines += [np.c_[np.full_like(along, v), along] for v in ticks]
    grid_points = np.concatenate(grid_lines)
    every = max(1, len(run.X) // 400)
    data, labels = run.X[::every], run.y[::every]
    points = np.concatenate([grid_points, data])
    t = words(style)
    frames = warp_frames(warp_steps(run, points, t), points, style.steps, style.hold, t)

    fig = plotting.new_figure(5.6, 5.8)
    ax = fig.add_axes((0.15, 0.17, 0.81, 0.66))
    title = fig.text(0.03, 0.945, "", fontsize=13)
    note = fig.text(0.03, 0.895, "", fontsize=11, color=MUTED)
    ax.axhline(0, color=MUTED, lw=0.8, zorder=0)
    ax.axvline(0, color=MUTED, lw=0.8, zorder=0)
    mesh = LineCollection([], colors=MUTED, linewidths=0.6, alpha=0.6)
    ax.add_collection(mesh)
    dots = plotting.class_dots(ax, data, labels, size=3.4, zorder=3)
    (cut,) = ax.plot([], [], color=INK, lw=1.4, ls="--", zorder=4)
    names = circle_names(t)
    plotting.class_legend(fig, names, loc="lower right", bbox_to_anchor=(0.98, 0), ncols=2)
    aspect = ax.bbox.width / ax.bbox.height
    pictures = [f[3] for f in frames]
    limits = plotting.smooth_limits(pictures, pad=0.04, smoothing=0.12, aspect=aspect)
    n_grid = len(grid_points)

    def update(frame: int) -> str:
        name, comment, (x_name, y_name), picture, line = frames[frame]
        (x0, x1), (y0, y1) = limits[frame]
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xlabel(x_name)
        ax.set_ylabel(y_name)
        mesh.set_segments(np.split(picture[:n_grid], len(grid_lines)))
        plotting.move_class_dots(dots, picture[n_grid:], labels)
        cut.set_data(*(plotting.line_in_box(*line, (x0, x1), (y0, y1)) if line else ([], [])))
        title.set_text(name)
        note.set_text(comment)
        return name

    # Every frame is drawn in full: the axes' ticks and names change with the step.
    return {"grid_warp": animate(fig, update, range(len(frames)), style.fps)}


# --8<-- [end:grid-warp]

# %% [markdown]
# ## The job

job("circles.grid_warp", train="circles.hidden", render=render_grid_warp,
    style=dict(fps=8, steps=6, hold=5))  # fmt: skip
