"""Turning drawn frames and figures into files: GIFs, sprite sheets for the player, PNGs.

Chapter code draws; this module encodes. Every animation becomes, from one list of
frames:

* ``NAME.gif``: one shared palette, identical consecutive frames merged, loops;
* ``NAME.frames.png``: the same quantised frames tiled in a grid, for the web player;
* ``NAME.poster.png``: the last frame, shown instead of motion on request;
* ``NAME.json``: frame size, grid, durations and per-frame labels.
"""

from __future__ import annotations

import io
import json
import math
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

MAX_GIF_BYTES = 1_500_000


class MediaError(ValueError):
    """An output cannot be encoded within its limits."""


@dataclass
class Animation:
    """Frames (H x W x 3 uint8) with a label each, shown at ``fps``; the last is held longer."""

    frames: list[np.ndarray]
    labels: list[str]
    fps: float = 10.0
    hold_last_seconds: float = 2.0
    frame_ms: list[float] = field(default_factory=list)


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
    return Animation(frames=frames, labels=labels, fps=fps, frame_ms=times)


def canvas_rgb(fig: Any) -> np.ndarray:
    """The figure drawn by Agg, as an H x W x 3 uint8 array."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def _merge_repeats(frames: Sequence[np.ndarray], labels: Sequence[str], durations: list[int]):
    kept, kept_labels, kept_durations = [], [], []
    for frame, label, duration in zip(frames, labels, durations, strict=True):
        if kept and np.array_equal(frame, kept[-1]):
            kept_durations[-1] += duration
            continue
        kept.append(frame)
        kept_labels.append(label)
        kept_durations.append(duration)
    return kept, kept_labels, kept_durations


def shared_palette(frames: Sequence[np.ndarray], colors: int = 256) -> Image.Image:
    """One palette for a whole animation, fitted to a sample of its frames."""
    picks = np.linspace(0, len(frames) - 1, min(len(frames), 12)).round().astype(int)
    mosaic = np.concatenate([frames[i] for i in sorted(set(picks))], axis=0)
    return Image.fromarray(mosaic).quantize(
        colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )


def encode_animation(name: str, animation: Animation) -> dict[str, bytes]:
    """The GIF, sprite sheet, poster and metadata files of one animation."""
    if not animation.frames:
        raise MediaError(f"{name}: the animation has no frames")
    step_ms = round(1000 / animation.fps)
    durations = [step_ms] * len(animation.frames)
    durations[-1] += round(animation.hold_last_seconds * 1000)
    frames, labels, durations = _merge_repeats(animation.frames, animation.labels, durations)
    palette = shared_palette(frames)
    indexed = [
        Image.fromarray(f).quantize(palette=palette, dither=Image.Dither.NONE) for f in frames
    ]

    gif = io.BytesIO()
    indexed[0].save(
        gif,
        format="GIF",
        save_all=True,
        append_images=indexed[1:],
        duration=durations,
        loop=0,
        optimize=True,
        disposal=1,
        palette=palette.getpalette(),  # one global palette: no per-frame local tables
    )
    if gif.tell() > MAX_GIF_BYTES:
        raise MediaError(
            f"{name}.gif is {gif.tell() / 1e6:.2f} MB, over the {MAX_GIF_BYTES / 1e6:.1f} MB "
            "limit; draw fewer or smaller frames"
        )

    height, width = frames[0].shape[:2]
    columns = max(1, min(len(frames), math.ceil(math.sqrt(len(frames) * height / width))))
    rows = math.ceil(len(frames) / columns)
    sheet = Image.new("P", (columns * width, rows * height), 0)
    sheet.putpalette(palette.getpalette())
    for i, frame in enumerate(indexed):
        sheet.paste(frame, ((i % columns) * width, (i // columns) * height))

    meta = {
        "width": width,
        "height": height,
        "columns": columns,
        "frames": len(frames),
        "durations_ms": durations,
        "labels": labels,
    }
    return {
        f"{name}.gif": gif.getvalue(),
        f"{name}.frames.png": png_bytes(sheet),
        f"{name}.poster.png": png_bytes(indexed[-1]),
        f"{name}.json": json.dumps(meta, indent=1).encode(),
    }


def png_bytes(image: Image.Image | np.ndarray) -> bytes:
    """A PNG with no time stamps or software tags, so equal pixels give equal bytes."""
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def encode_figure(name: str, fig: Any) -> dict[str, bytes]:
    """A still matplotlib figure as ``NAME.png``, drawn at the figure's own dpi."""
    pixels = canvas_rgb(fig)
    return {f"{name}.png": png_bytes(pixels)}


def encode_outputs(outputs: dict[str, Any]) -> tuple[dict[str, bytes], dict[str, Any]]:
    """Encode a render step's outputs; returns the files and facts about them (frames, draw ms)."""
    files: dict[str, bytes] = {}
    facts: dict[str, Any] = {}
    for name, output in outputs.items():
        if isinstance(output, Animation):
            files.update(encode_animation(name, output))
            facts[name] = {
                "kind": "animation",
                "frames": len(output.frames),
                "frame_ms_median": round(statistics.median(output.frame_ms), 2)
                if output.frame_ms
                else None,
            }
        elif hasattr(output, "canvas"):
            files.update(encode_figure(name, output))
            facts[name] = {"kind": "figure"}
        else:
            raise MediaError(
                f"{name}: render must return Animation or a matplotlib Figure, "
                f"not {type(output).__name__}"
            )
    return files, facts
