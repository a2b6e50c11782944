"""The look shared by every chapter: class colours, fonts, and a fresh figure to draw on.

Class colours come from Okabe & Ito's colour-blind-safe palette, and stay the same
everywhere: class 0 is blue, class 1 orange, class 2 green.
"""

from __future__ import annotations

import logging
import warnings

import matplotlib

matplotlib.use("Agg")
# Nanum Gothic's bold face has weight 600, which matplotlib takes for bold (700) after a log
# line per figure: that line says nothing a reader of the build needs.
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
# A glyph missing from every font would be drawn as an empty box ("tofu"): stop instead.
warnings.filterwarnings("error", message=r"Glyph \d+ .* missing from font", category=UserWarning)

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap, ListedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

CLASS_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
# Ten classes (Fashion-MNIST, digits): Paul Tol's "muted" scheme plus a grey.
TEN_COLORS = (
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933",
    "#DDCC77", "#CC6677", "#882255", "#AA4499", "#777777",
)  # fmt: skip
INK = "#222222"
MUTED = "#8a8a8a"
FIT = "#D55E00"  # a fitted curve: the palette's vermilion (say "vermilion" in the prose)

# Probability of class 1, from a pale class-0 colour through white to a pale class-1 colour:
# pale, so that the data points drawn on top keep their full colour.
PROBABILITY_MAP = LinearSegmentedColormap.from_list(
    "class_probability", ["#c3dbee", "#ffffff", "#f8e0ae"]
)

# What a build says when a Korean figure's glyph is missing (the warning above is an error).
HANGUL_FONT_MISSING = (
    "the Korean figures need a Hangul font: install Nanum Gothic "
    "(apt-get install fonts-nanum), then build again"
)

STYLE = {
    # Hangul comes from Nanum Gothic (Debian's fonts-nanum), glyph by glyph: English figures
    # never use it, so they are drawn exactly as before.
    "font.family": ["DejaVu Sans", "NanumGothic"],
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "axes.edgecolor": MUTED,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.titlecolor": INK,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "path.simplify": True,
}
matplotlib.rcParams.update(STYLE)


def new_figure(width: float, height: float, dpi: int = 100) -> Figure:
    """A figure of ``width`` x ``height`` inches on its own Agg canvas (no pyplot state)."""
    fig = Figure(figsize=(width, height), dpi=dpi, layout=None)
    FigureCanvasAgg(fig)
    return fig


def class_cmap(n: int) -> ListedColormap:
    """The class colours as a colormap of ``n`` entries."""
    colors = CLASS_COLORS if n <= len(CLASS_COLORS) else TEN_COLORS
    return ListedColormap(colors[:n])


def class_colors(labels, n: int | None = None):
    """One RGBA colour (floats in [0, 1]) per point, from its integer class label."""
    import numpy as np
    from matplotlib.colors import to_rgba_array

    labels = np.asarray(labels)
    n = int(labels.max()) + 1 if n is None else n
    return to_rgba_array(class_cmap(n).colors)[labels]


def smooth_limits(snapshots, pad: float = 0.08, smoothing: float = 0.25, aspect: float = 0.0):
    """Per-frame axis limits (T, 2, 2) that hold each frame's points and glide between
    frames instead of jumping: each frame's extent, smoothed forwards and backwards,
    and never tighter than the points themselves. With ``aspect`` (the axes' width over
    height in pixels), one data unit is as long across as up."""
    import numpy as np

    snapshots = np.asarray(snapshots, dtype=np.float64)
    lo, hi = snapshots.min(axis=1), snapshots.max(axis=1)  # (T, 2)
    span = np.maximum(hi - lo, 1e-3)
    lo, hi = lo - pad * span, hi + pad * span
    if aspect:
        centre, span = (lo + hi) / 2, hi - lo
        width = np.maximum(span[:, 0], span[:, 1] * aspect)
        half = np.stack([width, width / aspect], axis=1) / 2
        lo, hi = centre - half, centre + half

    def glide(values):
        out = values.copy()
        for t in range(1, len(out)):
            out[t] = out[t - 1] + smoothing * (values[t] - out[t - 1])
        for t in range(len(out) - 2, -1, -1):
            out[t] = out[t + 1] + smoothing * (out[t] - out[t + 1])
        return out

    lo, hi = np.minimum(glide(lo), lo), np.maximum(glide(hi), hi)
    return np.stack([lo, hi], axis=-1)  # (T, axis, lo/hi)


def line_in_box(normal, offset: float, xlim, ylim):
    """The segment of the line ``normal · p + offset = 0`` inside a box, as (xs, ys)."""
    import numpy as np

    a, b = float(normal[0]), float(normal[1])
    points = []
    if abs(b) > 1e-12:
        for x in xlim:
            y = -(a * x + offset) / b
            if ylim[0] <= y <= ylim[1]:
                points.append((x, y))
    if abs(a) > 1e-12:
        for y in ylim:
            x = -(b * y + offset) / a
            if xlim[0] <= x <= xlim[1]:
                points.append((x, y))
    if len(points) < 2:
        return [], []
    points = np.array(points)
    return points[:2, 0], points[:2, 1]


def class_legend(fig, names, colors=None, marker: str = "o", **where):
    """A figure legend of class ``names``, each as a dot in its class colour (``colors``
    default to the class palette); ``where`` goes to ``fig.legend`` (loc, ncols, ...)."""
    from matplotlib.lines import Line2D

    colors = class_cmap(len(names)).colors if colors is None else colors
    handles = [
        Line2D([], [], ls="none", marker=marker, ms=7, mew=0, color=color, label=name)
        for name, color in zip(names, colors, strict=True)
    ]
    return fig.legend(handles=handles, **where)


def class_dots(ax, points, labels, size: float = 3.0, **style):
    """The points as one marker-only line per class. Agg draws these several times faster
    than a scatter with a colour per point, which matters when every frame redraws them."""
    import numpy as np

    labels = np.asarray(labels)
    colors = class_cmap(int(labels.max()) + 1).colors
    lines = []
    for c, color in enumerate(colors):
        (line,) = ax.plot(*np.asarray(points)[labels == c].T, ls="none", marker="o",
                          ms=size, mew=0, color=color, **style)  # fmt: skip
        lines.append(line)
    return lines


def move_class_dots(lines, points, labels) -> None:
    """Move the lines made by :func:`class_dots` to new positions of the same points."""
    import numpy as np

    for c, line in enumerate(lines):
        line.set_data(*np.asarray(points)[np.asarray(labels) == c].T)
