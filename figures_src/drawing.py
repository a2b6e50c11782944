"""Drawing frames: a matplotlib figure redrawn step by step becomes an :class:`Animation`.

Chapters call :func:`animate`; the engine's media module encodes what it returns. Every
output also records its smallest text as the page will show it, so unreadable labels are
caught at build time. A figure's words come in each of the site's languages (:func:`words`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# The width of the page's text column in CSS px at a 1280 px window: a figure wider than this
# is shown scaled down to it, and so is all of its text.
COLUMN_CSS_PX = 690

_spoken = [False]  # whether the drawing under way has used words(); see drew_words()


def words(style: Any) -> Callable[[str, str], str]:
    """A figure's text in the language it is drawn for (``style.lang``, English if unset):
    ``t = words(style)``, then ``t("epoch {}", "에포크 {}").format(n)``. The Korean sits next
    to the English in the chapter, so the two cannot drift apart."""
    korean = getattr(style, "lang", "en") == "ko"

    def t(english: str, in_korean: str) -> str:
        _spoken[0] = True
        return in_korean if korean else english

    return t


def drew_words(reset: bool = False) -> bool:
    """Whether a figure drawn since the last reset used words: if none did, one drawing
    serves every language. ``reset=True`` starts counting afresh."""
    spoken = _spoken[0]
    if reset:
        _spoken[0] = False
    return spoken


@dataclass
class Animation:
    """Frames (H x W x 3 uint8) with a label each, shown at ``fps``; the last is held longer."""

    frames: list[np.ndarray]
    labels: list[str]
    fps: float = 10.0
    hold_last_seconds: float = 2.0
    frame_ms: list[float] = field(default_factory=list)
    min_text_px: float | None = None  # the smallest text as the page shows it, in CSS px


def animate(
    fig: Any,
    update: Callable[[int], str],
    steps: Iterable[int],
    fps: float = 10.0,
    animated: Sequence[Any] = (),
) -> Animation:
    """Draw ``fig`` once per step after ``update(step)``, which returns that frame's label.

    If the ``animated`` artists are the only ones ``update`` changes, the rest of the
    figure is drawn once and each frame redraws only them (blitting).
    """
    frames, labels, times = [], [], []
    background = None
    if animated:
        for artist in animated:
            artist.set_animated(True)
        fig.canvas.draw()
        background = fig.canvas.copy_from_bbox(fig.bbox)
    for step in steps:
        start = time.perf_counter()
        labels.append(update(step))
        if background is None:
            fig.canvas.draw()
        else:
            fig.canvas.restore_region(background)
            for artist in animated:
                fig.draw_artist(artist)
        frames.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
        times.append((time.perf_counter() - start) * 1000)
    return Animation(
        frames=frames, labels=labels, fps=fps, frame_ms=times, min_text_px=smallest_text_px(fig)
    )


def smallest_text_px(fig: Any) -> float | None:
    """The size of the smallest visible text in ``fig`` (titles, labels, ticks, legends), in
    CSS px as the page shows it: points × dpi / 72, scaled down to the text column's width.
    None if the figure has no text."""
    from matplotlib.text import Text

    renderer = fig.canvas.get_renderer()
    width = fig.bbox.width
    scale = min(1.0, COLUMN_CSS_PX / width)
    sizes = []
    for text in fig.findobj(Text):
        if not (text.get_visible() and text.get_text().strip()):
            continue
        box = text.get_window_extent(renderer)
        if box.x1 < 0 or box.y1 < 0 or box.x0 > width or box.y0 > fig.bbox.height:
            continue  # outside the canvas: never seen
        sizes.append(text.get_fontsize() * fig.dpi / 72 * scale)
    return round(min(sizes), 2) if sizes else None


def canvas_rgb(fig: Any) -> np.ndarray:
    """The figure drawn by Agg, as an H x W x 3 uint8 array."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
